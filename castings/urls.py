from django.urls import path

from castings import views

app_name = "castings"

urlpatterns = [
    path("castings", views.CastingListCreateView.as_view(), name="casting-list"),
    path("castings/my", views.MyCastingsView.as_view(), name="casting-my"),
    path("castings/saved", views.SavedCastingsView.as_view(), name="casting-saved"),
    path("castings/<uuid:casting_id>", views.CastingDetailView.as_view(), name="casting-detail"),
    path(
        "castings/<uuid:casting_id>/status",
        views.CastingStatusView.as_view(),
        name="casting-status",
    ),
    path("castings/<uuid:casting_id>/save", views.CastingSaveView.as_view(), name="casting-save"),
    path(
        "castings/<uuid:casting_id>/responses",
        views.CastingResponsesView.as_view(),
        name="casting-responses",
    ),
    path(
        "castings/<uuid:casting_id>/responses/bulk-status",
        views.CastingResponsesBulkStatusView.as_view(),
        name="casting-responses-bulk-status",
    ),
    path(
        "castings/<uuid:casting_id>/invites",
        views.CastingInvitesView.as_view(),
        name="casting-invites",
    ),
    path("responses/my", views.MyResponsesView.as_view(), name="response-my"),
    path(
        "responses/<uuid:response_id>",
        views.ResponseDetailView.as_view(),
        name="response-detail",
    ),
    path(
        "responses/<uuid:response_id>/status",
        views.ResponseStatusView.as_view(),
        name="response-status",
    ),
    path(
        "responses/<uuid:response_id>/note",
        views.ResponseNoteView.as_view(),
        name="response-note",
    ),
    path(
        "responses/<uuid:response_id>/auditions",
        views.ResponseAuditionsView.as_view(),
        name="response-auditions",
    ),
    path("auditions", views.AuditionListView.as_view(), name="audition-list"),
    path(
        "auditions/<uuid:audition_id>",
        views.AuditionDetailView.as_view(),
        name="audition-detail",
    ),
    path(
        "auditions/<uuid:audition_id>/cancel",
        views.AuditionCancelView.as_view(),
        name="audition-cancel",
    ),
    path(
        "auditions/<uuid:audition_id>/confirm",
        views.AuditionConfirmView.as_view(),
        name="audition-confirm",
    ),
    path(
        "auditions/<uuid:audition_id>/decline",
        views.AuditionDeclineView.as_view(),
        name="audition-decline",
    ),
    # The employer's reviews live here: reading castings decides who may write one.
    path(
        "profiles/employers/<str:profile_id>/reviews",
        views.EmployerReviewListCreateView.as_view(),
        name="employer-review-list",
    ),
]
