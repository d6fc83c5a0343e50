"""Signing in and out, and changing one's password: Django's views with Weft's templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ..pages import bind_if_chosen, page, shell


class LoginView(auth.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("web:home")


class LogoutView(auth.LogoutView):
    next_page = reverse_lazy("web:login")


class PasswordChangeView(auth.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:home")

    def get_context_data(self, **kwargs):
        bind_if_chosen(self.request)
        return {**shell(self.request), **super().get_context_data(**kwargs)}

    def form_valid(self, form):
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """The phone's "Me" tab: the person's own links in one list."""
    bind_if_chosen(request)
    return page(request, "web/me.html")
