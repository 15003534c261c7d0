import pytest

from accounts.models import User
from accounts.selectors import blocked_user_ids, blocked_user_ids_subquery, is_blocked_between
from accounts.tests.factories import BlockFactory

pytestmark = pytest.mark.django_db


def test_is_blocked_between_either_direction(make_user):
    alice, bob, carol = make_user(), make_user(role="employer"), make_user()
    BlockFactory(blocker=alice, blocked=bob)

    assert is_blocked_between(user_a_id=alice.id, user_b_id=bob.id)
    assert is_blocked_between(user_a_id=bob.id, user_b_id=alice.id)
    assert is_blocked_between(user_a_id=str(bob.id), user_b_id=str(alice.id))
    assert not is_blocked_between(user_a_id=alice.id, user_b_id=carol.id)
    assert not is_blocked_between(user_a_id=None, user_b_id=alice.id)
    assert not is_blocked_between(user_a_id=alice.id, user_b_id=alice.id)


def test_blocked_user_ids_both_directions(make_user, django_assert_num_queries):
    me, blocked_by_me, blocking_me, stranger = (make_user() for _ in range(4))
    BlockFactory(blocker=me, blocked=blocked_by_me)
    BlockFactory(blocker=blocking_me, blocked=me)
    BlockFactory(blocker=stranger, blocked=blocked_by_me)

    with django_assert_num_queries(1):
        ids = blocked_user_ids(user_id=me.id)

    assert ids == {blocked_by_me.id, blocking_me.id}
    assert blocked_user_ids(user_id=None) == set()


def test_blocked_user_ids_subquery_is_one_sql_filter(make_user, django_assert_num_queries):
    me, blocked_by_me, blocking_me, stranger = (make_user() for _ in range(4))
    BlockFactory(blocker=me, blocked=blocked_by_me)
    BlockFactory(blocker=blocking_me, blocked=me)

    with django_assert_num_queries(1):
        visible = set(
            User.objects.exclude(id__in=blocked_user_ids_subquery(user_id=me.id))
            .exclude(id=me.id)
            .values_list("id", flat=True)
        )

    assert visible == {stranger.id}
    anonymous = User.objects.exclude(id__in=blocked_user_ids_subquery(user_id=None))
    assert anonymous.count() == 4
