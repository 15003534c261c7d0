from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("analytics/me", views.AnalyticsMeView.as_view(), name="me"),
]
