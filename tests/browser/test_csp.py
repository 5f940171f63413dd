"""The Content-Security-Policy holds on the main pages of every role: Chromium reports no violation (no inline
script, event handler, style attribute or eval that the policy refuses), through the console and through
`securitypolicyviolation` events. The behaviours moved out of inline handlers (careforce/static/careforce/
site.js) still work."""

import datetime

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked=${e.blockedURI} sample=${e.sample} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Violations:
    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.found.append(f"console on {self.page.url}: {message.text}")

    def visit(self, url: str, *, ready: str | None = None) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")
        if ready:
            expect(self.page.locator(ready).first).to_be_attached()
        self.collect()

    def collect(self) -> None:
        for entry in self.page.evaluate("window.__csp || []"):
            self.found.append(f"event on {self.page.url}: {entry}")


def test_the_main_pages_of_every_role_meet_the_content_security_policy(page, live_server):
    city = factories.city_admin("csp-city")
    yuzhong = District.objects.get(code="500103")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院")
    carer = factories.worker(at=home, actor=city, name="张三丰")
    factories.worker(at=home, actor=city, name="李四")
    cert = ft.certificate(carer, actor=city)
    today = datetime.date.today()
    session = ft.session(actor=city, start_date=today, end_date=today)
    ft.completion  # noqa: B018 (enrolment below, without a result)
    from careforce.training import services as training_services

    training_services.enrolments_create(actor=city, session=session, workers=[carer])
    accounts = {
        Role.CITY_ADMIN: city,
        Role.DISTRICT_ADMIN: factories.user(Role.DISTRICT_ADMIN, district=yuzhong),
        Role.INSTITUTION_ADMIN: factories.user(Role.INSTITUTION_ADMIN, institution=home),
        Role.AUDITOR: factories.user(Role.AUDITOR),
        Role.WORKER: factories.user(Role.WORKER, worker=carer),
        Role.SYSTEM_ADMIN: factories.user(Role.SYSTEM_ADMIN),
        Role.SECURITY_ADMIN: factories.user(Role.SECURITY_ADMIN),
        Role.AUDIT_ADMIN: factories.user(Role.AUDIT_ADMIN),
    }
    url = live_server.url
    v = Violations(page)

    # Anonymous: the sign-in page and the public pages.
    v.visit(f"{url}/accounts/login/")
    v.visit(f"{url}/skills/verify/")
    v.visit(f"{url}/rankings/public/")
    v.visit(f"{url}/api/v1/docs", ready="#swagger-ui .opblock")

    common = ["/", "/workers/", f"/workers/{carer.pk}/"]
    pages = {
        Role.CITY_ADMIN: [
            *common,
            "/institutions/",
            f"/institutions/{home.pk}/",
            "/imports/",
            "/training/",
            "/training/sessions/",
            f"/training/sessions/{session.pk}/",
            f"/training/sessions/{session.pk}/register/",
            "/skills/",
            f"/skills/certificates/{cert.pk}/",
            f"/skills/certificates/{cert.pk}/print/",
            "/pools/",
            "/conduct/",
            "/credit/",
            "/rankings/",
            "/indicators/reports/",
            "/access-log/",
        ],
        Role.DISTRICT_ADMIN: [*common, "/institutions/", "/training/sessions/", "/conduct/"],
        Role.INSTITUTION_ADMIN: [*common, "/imports/"],
        Role.AUDITOR: common,
        Role.WORKER: ["/"],
        Role.SYSTEM_ADMIN: ["/", "/admin/", "/admin/core/user/"],
        Role.SECURITY_ADMIN: ["/", "/accounts/sign-in-security/"],
        Role.AUDIT_ADMIN: ["/", "/access-log/"],
    }
    for role, account in accounts.items():
        page.context.clear_cookies()
        login(page, live_server, account.username)
        v.collect()
        for path in pages[role]:
            v.visit(f"{url}{path}")
        if role == Role.CITY_ADMIN:
            # The dashboard draws its charts and map (ECharts), and shows a tooltip on the map.
            v.visit(f"{url}/indicators/", ready="#district-map[data-ready='1']")
            page.locator("#district-map canvas").first.hover(position={"x": 300, "y": 260})
            page.wait_for_timeout(300)
            v.collect()
            v.visit(f"{url}/indicators/districts/{yuzhong.pk}/")
            # The register's "all present" box ticks every row (site.js, not an onclick attribute).
            v.visit(f"{url}/training/sessions/{session.pk}/register/")
            page.locator("#register thead input[data-check-all]").first.check()
            expect(page.locator(f"#register input[name=present][value='{carer.pk}']")).to_be_checked()
            v.visit(f"{url}/api/v1/docs", ready="#swagger-ui .opblock")
            v.collect()

    assert v.found == [], "\n".join(v.found)
