"""Playwright (Python) driving Debian's Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test thread; Django's ORM calls from that thread are
still synchronous, so the async-safety guard is lifted for browser tests only.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CAREFORCE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # CI machines have two cores shared by two test workers: wait for pages like a patient user would.
    expect.set_options(timeout=20_000)

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def pytest_collection_modifyitems(items):
    """A transactional test empties every table when it ends, the rows of the data migrations (districts,
    occupations, role groups, default rules and targets) included. Serialized rollback puts them back before
    each browser test, whatever ran before it. (pytest-django decides what to serialize from the marker,
    so the marker is what gets it, not a fixture.)"""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def login(page, live_server, username, password="pass-word-123"):
    """Sign in through the form, and through the second step for an account that can write: the first time by
    enrolling (reading the secret off the page, as a person would type it into an app), later with the code
    the enrolled authenticator shows now."""
    from urllib.parse import urlparse

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.second_factor import fresh_code, totp_code

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click('form[action$="/accounts/login/"] button[type=submit]')
    page.wait_for_load_state("networkidle")
    step = urlparse(page.url).path
    if step == "/accounts/two-factor/setup/":
        secret = page.locator("#totp-secret").inner_text()
        page.fill("input[name=code]", totp_code(secret))
        page.click('form[action*="/accounts/two-factor/setup/"] button[type=submit]')
        page.locator("#recovery-codes li").first.wait_for()
        page.click("#recovery-continue")
        page.wait_for_load_state("networkidle")
    elif step == "/accounts/two-factor/":
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        page.fill("input[name=code]", fresh_code(device))
        page.click('form[action*="/accounts/two-factor/"] button[type=submit]')
        page.wait_for_load_state("networkidle")
