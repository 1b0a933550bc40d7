"""Natural persons keyed by another ID document (护照, 港澳/台湾通行证, 其他): the key is
`<证件类型>:<号码>` (identifier type other_personal_id), masked wherever a resident ID
number is masked, every read of the person logged."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from xinyong.collection.services import ingest_rows
from xinyong.core.errors import DomainError
from xinyong.core.models import ReadLog
from xinyong.publicity.views import person_token
from xinyong.records.models import CreditRecord
from xinyong.subjects import selectors, services
from xinyong.subjects.models import Subject, SubjectIdentifier, SubjectKind

from ..collection.ingest_helpers import person_row

pytestmark = pytest.mark.django_db

KEY = "护照:E12345678"
MASKED = "护照 E*******8"


def _passport_holder() -> Subject:
    subject, created, _ = services.get_or_create_subject(
        actor=None, identifier="护照：e12345678", name="约翰·史密斯", kind="自然人"
    )
    assert created
    return subject


def test_a_document_key_creates_a_person_and_matches_it_again() -> None:
    subject = _passport_holder()
    assert (subject.kind, subject.identifier_type, subject.identifier) == (
        SubjectKind.PERSON,
        "other_personal_id",
        KEY,
    )
    again, created, conflict = services.get_or_create_subject(
        actor=None, identifier=" 护照:E12345678 ", name="约翰·史密斯"
    )
    assert (again.pk, created, conflict) == (subject.pk, False, None)
    other, created, _ = services.get_or_create_subject(
        actor=None, identifier="台湾居民来往大陆通行证:E12345678", name="林志明"
    )
    assert created and other.pk != subject.pk and other.kind == SubjectKind.PERSON


def test_a_document_key_is_refused_for_an_organisation_or_when_malformed() -> None:
    with pytest.raises(DomainError) as wrong_kind:
        services.get_or_create_subject(
            actor=None, identifier=KEY, name="某某公司", kind="法人及非法人组织"
        )
    assert wrong_kind.value.message == (
        "主体类别“法人及非法人组织”与代码为其他个人证件号码不符，应为“自然人”。"
    )
    with pytest.raises(DomainError) as short:
        services.get_or_create_subject(actor=None, identifier="护照:E12", name="某人")
    assert short.value.message == (
        "其他个人证件号码“护照 E*2”无效：长度错误：护照等证件号码应为5–20位，实为3位"
    )
    assert not Subject.objects.exists()


def test_the_document_key_is_masked_in_every_display() -> None:
    subject = _passport_holder()
    assert subject.display_identifier == MASKED
    assert subject.identifiers.get().display_value == MASKED
    assert str(subject) == f"约翰·史密斯（{MASKED}）"
    assert selectors.masked_repr(subject) == f"约*****（{MASKED}）"


def test_bulk_match_creates_once_and_matches_on_the_next_batch() -> None:
    items = [
        (KEY, "自然人", "约翰·史密斯"),
        ("港澳居民来往内地通行证:E12345678", "自然人", "陈大文"),
        ("护照:E1", "自然人", "某人"),
    ]
    first = services.match_or_create_many(actor=None, items=items, source="测试")
    assert sorted(first.created) == sorted([KEY, "港澳居民来往内地通行证:E12345678"])
    assert first.rejected == {
        ("护照:E1", "自然人", "某人"): (
            "其他个人证件号码“护照 **”无效：长度错误：护照等证件号码应为5–20位，实为2位"
        )
    }
    second = services.match_or_create_many(actor=None, items=items[:1], source="测试")
    assert second.created == [] and second[KEY] == first[KEY]
    assert Subject.objects.count() == 2
    assert SubjectIdentifier.objects.filter(kind="other_personal_id", valid=True).count() == 2


def test_add_identifier_checks_the_document_key() -> None:
    subject = _passport_holder()
    added = services.add_identifier(
        actor=None, subject=subject, identifier="台湾居民来往大陆通行证:12345678", kind=None
    )
    assert (added.kind, added.value, added.valid) == (
        "other_personal_id",
        "台湾居民来往大陆通行证:12345678",
        True,
    )
    with pytest.raises(DomainError) as bare:
        services.add_identifier(
            actor=None, subject=subject, identifier="G12345678", kind="other_personal_id"
        )
    assert "应写作“证件类型:证件号码”" in bare.value.message


def _client(role: str) -> APIClient:
    client = APIClient()
    user = get_user_model().objects.create_user(username=f"u_{role}", password="x", role=role)
    client.force_authenticate(user)
    return client


def test_staff_api_finds_the_bare_number_masks_it_and_logs_the_read() -> None:
    subject = _passport_holder()
    reads = ReadLog.objects.count()
    response = _client("reporter").get(
        "/api/v1/subjects/", {"q": "e12345678", "purpose": "核查处罚对象"}
    )
    assert response.status_code == 200
    (found,) = response.json()["results"]
    assert (found["id"], found["identifier"], found["identifier_type"]) == (
        subject.pk,
        MASKED,
        "other_personal_id",
    )
    assert ReadLog.objects.count() == reads + 1
    detail = _client("credit_admin").get(f"/api/v1/subjects/{subject.pk}/").json()
    assert [i["value"] for i in detail["identifiers"]] == [KEY]
    assert ReadLog.objects.count() == reads + 2
    # Staff without a record of the person do not open them by id
    # (test_api_least_privilege.py); nothing was read, nothing is logged.
    refused = _client("reviewer").get(f"/api/v1/subjects/{subject.pk}/")
    assert refused.status_code == 404
    assert "E12345678" not in refused.content.decode()
    assert ReadLog.objects.count() == reads + 2


def test_public_subject_page_and_api_mask_the_passport_number() -> None:
    result = ingest_rows(
        actor=None,
        unit="区市场监管局",
        record_type="行政处罚",
        rows=[
            person_row(
                1,
                CF_XDR_MC="约翰·史密斯",
                CF_XDR_ZJLX="护照",
                CF_XDR_ZJHM="E12345678",
                CF_CFLB="罚款",
                CF_NR="罚款5000元",
                CF_NR_FK="0.5",
            )
        ],
    )
    assert result.accepted == 1, result.errors
    record = CreditRecord.objects.get()
    subject = record.subject
    token = person_token(subject)
    client = Client()
    # Without the token a person's page is not public at all.
    assert client.get(f"/credit/subject/{subject.pk}/").status_code == 404
    reads = ReadLog.objects.count()
    page = client.get(f"/credit/subject/{subject.pk}/", {"t": token}).content.decode()
    assert MASKED in page and "E12345678" not in page
    assert ReadLog.objects.count() == reads + 1
    api = client.get(f"/api/v1/public/subjects/{subject.pk}", {"t": token})
    assert api.status_code == 200
    assert api.json()["subject"]["identifier"] == MASKED
    assert "E12345678" not in api.content.decode()
    shown = client.get(f"/credit/record/{record.pk}/", {"t": token})
    assert shown.status_code == 200
    body = shown.content.decode()
    # The subject's key and the 证件号码 field of the record, both masked.
    assert MASKED in body and "E*******8" in body and "E12345678" not in body
    exported = client.get(f"/credit/subject/{subject.pk}/export.csv", {"t": token})
    assert exported.status_code == 200 and "E12345678" not in exported.content.decode()
    # The credit report's subject block (reports.content) shows what the public sees.
    from xinyong.reports.content import _subject_block

    block = _subject_block(subject)
    assert (block["identifier"], block["identifier_type"]) == (MASKED, "其他个人证件号码")
