"""Checks and feedback (发起响应 → 信息推送 → 执行反馈 → 统计分析): a check returns exactly
the measures for the subject's current lists and the matter, none after delisting,
incentives only for a red-list subject; feedback, reminders and statistics add up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.sanctions.governance_helpers import company, entry, make_user, unit
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.models import Event
from xinyong.orgs.models import Role
from xinyong.sanctions import checks, lists
from xinyong.sanctions.models import Check, CheckMeasure, TypicalCase

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # a Monday; 5 working days later is Monday 2026-03-09


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "fin": make_user("fin_reporter", Role.REPORTER, "区财政局"),
        "hr": make_user("hr_reporter", Role.REPORTER, "区人社局"),
        "admin": make_user("chk_admin", Role.CREDIT_ADMIN, "区发改委"),
        "leader": make_user("chk_leader", Role.LEADER),
    }


@pytest.fixture
def subjects() -> dict[str, Any]:
    court = company("MA00000A", "安阳市北关区失信建材有限公司")
    wages = company("MA00000B", "安阳市北关区欠薪建筑劳务有限公司")
    clean = company("MA00000C", "安阳市北关区清白商贸有限公司")
    red = company("MA00000D", "安阳市北关区守信食品有限公司")
    return {
        "court": court,
        "wages": wages,
        "clean": clean,
        "red": red,
        "court_entry": entry(court, "SX_BZXR", effective_from=date(2026, 1, 5)),
        "wages_entry": entry(wages, "SX_WAGES", effective_from=date(2026, 1, 5)),
        "red_entry": entry(red, "RED", effective_from=date(2026, 1, 5)),
    }


def codes(check: Check) -> list[str]:
    return sorted(cm.measure.code for cm in check.measures.select_related("measure"))


def test_check_returns_exactly_the_measures_of_current_lists_and_matter(people, subjects) -> None:
    fin = unit("区财政局")
    check = checks.run_check(
        actor=people["fin"],
        unit=fin,
        identifier=subjects["court"].identifier,
        matter="PROCUREMENT",
        reference="BGCG-2026-017",
        on=MON,
    )
    assert codes(check) == ["P-PROCUREMENT"]
    assert check.hit is True
    assert check.feedback_status == Check.FeedbackStatus.PENDING
    assert check.feedback_due == date(2026, 3, 9)
    item = check.snapshot["measures"][0]
    assert item["legal_basis"].startswith("《中华人民共和国政府采购法》第二十二条第一款第五项")
    assert item["list_type"] == "SX_BZXR"
    assert check.snapshot["entries"][0]["list_type_name"] == "失信被执行人名单"
    assert check.matter_reference == "BGCG-2026-017"
    # The same subject in another matter gets that matter's measures only.
    office = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["court"], matter="APPOINTMENT", on=MON
    )
    assert codes(office) == ["P-OFFICE"]
    # Wage arrears: the general procurement measure and the wage-specific one.
    wages = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["wages"], matter="PROCUREMENT", on=MON
    )
    assert codes(wages) == ["P-PROCUREMENT", "P-WAGES"]
    # A subject on no list: recorded, no hit, no feedback needed.
    clean = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["clean"], matter="PROCUREMENT", on=MON
    )
    assert (clean.hit, codes(clean), clean.feedback_status, clean.feedback_due) == (
        False,
        [],
        Check.FeedbackStatus.NOT_NEEDED,
        None,
    )
    assert Check.objects.count() == 4
    assert Event.objects.filter(action="sanctions.check_run").count() == 4


def test_no_measures_after_delisting(people, subjects) -> None:
    fin = unit("区财政局")
    lists.remove_entry(
        actor=None, entry=subjects["court_entry"], on=date(2026, 3, 10), reason="已履行全部义务"
    )
    before = checks.run_check(
        actor=people["fin"],
        unit=fin,
        subject=subjects["court"],
        matter="PROCUREMENT",
        on=date(2026, 3, 9),
    )
    assert codes(before) == ["P-PROCUREMENT"]
    after = checks.run_check(
        actor=people["fin"],
        unit=fin,
        subject=subjects["court"],
        matter="PROCUREMENT",
        on=date(2026, 3, 10),
    )
    assert after.hit is False
    assert codes(after) == []
    assert after.snapshot["entries"] == []


def test_ended_entry_and_entry_not_yet_effective_give_nothing(people) -> None:
    ended = company("MA00000E", "安阳市北关区期满商贸有限公司")
    entry(ended, "SX_BZXR", effective_from=date(2025, 1, 6), ends_on=date(2026, 2, 27))
    future = company("MA00000F", "安阳市北关区未生效商贸有限公司")
    entry(future, "SX_BZXR", effective_from=date(2026, 4, 1))
    fin = unit("区财政局")
    for subject in (ended, future):
        check = checks.run_check(
            actor=people["fin"], unit=fin, subject=subject, matter="PROCUREMENT", on=MON
        )
        assert codes(check) == []


def test_red_list_subject_gets_incentives_only(people, subjects) -> None:
    fin = unit("区财政局")
    honour = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["red"], matter="HONOUR", on=MON
    )
    assert codes(honour) == ["I-HONOUR"]
    assert honour.snapshot["measures"][0]["kind"] == "incentive"
    subsidy = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["red"], matter="SUBSIDY", on=MON
    )
    assert codes(subsidy) == ["I-SUBSIDY"]
    # A black-listed subject asking for honours gets the punishment, never the incentive.
    court = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["court"], matter="HONOUR", on=MON
    )
    assert codes(court) == ["P-HONOUR"]


def test_measure_out_of_force_or_without_basis_is_not_applied(people, subjects) -> None:
    from xinyong.sanctions.models import Measure

    Measure.objects.filter(code="P-PROCUREMENT").update(effective_to=date(2026, 2, 27))
    Measure.objects.filter(code="P-WAGES").update(legal_basis="")
    fin = unit("区财政局")
    check = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["wages"], matter="PROCUREMENT", on=MON
    )
    assert codes(check) == []
    # The office measure only exists from the 2023 company law's commencement.
    old = checks.run_check(
        actor=people["fin"],
        unit=fin,
        subject=subjects["court"],
        matter="APPOINTMENT",
        on=date(2024, 6, 28),
    )
    assert codes(old) == []


def test_unknown_subject_and_matter_are_refused_in_chinese(people, subjects) -> None:
    fin = unit("区财政局")
    with pytest.raises(NotFoundError, match="平台中没有代码为"):
        checks.run_check(
            actor=people["fin"], unit=fin, identifier="91410503MA0000000X", matter="PROCUREMENT"
        )
    with pytest.raises(NotFoundError, match="未知的办理事项“买菜”"):
        checks.run_check(actor=people["fin"], unit=fin, subject=subjects["court"], matter="买菜")
    with pytest.raises(DomainError, match="请输入信用主体"):
        checks.run_check(actor=people["fin"], unit=fin, identifier="  ", matter="PROCUREMENT")
    assert Check.objects.count() == 0


def _feedback_scenario(people: dict[str, Any], subjects: dict[str, Any]) -> list[Check]:
    """5 checks, 3 hits, 4 measures; two units; March and April 2026."""
    fin, hr = unit("区财政局"), unit("区人社局")
    c1 = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["court"], matter="PROCUREMENT", on=MON
    )
    c2 = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["wages"], matter="PROCUREMENT", on=MON
    )
    c3 = checks.run_check(
        actor=people["hr"],
        unit=hr,
        subject=subjects["court"],
        matter="CONSUMPTION",
        on=date(2026, 3, 16),
    )
    c4 = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["clean"], matter="PROCUREMENT", on=MON
    )
    c5 = checks.run_check(
        actor=people["hr"],
        unit=hr,
        subject=subjects["clean"],
        matter="HONOUR",
        on=date(2026, 4, 1),
    )
    return [c1, c2, c3, c4, c5]


def _rows(check: Check) -> dict[str, CheckMeasure]:
    return {cm.measure.code: cm for cm in check.measures.select_related("measure")}


def test_feedback_and_statistics_add_up(people, subjects) -> None:
    c1, c2, c3, _c4, _c5 = _feedback_scenario(people, subjects)
    r1, r2, r3 = _rows(c1), _rows(c2), _rows(c3)
    checks.submit_feedback(
        actor=people["fin"],
        check=c1,
        items={r1["P-PROCUREMENT"].pk: ("applied", "")},
        on=date(2026, 3, 4),
    )
    # Partial feedback keeps the check pending.
    checks.submit_feedback(
        actor=people["fin"],
        check=c2,
        items={r2["P-PROCUREMENT"].pk: ("applied", "已在资格审查中认定不合格")},
        on=date(2026, 3, 4),
    )
    c2.refresh_from_db()
    assert c2.feedback_status == Check.FeedbackStatus.PENDING
    with pytest.raises(DomainError, match="未实施，须说明理由"):
        checks.submit_feedback(
            actor=people["fin"], check=c2, items={r2["P-WAGES"].pk: ("not_applied", "  ")}
        )
    checks.submit_feedback(
        actor=people["fin"],
        check=c2,
        items={r2["P-WAGES"].pk: ("not_applied", "该采购项目不属于工程建设领域，已报信用办备案")},
        on=date(2026, 3, 5),
    )
    checks.submit_feedback(
        actor=people["hr"],
        check=c3,
        items={r3["P-CONSUMPTION"].pk: ("applied", "")},
        on=date(2026, 3, 17),
    )
    for c in (c1, c2, c3):
        c.refresh_from_db()
        assert c.feedback_status == Check.FeedbackStatus.DONE

    stats = checks.check_statistics(reader=people["admin"], today=date(2026, 4, 30))
    t = stats.total
    assert (t.checks, t.hits, t.measures, t.applied, t.not_applied, t.not_applicable) == (
        5,
        3,
        4,
        3,
        1,
        0,
    )
    assert (t.pending, t.feedback_expected, t.feedback_done, t.feedback_rate, t.overdue) == (
        0,
        3,
        3,
        100.0,
        0,
    )
    by_unit = {r.label: r for r in stats.by_unit}
    assert (by_unit["区财政局"].checks, by_unit["区财政局"].hits, by_unit["区财政局"].measures) == (
        3,
        2,
        3,
    )
    assert (by_unit["区人社局"].checks, by_unit["区人社局"].hits, by_unit["区人社局"].applied) == (
        2,
        1,
        1,
    )
    by_month = {r.key: r for r in stats.by_month}
    assert (by_month["2026-03"].checks, by_month["2026-04"].checks) == (4, 1)
    assert by_month["2026-04"].hits == 0
    # Sums of the parts equal the total.
    assert sum(r.checks for r in stats.by_unit) == sum(r.checks for r in stats.by_month) == 5
    # A period narrows; a unit's user sees only its own unit.
    april = checks.check_statistics(
        reader=people["admin"], start=date(2026, 4, 1), end=date(2026, 4, 30)
    )
    assert april.total.checks == 1
    mine = checks.check_statistics(reader=people["hr"], today=date(2026, 4, 30))
    assert [r.label for r in mine.by_unit] == ["区人社局"]
    assert mine.total.checks == 2
    assert checks.statistics_xlsx(stats)[:2] == b"PK"


def test_feedback_rate_with_pending_and_overdue(people, subjects) -> None:
    c1, _c2, _c3, _c4, _c5 = _feedback_scenario(people, subjects)
    checks.submit_feedback(
        actor=people["fin"],
        check=c1,
        items={_rows(c1)["P-PROCUREMENT"].pk: ("not_applicable", "")},
        on=date(2026, 3, 3),
    )
    stats = checks.check_statistics(reader=people["admin"], today=date(2026, 3, 20))
    t = stats.total
    assert (t.feedback_expected, t.feedback_done, t.feedback_rate) == (3, 1, 33.3)
    assert (t.not_applicable, t.pending) == (1, 3)
    # c2 (due 2026-03-09) is overdue on 2026-03-20; c3 (checked 03-16, due 03-23) is not.
    assert t.overdue == 1
    assert checks.parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    with pytest.raises(DomainError, match="统计期间"):
        checks.parse_period("2026-13")


def test_overdue_reminders_on_concrete_dates_are_idempotent(people, subjects) -> None:
    c1, c2, c3, _c4, _c5 = _feedback_scenario(people, subjects)
    checks.submit_feedback(
        actor=people["fin"],
        check=c1,
        items={_rows(c1)["P-PROCUREMENT"].pk: ("applied", "")},
        on=date(2026, 3, 9),
    )
    # Due 2026-03-09: not overdue on the due date itself.
    assert checks.remind_overdue(today=date(2026, 3, 9)) == []
    assert [c.pk for c in checks.remind_overdue(today=date(2026, 3, 10))] == [c2.pk]
    assert checks.remind_overdue(today=date(2026, 3, 11)) == []
    # c3 (checked Monday 03-16) is due Monday 03-23 and reminded from 03-24.
    assert c3.feedback_due == date(2026, 3, 23)
    assert [c.pk for c in checks.remind_overdue(today=date(2026, 3, 24))] == [c3.pk]
    assert Event.objects.filter(action=checks.REMINDER_ACTION).count() == 2
    # The unit sees its own overdue checks.
    assert [c.pk for c in checks.overdue_checks(people["fin"], date(2026, 3, 24))] == [c2.pk]
    assert [c.pk for c in checks.overdue_checks(people["hr"], date(2026, 3, 24))] == [c3.pk]
    with pytest.raises(NotPermitted):
        checks.remind_overdue(actor=people["fin"], today=date(2026, 3, 24))


def test_units_only_see_and_report_their_own_checks(people, subjects) -> None:
    fin, hr = unit("区财政局"), unit("区人社局")
    check = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["court"], matter="PROCUREMENT", on=MON
    )
    with pytest.raises(NotFoundError):
        checks.get_check(people["hr"], check.pk)
    assert list(checks.checks_for(people["hr"])) == []
    assert checks.get_check(people["leader"], check.pk) == check
    with pytest.raises(NotPermitted, match="区财政局"):
        checks.run_check(
            actor=people["hr"], unit=fin, subject=subjects["court"], matter="PROCUREMENT"
        )
    with pytest.raises(NotPermitted):
        checks.submit_feedback(
            actor=people["hr"],
            check=check,
            items={_rows(check)["P-PROCUREMENT"].pk: ("applied", "")},
        )
    with pytest.raises(NotPermitted):
        checks.run_check(
            actor=people["leader"], unit=hr, subject=subjects["court"], matter="PROCUREMENT"
        )


def test_typical_cases_are_written_published_and_masked(people, subjects) -> None:
    fin = unit("区财政局")
    check = checks.run_check(
        actor=people["fin"], unit=fin, subject=subjects["court"], matter="PROCUREMENT", on=MON
    )
    with pytest.raises(DomainError, match="案例内容过短"):
        checks.write_case(actor=people["fin"], unit=fin, title="案例", body="太短")
    case = checks.write_case(
        actor=people["fin"],
        unit=fin,
        title="失信被执行人被限制参加政府采购",
        body="某公司法定代表人（身份证号 410503198001011234）被列为失信被执行人，"
        "区财政局依据《中华人民共和国政府采购法》第二十二条认定其不具备供应商资格。",
        check=check,
    )
    assert list(checks.published_cases()) == []
    with pytest.raises(NotPermitted):
        checks.publish_case(actor=people["fin"], case=case)
    checks.publish_case(actor=people["admin"], case=case, on=date(2026, 3, 20))
    assert list(checks.published_cases()) == [case]
    assert "410503198001011234" not in checks.public_body(case)
    with pytest.raises(DomainError, match="已于 2026-03-20 发布"):
        checks.publish_case(actor=people["admin"], case=case)
    assert TypicalCase.objects.get().check_run == check
