from django.urls import path

from searches import views

app_name = "searches"

urlpatterns = [
    path("saved-searches", views.SavedSearchListCreateView.as_view(), name="saved-search-list"),
    path(
        "saved-searches/<uuid:search_id>",
        views.SavedSearchDetailView.as_view(),
        name="saved-search-detail",
    ),
    path(
        "saved-searches/<uuid:search_id>/matches",
        views.SavedSearchMatchesView.as_view(),
        name="saved-search-matches",
    ),
]
