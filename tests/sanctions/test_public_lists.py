"""The punishment lists on the portal: the public list page and the 名单信息 section of a
subject's public page show the serious lists and 经营异常名录 in force, never the
重点关注名单, never a removed or ended entry, and no natural person on the list page."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from xinyong.sanctions.models import ListEntry
from xinyong.subjects.services import get_or_create_subject

from .governance_helpers import company, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    today = timezone.localdate()
    court = company("MA45C001", "安阳市北关区拒执商贸有限公司")
    watched = company("MA45C002", "安阳市北关区重点关注物流有限公司")
    removed = company("MA45C003", "安阳市北关区已履行建材有限公司")
    ended = company("MA45C004", "安阳市北关区到期餐饮有限公司")
    person, _, _ = get_or_create_subject(
        actor=None, identifier="11010519491231002X", name="李四", kind="自然人"
    )
    entry(court, "SX_BZXR", effective_from=date(2026, 6, 15))
    entry(court, "ABNORMAL", effective_from=date(2026, 3, 2))
    entry(watched, "WATCH", effective_from=date(2026, 5, 1))
    entry(removed, "SX_BZXR", effective_from=date(2026, 1, 5), removed_on=today)
    entry(ended, "SX_BZXR", effective_from=date(2025, 1, 5), ends_on=date(2026, 1, 4))
    entry(person, "SX_BZXR", effective_from=date(2026, 7, 1))
    return court, watched, removed, ended, person


def test_the_public_list_page_shows_organisations_in_force_only(client, listed) -> None:
    court = listed[0]
    page = client.get("/credit/lists/dishonest/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("安阳市北关区拒执商贸有限公司") == 2  # 失信被执行人 and 经营异常名录
    assert "失信被执行人名单" in body and "经营异常名录" in body
    assert f"（2026）豫0503执{court.pk}号" in body and "2026-06-15" in body
    for absent in ("重点关注物流", "已履行建材", "到期餐饮", "李四", "李*", "002X"):
        assert absent not in body
    assert f'href="/credit/subject/{court.pk}/"' in body


def test_a_subject_page_names_its_lists_in_force(client, listed) -> None:
    court, watched, removed, _ended, _person = listed
    body = client.get(f"/credit/subject/{court.pk}/").content.decode()
    assert "名单信息（2）" in body
    assert "失信被执行人名单" in body and "严重失信主体名单" in body
    assert "至移出之日" in body
    # A supervision list is not published; an entry removed today is no longer in force.
    assert "重点关注名单" not in client.get(f"/credit/subject/{watched.pk}/").content.decode()
    assert "名单信息" not in client.get(f"/credit/subject/{removed.pk}/").content.decode()


def test_the_page_follows_the_removal_at_once(client, listed) -> None:
    court = listed[0]
    ListEntry.objects.filter(subject=court).update(
        status=ListEntry.Status.REMOVED, removed_on=timezone.localdate()
    )
    body = client.get("/credit/lists/dishonest/").content.decode()
    assert "拒执商贸" not in body
    assert "目前没有有效期内的严重失信主体名单或经营异常名录" in body


def test_the_portal_home_links_the_public_lists(client) -> None:
    body = client.get("/").content.decode()
    for href in (
        "/credit/lists/dishonest/",
        "/credit/lists/red/",
        "/credit/draws/",
        "/credit/cases/",
    ):
        assert f'href="{href}"' in body
