import pytest
from django.test import Client

from apps.accounts.permissions import SESSION_KEY


@pytest.fixture
def browser():
    """``browser(member)``: a signed-in browser session working in ``member``'s workspace."""

    def open_as(member, *, choose: bool = True, **headers) -> Client:
        client = Client(**headers)
        client.force_login(member.user)
        if choose:
            session = client.session
            session[SESSION_KEY] = member.workspace.slug
            session.save()
        client.member = member
        return client

    return open_as
