from django.urls import path

from . import views

urlpatterns = [
    path("workspace/", views.WorkspaceView.as_view(), name="workspace"),
    path("workspace/http-allow-list/", views.HttpAllowListView.as_view(), name="workspace-http-allow-list"),
    path("workspaces/", views.WorkspaceListView.as_view(), name="workspace-list"),
    path("session/workspace/", views.SessionWorkspaceView.as_view(), name="session-workspace"),
    path("members/", views.MemberListView.as_view(), name="member-list"),
    path("members/<int:pk>/", views.MemberDetailView.as_view(), name="member-detail"),
    path("members/<int:pk>/transfer-ownership/", views.TransferOwnershipView.as_view(),
         name="member-transfer-ownership"),
    path("members/invitations/<int:pk>/", views.WorkspaceInvitationView.as_view(), name="workspace-invitation"),
    path("invitations/", views.MyInvitationListView.as_view(), name="invitation-list"),
    path("invitations/<int:pk>/accept/", views.AcceptInvitationView.as_view(), name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.DeclineInvitationView.as_view(), name="invitation-decline"),
    path("tokens/", views.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token-detail"),
]
