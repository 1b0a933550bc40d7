"""Reads of credit subjects. Every read that returns a natural person is logged with the
reader and the purpose (个人信息保护法; 河南条例 art. 40: a subject learns who queried it)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Length

from xinyong.core import identifiers
from xinyong.core.audit import record_read
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.masking import mask_name

from .models import Subject, SubjectIdentifier
from .services import resolve

MAX_LIMIT = 200
READ_SUBJECT_TYPE = "subjects.Subject"


def masked_repr(subject: Subject) -> str:
    name = mask_name(subject.name) if subject.is_person else subject.name
    return f"{name}（{subject.display_identifier}）"


def log_person_reads(subjects: Iterable[Subject], *, reader: Any, purpose: str) -> int:
    """Write one read-log entry per natural person among `subjects`; returns how many."""
    count = 0
    for subject in subjects:
        if subject.is_person:
            record_read(
                reader=reader,
                subject_type=READ_SUBJECT_TYPE,
                subject_id=subject.pk,
                subject_repr=masked_repr(subject),
                purpose=purpose,
            )
            count += 1
    return count


# Unicode control (Cc: NUL and the like) and format (Cf: zero-width spaces, BOM, direction
# marks) characters: invisible in a query, and on SQLite `name LIKE '%\x00%'` matches every
# row, so a query of nothing else must count as empty (as identifiers.normalise drops Cf).
_INVISIBLE = frozenset({"Cc", "Cf"})


def _query_text(query: Any) -> str:
    """The query as typed, without invisible characters and with its spaces collapsed
    (tabs and line breaks are Cc too, but they separate words)."""
    raw = str(query or "")
    kept = "".join(c for c in raw if c.isspace() or unicodedata.category(c) not in _INVISIBLE)
    return " ".join(kept.split())


def _with_identifiers() -> Any:
    return Subject.objects.prefetch_related(
        Prefetch(
            "identifiers", queryset=SubjectIdentifier.objects.order_by("-is_primary", "kind", "id")
        )
    )


def search_subjects(query: str, *, limit: int = 20, reader: Any, purpose: str) -> list[Subject]:
    """Subjects whose identifier (any of them, normalised) equals `query` — a bare
    passport or permit number finds its holder under any document type — then those
    whose name contains it. Merged-away subjects are replaced by their survivor; each
    subject appears once. Natural persons among the results are read-logged."""
    text = _query_text(query)
    if not text:
        raise DomainError("请输入统一社会信用代码、身份证号码或名称中的文字。")
    if len(text) > 200:
        raise DomainError("查询内容过长：最多 200 个字。")
    limit = max(1, min(int(limit), MAX_LIMIT))
    code = identifiers.normalise(text)
    candidates = {code}
    for hint in (None, identifiers.IdentifierKind.RESIDENT_ID, identifiers.IdentifierKind.ORG_CODE):
        normalised = identifiers.structural_check(code, hint).normalised
        if normalised:
            candidates.add(normalised)
    if identifiers.document_number_problem(code) == "":
        # A passport or travel-permit number is typed without its document type, under
        # which the person is keyed (护照:E12345678): look under every type.
        candidates.update(
            identifiers.document_key(t, code) for t in identifiers.OTHER_PERSON_DOCUMENTS
        )
    found: list[Subject] = []
    seen: set[int] = set()
    for row in SubjectIdentifier.objects.filter(value__in=sorted(candidates)).select_related(
        "subject"
    ):
        survivor = resolve(row.subject)
        if survivor.pk not in seen:
            seen.add(survivor.pk)
            found.append(survivor)
    spellings = {
        text,
        text.replace("(", "（").replace(")", "）"),
        text.replace("（", "(").replace("）", ")"),
    }
    if len(found) < limit:
        by_name = Subject.objects.none()
        for spelling in spellings:
            by_name = by_name | Subject.objects.filter(
                name__icontains=spelling, merged_into__isnull=True
            )
        for subject in by_name.exclude(pk__in=seen).order_by(Length("name"), "id")[
            : limit - len(found)
        ]:
            seen.add(subject.pk)
            found.append(subject)
    found = found[:limit]
    log_person_reads(found, reader=reader, purpose=purpose)
    return found


def get_subject(subject_id: Any, *, reader: Any, purpose: str) -> Subject:
    """One subject with its identifiers prefetched (a merged-away subject is returned as
    it is, with `merged_into` set, so that its history stays visible). Logged if a person."""
    try:
        pk = int(subject_id)
    except (TypeError, ValueError) as exc:
        raise NotFoundError(f"信用主体编号“{subject_id}”无效。") from exc
    subject = _with_identifiers().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if subject is None:
        raise NotFoundError(f"信用主体 {pk} 不存在。")
    log_person_reads([subject], reader=reader, purpose=purpose)
    return subject
