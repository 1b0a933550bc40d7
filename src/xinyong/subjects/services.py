"""The write path for credit subjects: create or match, add identifiers, rename, merge,
and the set-based match for the collection pipeline. Each change writes its event."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xinyong.core import identifiers
from xinyong.core.audit import record_event
from xinyong.core.bulk import bulk_insert_frame
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.identifiers import IdentifierKind, IdentifierVerdict
from xinyong.core.masking import mask_name

from .models import (
    CHECKED_TYPES,
    PERSONAL_TYPES,
    IdentifierType,
    Subject,
    SubjectIdentifier,
    SubjectKind,
)
from .signals import subjects_merged

_TARGET = "subjects.Subject"
_NAME_MAX = 200
_MAX_MERGE_HOPS = 50
_CHUNK = 900  # stays under every backend's bound-parameter limit


# ---------------------------------------------------------------------------------------
# helpers shared with selectors and adapters


def clean_name(name: Any) -> str:
    """A name as stored: trimmed, inner runs of whitespace collapsed; official full-width
    brackets are kept as written."""
    return " ".join(str(name or "").split())


def name_key(name: str) -> str:
    """What two spellings of one name have in common: half-width, no spaces, upper-case
    (so "（北关）" and "(北关)" are the same name)."""
    return "".join(unicodedata.normalize("NFKC", name).split()).upper()


def coerce_kind(kind: Any) -> SubjectKind | None:
    """A subject kind from its code ("person") or its Chinese label ("自然人"), as
    departments' files carry either (CF_XDR_LB)."""
    if kind is None or kind == "":
        return None
    if isinstance(kind, SubjectKind):
        return kind
    text = str(kind).strip()
    for choice in SubjectKind:
        if text in {choice.value, choice.label}:
            return choice
    labels = "、".join(str(c.label) for c in SubjectKind)
    raise DomainError(f"主体类别“{text}”无法识别，应为：{labels}。")


def expected_kind(verdict: IdentifierVerdict) -> SubjectKind | None:
    """The subject kind an identifier implies, or None when it could be either an
    organisation or an individual business (old 注册号, 组织机构代码)."""
    if verdict.kind in identifiers.PERSONAL_KINDS:
        return SubjectKind.PERSON
    if verdict.kind == IdentifierKind.USCC:
        # GB 32100 category 92: 个体工商户.
        if verdict.category_code == "92":
            return SubjectKind.INDIVIDUAL_BUSINESS
        return SubjectKind.ORGANISATION
    return None


def hint_for(kind: SubjectKind | None, code: str) -> IdentifierKind | None:
    """Which identifier kind a subject kind promises for an 18-character code; a
    `<证件类型>:<号码>` key is a person's other ID document whatever the kind says (a
    wrong kind is then refused by `_kind_for`)."""
    if identifiers.split_document_key(code) is not None:
        return IdentifierKind.OTHER_PERSONAL_ID
    if kind == SubjectKind.PERSON:
        return IdentifierKind.RESIDENT_ID
    if kind is not None and len(identifiers.normalise(code)) == 18:
        return IdentifierKind.USCC
    return None


def verdict_for(identifier: Any, kind: SubjectKind | None = None) -> IdentifierVerdict:
    return identifiers.check(identifier, hint_for(kind, str(identifier or "")))


def resolve(subject: Subject | int) -> Subject:
    """The surviving subject: follows `merged_into` to the end. Later apps' records point
    at whichever subject they were filed under and use this to find the current one."""
    current = (
        subject if isinstance(subject, Subject) else Subject.objects.filter(pk=subject).first()
    )
    if current is None:
        raise NotFoundError(f"信用主体 {subject} 不存在。")
    seen = {current.pk}
    while current.merged_into_id is not None:
        nxt = Subject.objects.get(pk=current.merged_into_id)
        if nxt.pk in seen or len(seen) > _MAX_MERGE_HOPS:
            raise DomainError(f"信用主体 {subject} 的合并关系成环，请联系信用办核查。")
        seen.add(nxt.pk)
        current = nxt
    return current


def _person_safe(kind: str, name: str) -> str:
    return mask_name(name) if kind == SubjectKind.PERSON else name


def _repr(subject: Subject) -> str:
    return f"{_person_safe(subject.kind, subject.name)}（{subject.display_identifier}）"


def _conflict(subject: Subject, given: str) -> str | None:
    if name_key(subject.name) == name_key(given):
        return None
    return (
        f"名称不一致：平台登记为“{_person_safe(subject.kind, subject.name)}”，"
        f"本次提供为“{_person_safe(subject.kind, given)}”（主体编号 {subject.pk}），"
        "未覆盖平台名称，请核实。"
    )


def _require_name(name: Any) -> str:
    cleaned = clean_name(name)
    if not cleaned:
        raise DomainError("主体名称不能为空。")
    if len(cleaned) > _NAME_MAX:
        raise DomainError(f"主体名称过长：{len(cleaned)} 个字，最多 {_NAME_MAX} 个字。")
    return cleaned


def _usable_verdict(
    identifier: Any, kind: SubjectKind | None, *, allow_invalid: bool
) -> IdentifierVerdict:
    verdict = verdict_for(identifier, kind)
    if verdict.kind == IdentifierKind.UNKNOWN or not verdict.normalised:
        raise DomainError(f"无法识别主体代码：{verdict.reason}")
    if not verdict.valid and not allow_invalid:
        shown = identifiers.mask_identifier(verdict)
        raise DomainError(f"{verdict.kind_label}“{shown}”无效：{verdict.reason}")
    return verdict


def _kind_for(verdict: IdentifierVerdict, given: SubjectKind | None) -> SubjectKind:
    implied = expected_kind(verdict)
    if given is None:
        return implied or SubjectKind.ORGANISATION
    if implied is not None and implied != given:
        detail = (
            f"代码类别为“{verdict.category_code} {verdict.category_label}”"
            if verdict.kind == IdentifierKind.USCC
            else f"代码为{verdict.kind_label}"
        )
        raise DomainError(f"主体类别“{given.label}”与{detail}不符，应为“{implied.label}”。")
    if given == SubjectKind.PERSON and verdict.kind not in identifiers.PERSONAL_KINDS:
        raise DomainError(
            f"自然人应以居民身份证号码或其他个人证件（证件类型:证件号码）标识，"
            f"不能使用{verdict.kind_label}。"
        )
    return given


def _subject_columns(
    verdict: IdentifierVerdict, kind: SubjectKind, name: str
) -> tuple[str, str, str, str, bool, str]:
    """(kind, name, identifier, identifier_type, is_government_body, region_code) of a new
    subject: one definition for the single and the bulk path."""
    return (
        kind.value,
        name,
        verdict.normalised,
        verdict.kind.value,
        verdict.kind == IdentifierKind.USCC and verdict.is_government_body,
        # A person's birth-place code is personal data and not the subject's region.
        "" if kind == SubjectKind.PERSON else verdict.region_code,
    )


def _new_subject(
    verdict: IdentifierVerdict, kind: SubjectKind, name: str, registered_on: Any
) -> Subject:
    kind_value, name, identifier, identifier_type, government, region = _subject_columns(
        verdict, kind, name
    )
    return Subject(
        kind=kind_value,
        name=name,
        identifier=identifier,
        identifier_type=identifier_type,
        is_government_body=government,
        region_code=region,
        registered_on=registered_on,
    )


# ---------------------------------------------------------------------------------------
# services


def get_or_create_subject(
    *,
    actor: Any,
    identifier: Any,
    name: Any,
    kind: Any = None,
    source: str = "",
    registered_on: Any = None,
    allow_invalid: bool = False,
) -> tuple[Subject, bool, str | None]:
    """Find the subject holding `identifier` (any of its identifiers), or create it.

    Returns (subject, created, name_conflict). A name that disagrees with the known
    subject is never written over: it comes back as a Chinese conflict message for the
    caller (the collection pipeline) to flag. A merged-away subject resolves to its
    survivor."""
    given_kind = coerce_kind(kind)
    cleaned = _require_name(name)
    verdict = _usable_verdict(identifier, given_kind, allow_invalid=allow_invalid)
    for _attempt in range(2):
        found = (
            SubjectIdentifier.objects.select_related("subject")
            .filter(kind=verdict.kind.value, value=verdict.normalised)
            .first()
        )
        if found is not None:
            subject = resolve(found.subject)
            return subject, False, _conflict(subject, cleaned)
        subject_kind = _kind_for(verdict, given_kind)
        try:
            with transaction.atomic():
                subject = _new_subject(verdict, subject_kind, cleaned, registered_on)
                subject.save()
                SubjectIdentifier.objects.create(
                    subject=subject,
                    kind=verdict.kind.value,
                    value=verdict.normalised,
                    is_primary=True,
                    valid=verdict.valid,
                    source=source[:200],
                )
                record_event(
                    actor=actor,
                    action="subjects.create",
                    target_type=_TARGET,
                    target_id=subject.pk,
                    target_repr=_repr(subject),
                    new={
                        "kind": subject.kind,
                        "name": subject.name,
                        "identifier": subject.display_identifier,
                        "identifier_type": subject.identifier_type,
                        "identifier_valid": verdict.valid,
                        "is_government_body": subject.is_government_body,
                        "source": source,
                    },
                )
            return subject, True, None
        except IntegrityError:
            # Someone else created it between our lookup and insert: match theirs.
            continue
    raise DomainError("创建信用主体时发生并发冲突，请重试。")


def add_identifier(
    *,
    actor: Any,
    subject: Subject,
    identifier: Any,
    kind: Any = None,
    source: str = "",
    allow_invalid: bool = False,
) -> SubjectIdentifier:
    """Record another identifier of a subject (old 注册号, 组织机构代码, 税务登记号 …).
    `kind` is an `IdentifierType` value; None means "classify by shape". A USCC added to
    an organisation known only by an old number becomes its primary identifier."""
    subject = resolve(subject)
    id_type: IdentifierType | None = None
    if kind not in (None, ""):
        try:
            id_type = IdentifierType(str(kind))
        except ValueError as exc:
            raise DomainError(f"标识类型“{kind}”无法识别。") from exc
    if id_type is None or id_type in CHECKED_TYPES:
        # Classified by its shape (or the stated type), then checked against the subject.
        hint = IdentifierKind(id_type.value) if id_type else None
        verdict = identifiers.check(identifier, hint)
        if verdict.kind == IdentifierKind.UNKNOWN or not verdict.normalised:
            raise DomainError(f"无法识别主体代码：{verdict.reason}")
        if not verdict.valid and not allow_invalid:
            raise DomainError(
                f"{verdict.kind_label}“{identifiers.mask_identifier(verdict)}”无效：{verdict.reason}"
            )
        id_type = IdentifierType(verdict.kind.value)
        value, valid = verdict.normalised, verdict.valid
    else:
        value, valid = identifiers.normalise(identifier), None
        if not value:
            raise DomainError(f"{id_type.label}不能为空。")
        if len(value) > 64:
            raise DomainError(f"{id_type.label}过长：最多 64 个字符。")
    if subject.is_person != (id_type in PERSONAL_TYPES):
        who = "自然人" if subject.is_person else "组织和个体工商户"
        raise DomainError(f"{who}不能登记{id_type.label}。")
    shown = identifiers.mask_identifier(value) if id_type in PERSONAL_TYPES else value
    with transaction.atomic():
        existing = SubjectIdentifier.objects.filter(kind=id_type.value, value=value).first()
        if existing is not None:
            if resolve(existing.subject_id).pk == subject.pk:
                raise DomainError(f"{id_type.label}“{shown}”已登记在该主体名下。")
            raise DomainError(
                f"{id_type.label}“{shown}”已属于信用主体 {existing.subject_id}；"
                "如为同一主体，请先合并。"
            )
        promote = (
            id_type == IdentifierType.USCC
            and bool(valid)
            and subject.identifier_type in {IdentifierType.REG_NO_15, IdentifierType.ORG_CODE}
        )
        if promote:
            SubjectIdentifier.objects.filter(subject=subject, is_primary=True).update(
                is_primary=False
            )
        added = SubjectIdentifier.objects.create(
            subject=subject,
            kind=id_type.value,
            value=value,
            is_primary=promote,
            valid=valid,
            source=str(source)[:200],
        )
        old = None
        if promote:
            old = {"identifier": subject.identifier, "identifier_type": subject.identifier_type}
            subject.identifier = value
            subject.identifier_type = id_type.value
            subject.save(update_fields=["identifier", "identifier_type", "updated_at"])
        record_event(
            actor=actor,
            action="subjects.add_identifier",
            target_type=_TARGET,
            target_id=subject.pk,
            target_repr=_repr(subject),
            old=old,
            new={
                "kind": id_type.value,
                "value": shown,
                "valid": valid,
                "primary": promote,
                "source": source,
            },
        )
    return added


def rename(*, actor: Any, subject: Subject, name: Any, reason: str = "") -> Subject:
    """Change a subject's name (e.g. after a registered change of name)."""
    cleaned = _require_name(name)
    with transaction.atomic():
        current = Subject.objects.select_for_update().get(pk=subject.pk)
        if current.merged_into_id is not None:
            raise DomainError(
                f"信用主体 {current.pk} 已合并至 {current.merged_into_id}，请修改保留主体。"
            )
        if current.name == cleaned:
            raise DomainError("新名称与原名称相同，无需修改。")
        old_name = current.name
        current.name = cleaned
        current.save(update_fields=["name", "updated_at"])
        record_event(
            actor=actor,
            action="subjects.rename",
            target_type=_TARGET,
            target_id=current.pk,
            target_repr=_repr(current),
            old={"name": old_name},
            new={"name": cleaned, "reason": str(reason or "")[:300]},
        )
    return current


def merge_subjects(*, actor: Any, keep: Subject, absorb: Subject, reason: str) -> Subject:
    """Merge a duplicate into the subject that stays. The absorbed subject keeps its row
    and its own history (it points to `keep` through `merged_into`); its identifiers move
    to `keep`. One event is written on each subject so that both histories show the merge."""
    reason = str(reason or "").strip()
    if not reason:
        raise DomainError("请填写合并原因。")
    if keep.pk == absorb.pk:
        raise DomainError("不能将主体与其自身合并。")
    with transaction.atomic():
        locked = {
            s.pk: s for s in Subject.objects.select_for_update().filter(pk__in=[keep.pk, absorb.pk])
        }
        if len(locked) != 2:
            raise NotFoundError("要合并的信用主体不存在。")
        keep, absorb = locked[keep.pk], locked[absorb.pk]
        if keep.merged_into_id is not None:
            raise DomainError(
                f"保留主体 {keep.pk} 已合并至 {keep.merged_into_id}，请以最终主体为保留主体。"
            )
        if absorb.merged_into_id is not None:
            raise DomainError(f"主体 {absorb.pk} 已合并至 {absorb.merged_into_id}，不能再次合并。")
        if keep.is_person != absorb.is_person:
            raise DomainError("自然人不能与组织或个体工商户合并。")
        moved = list(SubjectIdentifier.objects.filter(subject=absorb).order_by("id"))
        moved_repr = [
            {"kind": i.kind, "value": i.display_value, "was_primary": i.is_primary} for i in moved
        ]
        SubjectIdentifier.objects.filter(subject=absorb).update(subject=keep, is_primary=False)
        # Subjects merged into `absorb` earlier now point straight at the survivor.
        rerouted = list(Subject.objects.filter(merged_into=absorb).values_list("pk", flat=True))
        Subject.objects.filter(merged_into=absorb).update(merged_into=keep)
        absorb.merged_into = keep
        absorb.merged_at = timezone.now()
        absorb.save(update_fields=["merged_into", "merged_at", "updated_at"])
        record_event(
            actor=actor,
            action="subjects.merge",
            target_type=_TARGET,
            target_id=keep.pk,
            target_repr=_repr(keep),
            new={
                "absorbed": absorb.pk,
                "absorbed_name": _person_safe(absorb.kind, absorb.name),
                "identifiers_moved": moved_repr,
                "rerouted": rerouted,
                "reason": reason,
            },
        )
        record_event(
            actor=actor,
            action="subjects.merged_into",
            target_type=_TARGET,
            target_id=absorb.pk,
            target_repr=_repr(absorb),
            old={"merged_into": None},
            new={
                "merged_into": keep.pk,
                "kept_name": _person_safe(keep.kind, keep.name),
                "reason": reason,
            },
        )
        subjects_merged.send(sender=Subject, keep=keep, absorb=absorb, actor=actor)
    return keep


# ---------------------------------------------------------------------------------------
# the set-based path for the collection pipeline


class MatchResult(dict[str, int]):
    """identifier → subject id (the survivor), plus what the pipeline must flag:
    `created` (identifiers of new subjects), `name_conflicts` (identifier → message) and
    `rejected` ((identifier, kind, name) item as given → reason: unrecognised, invalid or
    inconsistent). Rejection is per item: one row giving a code the wrong kind must not
    take the rows that give it correctly down with it."""

    def __init__(self) -> None:
        super().__init__()
        self.created: list[str] = []
        self.name_conflicts: dict[str, str] = {}
        self.rejected: dict[tuple[str, Any, str], str] = {}


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _survivors(subject_ids: set[int]) -> dict[int, int]:
    """subject id → surviving subject id, following merges with set-based queries."""
    result = {sid: sid for sid in subject_ids}
    pending = set(subject_ids)
    for _hop in range(_MAX_MERGE_HOPS):
        if not pending:
            break
        step: dict[int, int] = {}
        for chunk in _chunks(sorted(pending)):
            step.update(
                Subject.objects.filter(pk__in=chunk, merged_into__isnull=False).values_list(
                    "pk", "merged_into_id"
                )
            )
        for sid, target in result.items():
            if target in step:
                result[sid] = step[target]
        pending = set(step.values())
    return result


def _lookup_identifiers(values: Sequence[str]) -> list[tuple[str, str, int]]:
    """(kind, value, subject id) of the stored identifiers with these values: one
    statement per 900 values on SQLite, one `= ANY(array)` per 50,000 on PostgreSQL,
    through the driver (the ORM's per-value preparation dominates on 250,000 values)."""
    table = connection.ops.quote_name(SubjectIdentifier._meta.db_table)
    sql = f"SELECT kind, value, subject_id FROM {table} WHERE value "
    found: list[tuple[str, str, int]] = []
    postgres = connection.vendor == "postgresql"
    size = 50_000 if postgres else _CHUNK
    with connection.cursor() as cursor:
        for chunk in _chunks(values, size):
            if postgres:
                cursor.execute(sql + "= ANY(%s)", [list(chunk)])
            else:
                cursor.execute(sql + f"IN ({', '.join(['%s'] * len(chunk))})", list(chunk))
            found.extend(cursor.fetchall())
    return found


def _next_ids(model: type[Any], count: int) -> list[int]:
    """`count` fresh primary keys for `model`, reserved before a raw bulk insert so that
    the new rows' ids are known without reading them back. PostgreSQL: the identity
    sequence; SQLite: above both the largest id and AUTOINCREMENT's high-water mark (the
    writing transaction holds SQLite's write lock, and a collision would fail the
    primary key, never pass silently)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(int(r[0]) for r in cursor.fetchall())
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, int(row[0]) if row else 0)
    return list(range(top + 1, top + 1 + count))


def _insert_subjects(
    rows: Sequence[tuple[IdentifierVerdict, SubjectKind, str]], *, source: str
) -> list[tuple[int, str, str]]:
    """Insert new subjects and their primary identifiers with the driver's bulk path
    (the columns `_new_subject` fills); returns (id, kind,
    name) per row, in order."""
    if not rows:
        return []
    now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
    ids = _next_ids(Subject, len(rows))
    subjects = []
    valid = []
    out = []
    for pk, (verdict, kind, name) in zip(ids, rows, strict=True):
        columns = _subject_columns(verdict, kind, name)
        subjects.append((pk, *columns))
        valid.append(verdict.valid)
        out.append((pk, columns[0], name))
    frame = pl.DataFrame(
        subjects,
        schema={
            "id": pl.Int64,
            "kind": pl.Utf8,
            "name": pl.Utf8,
            "identifier": pl.Utf8,
            "identifier_type": pl.Utf8,
            "is_government_body": pl.Boolean,
            "region_code": pl.Utf8,
        },
        orient="row",
    )
    bulk_insert_frame(
        Subject._meta.db_table,
        frame.with_columns(created_at=pl.lit(now), updated_at=pl.lit(now)),
    )
    bulk_insert_frame(
        SubjectIdentifier._meta.db_table,
        frame.select(
            pl.col("id").alias("subject_id"),
            pl.col("identifier_type").alias("kind"),
            pl.col("identifier").alias("value"),
            pl.lit(True).alias("is_primary"),
            pl.Series("valid", valid, dtype=pl.Boolean),
            pl.lit(source[:200]).alias("source"),
            pl.lit(now).alias("created_at"),
        ),
    )
    return out


def _surely_valid_codes(items: Sequence[tuple[str, Any, str]]) -> dict[IdentifierKind, set[str]]:
    """Per identifier kind, the codes of `items` that the bulk shortcut finds valid as
    they stand (checked in polars, not one Python call each)."""
    wanted: dict[IdentifierKind, set[str]] = {}
    kinds: dict[Any, SubjectKind | None] = {}
    for raw, kind, _name in items:
        try:
            if kind not in kinds:
                kinds[kind] = coerce_kind(kind)
        except DomainError:
            continue  # reported by the main loop
        hint = hint_for(kinds[kind], str(raw or ""))
        if hint in (IdentifierKind.USCC, IdentifierKind.RESIDENT_ID):
            wanted.setdefault(hint, set()).add(str(raw or ""))
    sure: dict[IdentifierKind, set[str]] = {}
    for hint, codes in wanted.items():
        frame = pl.DataFrame({"code": sorted(codes)}, schema={"code": pl.Utf8})
        marked = frame.filter(identifiers.surely_valid(pl.col("code"), hint))
        sure[hint] = set(marked.get_column("code").to_list())
    return sure


def match_or_create_many(
    *,
    actor: Any,
    items: Sequence[tuple[str, Any, str]],
    source: str = "",
) -> MatchResult:
    """Match (identifier, subject kind, name) rows to subjects in bulk, creating the
    missing ones with set-based queries and bulk inserts; one summary event.

    The subject kind may be a `SubjectKind` value, its Chinese label or None. Rows whose
    identifier is unrecognised or invalid (and not overridden), or whose kind contradicts
    the code, are not created: they come back in `result.rejected`."""
    result = MatchResult()
    wanted: dict[tuple[str, str], tuple[str, SubjectKind, str, IdentifierVerdict]] = {}
    keys_for: dict[tuple[str, str], list[str]] = {}
    given_names: dict[tuple[str, str], dict[str, str]] = {}
    kinds: dict[Any, SubjectKind | None] = {}
    # A bulk load repeats the same code on many rows: check each (code, kind) once.
    checked: dict[tuple[str, SubjectKind | None], tuple[IdentifierVerdict, SubjectKind]] = {}
    sure = _surely_valid_codes(items)
    for raw, kind, name in items:
        key = str(raw or "")
        try:
            if kind in kinds:
                given = kinds[kind]
            else:
                given = kinds[kind] = coerce_kind(kind)
            known = checked.get((key, given))
            if known is None:
                hint = hint_for(given, key)
                if hint is not None and key in sure.get(hint, ()):
                    verdict = identifiers.verdict_of_surely_valid(key, hint)
                else:
                    verdict = _usable_verdict(key, given, allow_invalid=False)
                known = checked[(key, given)] = (verdict, _kind_for(verdict, given))
            verdict, subject_kind = known
            cleaned = _require_name(name)
        except DomainError as exc:
            result.rejected[(raw, kind, name)] = exc.message
            continue
        ident = (verdict.kind.value, verdict.normalised)
        keys_for.setdefault(ident, [])
        given_names.setdefault(ident, {}).setdefault(name_key(cleaned), cleaned)
        if key not in keys_for[ident]:
            keys_for[ident].append(key)
        wanted.setdefault(ident, (key, subject_kind, cleaned, verdict))

    found: dict[tuple[str, str], int] = {}
    values = sorted({value for _kind, value in wanted})
    for id_kind, value, subject_id in _lookup_identifiers(values):
        if (id_kind, value) in wanted:
            found[(id_kind, value)] = subject_id
    survivors = _survivors(set(found.values()))
    names: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(set(survivors.values()))):
        names.update(
            (pk, (kind, name))
            for pk, kind, name in Subject.objects.filter(pk__in=chunk).values_list(
                "pk", "kind", "name"
            )
        )

    missing = [ident for ident in wanted if ident not in found]
    try:
        with transaction.atomic():
            created = _insert_subjects(
                [(wanted[ident][3], wanted[ident][1], wanted[ident][2]) for ident in missing],
                source=source,
            )
            for ident, (subject_id, new_kind, subject_name) in zip(missing, created, strict=True):
                for key in keys_for[ident]:
                    result[key] = subject_id
                    result.created.append(key)
                others = [n for k, n in given_names[ident].items() if k != name_key(subject_name)]
                if others:
                    message = (
                        f"名称不一致：同一批次中该代码既作“{_person_safe(new_kind, subject_name)}”"
                        f"又作“{_person_safe(new_kind, others[0])}”，已按前者登记（主体编号 "
                        f"{subject_id}），请核实。"
                    )
                    for key in keys_for[ident]:
                        result.name_conflicts[key] = message
            for ident, subject_id in found.items():
                survivor = survivors[subject_id]
                kind, known_name = names[survivor]
                for key in keys_for[ident]:
                    result[key] = survivor
                # Every spelling given for this identifier is compared, not just the first.
                known_key = name_key(known_name)
                differing = [n for k, n in given_names[ident].items() if k != known_key]
                if differing:
                    message = (
                        f"名称不一致：平台登记为“{_person_safe(kind, known_name)}”，"
                        f"本次提供为“{_person_safe(kind, differing[0])}”"
                        f"（主体编号 {survivor}），未覆盖平台名称，请核实。"
                    )
                    for key in keys_for[ident]:
                        result.name_conflicts[key] = message
            record_event(
                actor=actor,
                action="subjects.bulk_match",
                target_type=_TARGET,
                target_id="bulk",
                target_repr=f"批量匹配 {len(items)} 行：新增 {len(missing)} 个主体",
                new={
                    "rows": len(items),
                    "identifiers": len(wanted),
                    "matched": len(found),
                    "created": len(missing),
                    "name_conflicts": len(result.name_conflicts),
                    "rejected": len(result.rejected),
                    "source": source,
                },
            )
    except IntegrityError as exc:
        raise DomainError("批量匹配主体时发生并发写入冲突（同一代码被同时登记），请重试。") from exc
    return result
