"""The one layer through which records and subjects reach the public: portal pages, the
public API and public exports all call these functions, so that masking happens in one
place (ARCHITECTURE rule 5; DOMAIN.md §2: ID numbers 6+4, phones 3+4, a person's name
keeps its first character).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from xinyong.catalog.fieldspec import FieldType, get_spec
from xinyong.catalog.models import Nature
from xinyong.core.masking import mask_id_number, mask_name, mask_phone, mask_text
from xinyong.records.models import CreditRecord

from .selectors import public_status

# The kinds under which a subject page groups its records.
GROUP_BY_CODE = {"XZXK": "行政许可", "XZCF": "行政处罚"}
GROUP_BY_CATEGORY = {"administrative": "其他行政管理"}


def group_label(record: CreditRecord) -> str:
    rt = record.record_type
    return GROUP_BY_CODE.get(rt.code) or GROUP_BY_CATEGORY.get(rt.category) or rt.name


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


def _cell(spec_field: Any, value: Any, *, person: bool) -> str:
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
    return mask_text(text)


def present_fields(record: CreditRecord) -> list[dict[str, str]]:
    spec = get_spec(record.record_type.code)
    payload = record.payload or {}
    person = _is_person(record)
    out = []
    for f in spec.fields:
        value = _cell(f, payload.get(f.code), person=person)
        if value:
            out.append({"code": f.code, "label": f.label, "value": value})
    return out


def present_record(
    record: CreditRecord, *, today: date | None = None, with_fields: bool = False
) -> dict[str, Any]:
    window = getattr(record, "publicity", None)
    person = _is_person(record)
    dishonest = record.nature == Nature.DISHONEST
    data: dict[str, Any] = {
        "id": record.pk,
        "type_code": record.record_type.code,
        "type_name": record.record_type.name,
        "group": group_label(record),
        "nature": record.get_nature_display(),
        "party_name": mask_name(record.party_name) if person else record.party_name,
        "document_number": mask_text(record.document_number),
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "deciding_unit": record.deciding_unit_name,
        "status": public_status(record, today),
        "publicity_starts_on": window.starts_on.isoformat()
        if window and window.starts_on
        else None,
        "publicity_ends_on": window.ends_on.isoformat() if window and window.ends_on else None,
        "repair_from": (
            window.repair_from.isoformat() if dishonest and window and window.repair_from else None
        ),
        "severity": (
            window.policy.get_severity_display()
            if window and window.policy_id and window.policy
            else ""
        ),
        "policy": window.policy.name if window and window.policy_id and window.policy else "",
        "can_repair": bool(dishonest and window and window.repair_from),
    }
    if with_fields:
        data["fields"] = present_fields(record)
    return data


def group_records(presented: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in presented:
        groups.setdefault(item["group"], []).append(item)
    return list(groups.items())
