from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications", views.NotificationListView.as_view(), name="list"),
    path("notifications/read-all", views.NotificationReadAllView.as_view(), name="read-all"),
    path(
        "notifications/preferences",
        views.NotificationPreferenceView.as_view(),
        name="preferences",
    ),
    path("notifications/devices", views.DeviceRegisterView.as_view(), name="devices"),
    path(
        "notifications/devices/<uuid:device_id>",
        views.DeviceDeleteView.as_view(),
        name="device",
    ),
    path(
        "notifications/<uuid:notification_id>/read",
        views.NotificationReadView.as_view(),
        name="read",
    ),
]
