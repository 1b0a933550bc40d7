"""A 瞒报/漏报 suspicion follows the fact it states (2023 work plan, task 4: 督促整改).

A handled warning (情况说明, 整改完成 or 退回) answers one fact — "少 1 件", "缺少 13号".
When the fact changes afterwards the handled warning is closed as it stands and a new
open warning names it; when the fact disappears the warning is resolved automatically
with a note and an event; an unchanged fact keeps its state however often checks run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from xinyong.collection import quality, selectors
from xinyong.collection.models import QualityWarning
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.records.services import void_record

from .qhelpers import declare, record, rtype, unit, user

pytestmark = pytest.mark.django_db

OCT = selectors.Period.month(2026, 10)
TODAY = date(2026, 11, 25)
Kind = QualityWarning.Kind


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "admin": user("sf_admin", Role.CREDIT_ADMIN, "区发改委"),
        "reporter": user("sf_rep", Role.REPORTER, "区市场监管局"),
    }


def _penalties(numbers: range, *, day: int = 9) -> None:
    for n in numbers:
        record(
            unit("区市场监管局"),
            f"北市监罚〔2026〕{n}号",
            decided=date(2026, 10, day),
            reported=date(2026, 10, 20),
        )


def _declare(count: int, actor: Any) -> None:
    quality.declare_month(
        actor=actor,
        unit=unit("区市场监管局"),
        record_type=rtype("XZCF"),
        year=2026,
        month=10,
        count=count,
        today=TODAY,
    )


def _live(kind: str = Kind.UNDER_REPORTED) -> QualityWarning:
    return QualityWarning.objects.get(unit=unit("区市场监管局"), kind=kind, resolution="")


def _events(action: str) -> list[Event]:
    return list(Event.objects.filter(action=action).order_by("id"))


def _handle(warning: QualityWarning, people: dict[str, Any], *, accept: bool = True) -> None:
    warning = quality.explain_warning(
        actor=people["reporter"], warning=warning, text="1 件决定不予处罚，已更正。"
    )
    if accept:
        quality.review_warning(actor=people["admin"], warning=warning, accepted=True)


def test_declared_5_reported_4_then_7_then_all_reported(
    people: dict[str, Any], clock: Any, console: Callable[..., tuple[int, str, str]]
) -> None:
    clock.today = TODAY
    _penalties(range(1, 5))  # 1号–4号: no gap
    _declare(5, people["reporter"])
    first = _live()
    assert "申报作出决定 5 件，已报送 4 件，少 1 件" in first.message
    assert (first.fact, first.rectification_label) == ("少1件", "待说明")
    _handle(first, people)
    first.refresh_from_db()
    assert first.rectification_label == "整改完成"
    assert quality.unrectified_suspicions(OCT) == {}

    # An unchanged fact: the job runs again and again, nothing moves. (Its first run may
    # warn other units that owe October's declaration.)
    assert console("collection", "check", "--period", "2026-10", "--json")[0] == 0
    events = Event.objects.count()
    for _ in range(2):
        code, out, _err = console("collection", "check", "--period", "2026-10", "--json")
        assert code == 0
        result = json.loads(out)
        assert (result["created"], result["updated"], result["resolved"]) == (0, 0, 0)
    assert Event.objects.count() == events
    first.refresh_from_db()
    assert (first.rectification, first.resolution) == ("done", "")

    # The unit now declares 7: 少 3 件 is a new fact, not the one the office accepted.
    _declare(7, people["reporter"])
    first.refresh_from_db()
    second = _live()
    assert second.pk != first.pk
    assert (first.rectification, first.resolution) == ("done", "superseded")
    assert first.rectification_label == "整改完成，情况变化已另行预警"
    assert "少 1 件" in first.message  # what was accepted stays as it was
    assert first.resolution_note == "情况已变化（少1件 → 少3件），已另行预警"
    assert (second.rectification, second.previous_id, second.fact) == ("", first.pk, "少3件")
    assert second.key == "2026-10|XZCF" and first.key != second.key
    assert second.message == (
        "2026年10月行政处罚：申报作出决定 7 件，已报送 4 件，少 3 件，请补报或说明。"
        "前次预警（少1件）已确认整改完成，现情况有变化，请重新说明。"
    )
    (supersede,) = _events("collection.warning.supersede")
    assert supersede.target_id == str(first.pk)
    assert supersede.new_values["superseded_by"] == second.pk
    assert quality.unrectified_suspicions(OCT) == {unit("区市场监管局").pk: 1}
    with pytest.raises(DomainError, match="已由新的预警取代"):
        quality.explain_warning(actor=people["reporter"], warning=first, text="再说明")

    # Still 少 3 件 on the next run: no churn.
    assert quality.check_unit_period(unit("区市场监管局"), 2026, 10, today=TODAY).changed is False
    assert QualityWarning.objects.filter(kind=Kind.UNDER_REPORTED).count() == 2

    # 5号–7号 reported: declared and reported agree, the open warning resolves itself.
    _penalties(range(5, 8))
    summary = quality.check_unit_period(unit("区市场监管局"), 2026, 10, today=TODAY)
    assert summary.resolved == 1
    second.refresh_from_db()
    assert (second.resolution, second.resolution_note) == ("resolved", "申报与报送已一致，自动解除")
    assert second.resolved_at is not None
    assert second.rectification_label == "已自动解除"
    (resolve,) = _events("collection.warning.resolve")
    assert resolve.target_id == str(second.pk)
    assert resolve.new_values["note"] == "申报与报送已一致，自动解除"
    assert quality.unrectified_suspicions(OCT) == {}
    assert not QualityWarning.objects.filter(kind=Kind.UNDER_REPORTED, resolution="").exists()
    with pytest.raises(DomainError, match="已自动解除"):
        quality.explain_warning(actor=people["reporter"], warning=second, text="说明")
    assert quality.check_unit_period(unit("区市场监管局"), 2026, 10, today=TODAY).changed is False
    rates = selectors.unit_rates(OCT, units=[unit("区市场监管局")])[0]
    assert rates.warnings == 0  # closed warnings are history, not standing warnings

    # Pages: the unit sees the history, the office's open list is empty.
    reporter = Client()
    reporter.force_login(people["reporter"])
    page = reporter.get(f"/workspace/collection/units/{unit('区市场监管局').pk}/").content.decode()
    assert "已自动解除" in page and "申报与报送已一致，自动解除" in page
    assert "整改完成，情况变化已另行预警" in page
    assert f'href="#warning-{first.pk}"' in page  # the new warning names the earlier one
    admin = Client()
    admin.force_login(people["admin"])
    listing = "/workspace/collection/suspicions/?period=2026-10"
    assert "申报作出决定" not in admin.get(listing).content.decode()
    closed = admin.get(listing + "&state=closed").content.decode()
    assert "少 3 件" in closed and "少 1 件" in closed and "已自动解除" in closed


def test_an_unanswered_warning_follows_the_fact_in_place(people: dict[str, Any]) -> None:
    _penalties(range(1, 5))
    _declare(5, people["reporter"])
    warning = _live()
    quality.acknowledge_warning(actor=people["reporter"], warning=warning)
    _declare(6, people["reporter"])
    again = _live()
    # Nothing was answered yet: the unit answers the current fact on the same warning.
    assert again.pk == warning.pk and again.previous_id is None
    assert (again.fact, again.rectification) == ("少2件", "")
    assert "少 2 件" in again.message
    assert QualityWarning.objects.filter(kind=Kind.UNDER_REPORTED).count() == 1


def test_an_explanation_awaiting_review_is_not_confirmed_for_another_number(
    people: dict[str, Any],
) -> None:
    _penalties(range(1, 5))
    _declare(5, people["reporter"])
    explained = _live()
    _handle(explained, people, accept=False)
    _declare(8, people["reporter"])
    explained.refresh_from_db()
    assert (explained.rectification, explained.resolution) == ("explained", "superseded")
    assert explained.rectification_label == "已说明，情况变化已另行预警"
    with pytest.raises(DomainError, match="已由新的预警取代"):
        quality.review_warning(actor=people["admin"], warning=explained, accepted=True)
    fresh = _live()
    assert "前次预警（少1件）已提交情况说明" in fresh.message and fresh.fact == "少4件"
    # Counted once: the open one, not the superseded explanation beside it.
    assert quality.unrectified_suspicions(OCT) == {unit("区市场监管局").pk: 1}


def test_the_same_shortfall_with_other_counts_keeps_its_state(people: dict[str, Any]) -> None:
    """Declared 5 and reported 4, accepted; then declared 6 and reported 5: still 少 1 件,
    the fact the office accepted — the state stays, the numbers in the text follow."""
    _penalties(range(1, 5))
    _declare(5, people["reporter"])
    warning = _live()
    _handle(warning, people)
    _penalties(range(5, 6))
    _declare(6, people["reporter"])
    kept = _live()
    assert (kept.pk, kept.rectification, kept.fact) == (warning.pk, "done", "少1件")
    assert "申报作出决定 6 件，已报送 5 件，少 1 件" in kept.message


def test_a_handled_gap_that_changes_and_then_closes(people: dict[str, Any]) -> None:
    scj = unit("区市场监管局")
    record(scj, "北市监罚〔2026〕12号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    record(scj, "北市监罚〔2026〕14号", decided=date(2026, 10, 10), reported=date(2026, 10, 12))
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    gap = _live(Kind.NUMBER_GAP)
    assert gap.fact == "缺13号"
    quality.explain_warning(actor=people["reporter"], warning=gap, text="13号已作废")
    quality.review_warning(actor=people["admin"], warning=gap, accepted=True)
    record(scj, "北市监罚〔2026〕17号", decided=date(2026, 10, 20), reported=date(2026, 10, 22))
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    new = _live(Kind.NUMBER_GAP)
    assert new.pk != gap.pk and new.previous_id == gap.pk
    assert new.fact == "缺13号、15-16号"
    assert "前次预警（缺13号）已确认整改完成" in new.message
    for n in (13, 15, 16):
        record(scj, f"北市监罚〔2026〕{n}号", decided=date(2026, 10, 9), reported=date(2026, 11, 2))
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    new.refresh_from_db()
    assert (new.resolution, new.resolution_note) == ("resolved", "文书号已连续，自动解除")
    gap.refresh_from_db()
    assert (gap.rectification, gap.resolution) == ("done", "superseded")


def test_not_declared_resolves_when_the_declaration_arrives(people: dict[str, Any]) -> None:
    from .qhelpers import batch

    scj = unit("区市场监管局")
    batch(scj, reported=date(2026, 9, 20), rows=1)  # reports penalties: obliged to declare
    quality.run_checks(year=2026, month=10, today=TODAY)
    missing = _live(Kind.NOT_DECLARED)
    _declare(0, people["reporter"])
    missing.refresh_from_db()
    assert (missing.resolution, missing.resolution_note) == ("resolved", "已申报决定数，自动解除")


def test_a_warning_written_before_facts_were_stored_keeps_its_state(
    people: dict[str, Any],
) -> None:
    """Warnings raised before this change carry no fact: the same text means the same
    fact, so an accepted warning is not raised again after the upgrade."""
    _penalties(range(1, 5))
    _declare(5, people["reporter"])
    warning = _live()
    _handle(warning, people)
    QualityWarning.objects.filter(pk=warning.pk).update(fact="")
    summary = quality.check_unit_period(unit("区市场监管局"), 2026, 10, today=TODAY)
    kept = _live()
    assert (kept.pk, kept.rectification, kept.fact) == (warning.pk, "done", "少1件")
    assert summary.created == 0


def test_a_void_changes_the_facts_it_counted() -> None:
    """北市监罚〔2026〕2000号 keyed for 2号: while it stands, two records answer the two
    declared penalties and the numbers 3–1999 look missing. Voided, it is no decision: the
    gap goes, 少 1 件 appears, and 2号 reported later settles the month."""
    scj = unit("区市场监管局")
    declare(scj, 2026, 10, 2)
    record(scj, "北市监罚〔2026〕1号", decided=date(2026, 10, 9), reported=date(2026, 10, 12))
    typo = record(
        scj, "北市监罚〔2026〕2000号", decided=date(2026, 10, 10), reported=date(2026, 10, 12)
    )
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    assert _live(Kind.NUMBER_GAP).fact.startswith("缺2-1999号")
    assert not QualityWarning.objects.filter(kind=Kind.UNDER_REPORTED).exists()

    void_record(actor=None, record=typo, reason="文书号录入错误", on=TODAY)
    # The void re-ran the month's checks.
    gap = QualityWarning.objects.get(kind=Kind.NUMBER_GAP)
    assert (gap.resolution, gap.resolution_note) == ("resolved", "文书号已连续，自动解除")
    assert _live().fact == "少1件"
    rates = selectors.unit_rates(OCT, units=[scj])[0]
    assert (rates.decided_reported, rates.declared) == (1, 2)

    record(scj, "北市监罚〔2026〕2号", decided=date(2026, 10, 10), reported=date(2026, 11, 24))
    quality.check_unit_period(scj, 2026, 10, today=TODAY)
    assert not QualityWarning.objects.filter(resolution="").exists()
