"""Stored rows shown to staff outside the pages that ask for a purpose (the configuration
admin, the event log): a natural person's data masked as on the public pages (DOMAIN.md
§2: ID numbers 6+4, phones 3+4, the name's first character), so that showing them is no
read of personal data (§6) and needs no read-log entry. A person's data in full is read on
the workspace pages, which ask the purpose and log the read.

Masking happens on the instances about to be displayed, never on what is stored: the
event log is a hash chain (core.audit), and the admin pages that use this are read-only.

A row concerns a person through its credit subject: the row itself, or a subject reached
through at most three foreign keys (`record__subject`, `check_run__subject`). The subject
model is recognised by its `is_person` property (subjects.Subject), since core imports no
app. Resident ID numbers and mobile numbers are masked in every text whoever it concerns
(`masking.mask_text`: a legal representative's number in an organisation's record is
personal too); names, and identifiers that text masking cannot recognise (a mistyped check
character, a passport number), are masked where the row concerns a person."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models

from .masking import mask_document_number, mask_id_number, mask_name, mask_phone, mask_text

# A credit record's party as submitted (records.CreditRecord): the name and code of the
# row, which may differ from the subject's own (the subject keeps its first name).
_PARTY_NAME = "party_name"
_PARTY_IDENTIFIER = "party_identifier"
# An applicant (rights: objections, repair) is a person whatever the subject is.
_APPLICANT_FIELDS = (
    ("applicant_name", "name"),
    ("applicant_identifier", "identifier"),
    ("applicant_phone", "phone"),
)
# Technical strings that are no one's data: hashes and keys, shown as stored.
_TECHNICAL = frozenset(
    {
        "identity_key",
        "content_hash",
        "prev_hash",
        "entry_hash",
        "sha256",
        "file_sha256",
        "exchange_uid",
        "seed_hash",
    }
)
# A person keyed by another document (`护照:E12345678`): the number also stands alone in
# the row's texts (the payload keeps 证件类型 and 证件号码 as two columns).
_DOCUMENT_KEY = re.compile(r"^[\u4e00-\u9fff]{2,20}[:：](.+)$")


@dataclass
class PersonSecrets:
    """What must not be shown whole of the persons a row concerns."""

    names: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)

    def add_name(self, value: Any) -> None:
        text = str(value or "").strip()
        # A one-character "name" (a keying error) would star that character everywhere.
        if len(text) >= 2:
            self.names.add(text)

    def add_identifier(self, value: Any) -> None:
        text = str(value or "").strip()
        if len(text) >= 5:
            self.identifiers.add(text)

    def add_phone(self, value: Any) -> None:
        text = str(value or "").strip()
        if len(text) >= 7:
            self.phones.add(text)

    def update(self, other: PersonSecrets) -> None:
        self.names |= other.names
        self.identifiers |= other.identifiers
        self.phones |= other.phones

    def _replacements(self) -> list[tuple[str, str]]:
        pairs = [(n, mask_name(n)) for n in self.names]
        for value in self.identifiers:
            pairs.append((value, mask_id_number(value)))
            document = _DOCUMENT_KEY.match(value)
            if document:
                pairs.append((document.group(1), mask_document_number(document.group(1))))
        pairs += [(p, mask_phone(p)) for p in self.phones]
        # Longest first: a name inside a longer name, a number inside its document key.
        return sorted(pairs, key=lambda pair: -len(pair[0]))

    def mask(self, text: str) -> str:
        masked = mask_text(text)
        for secret, shown in self._replacements():
            masked = re.sub(re.escape(secret), shown, masked, flags=re.IGNORECASE)
        return masked

    def mask_value(self, value: Any) -> Any:
        """`value` with every string in it masked (a JSON payload, an event's values)."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {key: self.mask_value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_value(item) for item in value]
        return value


def is_subject_model(model: Any) -> bool:
    return isinstance(model, type) and isinstance(getattr(model, "is_person", None), property)


def _forward_relations(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model is not None
    ]


_PATHS: dict[tuple[str, int], tuple[str, ...]] = {}


def person_paths(model: type[models.Model], depth: int = 3) -> tuple[str, ...]:
    """The lookups from `model` to the credit subjects its rows concern ("" for a subject
    itself), through at most `depth` foreign keys."""
    key = (model._meta.label, depth)
    if key not in _PATHS:
        paths = [""] if is_subject_model(model) else []
        for relation in _forward_relations(model):
            related = relation.related_model
            if is_subject_model(related):
                paths.append(relation.name)
            elif depth > 1 and isinstance(related, type):
                paths += [f"{relation.name}__{p}" for p in person_paths(related, depth - 1) if p]
        _PATHS[key] = tuple(paths)
    return _PATHS[key]


def _follow(obj: Any, path: str) -> list[Any]:
    """The instances along `path` from `obj` (excluded), the subject last; shorter when a
    link is empty or points nowhere (keys without a database constraint)."""
    chain: list[Any] = []
    current = obj
    for part in path.split("__") if path else []:
        try:
            current = getattr(current, part)
        except ObjectDoesNotExist:
            return chain
        if current is None:
            return chain
        chain.append(current)
    return chain


def secrets_of(obj: Any, paths: Iterable[str] | None = None) -> tuple[PersonSecrets, list[Any]]:
    """The persons' data `obj` shows, and the instances (obj and those it displays through
    its paths) whose texts must be masked for it."""
    secrets = PersonSecrets()
    shown = [obj]
    for path in person_paths(type(obj)) if paths is None else paths:
        chain = _follow(obj, path)
        subject = chain[-1] if chain else (obj if not path else None)
        shown += [o for o in chain if all(o is not s for s in shown)]
        if subject is None or not is_subject_model(type(subject)) or not subject.is_person:
            continue
        secrets.add_name(subject.name)
        secrets.add_identifier(subject.identifier)
        for row in (obj, *chain):
            secrets.add_name(getattr(row, _PARTY_NAME, ""))
            secrets.add_identifier(getattr(row, _PARTY_IDENTIFIER, ""))
    for row in shown:
        for attname, kind in _APPLICANT_FIELDS:
            value = getattr(row, attname, "")
            if kind == "name":
                secrets.add_name(value)
            elif kind == "identifier":
                secrets.add_identifier(value)
            else:
                secrets.add_phone(value)
    return secrets, shown


def _mask_fields(obj: Any, secrets: PersonSecrets) -> None:
    for f in obj._meta.concrete_fields:
        if f.is_relation or f.choices or f.name in _TECHNICAL:
            continue
        value = getattr(obj, f.attname, None)
        if isinstance(f, models.JSONField):
            setattr(obj, f.attname, secrets.mask_value(value))
        elif isinstance(f, models.CharField | models.TextField) and isinstance(value, str):
            setattr(obj, f.attname, secrets.mask(value))


def mask_instance(
    obj: Any, paths: Iterable[str] | None = None, extra: PersonSecrets | None = None
) -> PersonSecrets:
    """Mask, in memory, what `obj` displays of a natural person: its own texts and those
    of the rows it shows through `paths` (default: every path to a subject), so that their
    `__str__` is masked too. Never save the instance afterwards. Returns the secrets (for
    rows shown under it, such as an admin inline)."""
    secrets, shown = secrets_of(obj, paths)
    if extra is not None:
        secrets.update(extra)
    for row in shown:
        _mask_fields(row, secrets)
    return secrets


def _target_model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def mask_events(events: Iterable[Any]) -> list[Any]:
    """Events (core.Event) with their object and old and new values masked in memory for
    display; the stored rows and their hash chain stay as written. The person behind an
    event is found through its target (a credit record, an objection, a subject …), one
    query per target type."""
    rows = list(events)
    wanted: dict[str, set[Any]] = {}
    for event in rows:
        wanted.setdefault(event.target_type, set()).add(event.target_id)
    targets: dict[tuple[str, str], PersonSecrets] = {}
    for label, ids in wanted.items():
        model = _target_model(label)
        paths = person_paths(model) if model is not None else ()
        if model is None or not paths:
            continue
        keys = []
        for raw in ids:
            try:
                keys.append(model._meta.pk.to_python(raw))
            except ValidationError:
                continue
        queryset = model._default_manager.filter(pk__in=keys)
        related = [p for p in paths if p]
        for target in queryset.select_related(*related) if related else queryset:
            targets[(label, str(target.pk))] = secrets_of(target, paths)[0]
    for event in rows:
        secrets = targets.get((event.target_type, str(event.target_id))) or PersonSecrets()
        event.target_repr = secrets.mask(event.target_repr or "")
        event.old_values = secrets.mask_value(event.old_values)
        event.new_values = secrets.mask_value(event.new_values)
    return rows
