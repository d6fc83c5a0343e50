from django.urls import path

from . import views

urlpatterns = [
    path("workspace/", views.WorkspaceView.as_view(), name="workspace"),
    path("workspace/http-allow-list/", views.HttpAllowListView.as_view(), name="workspace-http-allow-list"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("tokens/", views.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token-detail"),
]
