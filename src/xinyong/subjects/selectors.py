"""Reads of credit subjects. Every read that returns a natural person is logged with the
reader and the purpose (个人信息保护法; 河南条例 art. 40: a subject learns who queried it).

`search_for` and `subject_for` are the register as a given reader may use it (个人信息保护法
art. 6: no more than the purpose needs): the credit office reads everything; a bank only the
firms the 信易贷 rules open to it; other staff find a natural person only by an exact
identifier, never by a fragment of a name."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Prefetch
from django.db.models.functions import Length

from xinyong.core import identifiers
from xinyong.core.audit import record_read
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.masking import mask_name
from xinyong.orgs.models import Role
from xinyong.orgs.permissions import is_credit_admin, role_of

from .models import Subject, SubjectIdentifier, SubjectKind, of_subject
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


def _clean_query(query: Any) -> str:
    text = _query_text(query)
    if not text:
        raise DomainError("请输入统一社会信用代码、身份证号码或名称中的文字。")
    if len(text) > 200:
        raise DomainError("查询内容过长：最多 200 个字。")
    return text


# The 证件类型 a person may choose in a public form (portal person query, API): 居民身份证,
# the default, and the other documents a person is keyed by (`identifiers.document_key`).
RESIDENT_ID_DOCUMENT = "居民身份证"
PERSON_DOCUMENT_TYPES: tuple[str, ...] = (RESIDENT_ID_DOCUMENT, *identifiers.OTHER_PERSON_DOCUMENTS)
DOCUMENT_TYPE_AMBIGUOUS = (
    "该证件号码在多种证件类型下均登记有同名的自然人：请选择证件类型"
    "（或按“证件类型:号码”填写，如“护照:E12345678”）后重新提交。"
)


def identifier_keys(text: Any, document_type: str = "") -> set[str]:
    """The stored identifier values that `text`, as typed, may stand for (normalised: any
    case, full-width, inner spaces). With another document's type chosen, only that
    document's key; otherwise (none, or 居民身份证) the code itself, its normalised
    spellings and — a passport or permit number typed without its type — its key under
    every document type. DomainError for a 证件类型 that is not one of
    `PERSON_DOCUMENT_TYPES`."""
    document_type = str(document_type or "").strip()
    if document_type and document_type not in PERSON_DOCUMENT_TYPES:
        raise DomainError(f"证件类型无效，请选择：{'、'.join(PERSON_DOCUMENT_TYPES)}。")
    code = identifiers.normalise(text)
    if not code:
        return set()
    if document_type in identifiers.OTHER_PERSON_DOCUMENTS:
        typed = identifiers.split_document_key(code)
        if typed is not None:
            return {code} if typed[0] == document_type else set()
        return {identifiers.document_key(document_type, code)}
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
    return candidates


def _holders(keys: set[str]) -> list[Subject]:
    """The survivors of the subjects one of whose identifiers is in `keys`, each once."""
    found: list[Subject] = []
    seen: set[int] = set()
    for row in SubjectIdentifier.objects.filter(value__in=sorted(keys)).select_related("subject"):
        survivor = resolve(row.subject)
        if survivor.pk not in seen:
            seen.add(survivor.pk)
            found.append(survivor)
    return found


def _by_identifier(text: str) -> list[Subject]:
    """The survivors of the subjects one of whose identifiers (normalised) equals `text`
    — a bare passport or permit number finds its holder under any document type."""
    return _holders(identifier_keys(text))


def find_by_identifier_and_name(
    number: Any,
    name: str,
    *,
    document_type: str = "",
    persons_only: bool = False,
    name_key: Callable[[str], str] | None = None,
) -> Subject | None:
    """The subject that proves itself by its code and its name, as the public person
    query, online repair and self-service reports ask: one of its identifiers is what
    `number` stands for (`identifier_keys`: a passport holder may type the bare passport
    number) and `name_key` of its name equals that of `name` (exact by default). Not read-
    logged: the caller logs what it shows. DomainError when the number and name fit
    persons under two document types — which one is meant must be chosen, not guessed."""
    key = name_key or (lambda text: text)
    wanted = key(name or "")
    if not wanted:
        return None
    matches = [
        subject
        for subject in _holders(identifier_keys(number, document_type))
        if (subject.is_person or not persons_only) and key(subject.name) == wanted
    ]
    if len(matches) > 1:
        raise DomainError(DOCUMENT_TYPE_AMBIGUOUS, code="document_type_ambiguous")
    return matches[0] if matches else None


# Staff type a code without a name (a credit report at the window): a bare number that
# persons hold under two document types cannot tell them apart, and no 证件类型 field asks.
DOCUMENT_NUMBER_AMBIGUOUS = (
    "该号码在多种证件类型下均登记有信用主体：请按“证件类型:号码”填写（如“护照:E12345678”），"
    f"证件类型为{'、'.join(identifiers.OTHER_PERSON_DOCUMENTS)}。"
)


def find_by_identifier(number: Any) -> Subject | None:
    """The subject (its survivor) one of whose identifiers is `number`, as staff type it
    without a name: a subject holding exactly that code (normalised) first, as before;
    otherwise whatever `identifier_keys` says it stands for — a passport or permit number
    typed without its type. Not read-logged: the caller logs what it shows. DomainError
    when the number fits several subjects (the same number under two document types)."""
    code = identifiers.normalise(number)
    if not code:
        return None
    exact = _holders({code})
    if exact:
        return exact[0]
    matches = _holders(identifier_keys(code))
    if len(matches) > 1:
        raise DomainError(DOCUMENT_NUMBER_AMBIGUOUS, code="document_type_ambiguous")
    return matches[0] if matches else None


def search_subjects(
    query: str, *, limit: int = 20, reader: Any, purpose: str, persons_by_name: bool = True
) -> list[Subject]:
    """Subjects whose identifier (any of them, normalised) equals `query`, then those
    whose name contains it — natural persons among them only if `persons_by_name`.
    Merged-away subjects are replaced by their survivor; each subject appears once.
    Natural persons among the results are read-logged."""
    text = _clean_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    found = _by_identifier(text)
    seen = {s.pk for s in found}
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
        if not persons_by_name:
            by_name = by_name.exclude(kind=SubjectKind.PERSON)
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
    pk = _subject_pk(subject_id)
    subject = _fetch(pk)
    if subject is None:
        raise NotFoundError(f"信用主体 {pk} 不存在。")
    log_person_reads([subject], reader=reader, purpose=purpose)
    return subject


def _subject_pk(subject_id: Any) -> int:
    try:
        return int(subject_id)
    except (TypeError, ValueError) as exc:
        raise NotFoundError(f"信用主体编号“{subject_id}”无效。") from exc


def _fetch(pk: int) -> Subject | None:
    return _with_identifiers().filter(pk=pk).first() if 0 < pk < 2**63 else None


# ---------------------------------------------------------------------------------------
# the register as a reader may use it


def _bank_of(user: Any) -> str:
    """The user's bank, or NotPermitted for a bank account without one."""
    # Imported here: finance builds on subjects.
    from xinyong.finance.services import bank_of

    return bank_of(user)


def bank_may_see(user: Any, subject: Subject) -> bool:
    """The 信易贷 rule of the bank's firm page (finance.views.bank_subject): a firm on the
    published white list, or whose authorisation for the user's bank is in force today
    (`finance.services.valid_authorisation`). Never a natural person, never a merged-away
    subject. Raises NotPermitted for a bank account without its bank."""
    from xinyong.finance.selectors import published_items
    from xinyong.finance.services import valid_authorisation

    bank = _bank_of(user)
    if subject.is_person or subject.merged_into_id is not None:
        return False
    if published_items().filter(subject=subject).exists():
        return True
    return valid_authorisation(subject, bank) is not None


def _has_readable_record(user: Any, subject: Subject) -> bool:
    """Whether `user` may already read a credit record of `subject` (or of a subject
    merged into it): their unit's records, every unit's for a district leader."""
    # Imported here: records builds on subjects.
    from xinyong.records.selectors import records_visible_to

    return records_visible_to(user).filter(of_subject(subject)).exists()


def search_for(user: Any, query: str, *, limit: int = 20, purpose: str) -> list[Subject]:
    """`search_subjects` as `user` may use it. The credit office: unchanged. A bank: the
    firms `bank_may_see` whose code equals `query` (a name fragment finds nothing; the
    white list gives the listed firms' names). Everyone else: organisations by code or by a
    fragment of their name, natural persons only by an exact identifier — a surname must
    not list the district's residents."""
    if is_credit_admin(user):
        return search_subjects(query, limit=limit, reader=user, purpose=purpose)
    if role_of(user) == Role.BANK:
        _bank_of(user)
        limit = max(1, min(int(limit), MAX_LIMIT))
        found = [s for s in _by_identifier(_clean_query(query)) if bank_may_see(user, s)]
        return found[:limit]
    return search_subjects(query, limit=limit, reader=user, purpose=purpose, persons_by_name=False)


def subject_by_code_for(user: Any, code: Any, *, purpose: str) -> Subject:
    """The one subject (its survivor) a form or an API names by its code, as `user` may
    find it (`search_for`: a bank only the firms `bank_may_see`; everyone else a person by
    the exact identifier): a USCC or ID number in any case or full width, a passport or
    permit number with or without its type (`find_by_identifier`). A name or part of a
    code finds nothing. Read-logged for a natural person; NotFoundError names the code
    (an ID number masked); DomainError when the number fits several subjects."""
    text = identifiers.normalise(_query_text(code))
    if not text:
        raise DomainError("请填写信用主体的统一社会信用代码或证件号码。")
    subject = find_by_identifier(text[:64])
    if subject is not None and (role_of(user) != Role.BANK or bank_may_see(user, subject)):
        log_person_reads([subject], reader=user, purpose=purpose)
        return subject
    raise NotFoundError(
        f"没有找到代码为“{identifiers.mask_identifier(text[:64])}”的信用主体，"
        "请输入完整的统一社会信用代码或证件号码。"
    )


def subject_for(user: Any, subject_id: Any, *, purpose: str) -> Subject:
    """`get_subject` as `user` may use it. The credit office: every subject. A bank: the
    firms `bank_may_see`. Everyone else: every organisation, and a natural person only if
    they may already read a credit record of that person — a person's entry is not to be
    found by walking ids. What may not be seen is refused exactly as what does not exist,
    and is not read-logged (nothing was read)."""
    if is_credit_admin(user):
        return get_subject(subject_id, reader=user, purpose=purpose)
    if role_of(user) == Role.BANK:
        _bank_of(user)
    pk = _subject_pk(subject_id)
    subject = _fetch(pk)
    if subject is not None:
        if role_of(user) == Role.BANK:
            visible = bank_may_see(user, subject)
        else:
            visible = not subject.is_person or _has_readable_record(user, subject)
        if visible:
            log_person_reads([subject], reader=user, purpose=purpose)
            return subject
    raise NotFoundError(f"信用主体 {pk} 不存在，或不在您可查看的范围内。")
