from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("profiles/me", views.ProfileMeView.as_view(), name="me"),
    path("profiles/models", views.ModelProfileListCreateView.as_view(), name="model-list"),
    path(
        "profiles/models/promoted",
        views.ModelProfilePromotedView.as_view(),
        name="model-promoted",
    ),
    path(
        "profiles/models/<str:profile_id>",
        views.ModelProfileDetailView.as_view(),
        name="model-detail",
    ),
    path(
        "profiles/models/<str:profile_id>/work-experience",
        views.WorkExperienceCreateView.as_view(),
        name="work-experience-list",
    ),
    path(
        "profiles/models/<str:profile_id>/work-experience/<str:item_id>",
        views.WorkExperienceDeleteView.as_view(),
        name="work-experience-detail",
    ),
    path(
        "profiles/models/<str:profile_id>/reviews",
        views.ReviewListCreateView.as_view(),
        name="review-list",
    ),
    path("profiles/employers", views.EmployerProfileCreateView.as_view(), name="employer-list"),
    path(
        "profiles/employers/<str:profile_id>",
        views.EmployerProfileDetailView.as_view(),
        name="employer-detail",
    ),
]
