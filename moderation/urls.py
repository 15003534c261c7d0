from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("reports", views.ReportCreateView.as_view(), name="reports"),
    path("users/blocked", views.BlockedUserListView.as_view(), name="blocked-users"),
    path("users/<uuid:user_id>/block", views.UserBlockView.as_view(), name="user-block"),
]
