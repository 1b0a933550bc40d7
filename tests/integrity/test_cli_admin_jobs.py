"""CLI (`xinyong integrity scan|evaluate|export`), the daily job, the admin for the
indicator data (audited), and the demo data."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from xinyong.core import jobs
from xinyong.core.models import Event
from xinyong.integrity.models import Alert, Indicator

from .helpers import BZZ, BZZ_CODE, link_organ, list_sxbzxr

pytestmark = pytest.mark.django_db


def _run(*args):
    out = io.StringIO()
    call_command("integrity", *args, stdout=out)
    return out.getvalue()


def test_scan_json_names_the_listed_body():
    body = link_organ(BZZ, BZZ_CODE, "安阳市北关区柏庄镇人民政府")
    list_sxbzxr(body.subject, on=date(2026, 10, 12))
    data = json.loads(_run("scan", "--on", "2026-10-13", "--json"))
    assert data["government_bodies_on_sxbzxr"] == 1
    assert data["government_bodies"][0]["unit"] == BZZ
    assert data["new_sxbzxr_alerts"] == 0  # the receiver already raised it
    text = _run("scan", "--on", "2026-10-13")
    assert "列入失信被执行人的政府机构 1 个（目标 0）" in text
    with pytest.raises(CommandError, match="日期“2026/10/13”不是有效日期"):
        _run("scan", "--on", "2026/10/13")


def test_evaluate_and_export(tmp_path):
    data = json.loads(_run("evaluate", "--year", "2026", "--as-of", "2026-11-20", "--json"))
    assert data["year"] == 2026 and data["end"] == "2026-11-20" and data["running"] is True
    assert len(data["units"]) == 52
    assert Event.objects.filter(action="integrity.evaluate").count() == 1
    out = tmp_path / "考核.xlsx"
    text = _run("export", "--year", "2026", "--out", str(out), "--as-of", "2026-11-20")
    assert "参评单位 52 个" in text
    book = openpyxl.load_workbook(out)
    assert book["汇总排名"]["A1"].value == "2026年政务诚信评价年度运行得分（年度未结束）"
    # A day still to come is refused, as for `evaluate` (it would judge commitments not
    # yet due as late): the 年度考核 is exported once the year is over.
    with pytest.raises(CommandError, match="数据截至日期 2099-12-31 晚于今天"):
        _run("export", "--year", "2026", "--out", str(out), "--as-of", "2099-12-31")
    with pytest.raises(CommandError, match="尚未建立 2031 年"):
        _run("export", "--year", "2031", "--out", str(out))
    with pytest.raises(CommandError, match=r"\.xlsx"):
        _run("export", "--year", "2026", "--out", str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="不存在"):
        _run("export", "--year", "2026", "--out", str(tmp_path / "no" / "a.xlsx"))
    with pytest.raises(CommandError, match="年度“x”无效"):
        _run("evaluate", "--year", "x")


def test_the_daily_scan_is_registered():
    job = next(j for j in jobs.daily_jobs() if j.name == "integrity.scan")
    assert "政务诚信监测" in job.run()


def test_indicator_admin_edits_are_audited(client, people):
    people["admin"].is_staff = True
    people["admin"].is_superuser = True
    people["admin"].save()
    client.force_login(people["admin"])
    ind = Indicator.objects.get(system__year=2026, code="SXJN04")
    url = reverse("admin:integrity_indicator_change", args=[ind.pk])
    assert client.get(url).status_code == 200
    form = {
        "system": ind.system_id,
        "parent": ind.parent_id,
        "code": ind.code,
        "name": ind.name,
        "weight": "5",
        "method": "deduct",
        "metric": "broken_commitments",
        "deduct_points": "5",
        "criteria": "每件扣 5 分",
        "sort_order": ind.sort_order,
    }
    assert client.post(url, form).status_code == 302
    ind.refresh_from_db()
    assert ind.deduct_points == Decimal("5.00")
    event = Event.objects.get(action="integrity.indicator_save")
    assert Decimal(event.new_values["deduct_points"]) == 5
    system_url = reverse("admin:integrity_indicatorsystem_change", args=[ind.system_id])
    assert client.get(system_url).status_code == 200
    assert client.get(reverse("admin:integrity_alert_changelist")).status_code == 200


def test_demo_data_loads_once(django_db_blocker):
    from xinyong.core.bootstrap import run_demo_loaders

    first = dict(run_demo_loaders())
    assert first["政务诚信"].startswith("政务诚信主体 7 个")
    listed = Alert.objects.get(kind=Alert.Kind.SXBZXR)
    assert listed.unit.name == BZZ and listed.status == Alert.Status.OPEN
    again = dict(run_demo_loaders())
    assert again["政务诚信"] == "已存在，跳过"
    assert Alert.objects.filter(kind=Alert.Kind.SXBZXR).count() == 1
