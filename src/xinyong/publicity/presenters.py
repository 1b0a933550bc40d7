"""The one layer through which records and subjects reach the public: portal pages, the
public API and public exports all call these functions, so that masking happens in one
place (ARCHITECTURE rule 5; DOMAIN.md §2: ID numbers 6+4, phones 3+4, a person's name
keeps its first character). On a natural person's record the name is masked inside free
text too (a 违法事实 that begins "当事人张建国……").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.catalog.fieldspec import FieldType, get_spec
from xinyong.catalog.models import Nature, PublicityPolicy
from xinyong.core.masking import mask_id_number, mask_name, mask_phone, mask_text
from xinyong.records.models import CreditRecord, RecordWithdrawal

from .selectors import PublicRow, public_status, row_status

# The kinds under which a subject page groups its records.
GROUP_BY_CODE = {"XZXK": "行政许可", "XZCF": "行政处罚"}
GROUP_BY_CATEGORY = {"administrative": "其他行政管理"}

# What get_nature_display / get_severity_display show, for rows that are not instances.
_NATURE_LABELS = {str(k): str(v) for k, v in CreditRecord._meta.get_field("nature").flatchoices}
_SEVERITY_LABELS = {
    str(k): str(v) for k, v in PublicityPolicy._meta.get_field("severity").flatchoices
}


def _group_label(code: str, category: str, name: str) -> str:
    return GROUP_BY_CODE.get(code) or GROUP_BY_CATEGORY.get(category) or name


def _is_person(record: CreditRecord) -> bool:
    subject = record.subject
    return bool(getattr(subject, "is_person", False))


def present_subject(subject: Any) -> dict[str, Any]:
    person = bool(subject.is_person)
    return {
        "id": subject.pk,
        "name": mask_name(subject.name) if person else subject.name,
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "identifier": subject.display_identifier,
        "identifier_type_label": subject.get_identifier_type_display(),
        "is_person": person,
    }


def _own_name(party_name: str, *, person: bool) -> str:
    """The name `mask_text` masks in a record's free text: a natural person's only."""
    return party_name if person else ""


def _cell(spec_field: Any, value: Any, *, person: bool, own_name: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    text = "、".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if spec_field.type == FieldType.ID_NUMBER:
        return mask_id_number(text)
    if spec_field.role == "party_name" and person:
        return mask_name(text)
    if "电话" in spec_field.label or "手机" in spec_field.label:
        return mask_phone(text)
    if spec_field.type == FieldType.DECIMAL and spec_field.unit:
        return f"{text}（{spec_field.unit}）"
    return mask_text(text, person_name=own_name)


def present_fields(record: CreditRecord) -> list[dict[str, str]]:
    spec = get_spec(record.record_type.code)
    payload = record.payload or {}
    person = _is_person(record)
    own_name = _own_name(record.party_name, person=person)
    out = []
    for f in spec.fields:
        value = _cell(f, payload.get(f.code), person=person, own_name=own_name)
        if value:
            out.append({"code": f.code, "label": f.label, "value": value})
    return out


def _row_of(record: CreditRecord) -> PublicRow:
    window = getattr(record, "publicity", None)
    policy = window.policy if window and window.policy_id else None
    rt = record.record_type
    return PublicRow(
        id=record.pk,
        type_code=rt.code,
        type_name=rt.name,
        type_category=rt.category,
        nature=record.nature,
        party_name=record.party_name,
        document_number=record.document_number,
        decision_date=record.decision_date,
        deciding_unit_name=record.deciding_unit_name,
        record_status=record.status,
        has_window=window is not None,
        is_published=bool(window and window.is_published),
        starts_on=window.starts_on if window else None,
        ends_on=window.ends_on if window else None,
        ended_on=window.ended_on if window else None,
        repair_from=window.repair_from if window else None,
        end_reason=window.end_reason if window else "",
        policy_name=policy.name if policy else "",
        policy_severity=policy.severity if policy else "",
        # Not read: present_record takes the status from public_status, which asks for
        # open objections only when the window leaves the record public.
        has_open_objection=False,
    )


def _present(row: PublicRow, *, status: str, person: bool) -> dict[str, Any]:
    dishonest = row.nature == Nature.DISHONEST
    return {
        "id": row.id,
        "type_code": row.type_code,
        "type_name": row.type_name,
        "group": _group_label(row.type_code, row.type_category, row.type_name),
        "nature": _NATURE_LABELS.get(row.nature, row.nature),
        "party_name": mask_name(row.party_name) if person else row.party_name,
        "document_number": mask_text(
            row.document_number, person_name=_own_name(row.party_name, person=person)
        ),
        "decision_date": row.decision_date.isoformat() if row.decision_date else None,
        "deciding_unit": row.deciding_unit_name,
        "status": status,
        "publicity_starts_on": row.starts_on.isoformat() if row.starts_on else None,
        "publicity_ends_on": row.ends_on.isoformat() if row.ends_on else None,
        "repair_from": (row.repair_from.isoformat() if dishonest and row.repair_from else None),
        "severity": _SEVERITY_LABELS.get(row.policy_severity, row.policy_severity),
        "policy": row.policy_name,
        "can_repair": bool(dishonest and row.repair_from),
    }


def present_row(row: PublicRow, *, person: bool, today: date | None = None) -> dict[str, Any]:
    """`present_record` of the record the row was read from (without its fields)."""
    return _present(row, status=row_status(row, today), person=person)


def present_record(
    record: CreditRecord, *, today: date | None = None, with_fields: bool = False
) -> dict[str, Any]:
    data = _present(_row_of(record), status=public_status(record, today), person=_is_person(record))
    if with_fields:
        data["fields"] = present_fields(record)
    return data


def group_records(presented: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in presented:
        groups.setdefault(item["group"], []).append(item)
    return list(groups.items())


def present_withdrawal(withdrawal: RecordWithdrawal) -> dict[str, Any]:
    """A withdrawal notice as the public sees it: the party's name masked for a natural
    person, free text masked (an ID or phone number typed into a reason)."""
    record = withdrawal.record
    person = _is_person(record)
    own_name = _own_name(record.party_name, person=person)
    return {
        "withdrawn_on": withdrawal.withdrawn_on.isoformat(),
        "revoked_on": withdrawal.revoked_on.isoformat() if withdrawal.revoked_on else None,
        "type_name": record.record_type.name,
        "party_name": mask_name(record.party_name) if person else record.party_name,
        "document_number": mask_text(record.document_number, person_name=own_name),
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "deciding_unit": record.deciding_unit_name,
        "basis_document": mask_text(withdrawal.basis_document, person_name=own_name),
        "reason": mask_text(withdrawal.reason, person_name=own_name),
    }
