"""Role × endpoint × object matrix (issue 11 §3).

Every URL pattern under /api/v1/, /workspace/, /credit/ and /admin/ (from the URL conf,
see matrix.py) is requested with GET by every role of the platform, on the demo
installation, with a real object where the URL takes one (unit A's object where objects
belong to units). `EXPECTED` below says, per URL name, which roles may GET it; every
other role must be refused — 302 to the login page, 401/403/404, or 405 where the URL
offers no GET — and the refusal must carry no data: no object name, no identifier, no
phone number. A URL without an expectation fails the test, so the matrix stays complete
as the platform grows.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from django.core.cache import cache

from .conftest import ROLES, Actors
from .matrix import OBJECTS, Endpoint, admin_model, endpoints, url_for

pytestmark = pytest.mark.django_db

CODES = {
    "an": "anonymous",
    "vi": "visitor",
    "ad": "credit_admin",
    "ra": "reporter_a",
    "va": "reviewer_a",
    "rb": "reporter_b",
    "le": "leader",
    "ua": "unit_leader_a",
    "ub": "unit_leader_b",
    "od": "org_dept",
    "bk": "bank",
}
PUBLIC = "an vi ad ra va rb le ua ub od bk"
NOBODY = ""

# Who may GET each URL (role codes above). Everyone else is refused. Object URLs are
# requested with unit A's object (matrix.OBJECTS): "rb" and "ub" (unit B's reporter and
# 单位负责人) are absent from every one of them. "ua" (unit A's 单位负责人) reads unit A's
# objects where its pages admit it and never a page of the whole district, which only
# "ad" and "le" read. NOBODY: the URL offers no GET (405), takes a signed token that the
# matrix forges, or the demo has no such object (matrix.MISSING), so all are refused.
EXPECTED: dict[str, str] = {
    "api:benefits-check": NOBODY,
    "api:benefits-counts": "ad ra va rb le bk",
    "api:benefits-scenarios": PUBLIC,
    "api:catalog-type": "ad ra va rb le ua ub od bk",
    "api:catalog-types": "ad ra va rb le ua ub od bk",
    "api:check": "ad ra va le ua",
    "api:check-feedback": NOBODY,
    "api:check-stats": "ad ra va rb le ua ub od bk",
    "api:checks": "ad ra va rb",
    "api:collection-batch": "ad ra va le ua",
    "api:collection-batches": NOBODY,
    "api:collection-declarations": "ad ra va rb le ua ub od bk",
    "api:collection-rates": "ad ra va rb le ua ub od bk",
    "api:collection-spot-check": "ad ra va le",
    "api:collection-spot-check-confirm": NOBODY,
    "api:collection-spot-check-reply": NOBODY,
    "api:collection-spot-check-verdict": NOBODY,
    "api:collection-spot-checks": "ad ra va rb le",
    "api:collection-warning-explanation": NOBODY,
    "api:collection-warning-review": NOBODY,
    "api:commitment-detail": "ad ra va le",
    "api:commitment-fulfilment": NOBODY,
    "api:commitment-matters": PUBLIC,
    "api:commitment-public-confirm": NOBODY,
    "api:commitment-public-start": NOBODY,
    "api:commitments": "ad ra va rb le",
    "api:draw": "ad ra va le ua",
    "api:draw-inspection": NOBODY,
    "api:draw-run": NOBODY,
    "api:draw-verify": PUBLIC,
    "api:draws": "ad ra va rb le ua ub od bk",
    "api:exchange-inbound": "ad",
    "api:exchange-inbound-import": NOBODY,
    "api:exchange-message": "ad",
    "api:exchange-message-resend": NOBODY,
    "api:exchange-messages": "ad",
    "api:exchange-send": NOBODY,
    "api:exchange-status": "ad",
    "api:governance-case": "ad le",
    "api:governance-case-actions": NOBODY,
    "api:governance-case-close": NOBODY,
    "api:governance-cases": "ad ra va rb le ua ub od bk",
    "api:governance-event": "ad ra va le ua",
    "api:governance-event-assign": NOBODY,
    "api:governance-event-handling": NOBODY,
    "api:governance-event-publish": NOBODY,
    "api:governance-events": "ad ra va rb le ua ub od bk",
    "api:governance-picture": "ad le",
    "api:governance-targets": NOBODY,
    "api:grades-detail": "ad ra va rb le",
    "api:grades-distribution": "ad ra va rb le",
    "api:identifiers-check": NOBODY,
    "api:inspectors": "ad ra va rb",
    "api:integrity-alert-ack": NOBODY,
    "api:integrity-alert-resolve": NOBODY,
    "api:integrity-alerts": "ad ra va rb le",
    "api:integrity-arrears": "ad ra va rb le",
    "api:integrity-arrears-payments": NOBODY,
    "api:integrity-arrears-targets": "ad ra va rb le",
    "api:integrity-bodies": "ad ra va rb le",
    "api:integrity-case": "ad le",
    "api:integrity-case-steps": NOBODY,
    "api:integrity-cases": "ad ra va rb le",
    "api:integrity-commitment-assess": NOBODY,
    "api:integrity-commitment-complaints": NOBODY,
    "api:integrity-commitments": "ad ra va rb le",
    "api:integrity-evaluation": "ad ra va rb le",
    "api:integrity-evaluation-export": "ad le",
    "api:integrity-evaluation-scores": NOBODY,
    "api:integrity-evaluation-unit": "ad ra va le",
    "api:integrity-scan": NOBODY,
    "api:integrity-summary": "ad ra va rb le",
    "api:integrity-unit-file": "ad ra va le",
    "api:ledger-assessment": "ad le",
    "api:ledger-assignment": "ad ra va le",
    "api:ledger-dashboard": "ad le",
    "api:ledger-progress": NOBODY,
    "api:ledger-review": NOBODY,
    "api:ledger-rows": "ad ra va rb le",
    "api:ledger-status": "ad ra va rb le",
    "api:list-entries": "ad ra va rb le",
    "api:list-entry": "ad le",
    "api:list-entry-action": NOBODY,
    "api:list-share": "ad le",
    "api:list-types": "ad ra va rb le ua ub od bk",
    "api:me": "ad ra va rb le ua ub od bk",
    "api:notice-pdf": "ad ra va le",
    "api:notice-serve": NOBODY,
    "api:notices": "ad ra va rb le",
    "api:objection": "ad ra va le",
    "api:objection-decide": NOBODY,
    "api:objection-forward": NOBODY,
    "api:objection-pause": NOBODY,
    "api:objection-reply": NOBODY,
    "api:objection-resume": NOBODY,
    "api:objection-status": NOBODY,
    "api:objections": "ad ra va rb le",
    "api:personnel-file": "ua od",
    "api:personnel-honours": PUBLIC,
    "api:personnel-item-exemption": NOBODY,
    "api:personnel-item-revoke": NOBODY,
    "api:personnel-items": NOBODY,
    "api:personnel-nomination-decide": NOBODY,
    "api:personnel-nomination-withdraw": NOBODY,
    "api:personnel-nominations": "ad ra va rb le ua ub od bk",
    "api:personnel-open": NOBODY,
    "api:personnel-person-transfer": NOBODY,
    "api:public-events": PUBLIC,
    "api:public-subject": PUBLIC,
    "api:public-subjects": PUBLIC,
    "api:record": "ad ra va le ua",
    "api:record-withdrawal": NOBODY,
    "api:record-replacement": NOBODY,
    "api:records": "ad ra va rb le ua ub od bk",
    "api:repair": "ad ra va le",
    "api:repair-complete": NOBODY,
    "api:repair-decide": NOBODY,
    "api:repair-provider-review": NOBODY,
    "api:repair-status": NOBODY,
    "api:repair-sync": NOBODY,
    "api:repairs": "ad ra va rb le",
    "api:report-detail": "ad le",
    "api:report-matters": PUBLIC,
    "api:report-pdf": "ad le",
    "api:report-public-key": PUBLIC,
    "api:report-verify": NOBODY,
    "api:reports": "ad ra va rb le bk",
    # The demo's first subject is a firm neither on the white list nor authorising the
    # demo bank; the list answers the bank (200) with only the firms it may see, by code.
    "api:subjects-detail": "ad ra va rb le ua ub od",
    "api:subjects-list": "ad ra va rb le ua ub od bk",
    "api:subjects-merge": NOBODY,
    "api:subjects-rename": NOBODY,
    "api:supervision-policies": "ad ra va rb le ua ub od bk",
    "api:token-revoke": NOBODY,
    "api:tokens": "ad va",
    "api:unit-users": "ad va",
    "api:units": "ad ra va rb le ua ub od bk",
    "api:xinyidai-approve-credit": NOBODY,
    "api:xinyidai-approve-finance": NOBODY,
    "api:xinyidai-export": "ad",
    "api:xinyidai-outcomes": "bk",
    "api:xinyidai-report": NOBODY,
    "api:xinyidai-return": NOBODY,
    "api:xinyidai-run-items": "ad le",
    "api:xinyidai-runs": "ad le",
    "api:xinyidai-statistics": "ad le",
    "api:xinyidai-whitelist": "ad le bk",
    "benefits:check": "ad ra va rb bk",
    "benefits:list": "ad ra va rb le bk",
    "benefits:portal-list": PUBLIC,
    "benefits:uses": "ad le",
    "collection:acknowledge": NOBODY,
    "collection:batch": "ad ra va le ua",
    # The rows as written (persons' ID numbers): only those who fix and re-send them.
    "collection:batch-rejected": "ad ra va",
    "collection:batches": "ad ra va rb le ua ub od bk",
    "collection:entry": "ad ra va rb",
    "collection:mine": "ad ra va rb le ua ub",
    "collection:overview": "ad ra va rb le ua ub",
    "collection:record": "ad ra va le ua",
    "collection:record-withdraw": NOBODY,
    "collection:record-replacement": NOBODY,
    "collection:records": "ad ra va rb le ua ub",
    "collection:report": "ad le",
    "collection:spot-check": "ad ra va le",
    "collection:spot-check-confirm": NOBODY,
    "collection:spot-check-new": "ad",
    "collection:spot-check-reply": NOBODY,
    "collection:spot-check-unit": "ad ra va le",
    "collection:spot-check-verdict": NOBODY,
    "collection:spot-checks": "ad ra va rb le",
    "collection:suspicions": "ad ra va rb le",
    "collection:template": "ad ra va rb le ua ub od bk",
    "collection:templates": "ad ra va rb le ua ub od bk",
    "collection:unit": "ad ra va le ua",
    "collection:upload": "ad ra va rb",
    "collection:upload-progress": NOBODY,
    "collection:warning-explain": NOBODY,
    "collection:warning-review": NOBODY,
    "commitments:detail": "ad ra va le",
    "commitments:import": "ad ra va rb",
    "commitments:list": "ad ra va rb le",
    "commitments:matters": "ad ra va rb le",
    "commitments:my-unit": "ad ra va rb",
    "commitments:new": "ad ra va rb",
    "commitments:public-confirm": NOBODY,
    "commitments:public-matters": PUBLIC,
    "commitments:public-window": PUBLIC,
    "commitments:unit": "ad ra va le",
    "draws_public:draw": PUBLIC,
    "draws_public:draw-data": PUBLIC,
    "draws_public:draw-verify": PUBLIC,
    "draws_public:draws": PUBLIC,
    "exchange:import": NOBODY,
    "exchange:inbound": "ad",
    "exchange:message": "ad",
    "exchange:messages": "ad",
    "exchange:resend": NOBODY,
    "exchange:send": NOBODY,
    # The token pages admit whom the token API admits ("api:tokens"): unit A's reviewer
    # for its own unit's token (the demo's, issued by that reviewer).
    "orgs:token-new": "ad va",
    "orgs:token-revoke": "ad va",
    "orgs:tokens": "ad va",
    "finance:authorisations": "ad le",
    "finance:bank-list": "bk",
    "finance:bank-outcomes": "bk",
    "finance:bank-report": NOBODY,
    "finance:bank-subject": NOBODY,
    "finance:events": "ad le",
    "finance:export": "ad",
    "finance:home": "ad le",
    "finance:portal-authorise": PUBLIC,
    "finance:portal-confirm": NOBODY,
    "finance:portal-confirm-revoke": NOBODY,
    "finance:portal-home": PUBLIC,
    "finance:portal-revoke": PUBLIC,
    "finance:run": "ad le",
    "finance:screen": "ad le",
    "finance:statistics": "ad le",
    "integrity:alert": "ad le",
    "integrity:alerts": "ad ra va rb le",
    "integrity:arrears": "ad ra va rb le",
    "integrity:arrears-case": "ad le",
    "integrity:arrears-new": "ad ra va rb",
    "integrity:body-new": "ad ra va rb",
    "integrity:case": "ad le",
    "integrity:case-new": "ad ra va rb",
    "integrity:cases": "ad ra va rb le",
    "integrity:commitment": "ad ra va le",
    "integrity:commitment-new": "ad ra va rb",
    "integrity:commitments": "ad ra va rb le",
    "integrity:dashboard": "ad ra va rb le",
    "integrity:evaluation": "ad ra va rb le",
    "integrity:evaluation-export": "ad le",
    "integrity:evaluation-unit": "ad ra va le",
    "integrity:public-commitments": PUBLIC,
    "integrity:unit": "ad ra va le",
    "integrity:units": "ad ra va rb le",
    "ledger:activities": "ad ra va rb le",
    "ledger:assessment": "ad le",
    "ledger:assignment": "ad ra va le",
    "ledger:assignment-report": NOBODY,
    "ledger:bulletin": "ad le",
    "ledger:bulletin-download": "ad le",
    "ledger:bulletins": "ad le",
    "ledger:dashboard": "ad le",
    "ledger:evidence": "ad le",
    "ledger:home": "ad ra va rb le",
    "ledger:plans": "ad le",
    "ledger:report-review": NOBODY,
    "ledger:review": "ad va",
    "ledger:supervision": "ad ra va rb le",
    "ledger:supervision-item": "ad le",
    "ledger:supervision-open": NOBODY,
    "personnel:file": "ua od",
    "personnel:honours": "ad ra va rb le ua ub od",
    "personnel:import": "od",
    "personnel:list": "ua ub od",
    "personnel:my-confirm": NOBODY,
    "personnel:my-file": PUBLIC,
    "personnel:new": "od",
    "personnel:public-honours": PUBLIC,
    "publicity:record": NOBODY,
    "publicity:search": PUBLIC,
    "publicity:withdrawals": PUBLIC,
    "publicity:subject": PUBLIC,
    "publicity:subject-export": PUBLIC,
    "reports:detail": "ad le",
    "reports:download": "ad le",
    "reports:list": "ad ra va rb le",
    "reports:matter-publish": NOBODY,
    "reports:matters": "ad ra va rb le",
    "reports:new": "ad ra va rb",
    "reports:public-key": PUBLIC,
    "reports:public-matters": PUBLIC,
    "reports:self-confirm": NOBODY,
    "reports:self-download": NOBODY,
    "reports:self-service": PUBLIC,
    "reports:verify": PUBLIC,
    "rights:notice-list": "ad ra va rb le",
    "rights:notice-pdf": "ad ra va le",
    "rights:notice-serve": NOBODY,
    "rights:objection-counter-new": "ad ra va",
    "rights:attachment-download": "ad ra va le",
    "rights:objection-detail": "ad ra va le",
    "rights:objection-list": "ad ra va rb le",
    "rights:objection-public-new": NOBODY,
    "rights:objection-status": PUBLIC,
    "rights:repair-counter-new": "ad ra va",
    "rights:repair-detail": "ad ra va le",
    "rights:repair-list": "ad ra va rb le",
    "rights:repair-public-new": NOBODY,
    "rights:repair-status": PUBLIC,
    "sanctions:case-publish": NOBODY,
    "sanctions:cases": "ad ra va rb le",
    "sanctions:check": "ad ra va le",
    "sanctions:check-new": "ad ra va rb",
    "sanctions:check-stats": "ad ra va rb le",
    "sanctions:checks": "ad ra va rb le",
    "sanctions:compliance": "ad le",
    "sanctions:event": "ad ra va le",
    "sanctions:event-assign": NOBODY,
    "sanctions:event-handle": NOBODY,
    "sanctions:event-new": "ad",
    "sanctions:event-publish": NOBODY,
    "sanctions:events": "ad ra va rb le",
    "sanctions:governance": "ad le",
    "sanctions:governance-case": "ad le",
    "sanctions:governance-case-action": NOBODY,
    "sanctions:governance-case-close": NOBODY,
    "sanctions:governance-case-new": "ad",
    "sanctions:governance-cases": "ad ra va rb le",
    "sanctions:governance-target": NOBODY,
    "sanctions:list-entries": "ad ra va rb le",
    "sanctions:list-entry": "ad le",
    "sanctions:list-entry-action": NOBODY,
    "sanctions:list-entry-new": "ad ra va rb",
    "sanctions:list-entry-notice": "ad le",
    "sanctions:list-types": "ad ra va rb le",
    "sanctions:measure": "ad ra va rb le",
    "sanctions:measures": "ad ra va rb le",
    "sanctions_public:case": PUBLIC,
    "sanctions_public:cases": PUBLIC,
    "sanctions_public:events": PUBLIC,
    "sanctions_public:red-list": PUBLIC,
    "sanctions_public:punishment-lists": PUBLIC,
    "supervision:conflict-withdraw": NOBODY,
    "supervision:draw": "ad ra va le",
    "supervision:draw-new": "ad ra va rb",
    "supervision:draw-run": NOBODY,
    "supervision:draws": "ad ra va rb le",
    "supervision:grade-model": "ad ra va rb le",
    "supervision:grade-recompute": NOBODY,
    "supervision:grade-subject": "ad ra va rb le",
    "supervision:grades": "ad ra va rb le",
    "supervision:inspection-entry": "ad ra va",
    "supervision:inspector-active": NOBODY,
    "supervision:inspector-conflicts": "ad ra va le",
    "supervision:inspectors": "ad ra va rb le",
    "supervision:policies": "ad ra va rb le",
    "supervision:policy-edit": "ad",
    "supervision:policy-new": "ad",
    "web:events": "ad",
    "web:login": PUBLIC,
    "web:portal-home": PUBLIC,
    "web:reads": "ad",
    "web:search": PUBLIC,
    "web:workspace": "ad ra va rb le ua ub od bk",
}

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def expected_roles(name: str) -> set[str] | None:
    if name in EXPECTED:
        return {CODES[c] for c in EXPECTED[name].split()}
    if name in ADMIN_EXCEPTIONS:
        return {CODES[c] for c in ADMIN_EXCEPTIONS[name].split()}
    if name.startswith(("admin:", "admin/")):
        # A model page of the configuration admin: the credit office's staff, where the
        # page's ModelAdmin grants it (read-only admins refuse add/delete with 403).
        return {"credit_admin"} if admin_page_permitted(name) else set()
    return None


# Admin URLs that are not model pages: who may GET them.
ADMIN_EXCEPTIONS: dict[str, str] = {
    "admin:index": "ad",
    "admin:app_list": "ad",
    "admin:password_change": "ad",
    "admin:password_change_done": "ad",
    "admin:jsi18n": "ad",
    "admin:core_calendaryear_import": "ad",
    # The login form is public; a signed-in staff member is sent on to the index.
    "admin:login": PUBLIC,
    # Logging out takes a POST; a GET is refused (405) or sent to the login page.
    "admin:logout": "an vi ra va rb le ua ub od bk",
    # Without arguments: 403 (autocomplete), 404 (view on site, unknown admin page).
    "admin:autocomplete": NOBODY,
    "admin:view_on_site": NOBODY,
    "admin/(?P<url>.*)$": NOBODY,
}


def allowed_urls(role: str, *, admin: bool = False, api: bool = False) -> list[str]:
    """The URLs of the matrix that `role` may GET, with their objects; admin pages and
    API addresses only when asked for."""
    urls = []
    for ep in endpoints():
        if role not in (expected_roles(ep.name) or set()):
            continue
        if ep.name.startswith("api:") and not api:
            continue
        if ep.route.startswith("admin/") and not admin:
            continue
        url = url_for(ep)
        if url is not None:
            urls.append(url)
    return urls


def admin_page_permitted(name: str) -> bool:
    from django.contrib import admin
    from django.test import RequestFactory

    from xinyong.orgs.models import User

    ep = next(e for e in endpoints() if e.name == name)
    model = admin_model(ep)
    model_admin = admin.site._registry.get(model) if model is not None else None
    if model_admin is None:
        return False
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    obj = model._default_manager.order_by("pk").first()
    kind = name.rsplit("_", 1)[-1] if name.startswith("admin:") else "change"
    if obj is None and kind in ("change", "history"):
        # No such object in the demo: the admin sends its staff back to the index.
        return True
    if kind == "add":
        return bool(model_admin.has_add_permission(request))
    if kind == "delete":
        return bool(model_admin.has_delete_permission(request, obj))
    if kind in ("change", "history"):
        return bool(model_admin.has_view_or_change_permission(request, obj))
    return bool(model_admin.has_view_or_change_permission(request))


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        return "login" if "/login/" in location else "redirect"
    return str(status)


# 400: the role passed the gate and was told what the request lacks.
ALLOWED = {"200", "redirect", "400"}
REFUSED = {"login", "401", "403", "404", "405"}


def secrets_of(ep: Endpoint) -> list[str]:
    """Texts that a refusal must not contain: the requested object's personal data (a
    natural person's name and identifier). Names of enterprises and units are public and
    may appear in a refusal's reason."""
    spec = OBJECTS.get(ep.name)
    if spec is None:
        return []
    from django.apps import apps

    label, filters, _attr = spec
    obj = apps.get_model(label)._default_manager.filter(**filters).order_by("pk").first()
    if obj is None:
        return []
    if label == "personnel.Person":
        return [obj.name, obj.id_number]
    if label == "subjects.Subject" and obj.is_person:
        return [obj.name]
    if label == "records.CreditRecord" and obj.subject.is_person:
        return [obj.party_name, obj.party_identifier]
    return []


def leak_problems(response: Any, ep: Endpoint) -> list[str]:
    body = response.content.decode("utf-8", "replace")
    problems = []
    if ID_NUMBER.search(body):
        problems.append("拒绝响应含18位号码")
    if PHONE.search(body):
        problems.append("拒绝响应含手机号")
    for text in secrets_of(ep):
        if text in body:
            problems.append(f"拒绝响应含对象名称“{text}”")
    return problems


def run_role(actors: Actors, role: str) -> tuple[dict[str, str], list[str]]:
    client = actors.client(role)
    observed: dict[str, str] = {}
    problems: list[str] = []
    for ep in endpoints():
        url = url_for(ep)
        if url is None:
            problems.append(f"{ep.name}: 演示数据中没有可用对象（{ep.route}）")
            continue
        cache.clear()  # the portal's rate limit is not what this test is about
        response = client.get(url)
        result = outcome(response)
        observed[ep.name] = result
        if response.status_code >= 500:
            problems.append(f"{ep.name} {url}: 服务器错误 {response.status_code}")
            continue
        if result not in ALLOWED | REFUSED:
            problems.append(f"{ep.name} {url}: 意外的响应 {result}")
        if result in REFUSED and result != "login":
            problems += [f"{ep.name} {url}: {p}" for p in leak_problems(response, ep)]
    return observed, problems


@pytest.mark.parametrize("role", ROLES)
def test_matrix_for_role(actors: Actors, role: str) -> None:
    observed, problems = run_role(actors, role)
    if os.environ.get("XINYONG_MATRIX_DISCOVER"):
        path = os.path.join(os.environ["XINYONG_MATRIX_DISCOVER"], f"{role}.json")
        with open(path, "w") as fh:
            json.dump(observed, fh, ensure_ascii=False, indent=0)
        return
    for name, result in observed.items():
        roles = expected_roles(name)
        if roles is None:
            continue  # reported by test_every_url_has_an_expectation
        may = role in roles
        if may and result not in ALLOWED:
            problems.append(f"{name}: {role} 应可访问，实际 {result}")
        if not may and result in ALLOWED:
            problems.append(f"{name}: {role} 不应访问，实际 {result}")
    assert not problems, "\n".join(problems)


def test_every_url_has_an_expectation(actors: Actors) -> None:
    # The admin pages' expectations are read from the demo (its admin user): `actors`
    # loads it even when this test is the first of its worker.
    names = {ep.name for ep in endpoints()}
    missing = sorted(n for n in names if expected_roles(n) is None)
    assert not missing, "以下地址没有访问预期，请在 EXPECTED 中补充：\n" + "\n".join(missing)
    stale = sorted(set(EXPECTED) - names)
    assert not stale, "EXPECTED 中的地址已不存在：\n" + "\n".join(stale)


def test_every_admin_model_page_is_known() -> None:
    for ep in endpoints():
        if ep.name.startswith("admin:") and ep.name not in ADMIN_EXCEPTIONS:
            assert ep.name == "admin:password_change" or admin_model(ep) is not None, ep
