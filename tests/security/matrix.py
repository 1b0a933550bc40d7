"""The role × endpoint × object matrix: which URLs exist, with which object each is
requested, and how a response is classified. The expectations (who may GET what) are
data in test_access_matrix.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import UNIT_A

# Every pattern under these prefixes is in the matrix; the portal's home, search and
# login pages (web namespace) too.
PREFIXES = ("api/v1/", "workspace/", "credit/", "admin/")
EXTRA = ("web:portal-home", "web:search", "web:login")

A = {"name": UNIT_A}
# The object each parametrised URL is requested with: (model, filter, attribute giving
# the URL argument). Where an object belongs to a unit, it is unit A's (区市场监管局), so
# that unit B's reporter asking for it is the cross-unit case.
OBJECTS: dict[str, tuple[str, dict[str, Any], str]] = {
    # API
    "api:unit-users": ("orgs.Unit", A, "pk"),
    "api:token-revoke": ("orgs.ApiToken", {"user__unit__name": UNIT_A}, "pk"),
    "api:subjects-detail": ("subjects.Subject", {}, "pk"),
    "api:subjects-merge": ("subjects.Subject", {}, "pk"),
    "api:subjects-rename": ("subjects.Subject", {}, "pk"),
    "api:catalog-type": ("catalog.RecordType", {}, "code"),
    "api:collection-batch": ("collection.Batch", {"unit__name": UNIT_A}, "pk"),
    "api:record": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    # The demo's October 2026 spot check sampled unit A only (collection/demo.py).
    "api:collection-spot-check": ("collection.SpotCheck", {}, "pk"),
    "api:collection-spot-check-verdict": ("collection.SpotCheckItem", {"unit__name": UNIT_A}, "pk"),
    "api:collection-spot-check-reply": ("collection.SpotCheckItem", {"unit__name": UNIT_A}, "pk"),
    "api:collection-spot-check-confirm": (
        "collection.SpotCheckItem",
        {"unit__name": UNIT_A},
        "pk",
    ),
    "api:collection-warning-explanation": (
        "collection.QualityWarning",
        {"unit__name": UNIT_A},
        "pk",
    ),
    "api:collection-warning-review": ("collection.QualityWarning", {"unit__name": UNIT_A}, "pk"),
    "api:record-withdrawal": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "api:record-replacement": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "api:public-subject": ("subjects.Subject", {}, "pk"),
    "api:repair": ("rights.RepairApplication", {}, "pk"),
    "api:repair-complete": ("rights.RepairApplication", {}, "pk"),
    "api:repair-provider-review": ("rights.RepairApplication", {}, "pk"),
    "api:repair-decide": ("rights.RepairApplication", {}, "pk"),
    "api:repair-sync": ("rights.RepairApplication", {}, "pk"),
    "api:notice-pdf": ("rights.RepairNotice", {}, "pk"),
    "api:notice-serve": ("rights.RepairNotice", {}, "pk"),
    "api:objection": ("rights.Objection", {}, "pk"),
    # The evidence of the demo's objection forwarded to 区市场监管局.
    "rights:attachment-download": (
        "rights.Attachment",
        {"objection__record__source_unit__name": UNIT_A},
        "pk",
    ),
    "api:objection-forward": ("rights.Objection", {}, "pk"),
    "api:objection-reply": ("rights.Objection", {}, "pk"),
    "api:objection-pause": ("rights.Objection", {}, "pk"),
    "api:objection-resume": ("rights.Objection", {}, "pk"),
    "api:objection-decide": ("rights.Objection", {}, "pk"),
    "api:list-entry": ("sanctions.ListEntry", {}, "pk"),
    "api:list-entry-action": ("sanctions.ListEntry", {}, "pk"),
    "api:check": ("sanctions.Check", {"unit__name": UNIT_A}, "pk"),
    "api:check-feedback": ("sanctions.Check", {"unit__name": UNIT_A}, "pk"),
    "api:governance-case": ("sanctions.GovernanceCase", {}, "pk"),
    "api:governance-case-actions": ("sanctions.GovernanceCase", {}, "pk"),
    "api:governance-case-close": ("sanctions.GovernanceCase", {}, "pk"),
    "api:governance-event": ("sanctions.DishonestyEvent", {}, "pk"),
    "api:governance-event-assign": ("sanctions.DishonestyEvent", {}, "pk"),
    "api:governance-event-handling": ("sanctions.DishonestyEvent", {}, "pk"),
    "api:governance-event-publish": ("sanctions.DishonestyEvent", {}, "pk"),
    "api:commitment-detail": ("commitments.Commitment", {}, "pk"),
    "api:commitment-fulfilment": ("commitments.Commitment", {}, "pk"),
    "api:grades-detail": ("subjects.Subject", {}, "pk"),
    "api:draw": ("supervision.Draw", {"unit__name": UNIT_A}, "pk"),
    "api:draw-run": ("supervision.Draw", {"unit__name": UNIT_A}, "pk"),
    "api:draw-verify": ("supervision.Draw", {"unit__name": UNIT_A}, "pk"),
    "api:draw-inspection": ("supervision.DrawTarget", {"draw__unit__name": UNIT_A}, "pk"),
    "api:report-detail": ("reports.Report", {}, "pk"),
    "api:report-pdf": ("reports.Report", {}, "pk"),
    "api:xinyidai-run-items": ("finance.WhitelistRun", {}, "pk"),
    "api:xinyidai-approve-credit": ("finance.WhitelistRun", {}, "pk"),
    "api:xinyidai-approve-finance": ("finance.WhitelistRun", {}, "pk"),
    "api:xinyidai-return": ("finance.WhitelistRun", {}, "pk"),
    "api:xinyidai-report": ("subjects.Subject", {}, "pk"),
    "api:integrity-alert-ack": ("integrity.Alert", {}, "pk"),
    "api:integrity-alert-resolve": ("integrity.Alert", {}, "pk"),
    "api:integrity-unit-file": ("orgs.Unit", A, "pk"),
    "api:integrity-case": ("integrity.IntegrityCase", {}, "pk"),
    "api:integrity-case-steps": ("integrity.IntegrityCase", {}, "pk"),
    "api:integrity-arrears-payments": ("integrity.ArrearsCase", {}, "pk"),
    "api:integrity-commitment-assess": ("integrity.GovCommitment", {}, "pk"),
    "api:integrity-commitment-complaints": ("integrity.GovCommitment", {}, "pk"),
    "api:integrity-evaluation-unit": ("orgs.Unit", A, "pk"),
    "api:personnel-file": ("personnel.Person", {}, "pk"),
    "api:personnel-item-exemption": ("personnel.FileItem", {}, "pk"),
    "api:personnel-item-revoke": ("personnel.FileItem", {}, "pk"),
    "api:personnel-nomination-decide": ("personnel.Nomination", {}, "pk"),
    "api:personnel-nomination-withdraw": ("personnel.Nomination", {}, "pk"),
    "api:personnel-person-transfer": ("personnel.Person", {}, "pk"),
    "api:ledger-assignment": ("ledger.Assignment", {"unit__name": UNIT_A}, "pk"),
    "api:ledger-progress": ("ledger.Assignment", {"unit__name": UNIT_A}, "pk"),
    "api:ledger-review": ("ledger.ProgressReport", {"assignment__unit__name": UNIT_A}, "pk"),
    "api:exchange-message": ("exchange.OutboundMessage", {}, "pk"),
    "api:exchange-message-resend": ("exchange.OutboundMessage", {}, "pk"),
    # workspace
    "collection:batch": ("collection.Batch", {"unit__name": UNIT_A}, "pk"),
    "collection:batch-rejected": ("collection.Batch", {"unit__name": UNIT_A}, "pk"),
    "collection:record": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "collection:record-withdraw": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "collection:record-replacement": (
        "records.CreditRecord",
        {"source_unit__name": UNIT_A},
        "pk",
    ),
    "collection:unit": ("orgs.Unit", A, "pk"),
    "collection:acknowledge": ("orgs.Unit", A, "pk"),
    "collection:template": ("catalog.RecordType", {}, "code"),
    "collection:spot-check": ("collection.SpotCheck", {}, "pk"),
    "collection:spot-check-unit": ("orgs.Unit", A, "pk"),
    "collection:spot-check-verdict": ("collection.SpotCheckItem", {"unit__name": UNIT_A}, "pk"),
    "collection:spot-check-reply": ("collection.SpotCheckItem", {"unit__name": UNIT_A}, "pk"),
    "collection:spot-check-confirm": ("collection.SpotCheckItem", {"unit__name": UNIT_A}, "pk"),
    "collection:warning-explain": ("collection.QualityWarning", {"unit__name": UNIT_A}, "pk"),
    "collection:warning-review": ("collection.QualityWarning", {"unit__name": UNIT_A}, "pk"),
    "sanctions:list-entry": ("sanctions.ListEntry", {}, "pk"),
    "sanctions:list-entry-action": ("sanctions.ListEntry", {}, "pk"),
    "sanctions:list-entry-notice": ("sanctions.ListEntry", {}, "pk"),
    "sanctions:measure": ("sanctions.Measure", {}, "code"),
    "sanctions:check": ("sanctions.Check", {"unit__name": UNIT_A}, "pk"),
    "sanctions:case-publish": ("sanctions.TypicalCase", {}, "pk"),
    "sanctions:governance-case": ("sanctions.GovernanceCase", {}, "pk"),
    "sanctions:governance-case-action": ("sanctions.GovernanceCase", {}, "pk"),
    "sanctions:governance-case-close": ("sanctions.GovernanceCase", {}, "pk"),
    "sanctions:event": ("sanctions.DishonestyEvent", {}, "pk"),
    "sanctions:event-assign": ("sanctions.DishonestyEvent", {}, "pk"),
    "sanctions:event-handle": ("sanctions.DishonestyEvent", {}, "pk"),
    "sanctions:event-publish": ("sanctions.DishonestyEvent", {}, "pk"),
    "supervision:grade-subject": ("subjects.Subject", {}, "pk"),
    "supervision:policy-edit": ("supervision.SupervisionPolicy", {}, "pk"),
    "supervision:inspector-active": ("supervision.Inspector", {"unit__name": UNIT_A}, "pk"),
    "supervision:inspector-conflicts": ("supervision.Inspector", {"unit__name": UNIT_A}, "pk"),
    "supervision:conflict-withdraw": ("supervision.InspectorConflict", {}, "pk"),
    "supervision:draw": ("supervision.Draw", {"unit__name": UNIT_A}, "pk"),
    "supervision:draw-run": ("supervision.Draw", {"unit__name": UNIT_A}, "pk"),
    "supervision:inspection-entry": ("supervision.DrawTarget", {"draw__unit__name": UNIT_A}, "pk"),
    "rights:objection-detail": ("rights.Objection", {}, "pk"),
    "rights:objection-counter-new": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "rights:repair-detail": ("rights.RepairApplication", {}, "pk"),
    "rights:repair-counter-new": ("records.CreditRecord", {"source_unit__name": UNIT_A}, "pk"),
    "rights:notice-pdf": ("rights.RepairNotice", {}, "pk"),
    "rights:notice-serve": ("rights.RepairNotice", {}, "pk"),
    "commitments:detail": ("commitments.Commitment", {}, "pk"),
    "commitments:unit": ("orgs.Unit", A, "pk"),
    "reports:detail": ("reports.Report", {}, "pk"),
    "reports:download": ("reports.Report", {}, "pk"),
    "reports:matter-publish": ("reports.ApplicationMatter", {}, "pk"),
    "finance:run": ("finance.WhitelistRun", {}, "pk"),
    "finance:bank-subject": ("subjects.Subject", {}, "pk"),
    "finance:bank-report": ("subjects.Subject", {}, "pk"),
    "benefits:uses": ("benefits.Scenario", {}, "code"),
    "integrity:unit": ("orgs.Unit", A, "pk"),
    "integrity:alert": ("integrity.Alert", {}, "pk"),
    "integrity:case": ("integrity.IntegrityCase", {}, "pk"),
    "integrity:arrears-case": ("integrity.ArrearsCase", {}, "pk"),
    "integrity:commitment": ("integrity.GovCommitment", {}, "pk"),
    "integrity:evaluation-unit": ("orgs.Unit", A, "pk"),
    "personnel:file": ("personnel.Person", {}, "pk"),
    "ledger:assignment": ("ledger.Assignment", {"unit__name": UNIT_A}, "pk"),
    "ledger:assignment-report": ("ledger.Assignment", {"unit__name": UNIT_A}, "pk"),
    "ledger:supervision-open": ("ledger.Assignment", {"unit__name": UNIT_A}, "pk"),
    "ledger:report-review": ("ledger.ProgressReport", {"assignment__unit__name": UNIT_A}, "pk"),
    "ledger:evidence": ("ledger.Evidence", {}, "pk"),
    "ledger:supervision-item": ("ledger.SupervisionItem", {}, "pk"),
    "ledger:bulletin": ("ledger.Bulletin", {}, "pk"),
    "ledger:bulletin-download": ("ledger.Bulletin", {}, "pk"),
    "exchange:message": ("exchange.OutboundMessage", {}, "pk"),
    "exchange:resend": ("exchange.OutboundMessage", {}, "pk"),
    "orgs:token-revoke": ("orgs.ApiToken", {"user__unit__name": UNIT_A}, "pk"),
    # public portal
    "sanctions_public:case": ("sanctions.TypicalCase", {}, "pk"),
    "publicity:subject": ("subjects.Subject", {}, "pk"),
    "publicity:subject-export": ("subjects.Subject", {}, "pk"),
    "publicity:record": ("records.CreditRecord", {}, "pk"),
    "draws_public:draw": ("supervision.Draw", {}, "pk"),
    "draws_public:draw-verify": ("supervision.Draw", {}, "pk"),
    "draws_public:draw-data": ("supervision.Draw", {}, "pk"),
    "rights:objection-public-new": ("records.CreditRecord", {}, "pk"),
    "rights:repair-public-new": ("records.CreditRecord", {}, "pk"),
}
# Plain string arguments: signed tokens are requested with a forged one (refused for
# everyone: the token is the capability), formats with the first one offered.
STRINGS = {"token": "forged-token", "fmt": "xlsx", "action": "serve"}
MISSING = 999999
# Query strings for list endpoints that refuse a request without one.
QUERIES = {
    "api:subjects-list": "?q=安阳",
    "api:public-subjects": "?q=安阳",
    "api:collection-rates": "?period=2026-10",
    "api:objection-status": "?code=forged",
    "api:repair-status": "?code=forged",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", ns: str | None = None) -> Iterator[Endpoint]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ns
            if p.namespace:
                inner = f"{ns}:{p.namespace}" if ns else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or route)
            yield Endpoint(name, route, tuple(re.findall(r"<(?:\w+:)?(\w+)>", route)))


def endpoints() -> list[Endpoint]:
    """Every URL pattern of the matrix, from the URL conf itself."""
    found: dict[str, Endpoint] = {}
    for ep in _walk(get_resolver().url_patterns):
        if ep.route.startswith(PREFIXES) or ep.name in EXTRA:
            found.setdefault(ep.name, ep)
    return sorted(found.values(), key=lambda e: e.name)


def admin_model(ep: Endpoint) -> Any | None:
    """The model of an admin page, from its route admin/<app>/<model>/…"""
    match = re.match(r"admin/(\w+)/(\w+)/", ep.route)
    if not match:
        return None
    try:
        config = apps.get_app_config(match.group(1))
    except LookupError:
        return None
    for model in config.get_models():
        if model._meta.model_name == match.group(2):
            return model
    return None


def url_for(ep: Endpoint) -> str | None:
    """The URL of the endpoint with real arguments, or None when the matrix has no
    object for it (which the test reports)."""
    values: dict[str, Any] = {}
    if ep.route.startswith("admin/"):
        model = admin_model(ep)
        for param in ep.params:
            if param in ("object_id", "id") and model is not None:
                obj = model._default_manager.order_by("pk").first()
                values[param] = obj.pk if obj is not None else 999999
            elif param == "content_type_id":
                from django.contrib.contenttypes.models import ContentType

                values[param] = ContentType.objects.get_for_model(apps.get_model("orgs", "Unit")).pk
            elif param == "app_label":
                values[param] = "orgs"
            elif param == "url":
                values[param] = "missing/"
            else:
                values[param] = "1"
    elif ep.params:
        spec = OBJECTS.get(ep.name)
        for param in ep.params:
            if param in STRINGS:
                values[param] = STRINGS[param]
            elif spec is not None:
                label, filters, attr = spec
                obj = apps.get_model(label)._default_manager.filter(**filters).order_by("pk")
                first = obj.first()
                # The demo has no such object: the URL is requested with an identifier
                # that does not exist (everyone must then be refused).
                values[param] = getattr(first, attr) if first is not None else MISSING
            else:
                return None
    route = ep.route
    if ep.name == "admin:app_list":
        return "/admin/orgs/"
    if ep.route == "admin/(?P<url>.*)$":
        return "/admin/missing/"
    for param, value in values.items():
        route = re.sub(rf"<(?:\w+:)?{param}>", str(value), route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + route + QUERIES.get(ep.name, "")
