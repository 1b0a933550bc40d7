"""Reads of the catalogue: record types, the publicity policy in force, and the
lawfulness check other apps (sanctions) call before accepting a matter."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from xinyong.core.errors import DomainError, NotFoundError

from .fieldspec import get_spec, normalise_header
from .models import ForbiddenMatter, PublicityPolicy, RecordType, Severity


def list_record_types(*, include_inactive: bool = False) -> QuerySet[RecordType]:
    qs = RecordType.objects.select_related("default_policy").prefetch_related("providing_units")
    return qs if include_inactive else qs.filter(active=True)


def get_record_type(code_or_name: str) -> RecordType:
    """A record type by code (any case) or Chinese name; NotFoundError otherwise."""
    text = (code_or_name or "").strip()
    found = (
        RecordType.objects.select_related("default_policy")
        .filter(Q(code=normalise_header(text)) | Q(name=text))
        .first()
    )
    if found is None:
        raise NotFoundError(f"公共信用信息目录中没有信息类别“{code_or_name}”。")
    return found


def policy_to_dict(policy: PublicityPolicy) -> dict[str, Any]:
    return {
        "code": policy.code,
        "name": policy.name,
        "document": policy.document,
        "severity": policy.severity,
        "severity_label": policy.get_severity_display(),
        "min_months": policy.min_months,
        "max_months": policy.max_months,
        "counted_from": policy.counted_from,
        "legal_basis": policy.legal_basis,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": policy.effective_to.isoformat() if policy.effective_to else None,
        "sector": policy.sector,
    }


def record_type_detail(record_type: RecordType) -> dict[str, Any]:
    """Everything a form or an import template needs about one type (API and CLI)."""
    data = get_spec(record_type.code).to_dict()
    data.update(
        {
            "update_cycle": record_type.update_cycle,
            "update_cycle_label": record_type.get_update_cycle_display(),
            "coverage": record_type.coverage,
            "description": record_type.description,
            "effective_from": (
                record_type.effective_from.isoformat() if record_type.effective_from else None
            ),
            "providing_units": [u.name for u in record_type.providing_units.all()],
            "default_policy": (
                policy_to_dict(record_type.default_policy) if record_type.default_policy else None
            ),
        }
    )
    return data


# ---------------------------------------------------------------- publicity policies

_SEVERITY_INPUT = {s.value: s.value for s in Severity} | {s.label: s.value for s in Severity}


def severity_key(text: str) -> str | None:
    """A class as written (轻微 …) or as stored (minor …) → its key; None if unknown."""
    return _SEVERITY_INPUT.get(text.strip())


def _matches_sector(policy: PublicityPolicy, sector: str) -> bool:
    return bool(sector) and sector in policy.sectors()


def policy_in_force(
    *,
    record_type: RecordType | str,
    decision_date: date,
    severity: str | None = None,
    sector: str = "",
) -> PublicityPolicy:
    """The publicity policy that governs a record of `record_type` decided on
    `decision_date` (the rule in force on the decision date, DOMAIN.md §5).

    Candidates are the active policies whose [effective_from, effective_to] contains the
    date. A `sector` ("市场监管", "消防" …) prefers that sector's policies and falls back to
    the general ones; otherwise the record type's default policy's sector is used.
    With `severity` (key or Chinese label: 轻微/一般/严重/不公示) the policy of that class
    is chosen, falling back to an unclassified (不分级) rule in force. Without it: the
    type's default policy if in force, else the in-force policy of the default's class,
    else an unclassified one. Ties go to the latest effective_from. Refuses with a Chinese
    message when nothing applies.
    """
    rt = get_record_type(record_type) if isinstance(record_type, str) else record_type
    wanted: str | None = None
    if severity:
        wanted = severity_key(severity)
        if wanted is None:
            raise DomainError(f"失信程度“{severity}”无效，可选：轻微、一般、严重、不公示。")
    default = rt.default_policy
    in_force = [
        p
        for p in PublicityPolicy.objects.filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=decision_date),
            active=True,
            effective_from__lte=decision_date,
        ).order_by("-effective_from", "code")
    ]
    sector = unicodedata.normalize("NFKC", sector or "").strip()
    if sector:
        pools = [
            [p for p in in_force if _matches_sector(p, sector)],
            [p for p in in_force if not p.sector],
        ]
    else:
        home = default.sector if default else ""
        pools = [[p for p in in_force if p.sector == home]]

    for pool in pools:
        if wanted:
            exact = [p for p in pool if p.severity == wanted]
            if exact:
                return exact[0]
        else:
            if default and any(p.pk == default.pk for p in pool):
                return default
            if default:
                same = [p for p in pool if p.severity == default.severity]
                if same:
                    return same[0]
        unclassified = [p for p in pool if p.severity == Severity.UNCLASSIFIED]
        if unclassified:
            return unclassified[0]
    label = Severity(wanted).label if wanted else "默认"
    raise DomainError(
        f"{decision_date.isoformat()} 没有适用于“{rt.name}”（{label}）的公示期限政策，"
        "请信用办在公示期限政策中补充。",
        code="no_policy",
    )


# ---------------------------------------------------------------- lawfulness


def _normalise_text(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split())


# Clause ends after NFKC (full-width ，；！？ become , ; ! ?); "、" joins a list within one.
_CLAUSE_END = re.compile(r"[。;,!?\r\n]")


def keyword_terms(keyword: str) -> list[list[str]]:
    """A forbidden-matter keyword as terms, each a list of alternatives, normalised as the
    text is: "拖欠|欠缴+电费" → [["拖欠", "欠缴"], ["电费"]]. A plain keyword is one term
    with one alternative. An empty term or alternative is kept empty (the service refuses
    such a keyword; the matcher ignores it)."""
    return [
        [_normalise_text(alt) for alt in term.split("|")]
        for term in unicodedata.normalize("NFKC", keyword or "").split("+")
    ]


def _keyword_hit(terms: list[list[str]], whole: str, clauses: list[str]) -> bool:
    if not terms or any(not alt for term in terms for alt in term):
        return False
    if len(terms) == 1:
        return any(alt in whole for alt in terms[0])
    # A combination: every term in one clause, in any order (拖欠电费 / 电费拖欠 / 欠缴…电费),
    # and not one term here and another in an unrelated sentence or field.
    return any(all(any(alt in c for alt in term) for term in terms) for c in clauses)


def check_lawful_matter(text: str) -> list[ForbiddenMatter]:
    """The forbidden matters (泛化滥用 examples) that `text` mentions; empty when none.
    Used by the catalogue's own services and by sanctions before accepting a measure.
    Spaces and full/half width are ignored; a keyword "A|B+C" (`keyword_terms`) matches
    when A or B, and C, stand in the same clause."""
    whole = _normalise_text(text)
    if not whole:
        return []
    clauses = [_normalise_text(c) for c in _CLAUSE_END.split(unicodedata.normalize("NFKC", text))]
    hits = []
    for matter in ForbiddenMatter.objects.filter(active=True).order_by("code"):
        if any(_keyword_hit(keyword_terms(str(k)), whole, clauses) for k in matter.keywords or []):
            hits.append(matter)
    return hits


def describe_forbidden(matters: list[ForbiddenMatter]) -> str:
    """One Chinese sentence per hit: the matter, why, and the basis."""
    return "；".join(f"“{m.name}”：{m.reason}（依据：{m.basis}）" for m in matters)
