"""The OpenAPI document (/api/schema/, drf-spectacular) against the live API on the demo
installation: a unit's IT supplier or a bank generates its client from the document, so
every component must be what the operation takes or answers, every answer (status code,
media type, body) must be documented, and generating the document must raise no warning.

`openapi_contract` validates a response against the document with `jsonschema`."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from .conftest import UNIT_B, Actors
from .openapi_contract import contract_problems, find_operation, openapi_document

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def _schema_of(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with a top-level $ref followed."""
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _request_properties(document: dict[str, Any], method: str, path: str) -> set[str]:
    _template, op = find_operation(document, method, path)
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    return set(_schema_of(document, schema)["properties"])


def _item_properties(document: dict[str, Any], path: str) -> set[str]:
    """The properties of one item of the paginated list answered by GET `path`."""
    _template, op = find_operation(document, "get", path)
    page = _schema_of(document, op["responses"]["200"]["content"]["application/json"]["schema"])
    return set(_schema_of(document, page["properties"]["results"]["items"])["properties"])


def _query_parameters(document: dict[str, Any], method: str, path: str) -> dict[str, dict]:
    _template, op = find_operation(document, method, path)
    return {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}


def _with_demo_ids(path: str) -> str:
    """Ids are the demo's, looked up: on PostgreSQL sequences do not restart per test."""
    if "{run}" in path:
        from xinyong.finance.models import WhitelistRun

        path = path.replace("{run}", str(WhitelistRun.objects.order_by("pk").first().pk))
    return path


def _nth_subject(n: int) -> Any:
    from xinyong.subjects.models import Subject

    return Subject.objects.order_by("pk")[n]


def _assert_contract(document: dict[str, Any], method: str, path: str, response: Any) -> None:
    problems = contract_problems(document, method, path, response)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- generation


def test_schema_generates_without_warnings_or_errors() -> None:
    """drf-spectacular's warnings name real defects (two serializers under one component
    name, a view it cannot read); none may come back. The document also validates
    against the OpenAPI 3.0 meta-schema."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = sorted(GENERATOR_STATS._warn_cache)
    errors = sorted(GENERATOR_STATS._error_cache)
    assert not errors, "\n".join(errors)
    assert not warnings, "\n".join(warnings)
    validate_schema(schema)


def test_schema_command_fails_on_no_warning(tmp_path: Any) -> None:
    """The same check as the build runs it: `manage.py spectacular --fail-on-warn`."""
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    assert out.read_text(encoding="utf-8").startswith("openapi: 3.0.3")


# ---------------------------------------------------------------- 1. component names


def test_each_operation_documents_its_own_request_and_items(document: dict[str, Any]) -> None:
    """Same-named serializers in different apps were one component: the repair decision
    and the nomination decision were documented with the objection decision's body, the
    report matters with the commitment matters' fields, the 信易贷 white list with the
    personnel file item's fields."""
    assert _request_properties(document, "post", "/api/v1/repairs/1/decide") == {
        "approve",
        "reason",
        "on",
    }
    assert _request_properties(document, "post", "/api/v1/personnel/nominations/1/decide/") == {
        "selected",
        "document",
        "note",
    }
    assert {"outcome", "category"} & _request_properties(
        document, "post", "/api/v1/objections/1/decide"
    )
    assert {"usage", "usage_count", "purpose_code"} <= _item_properties(
        document, "/api/v1/reports/matters/"
    )
    assert "template_text" not in _item_properties(document, "/api/v1/reports/matters/")
    assert {"template_text", "kind"} <= _item_properties(document, "/api/v1/commitments/matters/")
    for path in ("/api/v1/xinyidai/whitelist/", "/api/v1/xinyidai/runs/1/items/"):
        props = _item_properties(document, path)
        assert {"grade", "status_label", "reasons"} <= props, path
        assert "document_number" not in props, path
    assert {"person", "document_number"} <= _request_properties(
        document, "post", "/api/v1/personnel/items/"
    )


# ---------------------------------------------------------------- 2. response shapes


PAGINATED = [
    # (path, role) — every list the API pages with the project's PageNumberPagination
    ("/api/v1/reports/", "credit_admin"),
    ("/api/v1/reports/matters/", "anonymous"),
    ("/api/v1/notices/", "credit_admin"),
    ("/api/v1/commitments/", "credit_admin"),
    ("/api/v1/commitments/matters/", "anonymous"),
    ("/api/v1/integrity/alerts/", "credit_admin"),
    ("/api/v1/integrity/bodies/", "credit_admin"),
    ("/api/v1/integrity/cases/", "credit_admin"),
    ("/api/v1/integrity/arrears/", "credit_admin"),
    ("/api/v1/integrity/commitments/", "credit_admin"),
    ("/api/v1/xinyidai/whitelist/", "bank"),
    ("/api/v1/xinyidai/runs/", "credit_admin"),
    ("/api/v1/xinyidai/runs/{run}/items/", "credit_admin"),
    ("/api/v1/xinyidai/outcomes/", "bank"),
    ("/api/v1/benefits/scenarios/", "anonymous"),
    ("/api/v1/personnel/nominations/", "credit_admin"),
    ("/api/v1/personnel/honours/", "anonymous"),
    ("/api/v1/list-entries", "credit_admin"),
    ("/api/v1/records/", "credit_admin"),
    ("/api/v1/records/", "reporter_a"),
    ("/api/v1/collection/declarations", "credit_admin"),
    ("/api/v1/collection/spot-checks", "credit_admin"),
    ("/api/v1/collection/spot-checks", "reporter_a"),
]


@pytest.mark.parametrize(("path", "role"), PAGINATED)
def test_paginated_list_matches_its_schema(
    actors: Actors, document: dict[str, Any], path: str, role: str
) -> None:
    path = _with_demo_ids(path)
    response = actors.client(role).get(path)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    _assert_contract(document, "get", path, response)
    assert "page" in _query_parameters(document, "get", path), path


def test_paginated_list_page_beyond_the_end(actors: Actors, document: dict[str, Any]) -> None:
    """The demo white list fits one page of 50; page 2 is a documented 404."""
    from xinyong.finance import selectors

    client = actors.client("bank")
    first = client.get("/api/v1/xinyidai/whitelist/").json()
    assert first["count"] == selectors.published_items().count() == len(first["results"])
    assert 0 < first["count"] <= 50 and first["next"] is None
    beyond = client.get("/api/v1/xinyidai/whitelist/", {"page": 2})
    assert beyond.status_code == 404
    _assert_contract(document, "get", "/api/v1/xinyidai/whitelist/", beyond)


BARE_LISTS = [
    ("/api/v1/draws", "credit_admin"),
    ("/api/v1/draws", "bank"),  # an empty list is still a list
    ("/api/v1/inspectors", "reporter_a"),
    ("/api/v1/supervision-policies", "credit_admin"),
    ("/api/v1/benefits/counts/", "credit_admin"),
]


@pytest.mark.parametrize(("path", "role"), BARE_LISTS)
def test_bare_list_matches_its_schema(
    actors: Actors, document: dict[str, Any], path: str, role: str
) -> None:
    response = actors.client(role).get(path)
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    _, op = find_operation(document, "get", path)
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    _assert_contract(document, "get", path, response)


def test_benefit_counts_items(actors: Actors, document: dict[str, Any]) -> None:
    rows = actors.client("credit_admin").get("/api/v1/benefits/counts/").json()
    assert rows[0]["code"] == "XYP" and rows[0]["name"] == "信易批"
    _, op = find_operation(document, "get", "/api/v1/benefits/counts/")
    items = op["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert set(_schema_of(document, items)["required"]) >= {"code", "use_count", "year_count"}


SWEEP_ROLES = ("credit_admin", "reporter_a", "leader", "bank", "org_dept", "anonymous")


def _concrete(template: str) -> list[str]:
    if template.endswith("{code}/"):
        return [template.replace("{code}", "XZCF")]
    if "{" not in template:
        return [template]
    return [re.sub(r"\{[^}]+\}", ident, template) for ident in ("1", "2")]


def test_every_get_answer_matches_the_document(actors: Actors, document: dict[str, Any]) -> None:
    """Every GET operation, for every role, on the demo data: status code, media type and
    body as documented (refusals included: the shared error component)."""
    problems: list[str] = []
    for role in SWEEP_ROLES:
        client = actors.client(role)
        for template, operations in document["paths"].items():
            if "get" not in operations:
                continue
            for path in _concrete(template):
                response = client.get(path)
                problems += [
                    f"{role}: {p}" for p in contract_problems(document, "get", path, response)
                ]
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- 3. status codes and errors


CREATED = [
    ("post", "/api/v1/commitments/"),
    ("post", "/api/v1/reports/"),
    ("post", "/api/v1/xinyidai/runs/"),
    ("post", "/api/v1/xinyidai/outcomes/"),
    ("post", "/api/v1/integrity/bodies/"),
    ("post", "/api/v1/integrity/cases/"),
    ("post", "/api/v1/integrity/cases/{id}/steps/"),
    ("post", "/api/v1/integrity/arrears/"),
    ("post", "/api/v1/integrity/arrears/{id}/payments/"),
    ("post", "/api/v1/integrity/commitments/"),
    ("post", "/api/v1/integrity/commitments/{id}/complaints/"),
    ("post", "/api/v1/integrity/evaluation/scores/"),
    ("post", "/api/v1/ledger/assignments/{id}/reports/"),
    ("post", "/api/v1/personnel/items/"),
    ("post", "/api/v1/personnel/nominations/"),
    ("post", "/api/v1/list-entries"),
    ("post", "/api/v1/collection/batches"),
    ("post", "/api/v1/collection/declarations"),
    ("post", "/api/v1/collection/spot-checks"),
]


@pytest.mark.parametrize(("method", "template"), CREATED)
def test_created_is_documented_as_201(document: dict[str, Any], method: str, template: str) -> None:
    responses = document["paths"][template][method]["responses"]
    assert "201" in responses and "200" not in responses, sorted(responses)
    assert "application/json" in responses["201"]["content"]


def test_report_issue_answers_a_documented_201(actors: Actors, document: dict[str, Any]) -> None:
    code = _nth_subject(0).identifier
    response = actors.client("reporter_a").post(
        "/api/v1/reports/", {"subject": code, "purpose": "gov_procurement"}, "application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["purpose_code"] == "gov_procurement"
    _assert_contract(document, "post", "/api/v1/reports/", response)


def test_list_entry_proposal_answers_a_documented_201(
    actors: Actors, document: dict[str, Any]
) -> None:
    code = _nth_subject(1).identifier
    response = actors.client("reporter_b").post(
        "/api/v1/list-entries",
        {
            "list_type": "SX_WAGES",
            "subject": code,
            "basis_document": "北人社列字〔2026〕31号",
            "reasons": "拖欠农民工工资 12 万元",
            "on": "2026-09-25",
            "designating_unit": UNIT_B,
        },
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "proposed"
    _assert_contract(document, "post", "/api/v1/list-entries", response)


def test_loan_outcome_answers_a_documented_201(actors: Actors, document: dict[str, Any]) -> None:
    response = actors.client("bank").post(
        "/api/v1/xinyidai/outcomes/",
        # Applied today: the demo's authorisation is in force from the day the demo loads.
        {
            "subject": _authorised_subject(),
            "applied_on": timezone.localdate().isoformat(),
            "status": "applied",
        },
        "application/json",
    )
    assert response.status_code == 201, response.content
    _assert_contract(document, "post", "/api/v1/xinyidai/outcomes/", response)


def test_monthly_declaration_answers_a_documented_201(
    actors: Actors, document: dict[str, Any]
) -> None:
    """The declaration was documented as a 200 although the view answers 201."""
    client = actors.client("reporter_a")
    response = client.post(
        "/api/v1/collection/declarations",
        {"record_type": "XZCF", "period": "2026-10", "declared_count": 3},
        "application/json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["year"], response.json()["month"]) == (2026, 10)
    _assert_contract(document, "post", "/api/v1/collection/declarations", response)
    listed = client.get("/api/v1/collection/declarations")
    assert listed.json()["count"] >= 1
    _assert_contract(document, "get", "/api/v1/collection/declarations", listed)


def test_spot_check_detail_and_list_match_the_document(
    actors: Actors, document: dict[str, Any]
) -> None:
    """The demo's October 2026 check, as the office, the checked unit and a leader see it:
    the list was documented as a single check, without `page`."""
    from xinyong.collection.models import SpotCheck

    check = SpotCheck.objects.get(period="2026-10")
    path = f"/api/v1/collection/spot-checks/{check.pk}"
    for role in ("credit_admin", "reporter_a", "leader"):
        client = actors.client(role)
        detail = client.get(path)
        assert detail.status_code == 200, (role, detail.content[:300])
        assert detail.json()["items"], role
        _assert_contract(document, "get", path, detail)
        listed = client.get("/api/v1/collection/spot-checks")
        assert [c["id"] for c in listed.json()["results"]] == [check.pk], role
        _assert_contract(document, "get", "/api/v1/collection/spot-checks", listed)


# Anyone may call these: no authentication at all, so never a 401.
UNAUTHENTICATED = {"/api/v1/draws/{id}/verify", "/api/v1/public/dishonesty-events"}


def test_errors_are_documented_once_as_a_shared_component(document: dict[str, Any]) -> None:
    """{detail, code} (docs/conventions.md) for 400/401/403/404 on every operation (a
    404 also answers a page beyond the end), 429 where the operation is throttled."""
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert set(error["properties"]) == {"detail", "code"}
    ref = {"$ref": "#/components/schemas/Error"}
    for template, operations in document["paths"].items():
        for method, op in operations.items():
            codes = {"400", "403", "404"}
            if template in UNAUTHENTICATED:
                assert "401" not in op["responses"], template
            else:
                codes.add("401")
            for code in codes:
                answer = op["responses"].get(code)
                assert answer, f"{method.upper()} {template}: {code} not documented"
                assert answer["content"]["application/json"]["schema"] == ref
    for template in ("/api/v1/benefits/scenarios/", "/api/v1/repairs/status"):
        assert "429" in document["paths"][template]["get"]["responses"], template
    assert "429" not in document["paths"]["/api/v1/integrity/alerts/"]["get"]["responses"]


def test_refusals_match_the_error_component(actors: Actors, document: dict[str, Any]) -> None:
    anonymous = actors.client("anonymous")
    cases = [
        (anonymous, "/api/v1/reports/", 401),
        (actors.client("bank"), "/api/v1/integrity/alerts/", 403),
        (actors.client("credit_admin"), "/api/v1/reports/999999/", 404),
        (actors.client("credit_admin"), "/api/v1/integrity/alerts/?status=nope", 400),
    ]
    for client, path, status in cases:
        response = client.get(path)
        assert response.status_code == status, path
        assert response.json()["detail"]
        _assert_contract(document, "get", path.split("?")[0], response)


# ---------------------------------------------------------------- 4. parameters


def test_person_file_documents_its_required_purpose(
    actors: Actors, document: dict[str, Any]
) -> None:
    from xinyong.personnel.models import Person

    path = f"/api/v1/personnel/persons/{Person.objects.order_by('pk').first().pk}/file/"
    purpose = _query_parameters(document, "get", path)["purpose"]
    assert purpose["required"] is True
    client = actors.client("org_dept")
    missing = client.get(path)
    assert missing.status_code == 400
    _assert_contract(document, "get", path, missing)
    found = client.get(path, {"purpose": "干部考察"})
    assert found.status_code == 200, found.content
    assert found.json()["person"]["name"]
    _assert_contract(document, "get", path, found)


def test_honours_are_documented(actors: Actors, document: dict[str, Any]) -> None:
    assert {"year", "page"} <= set(_query_parameters(document, "get", "/api/v1/personnel/honours/"))
    response = actors.client("anonymous").get("/api/v1/personnel/honours/")
    _assert_contract(document, "get", "/api/v1/personnel/honours/", response)


def test_check_parameters_subject_and_matter_are_required(
    actors: Actors, document: dict[str, Any]
) -> None:
    params = _query_parameters(document, "get", "/api/v1/checks")
    assert params["subject"]["required"] is True
    assert params["matter"]["required"] is True
    assert params["reference"].get("required", False) is False
    response = actors.client("reporter_a").get("/api/v1/checks")
    assert response.status_code == 400 and "subject" in response.json()["detail"]
    _assert_contract(document, "get", "/api/v1/checks", response)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/commitments/", "status"),
        ("/api/v1/reports/", "purpose"),
        ("/api/v1/reports/matters/", "unit"),
        ("/api/v1/commitments/matters/", "kind"),
        ("/api/v1/integrity/alerts/", "status"),
        ("/api/v1/integrity/cases/", "stage"),
        ("/api/v1/ledger/rows/", "unit"),
        ("/api/v1/ledger/rows/", "year"),
    ],
)
def test_working_filters_are_documented(document: dict[str, Any], path: str, name: str) -> None:
    assert name in _query_parameters(document, "get", path)


def test_documented_filter_values_work(actors: Actors) -> None:
    client = actors.client("credit_admin")
    kept = client.get("/api/v1/commitments/", {"status": "kept"}).json()["results"]
    assert kept and {c["status"] for c in kept} == {"kept"}
    assert client.get("/api/v1/commitments/", {"status": "nope"}).status_code == 400
    procurement = client.get("/api/v1/reports/", {"purpose": "gov_procurement"}).json()
    assert procurement["count"] >= 1
    assert client.get("/api/v1/reports/", {"purpose": "nope"}).json()["count"] == 0
    assert client.get("/api/v1/integrity/cases/", {"stage": "nope"}).status_code == 400


# ---------------------------------------------------------------- 5. ?format= on the export


def test_xinyidai_export_takes_its_format_parameter(
    actors: Actors, document: dict[str, Any]
) -> None:
    """`format` is the export's own parameter; DRF read it as a renderer name and
    answered 404 for csv and xlsx alike."""
    fmt = _query_parameters(document, "get", "/api/v1/xinyidai/export/")["format"]
    assert set(fmt["schema"]["enum"]) == {"xlsx", "csv"}
    client = actors.client("credit_admin")
    as_csv = client.get("/api/v1/xinyidai/export/", {"format": "csv"})
    assert as_csv.status_code == 200, as_csv.content[:300]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) >= 2
    as_xlsx = client.get("/api/v1/xinyidai/export/", {"format": "xlsx"})
    assert as_xlsx.status_code == 200
    assert as_xlsx.content[:2] == b"PK"  # a zip: XLSX
    default = client.get("/api/v1/xinyidai/export/")
    assert default.status_code == 200 and default.content[:2] == b"PK"
    bad = client.get("/api/v1/xinyidai/export/", {"format": "pdf"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"


def test_schema_endpoint_still_switches_to_json_with_format(actors: Actors) -> None:
    """?format=json on /api/schema/ is the renderer switch (tests and tools use it)."""
    response = actors.client("credit_admin").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    assert json.loads(response.content)["openapi"] == "3.0.3"


# ---------------------------------------------------------------- 6. file downloads


def _authorised_subject() -> int:
    from xinyong.finance import services
    from xinyong.finance.models import Authorisation
    from xinyong.orgs.models import User

    bank = services.bank_of(User.objects.get(username="bank_demo"))
    for auth in Authorisation.objects.filter(bank=bank).order_by("pk"):
        if services.valid_authorisation(auth.subject, bank):
            return int(auth.subject_id)
    raise AssertionError("the demo data holds an authorisation for the demo bank")


def test_downloads_answer_the_declared_accept_header(
    actors: Actors, document: dict[str, Any]
) -> None:
    """Each download, requested with the media type its operation declares, is served (it
    was 406: the views kept JSON-only renderers)."""
    from xinyong.reports.models import Report
    from xinyong.rights.models import RepairNotice

    notice = RepairNotice.objects.filter(record__source_unit__name="区市场监管局").first()
    assert notice is not None
    downloads = [
        (
            "credit_admin",
            f"/api/v1/reports/{Report.objects.order_by('pk').first().pk}/pdf/",
            b"%PDF",
        ),
        ("reporter_a", f"/api/v1/notices/{notice.pk}/pdf", b"%PDF"),
        ("bank", f"/api/v1/xinyidai/subjects/{_authorised_subject()}/report/", b"%PDF"),
        ("credit_admin", "/api/v1/xinyidai/export/", b"PK"),
        ("credit_admin", "/api/v1/integrity/evaluation/export/", b"PK"),
    ]
    for role, path, magic in downloads:
        _template, op = find_operation(document, "get", path)
        declared = [m for m in op["responses"]["200"]["content"] if m != "application/json"]
        assert len(declared) == 1, (path, declared)
        response = actors.client(role).get(path, HTTP_ACCEPT=declared[0])
        assert response.status_code == 200, (path, response.status_code, response.content[:200])
        assert response["Content-Type"] == declared[0], path
        assert response.content.startswith(magic), path
        _assert_contract(document, "get", path, response)
    assert declared[0] == XLSX


def test_download_refusals_still_come_back_as_json(
    actors: Actors, document: dict[str, Any]
) -> None:
    cases = [
        ("credit_admin", "/api/v1/reports/999999/pdf/", "application/pdf", 404),
        ("reporter_a", "/api/v1/notices/999999/pdf", "application/pdf", 404),
        ("credit_admin", "/api/v1/xinyidai/subjects/1/report/", "application/pdf", 403),
        ("reporter_a", "/api/v1/xinyidai/export/", "application/octet-stream", 403),
        ("bank", "/api/v1/integrity/evaluation/export/", XLSX, 403),
        ("anonymous", "/api/v1/reports/1/pdf/", "application/pdf", 401),
    ]
    for role, path, accept, status in cases:
        response = actors.client(role).get(path, HTTP_ACCEPT=accept)
        assert response.status_code == status, (path, response.status_code)
        assert response["Content-Type"] == "application/json", path
        assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"]), path
        _assert_contract(document, "get", path, response)


def test_download_with_an_unrelated_accept_is_a_json_406(actors: Actors) -> None:
    response = actors.client("credit_admin").get("/api/v1/reports/1/pdf/", HTTP_ACCEPT="image/png")
    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == "无法提供所请求的格式。"


# ---------------------------------------------------------------- 7. list entries paginated


def test_list_entries_are_paginated_not_cut_at_500(
    actors: Actors, document: dict[str, Any]
) -> None:
    """The list answered the first 500 entries with count=500, silently: now the project's
    pagination (50 a page) with the true count."""
    from xinyong.orgs.models import Unit
    from xinyong.sanctions.models import ListEntry, ListType

    wages = ListType.objects.get(code="SX_WAGES")
    subject = _nth_subject(2)
    unit = Unit.objects.get(name=UNIT_B)
    ListEntry.objects.bulk_create(
        ListEntry(
            list_type=wages,
            subject=subject,
            basis_document=f"北人社列字〔2026〕{n}号",
            reasons="拖欠农民工工资",
            designating_unit=unit,
            effective_from=date(2026, 10, 20),
        )
        for n in range(1000, 1520)
    )
    total = ListEntry.objects.count()
    assert total > 520
    client = actors.client("credit_admin")
    first = client.get("/api/v1/list-entries")
    body = first.json()
    assert body["count"] == total
    assert len(body["results"]) == 50 and body["next"]
    _assert_contract(document, "get", "/api/v1/list-entries", first)
    last_page = (total + 49) // 50
    last = client.get("/api/v1/list-entries", {"page": last_page}).json()
    assert len(last["results"]) == total - 50 * (last_page - 1)
    assert last["next"] is None
    assert client.get("/api/v1/list-entries", {"page": last_page + 1}).status_code == 404
    unit_b = actors.client("reporter_b").get("/api/v1/list-entries", {"type": "SX_WAGES"})
    assert (
        unit_b.json()["count"]
        == ListEntry.objects.filter(designating_unit=unit, list_type=wages).count()
    )


def test_unauthenticated_client_answer(document: dict[str, Any]) -> None:
    """A plain client without session or token: 401 with the shared error body."""
    response = Client().get("/api/v1/list-entries")
    assert response.status_code == 401
    _assert_contract(document, "get", "/api/v1/list-entries", response)
