"""The person objects to a file item through the rights workflow: same limits
(河南条例 art. 41), the keeper answers as the providing unit, 撤销 revokes the item."""

from __future__ import annotations

from datetime import date

import pytest

from xinyong.core.errors import DomainError, NotPermitted
from xinyong.orgs.services import resolve_unit
from xinyong.personnel import selectors, services
from xinyong.personnel.models import FileItem, ItemObjection
from xinyong.rights import objections
from xinyong.rights.models import Objection

from .conftest import dishonesty

pytestmark = pytest.mark.django_db


def _object(wang, item):
    return services.object_to_item(
        actor=None,
        person=wang,
        item=item,
        category="wrong",
        description="该处分已被复查撤销。",
        phone="13812345678",
    )


def test_objection_linked_and_shown(users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    objection = _object(wang, item)
    assert objection.record is None and objection.subject.is_person
    assert objection.applicant_is_government is True
    assert objection.description.startswith("【公务员·一般失信·北纪诫〔2025〕7号】")
    assert ItemObjection.objects.get(objection=objection).item == item
    view = selectors.file_view(wang)
    row = next(i for i in view["items"] if i["id"] == item.pk)
    assert row["open_objection"] == objection.query_code
    with pytest.raises(DomainError, match="正在办理中"):
        _object(wang, item)


def test_deadlines_are_the_rights_limits(users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    objection = _object(wang, item)
    Objection.objects.filter(pk=objection.pk).update(received_on=date(2026, 9, 28))
    objection.refresh_from_db()
    # Office alone: 3 working days after Monday 2026-09-28, across the National Day holiday.
    assert objections.due_date(objection) == date(2026, 10, 8)
    objections.forward_to_provider(
        actor=users["admin"],
        objection=objection,
        unit=resolve_unit("区委组织部"),
        on=date(2026, 9, 28),
    )
    objection.refresh_from_db()
    assert objections.due_date(objection) == date(2026, 10, 13)  # 7 (10-10 is a 调休 workday)
    assert objections.provider_due_date(objection) == date(2026, 10, 8)


def test_keeper_answers_and_revocation_revokes_item(users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    objection = _object(wang, item)
    objections.forward_to_provider(
        actor=users["admin"], objection=objection, unit=resolve_unit("区委组织部")
    )
    with pytest.raises(NotPermitted):
        objections.provider_reply(actor=users["scj_leader"], objection=objection, reply="x")
    # The 组织部门 holds no unit staff role; the personnel provider check admits it.
    objections.provider_reply(
        actor=users["zzb"], objection=objection, reply="经核，原处分已于2025年9月撤销。"
    )
    assert selectors.summarise(wang.items.all()).dishonesty == 1
    objections.decide_objection(
        actor=users["admin"], objection=objection, outcome="revoked", reason="原处分已撤销"
    )
    item.refresh_from_db()
    assert item.status == FileItem.Status.REVOKED
    assert item.revoked_reason.startswith(f"异议 {objection.query_code} 决定撤销")
    assert selectors.summarise(wang.items.all()).dishonesty == 0


def test_kept_objection_leaves_item(users, wang):
    item = dishonesty(users["zzb"], wang, "北纪诫〔2025〕7号", date(2025, 6, 10))
    objection = _object(wang, item)
    objections.decide_objection(
        actor=users["admin"], objection=objection, outcome="kept", reason="处分有效"
    )
    item.refresh_from_db()
    assert item.status == FileItem.Status.ACTIVE
    assert selectors.file_view(wang)["items"][0]["open_objection"] == ""
