from django.urls import path

from .views import SecretDetailView, SecretListView

urlpatterns = [
    path("secrets/", SecretListView.as_view(), name="secret-list"),
    path("secrets/<slug:name>/", SecretDetailView.as_view(), name="secret-detail"),
]
