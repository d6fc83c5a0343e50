"""Browser tests: Debian's chromium, driven by Playwright, against Django's live server.

The live server runs with the settings of the rest of the suite (DEBUG off, the
Content-Security-Policy on), so a page that leans on an inline script or style breaks here
as it would for a person. One browser per test process; each test gets fresh contexts.
"""

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from apps.accounts.models import Member, Role
from apps.accounts.permissions import SESSION_KEY as WORKSPACE_SESSION_KEY
from apps.accounts.services import ensure_demo

CHROMIUM = Path(os.environ.get("WEFT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
DEMO_USERNAME = "owner"
DEMO_PASSWORD = "weft-demo"
# Both kinds of problem keep a person from using the page; "moderate" and "minor" are reported by axe
# but do not fail a test.
AXE_FAILING_IMPACTS = {"serious", "critical"}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run in a pytest run of their own (``make test-browser``).

    Once Playwright has started, its event loop stays running in the test thread until the run
    ends, and every later test in that process would meet it (Django's ORM and ``async_to_sync``
    refuse to run beside a running loop). So when a run collects other tests too, the browser
    tests are left out of it.
    """
    browser = [item for item in items if HERE in item.path.resolve().parents]
    if browser and len(browser) < len(items):
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if HERE not in item.path.resolve().parents]


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright() -> None:
    """Playwright's sync API keeps an event loop running in the test thread; the tests still use
    Django's ORM (set up data, read what a page wrote) between its calls."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def screenshots_dir() -> Path:
    """Where screenshots go: ``$WEFT_SCREENSHOTS``, else ``var/screenshots`` in the checkout."""
    folder = Path(os.environ.get("WEFT_SCREENSHOTS") or "var/screenshots")
    if not folder.is_absolute():
        folder = Path(settings.BASE_DIR) / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium: Playwright's own browser builds are not installed on these machines."""
    if not CHROMIUM.exists():
        message = f"browser tests need chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in ``page.goto`` go to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A desktop window in English; tests that want a phone or Chinese say so."""
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-US"}


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext]) -> Iterator[Callable[..., BrowserContext]]:
    """Contexts that fail the test on what a person would not see: a script or style the page's
    policy refused, or an uncaught script error."""
    problems: list[str] = []

    def refused(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.location.get("url") or (message.page.url if message.page else "")
            problems.append(f"{where}: {message.text}")

    def _new_context(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.on("console", refused)
        context.on("weberror", lambda error: problems.append(f"uncaught: {error.error}"))
        return context

    yield _new_context
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture
def demo(transactional_db) -> Member:
    """The workspace ``manage.py bootstrap`` creates, with its owner ``owner`` / ``weft-demo``."""
    member, _ = ensure_demo(DEMO_USERNAME, DEMO_PASSWORD)
    return member


@pytest.fixture
def sign_in(new_context: Callable[..., BrowserContext], demo: Member, base_url: str,
            make) -> Callable[..., Page]:
    """``sign_in(role)`` is a page signed in as a member of the demo workspace with that role.

    The owner is the demo owner; other roles are new people. The session is made on the server
    and handed to the browser as its cookie (the sign-in form itself is tested on its own), with
    the demo workspace chosen unless ``choose_workspace=False``; ``context_args`` go to Playwright's
    ``new_context`` (``color_scheme="dark"``, ``locale=...``).
    """

    def _sign_in(role: str = Role.OWNER, *, choose_workspace: bool = True, **context_args) -> Page:
        member = demo if role == Role.OWNER else make.member(demo.workspace, role=role)
        context = new_context(**context_args)
        context.add_cookies([{
            "name": settings.SESSION_COOKIE_NAME,
            "value": signed_in_session(member, choose_workspace=choose_workspace),
            "url": base_url,
            "httpOnly": True,
            "sameSite": "Lax",
        }])
        return context.new_page()

    return _sign_in


def signed_in_session(member: Member, *, choose_workspace: bool) -> str:
    """The key of a new server-side session signed in as ``member``, in its workspace if chosen."""
    client = Client()
    client.force_login(member.user)
    session = client.session
    if choose_workspace:
        session[WORKSPACE_SESSION_KEY] = member.workspace.slug
    session.save()
    return session.session_key


@pytest.fixture
def shot() -> Callable[[Page, str], None]:
    """``shot(page, name)`` saves the page at desktop (1280×800) and phone (390×844) sizes."""

    def _shot(page: Page, name: str) -> None:
        folder = screenshots_dir()
        original = page.viewport_size
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=folder / f"{name}-{label}.png", full_page=True, animations="disabled")
        if original:
            page.set_viewport_size(original)

    return _shot


@pytest.fixture(scope="session")
def axe_source() -> str:
    path = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make npm` (npm ci)")
    return path.read_text()


@pytest.fixture
def axe(axe_source: str) -> Callable[[Page], list[dict]]:
    """``axe(page)`` fails on serious or critical accessibility problems of the page as it is now.

    axe is evaluated through the browser's debugging protocol, which the page's policy does not
    govern (``add_script_tag`` would add an inline script the policy refuses), so the page is
    checked with its policy in force and in the state the test left it. Returns every violation.
    """

    def _axe(page: Page) -> list[dict]:
        if page.evaluate("typeof axe") == "undefined":
            page.evaluate(axe_source)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        failing = [v for v in violations if v.get("impact") in AXE_FAILING_IMPACTS]
        assert not failing, f"accessibility problems on {page.url}:\n" + "\n".join(map(_described, failing))
        return violations

    return _axe


def _described(violation: dict) -> str:
    """One axe violation as lines: what rule, and the first few elements with why each fails it."""
    elements = (f"    {json.dumps(node['target'])}: {_why(node)}" for node in violation["nodes"][:8])
    return f"- {violation['impact']} {violation['id']}: {violation['help']}\n" + "\n".join(elements)


def _why(node: dict) -> str:
    """axe's first reason for one element (for contrast: the two colours and the ratio)."""
    checks = node.get("any") or node.get("all") or node.get("none") or [{}]
    return checks[0].get("message", "")
