from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("agency/invitations", views.InvitationListCreateView.as_view(), name="invitation-list"),
    path(
        "agency/invitations/<uuid:invitation_id>",
        views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path(
        "agency/invitations/<uuid:invitation_id>/accept",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "agency/invitations/<uuid:invitation_id>/decline",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
    path("agency/models", views.RosterListView.as_view(), name="roster-list"),
    path("agency/models/<uuid:model_id>", views.RosterDetailView.as_view(), name="roster-detail"),
    path("agency/membership", views.MyAgencyView.as_view(), name="my-agency"),
    path("organizations/me", views.OrganizationMeView.as_view(), name="organization-me"),
    path("organizations/members", views.MemberListCreateView.as_view(), name="member-list"),
    path(
        "organizations/members/<uuid:user_id>",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "organizations/invitations",
        views.TeamInvitationListView.as_view(),
        name="team-invitation-list",
    ),
    path(
        "organizations/invitations/<uuid:invitation_id>",
        views.TeamInvitationDetailView.as_view(),
        name="team-invitation-detail",
    ),
    path(
        "organizations/invitations/<uuid:invitation_id>/accept",
        views.TeamInvitationAcceptView.as_view(),
        name="team-invitation-accept",
    ),
    path(
        "organizations/invitations/<uuid:invitation_id>/decline",
        views.TeamInvitationDeclineView.as_view(),
        name="team-invitation-decline",
    ),
]
