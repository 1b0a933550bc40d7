from __future__ import annotations

import pytest
from django.test import Client

from xinyong.subjects.models import SubjectKind
from xinyong.subjects.services import get_or_create_subject

pytestmark = pytest.mark.django_db

COMPANY_USCC = "91512081MA62K0260E"
SHOP_USCC = "92410503MA45X7K3X9"
PERSON_ID = "11010519491231002X"


@pytest.fixture
def subjects() -> None:
    get_or_create_subject(
        actor=None,
        identifier=COMPANY_USCC,
        name="安阳市北关区诚信建材有限公司",
        kind=SubjectKind.ORGANISATION,
    )
    get_or_create_subject(
        actor=None,
        identifier=SHOP_USCC,
        name="北关区诚信小吃店",
        kind=SubjectKind.INDIVIDUAL_BUSINESS,
    )
    get_or_create_subject(
        actor=None, identifier=PERSON_ID, name="诚信张三", kind=SubjectKind.PERSON
    )


def text(response) -> str:
    return response.content.decode("utf-8")


def test_old_search_address_redirects_to_the_public_query(client: Client) -> None:
    response = client.get("/search/", {"q": "诚信"})
    assert response.status_code == 301
    assert response["Location"] == "/credit/?q=%E8%AF%9A%E4%BF%A1"


def test_search_lists_organisations_and_individual_businesses(client: Client, subjects) -> None:
    response = client.get("/credit/", {"q": "诚信"})
    assert response.status_code == 200
    body = text(response)
    assert "安阳市北关区诚信建材有限公司" in body and COMPANY_USCC in body
    assert "北关区诚信小吃店" in body and SHOP_USCC in body
    # Shorter (closer) names first.
    assert [s["name"] for s in response.context["results"]] == [
        "北关区诚信小吃店",
        "安阳市北关区诚信建材有限公司",
    ]


def test_search_never_lists_natural_persons(client: Client, subjects) -> None:
    body = text(client.get("/credit/", {"q": "诚信"}))
    assert "张三" not in body
    for query in ("诚信张三", PERSON_ID, "110105"):
        response = client.get("/credit/", {"q": query})
        assert response.context["results"] == []
        assert "110105********002X" not in text(response)
    assert "未找到与“诚信张三”匹配的法人和非法人组织或个体工商户" in text(
        client.get("/credit/", {"q": "诚信张三"})
    )


def test_search_by_code(client: Client, subjects) -> None:
    response = client.get("/credit/", {"q": COMPANY_USCC.lower()})
    assert [s["identifier"] for s in response.context["results"]] == [COMPANY_USCC]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("诚", "请至少输入 2 个字符"),
        ("诚" * 101, "查询内容过长"),
    ],
)
def test_search_rejects_bad_queries_in_chinese(client: Client, query, message) -> None:
    response = client.get("/credit/", {"q": query})
    assert response.status_code == 200
    assert message in text(response)


def test_empty_search_shows_hint(client: Client) -> None:
    response = client.get("/credit/")
    assert response.status_code == 200
    assert "请输入名称（至少 2 个字）或 18 位统一社会信用代码进行查询" in text(response)


def test_search_with_odd_characters_does_not_fail(client: Client, subjects) -> None:
    for query in ("%_%", "'; drop table", "诚信\x00", "<script>"):
        response = client.get("/credit/", {"q": query})
        assert response.status_code == 200
        assert "<script>" not in text(response)
