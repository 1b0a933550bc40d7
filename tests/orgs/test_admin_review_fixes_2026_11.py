"""The admin of accounts and units, after the November 2026 review (foundation defects 1,
5, 6, 7 and 8): accounts are deactivated, never deleted; aliases are checked and logged
in their stored form; a unit's USCC is checked; a refused account change is a form
error, not a logged success."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import ProtectedError
from django.test import Client

from xinyong.core.audit import record_read, verify_chains
from xinyong.core.event_labels import field_label
from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.models import Unit, UnitAlias, User

PASSWORD = "Xinyong@2026"

pytestmark = pytest.mark.django_db


def _unit(name: str) -> Unit:
    u = services.resolve_unit_name(name)
    assert isinstance(u, Unit)
    return u


def _superuser() -> User:
    return services.create_user(
        actor=None,
        username="root_admin",
        password=PASSWORD,
        role="credit_admin",
        unit=_unit("区发改委"),
        superuser=True,
    )


def _admin_client() -> Client:
    c = Client(raise_request_exception=False)
    c.force_login(_superuser())
    return c


def _unit_form(unit: Unit, *new_aliases: str) -> dict[str, Any]:
    aliases = list(unit.aliases.order_by("pk"))
    extra = list(new_aliases) or [""]
    d: dict[str, Any] = {
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "uscc": unit.uscc,
        "sort_order": unit.sort_order,
        "active": "on",
        "aliases-TOTAL_FORMS": str(len(aliases) + len(extra)),
        "aliases-INITIAL_FORMS": str(len(aliases)),
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for i, a in enumerate(aliases):
        d.update(
            {f"aliases-{i}-id": a.pk, f"aliases-{i}-unit": unit.pk, f"aliases-{i}-alias": a.alias}
        )
    for j, alias in enumerate(extra, start=len(aliases)):
        d.update({f"aliases-{j}-unit": unit.pk, f"aliases-{j}-alias": alias})
    return d


# --- 1. accounts are deactivated, never deleted -----------------------------------------


def test_deleting_a_user_in_the_admin_is_refused_and_the_audit_chain_stays_intact():
    root = _superuser()
    staff = services.create_user(
        actor=root,
        username="old_staff",
        password="Another#Pass2026",
        role="credit_admin",
        unit=_unit("区发改委"),
    )
    services.add_unit_alias(actor=staff, unit=_unit("区市场监管局"), alias="市场局测试别名")
    assert verify_chains() == []
    client = Client(raise_request_exception=False)
    client.force_login(root)
    assert client.get(f"/admin/orgs/user/{staff.pk}/delete/").status_code == 403
    assert client.post(f"/admin/orgs/user/{staff.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()
    assert Event.objects.filter(actor=staff).count() == 1
    assert verify_chains() == []


def test_user_admin_offers_deactivation_and_no_delete_link_or_bulk_delete():
    client = _admin_client()
    staff = services.create_user(
        actor=None, username="old_staff", password=PASSWORD, role="reporter", unit=_unit("区人社局")
    )
    page = client.get(f"/admin/orgs/user/{staff.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/orgs/user/{staff.pk}/delete/" not in page.content.decode()
    listing = client.get("/admin/orgs/user/")
    assert listing.status_code == 200
    actions = [value for value, _label in listing.context["action_form"].fields["action"].choices]
    assert "deactivate_selected" in actions
    assert "delete_selected" not in actions
    response = client.post(
        "/admin/orgs/user/",
        {"action": "delete_selected", "_selected_action": [staff.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=staff.pk).exists()
    assert response.status_code in (200, 302)


def test_a_user_named_in_the_event_log_or_the_read_log_cannot_be_deleted():
    actor = services.create_user(
        actor=None,
        username="event_actor",
        password=PASSWORD,
        role="credit_admin",
        unit=_unit("区发改委"),
    )
    services.add_unit_alias(actor=actor, unit=_unit("区市场监管局"), alias="市场局另一别名")
    with pytest.raises(ProtectedError):
        actor.delete()
    reader = services.create_user(
        actor=None, username="log_reader", password=PASSWORD, role="leader", unit=None
    )
    # Its creation event names the system as actor: only the read log names this account.
    assert not Event.objects.filter(actor=reader).exists()
    record_read(
        reader=reader,
        subject_type="integrity.Subject",
        subject_id=1,
        subject_repr="张*",
        purpose="核查",
    )
    with pytest.raises(ProtectedError):
        reader.delete()
    assert verify_chains() == []


# --- 5. aliases are checked in their stored form ----------------------------------------


def test_admin_alias_that_normalises_onto_another_units_alias_is_a_form_error():
    client = _admin_client()
    rsj = _unit("区人社局")
    before = set(rsj.aliases.values_list("alias", flat=True))
    r = client.post(f"/admin/orgs/unit/{rsj.pk}/change/", _unit_form(rsj, "区 市场局"))
    assert r.status_code == 200
    assert "别名“区市场局”已属于“区市场监管局”" in r.content.decode()
    assert services.resolve_unit_name("区市场局").name == "区市场监管局"
    assert set(rsj.aliases.values_list("alias", flat=True)) == before


def test_two_new_aliases_with_the_same_stored_form_are_a_form_error():
    client = _admin_client()
    rsj = _unit("区人社局")
    r = client.post(
        f"/admin/orgs/unit/{rsj.pk}/change/", _unit_form(rsj, "人社（本级）", "人社 (本级)")
    )
    assert r.status_code == 200
    assert not UnitAlias.objects.filter(alias="人社（本级）").exists()


# --- 6. a unit's USCC is checked ----------------------------------------------------------


def test_admin_refuses_a_unit_uscc_with_a_wrong_check_character():
    client = _admin_client()
    scj = _unit("区市场监管局")
    data = _unit_form(scj)
    data["uscc"] = "91410503ma45b8q06b"
    r = client.post(f"/admin/orgs/unit/{scj.pk}/change/", data)
    assert r.status_code == 200
    assert "校验位错误：第18位应为“A”，实为“B”" in r.content.decode()
    scj.refresh_from_db()
    assert scj.uscc == ""


def test_admin_stores_a_valid_unit_uscc_in_upper_case():
    client = _admin_client()
    scj = _unit("区市场监管局")
    data = _unit_form(scj)
    data["uscc"] = " 11410503mb1234567w "
    assert client.post(f"/admin/orgs/unit/{scj.pk}/change/", data).status_code == 302
    scj.refresh_from_db()
    assert scj.uscc == "11410503MB1234567W"


# --- 7. a refused account change is a form error -----------------------------------------


def test_user_admin_writes_no_event_for_a_change_the_service_refused():
    client = _admin_client()
    scj = _unit("区市场监管局")
    rep = services.create_user(
        actor=None, username="reporter_x", password=PASSWORD, role="reporter", unit=scj
    )
    before = Event.objects.count()
    changed = client.post(
        f"/admin/orgs/user/{rep.pk}/change/",
        {
            "username": "reporter_x",
            "full_name": "",
            "phone": "",
            "organisation": "",
            "role": "bank",
            "unit": "",
            "is_active": "on",
        },
    )
    assert changed.status_code == 200
    assert "银行用户必须填写所属机构（如银行支行名称）。" in changed.content.decode()
    rep.refresh_from_db()
    assert rep.role == "reporter"
    added = client.post(
        "/admin/orgs/user/add/",
        {
            "username": "weakling",
            "password": "123",
            "full_name": "",
            "role": "reporter",
            "unit": scj.pk,
            "organisation": "",
            "phone": "",
        },
    )
    assert added.status_code == 200
    assert "密码不符合要求" in added.content.decode()
    assert not User.objects.filter(username="weakling").exists()
    assert list(Event.objects.order_by("id").values_list("action", flat=True)[before:]) == []


def test_a_refused_step_of_an_account_change_undoes_the_steps_before_it():
    root = _superuser()
    client = Client(raise_request_exception=False)
    client.force_login(root)
    before = Event.objects.count()
    # Renaming oneself is allowed, deactivating oneself is not: neither happens.
    r = client.post(
        f"/admin/orgs/user/{root.pk}/change/",
        {
            "username": "root_admin",
            "full_name": "新名字",
            "phone": "",
            "organisation": "",
            "role": "credit_admin",
            "unit": _unit("区发改委").pk,
        },
    )
    assert r.status_code == 200
    assert "不能停用自己的账号。" in r.content.decode()
    root.refresh_from_db()
    assert (root.full_name, root.is_active) == ("", True)
    assert Event.objects.count() == before


# --- 8. alias changes are logged with their values ---------------------------------------


def test_admin_alias_deletion_event_names_the_alias():
    client = _admin_client()
    scj = _unit("区市场监管局")
    data = _unit_form(scj)
    removed = UnitAlias.objects.get(pk=data["aliases-0-id"])
    data["aliases-0-DELETE"] = "on"
    before = Event.objects.count()
    assert client.post(f"/admin/orgs/unit/{scj.pk}/change/", data).status_code == 302
    assert not UnitAlias.objects.filter(pk=removed.pk).exists()
    events = list(Event.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["orgs.unit_change"]
    assert removed.alias in events[0].old_values["aliases"]
    assert removed.alias not in events[0].new_values["aliases"]
    assert field_label("aliases", "orgs.Unit") == "别名"  # as the 操作日志 names the key
    assert verify_chains() == []


def test_admin_alias_addition_event_names_the_stored_alias():
    client = _admin_client()
    rsj = _unit("区人社局")
    old = sorted(rsj.aliases.values_list("alias", flat=True))
    before = Event.objects.count()
    r = client.post(f"/admin/orgs/unit/{rsj.pk}/change/", _unit_form(rsj, "人社局 (本级)"))
    assert r.status_code == 302
    events = list(Event.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["orgs.unit_change"]
    assert events[0].old_values == {"aliases": old}
    assert events[0].new_values == {"aliases": sorted([*old, "人社局（本级）"])}
    assert json.dumps(events[0].new_values, ensure_ascii=False).count("人社局（本级）") == 1


def test_user_admin_does_not_offer_or_log_a_rename_no_service_makes():
    client = _admin_client()
    rep = services.create_user(
        actor=None,
        username="reporter_y",
        password=PASSWORD,
        role="reporter",
        unit=_unit("区人社局"),
    )
    page = client.get(f"/admin/orgs/user/{rep.pk}/change/").content.decode()
    assert 'name="username"' not in page
    before = Event.objects.count()
    r = client.post(
        f"/admin/orgs/user/{rep.pk}/change/",
        {
            "username": "renamed",
            "full_name": "",
            "phone": "",
            "organisation": "",
            "role": "reporter",
            "unit": rep.unit_id,
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    rep.refresh_from_db()
    assert rep.username == "reporter_y"
    logged = json.dumps(
        list(Event.objects.order_by("id").values_list("new_values", flat=True)[before:]),
        ensure_ascii=False,
    )
    assert "用户名" not in logged
