from __future__ import annotations

import pytest

from xinyong.core import identifier_services, identifiers
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.identifiers import check
from xinyong.core.models import Event, IdentifierOverride

pytestmark = pytest.mark.django_db

REAL_BUT_FAILING = "91350203M0001QAY9B"


@pytest.fixture(autouse=True)
def _fresh_override_cache():
    identifiers.invalidate_overrides()
    yield
    identifiers.invalidate_overrides()


def _add(code=REAL_BUT_FAILING):
    return identifier_services.add_override(
        actor=None,
        code=code,
        reason="登记机关核实为真实代码",
        basis="厦门市市场监管局 2024-03-01 复函",
    )


def test_override_makes_a_real_failing_code_valid_and_writes_an_event():
    assert check(REAL_BUT_FAILING).valid is False
    override = _add(" 91350203m0001qay9b ")
    assert override.code == REAL_BUT_FAILING
    assert override.kind == "uscc"
    v = check(REAL_BUT_FAILING)
    assert (v.valid, v.reason, v.overridden) == (True, "", True)
    # What the code itself says is still available.
    assert identifiers.structural_check(REAL_BUT_FAILING).valid is False
    event = Event.objects.get(action="core.identifier_override_add")
    assert event.target_id == str(override.pk)
    assert event.new_values["failed_check"] == "校验位错误：第18位应为“9”，实为“B”"
    assert event.new_values["basis"] == "厦门市市场监管局 2024-03-01 复函"


def test_withdrawing_restores_the_failure_and_keeps_history():
    _add()
    identifier_services.remove_override(actor=None, code=REAL_BUT_FAILING, reason="复核为录入错误")
    v = check(REAL_BUT_FAILING)
    assert (v.valid, v.overridden) == (False, False)
    row = IdentifierOverride.objects.get(code=REAL_BUT_FAILING)
    assert (row.active, row.deactivation_reason) == (False, "复核为录入错误")
    actions = Event.objects.filter(target_type="core.IdentifierOverride").order_by("id")
    assert list(actions.values_list("action", flat=True)) == [
        "core.identifier_override_add",
        "core.identifier_override_remove",
    ]
    # Declared again later: the same row is reactivated.
    _add()
    assert IdentifierOverride.objects.filter(code=REAL_BUT_FAILING, active=True).count() == 1
    assert check(REAL_BUT_FAILING).overridden is True


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91512081MA62K0260E", "“91512081MA62K0260E”校验通过，无需加入例外名单。"),
        ("", "代码为空，无法加入校验例外名单。"),
        ("9111000060003IOZSV", "这类错误应更正代码，不能作为例外"),
        ("9151208MA62K0260E", "不是可识别的代码：长度错误：共17位"),
    ],
)
def test_refusals(code, message):
    with pytest.raises(DomainError) as info:
        _add(code)
    assert message in info.value.message
    assert not IdentifierOverride.objects.exists()


def test_duplicate_and_missing():
    _add()
    with pytest.raises(DomainError, match="已在校验例外名单中"):
        _add()
    with pytest.raises(NotFoundError):
        identifier_services.remove_override(actor=None, code="91512081MA62K0260F", reason="x")
    with pytest.raises(DomainError, match="请填写原因"):
        identifier_services.add_override(
            actor=None, code="91512081MA62K0260F", reason=" ", basis="b"
        )


def test_a_resident_id_override_is_masked_in_the_event():
    code = "110105194912310021"  # fails its check digit
    identifier_services.add_override(actor=None, code=code, reason="公安机关核实", basis="户籍证明")
    event = Event.objects.get(action="core.identifier_override_add")
    assert event.target_repr == "110105********0021"
    assert event.new_values["code"] == "110105********0021"
    assert check(code).valid is True


def test_admin_add_and_withdraw_go_through_the_service(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(username="root_ids", password="x" * 12)
    client.force_login(admin)
    refused = client.post(
        "/admin/core/identifieroverride/add/",
        {"code": "91512081MA62K0260E", "reason": "r", "basis": "b"},
    )
    assert refused.status_code == 200
    assert "校验通过，无需加入例外名单" in refused.content.decode()
    added = client.post(
        "/admin/core/identifieroverride/add/",
        {"code": REAL_BUT_FAILING, "reason": "登记机关核实", "basis": "营业执照核验"},
    )
    assert added.status_code == 302
    row = IdentifierOverride.objects.get()
    assert (row.code, row.created_by, row.active) == (REAL_BUT_FAILING, admin, True)
    event = Event.objects.get(action="core.identifier_override_add")
    assert event.actor_id == admin.pk
    withdrawn = client.post(
        f"/admin/core/identifieroverride/{row.pk}/change/",
        {"withdraw": "on", "deactivation_reason": "复核为录入错误"},
    )
    assert withdrawn.status_code == 302
    row.refresh_from_db()
    assert (row.active, row.deactivation_reason) == (False, "复核为录入错误")
    assert Event.objects.filter(action="core.identifier_override_remove").count() == 1
    page = client.get(f"/admin/core/identifieroverride/{row.pk}/change/")
    assert page.status_code == 200
