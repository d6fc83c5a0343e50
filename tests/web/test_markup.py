"""Every page is served under the strict Content-Security-Policy as is, and says which language it is in."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from apps.accounts.models import Role

PAGES = ["/", "/settings/members/", "/settings/tokens/", "/invitations/", "/workspaces/", "/password/", "/me/"]


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style>")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]


def parse(response) -> Markup:
    markup = Markup()
    markup.feed(response.content.decode())
    return markup


@pytest.fixture
def admin_browser(make, workspace, browser):
    make.form(workspace)
    return browser(make.member(workspace, role=Role.ADMIN))


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_style_or_handlers(admin_browser, path):
    response = admin_browser.get(path)
    assert response.status_code == 200
    assert parse(response).problems == []


def test_the_sign_in_page_has_no_inline_script_style_or_handlers(db):
    response = Client().get("/login/")
    assert response.status_code == 200
    assert parse(response).problems == []


def test_a_new_token_page_has_no_inline_script_style_or_handlers(admin_browser):
    response = admin_browser.post("/settings/tokens/", {"name": "scanner"})
    assert response.status_code == 201
    assert parse(response).problems == []


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("accept", "lang"), [("en", "en"), ("zh-CN,zh;q=0.9", "zh-hans")])
def test_every_page_names_the_browser_language(admin_browser, path, accept, lang):
    response = admin_browser.get(path, HTTP_ACCEPT_LANGUAGE=accept)
    assert parse(response).lang == lang


def test_the_chosen_language_wins_over_the_browser_and_is_remembered(admin_browser):
    response = admin_browser.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert parse(admin_browser.get("/", HTTP_ACCEPT_LANGUAGE="en")).lang == "zh-hans"
    admin_browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert parse(admin_browser.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")).lang == "en"


def test_the_sign_in_page_follows_the_browser_language(db):
    assert parse(Client().get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")).lang == "zh-hans"


def test_pages_are_sent_with_the_strict_content_security_policy(admin_browser):
    policy = admin_browser.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
