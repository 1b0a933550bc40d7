"""`xinyong init` runs on every `make run`: running it again must be harmless and must
never undo what the credit office changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xinyong.catalog.models import RecordType
from xinyong.core import bootstrap
from xinyong.core.models import WorkdayException
from xinyong.orgs.models import Unit, UnitAlias, User
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "aliases": UnitAlias.objects.count(),
        "types": RecordType.objects.count(),
        "calendar": WorkdayException.objects.count(),
        "users": User.objects.count(),
        "subjects": Subject.objects.count(),
    }


def test_reference_and_demo_loaders_are_idempotent():
    bootstrap.run_demo_loaders()
    before = _counts()
    assert before["units"] >= 60 and before["types"] >= 13 and before["calendar"] > 700
    bootstrap.run_reference_loaders()
    bootstrap.run_demo_loaders()
    assert _counts() == before


def test_rerunning_init_keeps_the_credit_office_edits():
    unit = Unit.objects.get(name="区市场监管局")
    Unit.objects.filter(pk=unit.pk).update(sort_order=7, uscc="11410503MB1234567X")
    RecordType.objects.filter(code="XZCF").update(coverage="本区全部行政处罚（信用办调整）")
    # The office decides that "区市场局" means another unit: init must not move it back.
    other = Unit.objects.get(name="区人社局")
    UnitAlias.objects.filter(alias="区市场局").update(unit=other)

    bootstrap.run_reference_loaders()

    assert UnitAlias.objects.get(alias="区市场局").unit == other

    unit.refresh_from_db()
    assert (unit.sort_order, unit.uscc) == (7, "11410503MB1234567X")
    assert RecordType.objects.get(code="XZCF").coverage == "本区全部行政处罚（信用办调整）"


@pytest.mark.own_sqlite
def test_xinyong_init_twice_through_the_console_script(tmp_path: Path):
    xinyong = Path(sys.executable).with_name("xinyong")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "XINYONG_VAR": str(tmp_path),
    }
    first = subprocess.run(
        [xinyong, "init", "--demo"], env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr
    assert "参考数据·责任单位" in first.stdout and "演示数据" in first.stdout
    second = subprocess.run(
        [xinyong, "init", "--demo"], env=env, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    counts = subprocess.run(
        [xinyong, "units", "list", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert counts.returncode == 0, counts.stderr
    assert len(json.loads(counts.stdout)) >= 60


def test_the_demo_loads_in_late_december_before_next_years_calendar(clock):
    """`make run` on 2026-12-29 with 2027's schedule not yet published: the demo's 督办 item
    cannot count 5 working days, so it names the year's last day as its deadline, as the
    service asks a person to do, instead of stopping the whole demo."""
    from datetime import date

    from xinyong.core.models import CalendarYear
    from xinyong.ledger.models import SupervisionItem

    clock.today = date(2026, 12, 29)
    CalendarYear.objects.filter(year__gte=2027).delete()
    bootstrap.run_demo_loaders()
    assert SupervisionItem.objects.get().due_on == date(2026, 12, 31)
