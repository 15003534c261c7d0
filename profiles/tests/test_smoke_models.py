import pytest

from profiles.models import ModelProfile
from profiles.selectors import ModelFilters, model_profile_list, user_display

pytestmark = pytest.mark.django_db


def test_smoke(make_user):
    user = make_user(role="model")
    ModelProfile.objects.create(
        user=user, name="Aisha Nurzhanova", age=24, gender="female", categories=["fashion"]
    )
    rows = list(
        model_profile_list(filters=ModelFilters(search="Nurzhanova", category="fashion", city=""))
    )
    assert [r.name for r in rows] == ["Aisha Nurzhanova"]
    assert user_display(user)["name"] == "Aisha Nurzhanova"
