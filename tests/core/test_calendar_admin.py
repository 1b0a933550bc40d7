from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from xinyong.core.calendar import is_workday, known_years
from xinyong.core.models import CalendarYear, Event, WorkdayException
from xinyong.orgs.models import User

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:core_calendaryear_import"


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser(username="rili", email="", password="Rili-2026-admin")


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")


def test_changelist_links_to_the_import_page(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:core_calendaryear_changelist"))
    assert response.status_code == 200
    assert reverse(IMPORT_URL) in response.content.decode()
    assert "2026" in response.content.decode()
    change = admin_client.get(reverse("admin:core_calendaryear_change", args=[2026]))
    assert change.status_code == 200
    assert "chinese-calendar 1.11.0（国务院办公厅通知）" in change.content.decode()
    listing = admin_client.get(
        reverse("admin:core_workdayexception_changelist"), {"year__year__exact": "2026"}
    )
    assert listing.status_code == 200
    assert "星期日" in listing.content.decode()  # 2026-01-04, a worked Sunday
    page = admin_client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    assert "导入年度节假日安排" in page.content.decode()


def test_upload_2026_into_a_fresh_year(
    admin_client: Client, admin_user: User, realdata: Path
) -> None:
    WorkdayException.objects.filter(year_id=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    assert 2026 not in known_years()
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(realdata / "holiday-cn" / "2026.json"), "year": "2026"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:core_calendaryear_changelist")
    assert is_workday(date(2026, 2, 28)) is True
    assert is_workday(date(2026, 2, 16)) is False
    event = Event.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.actor_id, event.target_id) == (
        "core.calendar_import",
        admin_user.pk,
        "2026",
    )
    followed = admin_client.get(response["Location"])
    assert "已导入 2026 年工作日历：节假日 33 天，调休上班 6 天。" in followed.content.decode()


def test_upload_2027_is_refused_on_the_page(admin_client: Client, realdata: Path) -> None:
    events = Event.objects.count()
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(realdata / "holiday-cn" / "2027.json")}
    )
    assert response.status_code == 200
    assert "2027 年的节假日安排尚未公布" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert Event.objects.count() == events


def test_upload_form_errors(admin_client: Client, realdata: Path) -> None:
    missing = admin_client.post(reverse(IMPORT_URL), {})
    assert missing.status_code == 200
    assert "请选择要导入的文件。" in missing.content.decode()
    mismatch = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(realdata / "holiday-cn" / "2026.json"), "year": "2025"}
    )
    assert mismatch.status_code == 200
    assert "文件中的年份为 2026，与指定的年份 2025 不符。" in mismatch.content.decode()
    garbage = admin_client.post(
        reverse(IMPORT_URL), {"file": SimpleUploadedFile("x.json", b"\x00\xff garbage")}
    )
    assert garbage.status_code == 200
    assert "文件不是 UTF-8 编码的 JSON" in garbage.content.decode()


def test_import_page_needs_a_staff_login(client: Client) -> None:
    response = client.get(reverse(IMPORT_URL))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    clerk = User.objects.create_user(username="clerk", password="Clerk-2026-pass", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_adding_a_makeup_day_through_the_admin(admin_client: Client, admin_user: User) -> None:
    url = reverse("admin:core_workdayexception_add")
    response = admin_client.post(url, {"date": "2026-03-07", "kind": "workday", "name": "临时调休"})
    assert response.status_code == 302
    assert is_workday(date(2026, 3, 7)) is True
    created = WorkdayException.objects.get(date=date(2026, 3, 7))
    assert created.year_id == 2026
    events = Event.objects.filter(action="core.workday_exception_create")
    assert [(e.actor_id, e.target_id) for e in events] == [(admin_user.pk, str(created.pk))]

    refused = admin_client.post(url, {"date": "2026-03-10", "kind": "workday", "name": ""})
    assert refused.status_code == 200
    assert "2026-03-10 是星期二，本来就是工作日" in refused.content.decode()
    assert not WorkdayException.objects.filter(date=date(2026, 3, 10)).exists()

    clash = admin_client.post(url, {"date": "2026-01-01", "kind": "holiday", "name": "元旦"})
    assert clash.status_code == 200
    assert "2026-01-01 已有一条节假日或调休记录" in clash.content.decode()


def test_changing_and_deleting_through_the_admin(admin_client: Client) -> None:
    day = WorkdayException.objects.get(date=date(2026, 10, 10))
    change = admin_client.post(
        reverse("admin:core_workdayexception_change", args=[day.pk]),
        {"date": "2026-10-10", "kind": "holiday", "name": "国庆节"},
    )
    assert change.status_code == 302
    assert is_workday(date(2026, 10, 10)) is False
    assert Event.objects.order_by("-id").first().action == "core.workday_exception_update"  # type: ignore[union-attr]

    delete = admin_client.post(
        reverse("admin:core_workdayexception_delete", args=[day.pk]), {"post": "yes"}
    )
    assert delete.status_code == 302
    assert not WorkdayException.objects.filter(pk=day.pk).exists()
    assert Event.objects.order_by("-id").first().action == "core.workday_exception_delete"  # type: ignore[union-attr]


def test_deleting_a_year_with_its_days_through_the_admin(admin_client: Client) -> None:
    url = reverse("admin:core_calendaryear_delete", args=[2005])
    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert "2005-01-01" in confirm.content.decode()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert 2005 not in known_years()
    assert not WorkdayException.objects.filter(year_id=2005).exists()
    event = Event.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.old_values["holidays"]) == ("core.calendar_year_delete", 24)


def test_adding_a_year_through_the_admin(admin_client: Client, admin_user: User) -> None:
    url = reverse("admin:core_calendaryear_add")
    response = admin_client.post(url, {"year": "2027", "source": "国办发明电〔2026〕X号"})
    assert response.status_code == 302
    assert 2027 in known_years()
    assert (
        Event.objects.filter(action="core.calendar_year_create", actor_id=admin_user.pk).count()
        == 1
    )
    again = admin_client.post(url, {"year": "2026", "source": "重复"})
    assert again.status_code == 200
    assert "2026 年已在工作日历中" in again.content.decode()
    assert (
        CalendarYear.objects.get(year=2026).source == "chinese-calendar 1.11.0（国务院办公厅通知）"
    )
