"""The shell and the account pages in a real browser: signing in, the language, members, tokens."""

import re

import pytest
from playwright.sync_api import Page, expect

from apps.accounts.models import Role
from apps.accounts.services import resolve_token
from apps.flows import services as flows
from apps.flows.models import Run, RunStatus
from tests.e2e.conftest import DEMO_PASSWORD, DEMO_USERNAME, DESKTOP, PHONE

pytestmark = pytest.mark.browser

# The page's background as red, green and blue, whatever colour syntax the style sheet uses.
BACKGROUND_RGB = """() => {
    const paint = document.createElement("canvas").getContext("2d");
    for (const element of [document.body, document.documentElement]) {
        paint.clearRect(0, 0, 1, 1);
        paint.fillStyle = getComputedStyle(element).backgroundColor;
        paint.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = paint.getImageData(0, 0, 1, 1).data;
        if (a > 0) return [r, g, b];
    }
    return [255, 255, 255];
}"""


def fill_in_the_sign_in_form(page: Page, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_demo_owner_signs_in_through_the_form(page, demo, size, axe, shot):
    page.set_viewport_size(size)
    page.goto("/login/")
    shot(page, "login")
    axe(page)

    fill_in_the_sign_in_form(page, DEMO_PASSWORD)

    expect(page).to_have_url(re.compile(r"^[^?]*://[^/]+/$"))
    expect(page.get_by_role("main")).to_be_visible()
    assert any(cookie["name"] == "sessionid" for cookie in page.context.cookies())


def test_a_wrong_password_is_refused_with_an_error(page, demo, axe, shot):
    fill_in_the_sign_in_form(page, "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_label("Password")).to_have_value("")
    shot(page, "login-refused")
    axe(page)


def test_the_language_switches_to_chinese_and_back(page, demo, shot):
    page.goto("/login/")
    language = page.locator("select[name=language]")
    password_label = page.locator("label[for=id_password]")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    language.select_option("zh-hans")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(password_label).to_have_text("密码")
    shot(page, "login-zh-hans")

    language.select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(password_label).to_have_text("Password")


def test_the_members_page_lists_the_owner(sign_in, demo, axe, shot):
    page = sign_in(Role.OWNER)
    page.goto("/settings/members/")

    owner_row = page.get_by_role("row").filter(has_text=DEMO_USERNAME)
    expect(owner_row).to_contain_text("You")
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    shot(page, "members")
    axe(page)


def test_a_member_sees_the_members_but_cannot_invite(sign_in, demo, axe):
    page = sign_in(Role.MEMBER)
    page.goto("/settings/members/")

    expect(page.get_by_role("row").filter(has_text=DEMO_USERNAME)).to_contain_text("Owner")
    expect(page.get_by_role("heading", name="Invite someone")).to_have_count(0)
    axe(page)


def test_a_new_token_is_shown_once(sign_in, demo, axe, shot):
    page = sign_in(Role.OWNER)
    page.goto("/settings/tokens/")
    axe(page)

    page.get_by_label("Name", exact=True).fill("warehouse scanner")
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token")
    expect(shown).to_be_visible()
    raw = shown.inner_text().strip()
    token = resolve_token(raw)
    assert token is not None and token.member == demo and token.name == "warehouse scanner"
    shot(page, "token-created")
    axe(page)

    page.goto("/settings/tokens/")

    expect(page.get_by_role("row").filter(has_text="warehouse scanner")).to_be_visible()
    expect(page.locator("#new-token")).to_have_count(0)
    assert raw not in page.content()


def test_the_home_page_says_what_each_block_is_for_when_nothing_needs_the_member(sign_in, demo, axe, shot):
    page = sign_in(Role.OWNER)
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_have_text("What needs you now")
    expect(page.get_by_role("region", name="Failed runs")).to_contain_text("Nothing has failed.")
    expect(page.get_by_role("heading", name="No forms yet")).to_be_visible()
    shot(page, "home-empty")
    axe(page)


def test_the_home_page_shows_failed_runs_and_the_workspaces_forms(sign_in, demo, make, axe, shot):
    make.form(demo.workspace, key="returns", name="Returns")
    flow = make.flow(demo.workspace, key="refund", name="Refund the customer")
    run = flows.start_manual_run(flow, member=demo)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error={"message": "the shop refused"})
    page = sign_in(Role.OWNER)
    page.goto("/")

    failed_runs = page.get_by_role("region", name="Failed runs")
    expect(failed_runs.get_by_role("link")).to_contain_text("Refund the customer")
    expect(failed_runs).to_contain_text("the shop refused")
    expect(page.get_by_role("heading", name="Returns")).to_be_visible()
    shot(page, "home")
    axe(page)


def test_someone_in_two_workspaces_chooses_one_instead_of_meeting_an_error(sign_in, demo, make, axe, shot):
    second = make.workspace("Second shop")
    make.member(second, role=Role.ADMIN, user=demo.user)
    page = sign_in(Role.OWNER, choose_workspace=False)
    page.goto("/settings/members/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a workspace")
    shot(page, "workspaces")
    axe(page)
    page.get_by_role("button", name=re.compile("Second shop")).click()

    expect(page).to_have_url(re.compile(r"/settings/members/$"))
    expect(page.get_by_role("main")).to_contain_text("Second shop")


def test_the_pages_follow_a_dark_system_setting_and_stay_readable(sign_in, demo, axe, shot):
    page = sign_in(Role.OWNER, color_scheme="dark")
    page.goto("/settings/tokens/")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    red, green, blue = page.evaluate(BACKGROUND_RGB)
    assert (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255 < 0.2, (red, green, blue)
    shot(page, "tokens-dark")
    axe(page)

