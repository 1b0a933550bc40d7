"""The public page of a 双随机 draw shows the inspection results with ID numbers and mobile
numbers masked, and a drawn person's own name by its first character (DOMAIN.md §2),
while an enterprise's results keep their text."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.subjects.models import IdentifierType, SubjectKind
from xinyong.supervision import draws
from xinyong.supervision.models import Draw

from .draws_helpers import ensure_policies, make_pool, roster, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
PHONE = "13812345678"
TARGET_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _seed_dir(settings, tmp_path: Path) -> None:
    settings.DRAW_SEED_DIR = tmp_path / "seeds"
    ensure_policies()


def _drawn(kind: str) -> Draw:
    make_pool({"D": 10}, kind=kind)
    roster(2)
    draw = draws.create_draw(actor=None, unit=unit(), title="2026年食品经营双随机抽查")
    return draws.run_draw(actor=None, draw=draw)


def _inspect(target, name: str) -> None:
    from stdnum.cn import uscc

    body = "11410503MB1234567"
    draws.record_inspection(
        actor=None,
        target=target,
        document_number="北关市监检〔2026〕1号",
        inspected_on=timezone.localdate().isoformat(),
        matters="食品经营许可事项",
        outcome=f"{name}（身份证{ID_NUMBER}，联系电话{PHONE}）未按规定公示许可证",
        handling=f"责令{name}限期改正，复查联系电话{PHONE}",
        legal_rep="张三",
        inspecting_unit_name="安阳市北关区市场监督管理局",
        inspecting_unit_code=body + uscc.calc_check_digit(body),
    )


def test_a_drawn_persons_results_are_masked_on_the_public_page() -> None:
    draw = _drawn(SubjectKind.PERSON)
    target = draw.targets.select_related("subject").order_by("pk").first()
    assert target is not None
    # The pool's persons carry placeholder numbers; the inspection record is matched to
    # its subject by a real resident ID number.
    subject = target.subject
    subject.identifier, subject.identifier_type = TARGET_ID, IdentifierType.RESIDENT_ID
    subject.save(update_fields=["identifier", "identifier_type"])
    subject.identifiers.update(kind=IdentifierType.RESIDENT_ID, value=TARGET_ID)
    name = subject.name  # 王0001 and the like
    _inspect(target, name)
    masked = name[0] + "*" * (len(name) - 1)
    html = Client().get(f"/credit/draws/{draw.pk}/").content.decode()
    assert ID_NUMBER not in html and PHONE not in html and name not in html
    assert f"{masked}（身份证410503********0318，联系电话138****5678）未按规定公示许可证" in html
    assert f"责令{masked}限期改正，复查联系电话138****5678" in html
    # The API and the CLI show the draw through the same public_targets.
    row = next(t for t in draws.public_targets(draw) if t["target_id"] == target.pk)
    assert row["outcome"] == (
        f"{masked}（身份证410503********0318，联系电话138****5678）未按规定公示许可证"
    )


def test_an_enterprises_results_keep_the_names_and_mask_the_numbers() -> None:
    draw = _drawn(SubjectKind.ORGANISATION)
    target = draw.targets.select_related("subject").order_by("pk").first()
    assert target is not None
    _inspect(target, "法定代表人张建国")
    row = next(t for t in draws.public_targets(draw) if t["target_id"] == target.pk)
    assert row["outcome"] == (
        "法定代表人张建国（身份证410503********0318，联系电话138****5678）未按规定公示许可证"
    )
    assert row["handling"] == "责令法定代表人张建国限期改正，复查联系电话138****5678"
