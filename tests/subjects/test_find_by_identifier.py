"""`selectors.find_by_identifier`: a code as staff type it, without a name (the credit
report form, API and CLI): a subject holding exactly that code first, else a passport or
permit number typed without its type; a number under two document types is not guessed."""

from __future__ import annotations

import pytest

from xinyong.core.errors import DomainError
from xinyong.core.models import ReadLog
from xinyong.subjects import selectors, services
from xinyong.subjects.models import Subject, SubjectIdentifier

pytestmark = pytest.mark.django_db

USCC = "91410503MA44X1234G"  # valid (GB 32100)


def person(identifier: str, name: str = "约翰·史密斯") -> Subject:
    subject, created, _ = services.get_or_create_subject(
        actor=None, identifier=identifier, name=name, kind="自然人"
    )
    assert created
    return subject


def test_a_bare_passport_number_finds_its_holder_in_any_spelling() -> None:
    holder = person("护照:E12345678")
    for typed in ("E12345678", "e12345678", "ｅ１２３４５６７８", "护照：e12345678"):
        assert selectors.find_by_identifier(typed) == holder
    assert selectors.find_by_identifier("E12345679") is None
    assert selectors.find_by_identifier("  ") is None
    assert not ReadLog.objects.exists()  # the caller logs what it shows


def test_the_same_number_under_two_document_types_asks_for_the_type() -> None:
    person("护照:E12345678")
    permit = person("港澳居民来往内地通行证:E12345678", name="陈大文")
    with pytest.raises(DomainError, match="请按“证件类型:号码”填写") as caught:
        selectors.find_by_identifier("E12345678")
    assert caught.value.code == "document_type_ambiguous"
    assert selectors.find_by_identifier("港澳居民来往内地通行证:E12345678") == permit


def test_a_subject_holding_exactly_the_code_comes_first() -> None:
    firm, _, _ = services.get_or_create_subject(
        actor=None, identifier=USCC, name="安阳市北关区某某商贸有限公司"
    )
    holder = person(f"其他:{USCC}")
    assert selectors.find_by_identifier(USCC.lower()) == firm
    assert selectors.find_by_identifier(f"其他:{USCC}") == holder
    assert SubjectIdentifier.objects.filter(value=USCC).count() == 1
