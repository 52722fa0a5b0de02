"""The console in Chromium against the running services (fixtures in conftest.py).

Screens are found as a person finds them: by role and label, in the texts the console
shows (Chinese by default, English after the switch). Every visit aborts requests that
leave 127.0.0.1 and fails if one was tried; each screen visited is saved as a screenshot.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import Account, Console, Visit, axe_script

pytestmark = pytest.mark.timeout(300)

MENUS = {
    "district_admin": ["首页", "志愿者"],
    "community_admin": ["首页", "志愿者"],
    "team_leader": ["首页"],
}
NOT_FOUND = {"zh": "页面不存在或无权查看", "en": "Not found, or not yours to see"}
CONSOLE_IS_FOR_WORKERS = "工作台只供管理员和服务队队长使用"
LOCALES = Path(__file__).resolve().parents[2] / "web" / "src" / "locales" / "langs"


def log_in(visit: Visit, account: Account, *, password: str | None = None) -> None:
    """Fill the login form and send it (the page's language is whatever it is now)."""
    page = visit.page
    if "/login" not in page.url:
        visit.open("/login")
    english = page.get_by_role("button", name="Log in").count() > 0
    page.get_by_label("Username" if english else "用户名").fill(account.username)
    page.get_by_label("Password" if english else "密码").fill(password or account.password)
    page.get_by_role("button", name="Log in" if english else "登录").click()


def logged_in(visit: Visit, account: Account, lands_on: str = "/") -> dict[str, Any]:
    """Log in and wait for the screen it leads to; the tokens the registry answered."""
    with visit.page.expect_response(lambda r: r.url.endswith("/auth/login")) as answer:
        log_in(visit, account)
    expect(visit.page).to_have_url(visit.console.url + lands_on)
    expect(visit.page.get_by_test_id("username")).to_have_text(account.username)
    tokens: dict[str, Any] = answer.value.json()
    return tokens


def menu(page: Page) -> Any:
    return page.get_by_role("menuitem")


def language_switch(page: Page, reading: str) -> Any:
    # Found by what it shows ("English" / "中文"), as the person looking at it would.
    return page.get_by_role("button").filter(has_text=reading)


def api_refusal(console: Console, path: str, body: dict[str, Any], language: str) -> str:
    answer = httpx.post(
        console.api("registry", path), json=body, headers={"Accept-Language": language}
    )
    assert answer.status_code >= 400, answer.text
    detail: str = answer.json()["detail"]
    return detail


@pytest.mark.parametrize("role", MENUS)
def test_each_role_sees_exactly_its_menu_and_logging_out_revokes_the_session(
    visit: Visit, role: str
) -> None:
    account = visit.console.accounts[role]
    tokens = logged_in(visit, account)
    expect(menu(visit.page)).to_have_text(MENUS[role])
    expect(visit.page.get_by_role("heading", level=1)).to_be_visible()
    visit.shoot(f"home-{role}-zh")

    visit.page.get_by_role("button", name="退出登录").click()
    expect(visit.page).to_have_url(visit.console.url + "/login")
    expect(menu(visit.page)).to_have_count(0)
    # The refresh token the console held was revoked by the registry, not just dropped.
    refreshed = httpx.post(
        visit.console.api("registry", "/auth/refresh"),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 401, refreshed.text


def test_tokens_are_kept_in_memory_only_so_a_reload_asks_to_log_in_again(visit: Visit) -> None:
    tokens = logged_in(visit, visit.console.accounts["district_admin"])
    stored = visit.page.evaluate(
        "() => JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie])"
    )
    assert tokens["access_token"] not in stored
    assert tokens["refresh_token"] not in stored
    visit.page.reload()
    expect(visit.page).to_have_url(re.compile(r"/login"))
    expect(visit.page.get_by_role("button", name="登录")).to_be_visible()


@pytest.mark.parametrize("role", ["volunteer", "resident"])
def test_a_volunteer_or_resident_is_told_the_console_is_for_workers(
    visit: Visit, role: str
) -> None:
    log_in(visit, visit.console.accounts[role])
    alert = visit.page.get_by_role("alert")
    expect(alert).to_contain_text(CONSOLE_IS_FOR_WORKERS)
    expect(visit.page).to_have_url(visit.console.url + "/login")
    expect(menu(visit.page)).to_have_count(0)
    visit.shoot(f"login-refused-{role}-zh")


def test_a_wrong_password_shows_the_registrys_refusal(visit: Visit) -> None:
    account = visit.console.accounts["guessed"]
    wrong = {"username": account.username, "password": "not-the-password"}
    alert = visit.page.get_by_role("alert")
    log_in(visit, account, password=wrong["password"])
    expect(alert).to_be_visible()
    # Asked only now: two wrong passwords from one address at once are not this test's.
    expect(alert).to_have_text(api_refusal(visit.console, "/auth/login", wrong, "zh"))
    visit.shoot("login-wrong-password-zh")

    language_switch(visit.page, "English").click()
    log_in(visit, account, password=wrong["password"])
    expect(alert).to_have_text(api_refusal(visit.console, "/auth/login", wrong, "en"))
    visit.shoot("login-wrong-password-en")
    expect(visit.page).to_have_url(visit.console.url + "/login")


def test_another_communitys_volunteer_is_not_found_and_shows_nothing_of_them(
    visit: Visit,
) -> None:
    console = visit.console
    own, other = console.volunteers["和平社区"], console.volunteers["安定社区"]
    # The address typed in before logging in: the console asks to log in, then goes there.
    visit.open(f"/volunteers/{other['id']}")
    expect(visit.page).to_have_url(re.compile(r"/login\?redirect="))
    logged_in(visit, console.accounts["community_admin"], f"/volunteers/{other['id']}")
    expect(visit.page.get_by_role("heading", name=NOT_FOUND["zh"])).to_be_visible()
    visit.shoot("volunteer-of-another-community-zh")
    shown = visit.page.locator("main").inner_text()
    for personal in (other["name"], other["national_id_masked"], other["phone"]):
        assert not personal or personal not in shown, personal
    assert other["name"] not in visit.page.content()

    # The same screen shows the admin's own volunteer, ID number masked.
    visit.go(f"/volunteers/{own['id']}")
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text(own["name"])
    expect(visit.page.get_by_test_id("national-id")).to_have_text(own["national_id_masked"])
    assert own["national_id_masked"].count("*") >= 8
    visit.shoot("volunteer-detail-zh")


def test_an_unknown_address_shows_the_not_found_page(visit: Visit) -> None:
    logged_in(visit, visit.console.accounts["district_admin"])
    visit.go("/no/such/screen")
    expect(visit.page.get_by_role("heading", name=NOT_FOUND["zh"])).to_be_visible()
    visit.shoot("not-found-zh")


def test_the_console_in_english_after_the_switch(visit: Visit) -> None:
    account = visit.console.accounts["community_admin_en"]
    logged_in(visit, account)
    language_switch(visit.page, "English").click()
    expect(menu(visit.page)).to_have_text(["Home", "Volunteers"])
    expect(language_switch(visit.page, "中文")).to_be_visible()
    expect(visit.page.get_by_role("button", name="Log out")).to_be_visible()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text(
        json.loads((LOCALES / "en-US" / "home.json").read_text())["title"]
    )
    visit.shoot("home-community_admin-en")

    menu(visit.page).filter(has_text="Volunteers").click()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("Volunteers")
    visit.shoot("volunteers-en")

    own = visit.console.volunteers["和平社区"]
    visit.go(f"/volunteers/{own['id']}")
    expect(visit.page.get_by_role("heading", level=1)).to_contain_text(own["name"])
    expect(visit.page.get_by_test_id("national-id")).to_have_text(own["national_id_masked"])
    visit.shoot("volunteer-detail-en")
    visit.go("/no/such/screen")
    expect(visit.page.get_by_role("heading", name=NOT_FOUND["en"])).to_be_visible()
    visit.shoot("not-found-en")


def test_every_screen_in_chinese_and_english(visit: Visit) -> None:
    """A screenshot of each screen in both languages (the not-found page above)."""
    visit.open("/login")
    expect(visit.page.get_by_role("button", name="登录")).to_be_visible()
    visit.shoot("login-zh")
    language_switch(visit.page, "English").click()
    expect(visit.page.get_by_role("button", name="Log in")).to_be_visible()
    visit.shoot("login-en")
    language_switch(visit.page, "中文").click()

    logged_in(visit, visit.console.accounts["district_admin"])
    menu(visit.page).filter(has_text="志愿者").click()
    expect(visit.page.get_by_role("heading", level=1)).to_have_text("志愿者")
    expect(visit.page.get_by_role("table").first).to_be_visible()
    visit.shoot("volunteers-zh")


@pytest.mark.parametrize("screen", ["login", "home"])
def test_no_serious_accessibility_violations(visit_without_csp: Visit, screen: str) -> None:
    # axe-core is injected as an inline script, which the console's policy forbids.
    visit = visit_without_csp
    if screen == "login":
        visit.open("/login")
        expect(visit.page.get_by_role("button", name="登录")).to_be_visible()
    else:
        logged_in(visit, visit.console.accounts["community_admin"])
        expect(visit.page.get_by_role("heading", level=1)).to_be_visible()
    visit.settle()
    visit.page.add_script_tag(path=str(axe_script()))
    results = visit.page.evaluate("async () => await axe.run(document)")
    serious = [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "where": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    assert serious == [], json.dumps(serious, ensure_ascii=False, indent=2)
