"""A subject query made only of control or format characters is an empty query: on SQLite
`name__icontains="\\x00"` matches every row, so `?q=%00` listed the whole register,
natural persons included. Such characters are dropped before the emptiness check."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from xinyong.core.errors import DomainError
from xinyong.core.models import ReadLog
from xinyong.subjects import selectors, services
from xinyong.subjects.demo import demo_resident_id, demo_uscc

pytestmark = pytest.mark.django_db

PERSON_ID = demo_resident_id(date(1968, 5, 12), 31)
EMPTY = "请输入统一社会信用代码、身份证号码或名称中的文字。"


@pytest.fixture
def api():
    for identifier, name in (
        (demo_uscc("91", "MA44T3K1"), "安阳市北关区恒达商贸有限公司"),
        (PERSON_ID, "张建国"),
    ):
        services.get_or_create_subject(actor=None, identifier=identifier, name=name)
    user = get_user_model().objects.create_user(username="u_rep", password="x", role="reporter")
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("q", ["\x00", "\x00\x01 \x7f", "\u200b\u200e", "\ufeff \x1f", "\x85\x9f"])
def test_control_only_query_is_refused_like_blanks(api, q):
    blank = api.get("/api/v1/subjects/?q=%20%20")
    assert blank.status_code == 400
    r = api.get("/api/v1/subjects/", {"q": q})
    assert r.status_code == 400
    assert r.json() == blank.json() == {"detail": EMPTY, "code": "invalid"}
    assert ReadLog.objects.count() == 0


def test_nul_in_the_raw_query_string(api):
    r = api.get("/api/v1/subjects/?q=%00")
    assert r.status_code == 400 and r.json()["detail"] == EMPTY


def test_control_characters_inside_a_query_are_dropped():
    services.get_or_create_subject(
        actor=None, identifier=demo_uscc("91", "MA44T3K1"), name="安阳市北关区恒达商贸有限公司"
    )
    services.get_or_create_subject(actor=None, identifier=PERSON_ID, name="张建国")
    found = selectors.search_subjects("恒达\x00商\u200b贸", reader=None, purpose="测试")
    assert [s.name for s in found] == ["安阳市北关区恒达商贸有限公司"]
    with pytest.raises(DomainError, match="请输入"):
        selectors.search_subjects("\x00", reader=None, purpose="测试")
