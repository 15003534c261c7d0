from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("auth/me", views.AccountView.as_view(), name="me"),
    path("auth/restore", views.AccountRestoreView.as_view(), name="restore"),
    path("auth/consents", views.ConsentAcceptView.as_view(), name="consents"),
    path(
        "auth/consents/<str:document>",
        views.ConsentWithdrawView.as_view(),
        name="consent-withdraw",
    ),
    path("auth/me/export", views.DataExportCreateView.as_view(), name="export"),
    path(
        "auth/me/exports/download/<str:token>",
        views.DataExportDownloadView.as_view(),
        name="export-download",
    ),
    path(
        "auth/me/exports/<uuid:export_id>",
        views.DataExportDetailView.as_view(),
        name="export-detail",
    ),
    path("legal/documents", views.LegalDocumentListView.as_view(), name="legal-documents"),
]
