from django.urls import path

from media import views

app_name = "media"

urlpatterns = [
    path("photos", views.PhotoCollectionView.as_view(), name="photos"),
    path("photos/reorder", views.PhotoReorderView.as_view(), name="photo-reorder"),
    path("photos/<uuid:photo_id>", views.PhotoDetailView.as_view(), name="photo-detail"),
]
