"""Robokassa's server-to-server ResultURL lives outside /api/v1 (docs/PAYMENTS.md), next to
the offline checkout simulator (404 unless ROBOKASSA_SIMULATOR is on)."""

from django.urls import path

from billing import views

urlpatterns = [
    path("webhooks/robokassa/result", views.RobokassaResultView.as_view(), name="robokassa-result"),
    path("webhooks/robokassa/result/", views.RobokassaResultSlashView.as_view()),
    path("dev/robokassa/checkout", views.checkout_simulator, name="robokassa-checkout"),
    path("dev/robokassa/done", views.checkout_done, name="robokassa-checkout-done"),
    path(
        "pay/robokassa/<uuid:public_id>",
        views.checkout_form,
        name="robokassa-checkout-form",
    ),
]
