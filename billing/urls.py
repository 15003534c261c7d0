from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("subscriptions/plans", views.PlanListView.as_view(), name="plans"),
    path("subscriptions/current", views.SubscriptionCurrentView.as_view(), name="current"),
    path("subscriptions/cancel", views.SubscriptionCancelView.as_view(), name="cancel"),
    path("subscriptions", views.SubscriptionCreateView.as_view(), name="subscribe"),
    path("payments/packages", views.PackageListView.as_view(), name="packages"),
    path("payments/robokassa/init", views.PaymentInitView.as_view(), name="init"),
    path(
        "payments/robokassa/subscriptions",
        views.PaymentSubscriptionView.as_view(),
        name="pay-subscription",
    ),
    path(
        "payments/robokassa/responses", views.PaymentResponsesView.as_view(), name="pay-responses"
    ),
    path("payments/robokassa/success", views.PaymentSuccessView.as_view(), name="success"),
    path("payments/robokassa/fail", views.PaymentFailView.as_view(), name="fail"),
    path("payments", views.PaymentListView.as_view(), name="payments"),
    path("payments/<str:order_id>", views.PaymentDetailView.as_view(), name="payment"),
]
