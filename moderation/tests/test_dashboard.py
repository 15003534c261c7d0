import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from moderation.selectors import dashboard_stats
from moderation.tests.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _payment(user, amount, plan_name=None, paid_at=None):
    Plan = apps.get_model("billing", "Plan")
    Payment = apps.get_model("billing", "Payment")
    ResponsePackage = apps.get_model("billing", "ResponsePackage")
    values = {
        "user": user,
        "amount": amount,
        "status": "paid",
        "paid_at": paid_at or timezone.now(),
    }
    if plan_name:
        values.update(purpose="subscription", plan=Plan.objects.get(name=plan_name))
    else:
        values.update(purpose="response_package", package=ResponsePackage.objects.first())
    return Payment.objects.create(**values)


def test_dashboard_numbers_and_series(
    make_user, make_casting, make_message, django_assert_max_num_queries
):
    model, employer = make_user(), make_user(role="employer")
    make_user(role="agency", created_at=timezone.now() - dt.timedelta(days=3))
    make_user(created_at=timezone.now() - dt.timedelta(days=40))  # outside the window
    make_casting(owner=employer)
    make_message(sender=model, other=employer)
    ReportFactory(target_user=employer)
    ReportFactory(status="dismissed")
    _payment(model, 5000, "PRO")
    _payment(employer, 15000, "BUSINESS", paid_at=timezone.now() - dt.timedelta(days=2))
    if apps.get_model("billing", "ResponsePackage").objects.exists():
        _payment(model, 1000)

    with django_assert_max_num_queries(7):
        stats = dashboard_stats()

    assert len(stats["days"]) == 30
    today = stats["today"]
    series = stats["series"]
    # today: the model, the employer and the reporters/targets of the two reports
    assert (
        today["signups"]
        == series["signups"]["model"][-1]
        + series["signups"]["employer"][-1]
        + series["signups"]["agency"][-1]
    )
    assert series["signups"]["agency"][-4] == 1
    assert sum(sum(v) for v in series["signups"].values()) >= 3
    assert today["castings"] == 1
    assert today["messages"] == 1
    assert today["responses"] == 0
    assert today["reports"] == 2
    assert today["open_reports"] == 1
    assert series["revenue"]["PRO"][-1] == 5000
    assert series["revenue"]["BUSINESS"][-3] == 15000
    assert today["revenue"] == 5000 + sum(series["revenue"].get("packages", [0])[-1:])


def test_dashboard_is_cached_for_a_minute(make_user, django_assert_num_queries):
    dashboard_stats()
    make_user()

    with django_assert_num_queries(0):
        stats = dashboard_stats()

    assert stats["today"]["signups"] == 0


def test_dashboard_tolerates_missing_apps(monkeypatch, make_user):
    make_user()
    real_get_model = apps.get_model

    def without_upper_apps(label, *args, **kwargs):
        if label.split(".")[0] in ("castings", "chat", "billing"):
            raise LookupError(label)
        return real_get_model(label, *args, **kwargs)

    monkeypatch.setattr(apps, "get_model", without_upper_apps)

    stats = dashboard_stats()

    assert stats["today"]["castings"] == 0
    assert stats["today"]["revenue"] == 0
    assert stats["today"]["signups"] == 1


def test_admin_index_renders_svg_charts(client, make_user):
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    client.force_login(root)

    page = client.get("/admin/").content.decode()

    assert 'id="mwork-dashboard"' in page
    for key in ("signups", "castings", "responses", "messages", "revenue", "reports"):
        assert (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="mwork-chart" id="chart-{key}"' in page
        )
    assert "<script" not in page.split('id="mwork-dashboard"')[1].split("</section>")[0]
    assert "//cdn" not in page


def test_dashboard_hides_revenue_from_moderators(client, make_staff):
    client.force_login(make_staff("Moderators"))

    page = client.get("/admin/").content.decode()

    assert 'id="chart-reports"' in page
    assert 'id="chart-revenue"' not in page


def test_dashboard_finance_sees_revenue_not_reports(client, make_staff):
    client.force_login(make_staff("Finance"))

    page = client.get("/admin/").content.decode()

    assert 'id="chart-revenue"' in page
    assert 'id="chart-reports"' not in page
    assert 'data-number="open_reports"' not in page


def test_stacked_bar_chart_svg():
    from moderation.charts import stacked_bar_chart

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(3)]

    svg = stacked_bar_chart(
        chart_id="x",
        title="Sign-ups <by role>",
        days=days,
        series={"model": [1, 0, 2], "employer<script>": [1, 0, 0]},
    )

    assert svg.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="mwork-chart" id="chart-x"'
    )
    assert svg.count('<rect class="bar"') == 3
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Sign-ups &lt;by role&gt;" in svg
    assert 'data-value="2"' in svg


def test_numbers_count_real_money_and_real_users(make_user, client):
    """A hand-computed day: what counts as revenue and as a sign-up, and where the numbers link."""
    root = make_user(role="admin", is_staff=True, is_superuser=True)
    models = [make_user(), make_user()]
    employer = make_user(role="employer")
    make_user(role="model", is_staff=True)  # a staff account with a model role: not a sign-up
    make_user(created_at=timezone.now() - dt.timedelta(days=1))  # yesterday
    kept = _payment(models[0], 5000, "PRO")
    simulated = _payment(models[1], 15000, "BUSINESS")
    simulated.is_test = True  # the local checkout simulator (or Robokassa's test mode)
    simulated.save()
    owed = _payment(employer, 5000, "PRO")
    owed.refund_due = True
    owed.save()
    refunded = _payment(employer, 15000, "BUSINESS")
    refunded.refunded_at = timezone.now()
    refunded.save()
    package = None
    if apps.get_model("billing", "ResponsePackage").objects.exists():
        package = _payment(models[1], 1000)
    expected_revenue = 5000 + (1000 if package else 0)

    stats = dashboard_stats()

    assert stats["today"]["signups"] == 3
    assert stats["series"]["signups"]["model"][-1] == 2
    assert stats["series"]["signups"]["model"][-2] == 1
    assert stats["today"]["revenue"] == expected_revenue
    assert stats["series"]["revenue"]["PRO"][-1] == 5000
    assert stats["series"]["revenue"]["BUSINESS"][-1] == 0

    client.force_login(root)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/admin/").content.decode()
    number = page.split('data-number="revenue"')[1].split("</a>")[0]
    assert f"<b>{expected_revenue:,}</b>".replace(",", "\u00a0") in number
    revenue_url = number.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(revenue_url)
    assert listed.status_code == 200
    listed_ids = {p for p in (kept.pk, simulated.pk, owed.pk, refunded.pk) if _row(listed, p)}
    assert listed_ids == {kept.pk}
    signups_url = (page.split('data-number="signups"')[1].split('href="')[1].split('"')[0]).replace(
        "&amp;", "&"
    )
    signups = client.get(signups_url).content.decode()
    assert all(user.email in signups for user in (*models, employer))
    assert signups.count('name="_selected_action"') == 3


def _row(response, payment_id) -> bool:
    return f'value="{payment_id}"' in response.content.decode()


def test_numbers_link_only_for_staff_who_may_open_the_list(client, make_staff):
    client.force_login(make_staff("Finance"))

    page = client.get("/admin/").content.decode()

    assert '<a class="number" data-number="revenue"' in page
    assert '<div class="number" data-number="castings"' in page  # Finance has no castings list


def test_axis_labels_fit_their_column():
    from moderation.charts import AXIS_CHAR_WIDTH, nice_ceiling, stacked_bar_chart
    from mwork.formats import thousands

    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(2)]

    svg = stacked_bar_chart(
        chart_id="r", title="Revenue", days=days, series={"PRO": [155_000, 20_000]}
    )

    assert nice_ceiling(155_000) == 200_000 and nice_ceiling(7) == 10 and nice_ceiling(1) == 1
    assert thousands(155_000) == "155\u00a0000"
    labels = [chunk.split(">")[1].split("<")[0] for chunk in svg.split('class="axis-label"')[1:]]
    assert labels == ["0", "100\u00a0000", "200\u00a0000"]
    for chunk in svg.split('class="axis-label"')[1:]:
        x = float(chunk.split('x="')[1].split('"')[0])
        text = chunk.split(">")[1].split("<")[0]
        assert x - AXIS_CHAR_WIDTH * len(text) >= 0  # text-anchor=end: the left edge is inside
