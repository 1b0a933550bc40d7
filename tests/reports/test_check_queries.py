"""A person's 查询记录 (河南条例 art. 40) lists each 联合奖惩 check once — however the unit
found the person (API, ID number, name search) — by the unit that checked and for its
matter; the checking unit reopening its own check later is not a new query, while the
credit office or a leader opening the check record is listed as exactly that."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from xinyong.orgs.models import Role
from xinyong.reports import content
from xinyong.sanctions import checks
from xinyong.sanctions.models import Check
from xinyong.subjects.models import Subject
from xinyong.subjects.services import get_or_create_subject

from ..sanctions.governance_helpers import admin, make_user, unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "410503196805120318"
CHECKED = date(2026, 11, 26)
LATER = date(2026, 11, 30)


class Now:
    """timezone.now, settable: 10:00 in Asia/Shanghai on `day`."""

    def __init__(self) -> None:
        self.day = CHECKED

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 2, 0, tzinfo=UTC)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Now:
    clock = Now()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def person() -> Subject:
    subject, _created, _conflict = get_or_create_subject(
        actor=None, identifier=ID_NUMBER, name="张建国"
    )
    return subject


def _lines(person: Subject) -> tuple[list[dict[str, str]], int]:
    return content.queries_of(person, since=date(2026, 1, 1), until=date(2026, 12, 31))


CHECK_LINE = {"date": "2026-11-26", "who": "区财政局", "purpose": "联合奖惩查询：政府采购"}


def test_a_check_of_a_person_is_one_query_line(now, person) -> None:
    fin = make_user("cq_fin", Role.REPORTER, "区财政局")
    checks.run_check(actor=fin, unit=unit("区财政局"), subject=person, matter="PROCUREMENT")
    assert _lines(person) == ([CHECK_LINE], 1)


def test_a_check_through_the_form_is_one_line_whichever_way_the_person_was_found(
    now, person
) -> None:
    client = Client()
    client.force_login(make_user("cq_web", Role.REPORTER, "区财政局"))
    by_number = client.post(
        "/workspace/sanctions/checks/new/", {"subject": ID_NUMBER, "matter": "PROCUREMENT"}
    )
    assert by_number.status_code == 302
    # The result page the form leads to is the check's own answer, not a second query.
    assert client.get(by_number["Location"]).status_code == 200
    assert _lines(person) == ([CHECK_LINE], 1)
    # A unit does not find a person by name (subjects.selectors.search_for): no check,
    # and nothing read.
    by_name = client.post(
        "/workspace/sanctions/checks/new/", {"subject": "张建国", "matter": "PROCUREMENT"}
    )
    assert by_name.status_code == 200
    assert "自然人请输入完整的身份证号码" in by_name.content.decode()
    assert _lines(person) == ([CHECK_LINE], 1)
    again = client.post(
        "/workspace/sanctions/checks/new/", {"subject": ID_NUMBER, "matter": "PROCUREMENT"}
    )
    assert again.status_code == 302
    assert _lines(person) == ([CHECK_LINE, CHECK_LINE], 2)
    assert Check.objects.count() == 2


def test_a_name_search_candidate_not_checked_keeps_its_line(now, person) -> None:
    other, _created, _conflict = get_or_create_subject(
        actor=None, identifier="11010519491231002X", name="张建军"
    )
    # Only the credit office finds persons by a name fragment; it checks for 区财政局.
    client = Client()
    client.force_login(admin())
    form = {"subject": "张建", "matter": "PROCUREMENT", "unit": str(unit("区财政局").pk)}
    listed = client.post("/workspace/sanctions/checks/new/", form)
    assert "请选择要查询的一个" in listed.content.decode()
    picked = client.post("/workspace/sanctions/checks/new/", {**form, "subject_id": str(person.pk)})
    assert picked.status_code == 302
    assert _lines(person) == ([CHECK_LINE], 1)
    # 张建军's data were shown to the credit office (区发改委) in the candidate list: that
    # read stays listed.
    assert _lines(other) == (
        [{"date": "2026-11-26", "who": "区发改委", "purpose": "联合奖惩核查：政府采购"}],
        1,
    )


def test_reopening_a_check_later(now, person) -> None:
    fin = make_user("cq_fin2", Role.REPORTER, "区财政局")
    check = checks.run_check(actor=fin, unit=unit("区财政局"), subject=person, matter="PROCUREMENT")
    now.day = LATER
    client = Client()
    # The checking unit's staff come back to report feedback: the same query.
    client.force_login(fin)
    assert client.get(f"/workspace/sanctions/checks/{check.pk}/").status_code == 200
    assert _lines(person) == ([CHECK_LINE], 1)
    # The credit office opens the record: listed as what it is, not as a new check.
    client.force_login(admin())
    assert client.get(f"/workspace/sanctions/checks/{check.pk}/").status_code == 200
    assert _lines(person) == (
        [
            {
                "date": "2026-11-30",
                "who": "区发改委",
                "purpose": f"查阅联合奖惩查询记录第 {check.pk} 号（区财政局·政府采购）",
            },
            CHECK_LINE,
        ],
        2,
    )
