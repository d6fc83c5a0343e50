from django.urls import include, path
from django.views.generic import RedirectView

from .views import account, home, invitations, members, tokens, workspaces

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("me/", account.me, name="me"),
    path("password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workspaces/", workspaces.choose, name="workspaces"),
    path("w/<slug:slug>/switch/", workspaces.switch, name="switch_workspace"),
    path("invitations/", invitations.invitations, name="invitations"),
    path("invitations/<int:pk>/accept/", invitations.accept, name="accept_invitation"),
    path("invitations/<int:pk>/decline/", invitations.decline, name="decline_invitation"),
    path("settings/", RedirectView.as_view(pattern_name="web:members"), name="settings"),
    path("settings/members/", members.members, name="members"),
    path("settings/members/invite/", members.invite, name="invite"),
    path("settings/members/<int:pk>/role/", members.change_role, name="change_role"),
    path("settings/members/<int:pk>/remove/", members.remove, name="remove_member"),
    path("settings/invitations/<int:pk>/revoke/", members.revoke_invitation, name="revoke_invitation"),
    path("settings/tokens/", tokens.tokens, name="tokens"),
    path("settings/tokens/<int:pk>/revoke/", tokens.revoke, name="revoke_token"),
]
