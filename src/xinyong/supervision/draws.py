"""双随机、一公开 (DOMAIN.md §10): the inspectors' roster and declared conflicts, draws of
inspection targets and inspectors, their public verification, and inspection results.

A draw is reproducible by anyone (commit–reveal):

1. Set-up (`create_draw`): the pool is fixed — every subject with an active credit record
   reported by the unit (or, with a record type, with an active record of that type from
   any unit), narrowed by region-code prefix and grades — together with each subject's
   grade at that moment (`SubjectGrade`; a subject without a grade counts as B, the
   "一般" class that 国市监信发〔2022〕6号 inspects at the normal ratio), the ratio of each
   grade from the policy in force (`policy.policies_in_force`), and the unit's active
   inspectors with their declared conflicts. A record filed under a subject merged away
   since counts for its survivor, and so does a conflict declared on it. A subject
   already drawn as often as its grade's `frequency_per_year` in the calendar year of
   the set-up day, by any unit's draw (无事不扰 is about the subject), stays out of the
   snapshot; how many per grade, and who with the draws that count, is kept in the
   draw's parameters (`frequency.left_out`, `frequency.excluded`). Draws set up but not
   yet drawn do not count: nobody knows yet whom they pick. A random 32-byte seed is
   generated; only its SHA-256 is stored and published. The seed itself waits in a
   private file (`DRAW_SEED_DIR`, default var/draw-seeds/<hash>) outside the database.
2. Run (`run_draw`): the frequency is applied again, in the run's calendar year, to the
   pool as set up before the frequency (the snapshot and `frequency.excluded`): draws
   run after the set-up may have used up a subject's year (two draws set up before
   either ran must not both inspect an A subject), and a draw set up in December and
   run in January counts the new year, so a subject left out at the set-up for the old
   year is drawn from again. A subject already picked by as many draws run in the run's
   year as its grade's `frequency_per_year` is left out, and recorded in the draw's
   parameters (`frequency.at_run`: subject, grade and the draws that count). Runs take
   turns (one at a time, also across units and processes), so that a run always counts
   the runs before it. The pool snapshot itself stays as committed. The roster — the
   unit's inspectors on duty and their declared conflicts with the pool — is read again
   at the run (an inspector gone off duty or a conflict declared since the set-up is
   not overlooked), checked again (enough inspectors for every target), and replaces
   the set-up roster in `Draw.roster_snapshot`. `compute_draw` (below) picks the
   targets and inspectors from that pool less those subjects (`drawn_pool`), the roster
   and the seed; the seed is revealed (stored in `Draw.seed`, its file removed) and the
   result published.
3. Verify (`verify_draw`, `xinyong draw verify`, /credit/draws/<id>/verify/): checks
   sha256(seed) against the published hash, checks each subject left out at the run
   against the earlier draws it names, and re-runs `compute_draw` on the same pool and
   the roster recorded at the run.

The algorithm (stable; changing it breaks every published draw — add a version instead):

- seed: 32 random bytes, written as 64 lowercase hex characters; seed_hash =
  SHA-256 of those 32 bytes, hex.
- rank(label) = HMAC-SHA256(key=seed bytes, message=UTF-8 label), hex.
- Version: each draw names its version in its parameters ("algorithm"); it is drawn and
  verified by that version. A draw without one is v1.
- The pool: the set-up snapshot and the subjects listed in `frequency.excluded`, less
  the subjects listed in `frequency.at_run` (draws set up or run before those lists were
  kept have none, so they verify as before: the labels and ranks are unchanged).
- For each grade in A, B, C, D: share = size × ratio / 100 in exact rational arithmetic,
  where size is the number of pool subjects of that grade. v2: n = floor(share), plus one
  when f = share − floor(share) > 0 and int(rank(f"quota:{grade}"), 16) < f × 2^256
  (the HMAC read as a 256-bit unsigned integer), so that the expected n is exactly
  share and each subject's chance is exactly the grade's ratio. v1 (the first draws):
  n = ceil(share). The subjects of the grade are sorted by
  (rank(f"target:{grade}:{subject_id}"), subject_id) and the first n taken. Targets are
  listed grade by grade in that order.
- For each target, the roster's inspectors without a declared conflict with it are
  sorted by (rank(f"inspector:{subject_id}:{inspector_id}"), inspector_id) and the first
  `inspectors_per_target` taken.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from xinyong.catalog.models import RecordType
from xinyong.collection.models import Batch
from xinyong.collection.pipeline.validate import parse_date
from xinyong.collection.services import ingest_rows
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.identifiers import split_document_key
from xinyong.core.masking import mask_name, mask_text
from xinyong.orgs import permissions
from xinyong.orgs.models import Unit
from xinyong.publicity.selectors import public_records, public_status
from xinyong.records.models import CreditRecord
from xinyong.records.selectors import record_by_identity
from xinyong.subjects.models import IdentifierType, Subject, SubjectKind
from xinyong.subjects.services import resolve as resolve_subject

from . import policy as policy_mod
from .models import Draw, DrawTarget, GradeLetter, Inspector, InspectorConflict

GRADES = policy_mod.GRADES
# A subject that has not been graded is treated as 一般 (B): 国市监信发〔2022〕6号 inspects
# the B class at the normal ratio, and no evidence exists to treat it otherwise.
UNGRADED = GradeLetter.B.value
INSPECTION_TYPE = "XZJC"  # 行政检查 (catalog/data/record_types.json)
INSPECTION_METHOD = "双随机抽查"
MAX_INSPECTORS_PER_TARGET = 10
# v1 rounded every grade's share up, so that in a small pool an A subject (1 %) was more
# likely to be drawn than a D subject (30 %); published v1 draws keep verifying by it.
ALGORITHM_V1 = "HMAC-SHA256 v1"
ALGORITHM = "HMAC-SHA256 v2"
ALGORITHMS = (ALGORITHM_V1, ALGORITHM)


# ---------------------------------------------------------------- the algorithm


def seed_hash_of(seed_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def _rank(key: bytes, label: str) -> str:
    return hmac.new(key, label.encode("utf-8"), hashlib.sha256).hexdigest()


def _share(ratio: Any, size: int) -> Fraction:
    return Fraction(Decimal(str(ratio))) * size / 100


def quota_range(ratio: Any, size: int) -> tuple[int, int]:
    """The fewest and most a v2 draw can take from `size` subjects at `ratio`%: 11 at 30%
    → (3, 4), 100 at 2% → (2, 2). Until the seed is revealed nobody knows which."""
    if size <= 0:
        return 0, 0
    share = _share(ratio, size)
    return math.floor(share), math.ceil(share)


def quota(ratio: Any, size: int, *, key: bytes, grade: str, algorithm: str = ALGORITHM) -> int:
    """How many of a grade's `size` subjects the draw keyed by `key` takes (the module
    docstring, "The algorithm"): v2 draws the fraction, v1 rounds it up."""
    if size <= 0:
        return 0
    share = _share(ratio, size)
    if algorithm == ALGORITHM_V1:
        return math.ceil(share)
    whole = math.floor(share)
    fraction = share - whole
    if fraction and Fraction(int(_rank(key, f"quota:{grade}"), 16), 2**256) < fraction:
        whole += 1
    return whole


def _version(draw: Draw) -> str:
    return str(draw.pool_filter.get("algorithm") or ALGORITHM_V1)


def algorithm_of(draw: Draw) -> str:
    """The draw's algorithm version; refuses one this platform does not implement."""
    name = _version(draw)
    if name not in ALGORITHMS:
        raise DomainError(f"抽查任务 {draw.pk} 的抽取算法“{name}”无法识别，不能抽取或复核。")
    return name


def compute_draw(
    *,
    seed_hex: str,
    pool: list[list[Any]],
    ratios: dict[str, str],
    roster: list[dict[str, Any]],
    inspectors_per_target: int,
    algorithm: str = ALGORITHM,
) -> list[dict[str, Any]]:
    """The draw's result from its seed and snapshots (see the module docstring): a list
    of {"subject_id", "grade", "inspectors": [inspector ids]} in draw order."""
    key = bytes.fromhex(seed_hex)
    by_grade: dict[str, list[int]] = {g: [] for g in GRADES}
    for subject_id, grade in pool:
        by_grade.setdefault(str(grade), []).append(int(subject_id))
    conflicts = {int(m["id"]): {int(s) for s in m.get("conflicts", [])} for m in roster}
    inspector_ids = sorted(int(m["id"]) for m in roster)
    result: list[dict[str, Any]] = []
    for grade in GRADES:
        members = by_grade.get(grade, [])
        n = quota(ratios.get(grade, "0"), len(members), key=key, grade=grade, algorithm=algorithm)
        ordered = sorted(members, key=lambda sid: (_rank(key, f"target:{grade}:{sid}"), sid))
        for sid in ordered[:n]:
            eligible = [i for i in inspector_ids if sid not in conflicts[i]]
            eligible.sort(key=lambda iid: (_rank(key, f"inspector:{sid}:{iid}"), iid))
            result.append(
                {
                    "subject_id": sid,
                    "grade": grade,
                    "inspectors": eligible[:inspectors_per_target],
                }
            )
    return result


# ---------------------------------------------------------------- the seed's private store


def _seed_dir() -> Path:
    configured = getattr(settings, "DRAW_SEED_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "draw-seeds"


def _seed_path(seed_hash: str) -> Path:
    return _seed_dir() / seed_hash


def _store_seed(seed_hex: str, seed_hash: str) -> None:
    folder = _seed_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = _seed_path(seed_hash)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(seed_hex)


def _load_seed(draw: Draw) -> str:
    path = _seed_path(draw.seed_hash)
    try:
        seed_hex = path.read_text(encoding="ascii").strip()
    except OSError:
        raise DomainError(
            f"抽查任务 {draw.pk} 的随机种子文件缺失（{path.name}），无法抽取；"
            "请重新发起一次抽查（原任务的哈希已公布，应在公示页说明作废原因）。"
        ) from None
    if len(seed_hex) != 64 or seed_hash_of(seed_hex) != draw.seed_hash:
        raise DomainError(f"抽查任务 {draw.pk} 的随机种子文件与公布的哈希不一致，拒绝抽取。")
    return seed_hex


# ---------------------------------------------------------------- inspectors and conflicts


def _require_unit_write(actor: Any, unit: Unit) -> None:
    # The system (CLI) acts as the credit office; staff act for their own unit only.
    if actor is not None:
        permissions.require(actor, "write_unit_data", unit)


def inspectors_visible_to(user: Any) -> QuerySet[Inspector]:
    return permissions.scope_to_user_units(
        user, Inspector.objects.select_related("unit").order_by("unit__sort_order", "badge_number")
    )


def get_inspector(user: Any, pk: Any) -> Inspector:
    try:
        return inspectors_visible_to(user).get(pk=int(pk))
    except (TypeError, ValueError, Inspector.DoesNotExist):
        raise NotFoundError("没有这名检查人员，或无权查看。") from None


def create_inspector(*, actor: Any, unit: Unit, name: str, badge_number: str) -> Inspector:
    """Add an inspector to `unit`'s roster (执法检查人员名录)."""
    _require_unit_write(actor, unit)
    name = str(name or "").strip()
    badge = str(badge_number or "").strip()
    if not name or len(name) > 50:
        raise DomainError("请填写检查人员姓名（不超过50字）。")
    if not badge or len(badge) > 50:
        raise DomainError("请填写执法证号（不超过50字）。")
    if Inspector.objects.filter(unit=unit, badge_number=badge).exists():
        raise DomainError(f"本单位名录中已有执法证号 {badge}。")
    try:
        with transaction.atomic():
            inspector = Inspector.objects.create(unit=unit, name=name, badge_number=badge)
            record_event(
                actor=actor,
                action="supervision.inspector_create",
                target_type="supervision.Inspector",
                target_id=inspector.pk,
                target_repr=f"{unit.name} {name}（{badge}）",
                new={"unit": unit.name, "name": name, "badge_number": badge},
            )
    except IntegrityError:
        raise DomainError(f"本单位名录中已有执法证号 {badge}。") from None
    return inspector


def set_inspector_active(*, actor: Any, inspector: Inspector, active: bool) -> Inspector:
    """Put an inspector on or off duty; only active inspectors enter new draws."""
    _require_unit_write(actor, inspector.unit)
    if inspector.active == active:
        return inspector
    with transaction.atomic():
        inspector.active = active
        inspector.save(update_fields=["active", "updated_at"])
        record_event(
            actor=actor,
            action="supervision.inspector_active" if active else "supervision.inspector_inactive",
            target_type="supervision.Inspector",
            target_id=inspector.pk,
            target_repr=str(inspector),
            old={"active": not active},
            new={"active": active},
        )
    return inspector


def declare_conflict(
    *, actor: Any, inspector: Inspector, subject: Subject, reason: str, declared_on: Any = None
) -> InspectorConflict:
    """Record that `inspector` must never be drawn for `subject` (回避)."""
    _require_unit_write(actor, inspector.unit)
    reason = str(reason or "").strip()
    if not reason or len(reason) > 200:
        raise DomainError("请填写回避理由（不超过200字）。")
    day = declared_on or timezone.localdate()
    if not isinstance(day, date):
        try:
            day = date.fromisoformat(str(day))
        except ValueError:
            raise DomainError("申报日期格式应为 2026-03-05。") from None
    if InspectorConflict.objects.filter(inspector=inspector, subject=subject).exists():
        raise DomainError(f"{inspector.name} 已申报对该主体回避。")
    with transaction.atomic():
        conflict = InspectorConflict.objects.create(
            inspector=inspector, subject=subject, reason=reason, declared_on=day
        )
        record_event(
            actor=actor,
            action="supervision.conflict_declare",
            target_type="supervision.InspectorConflict",
            target_id=conflict.pk,
            target_repr=f"{inspector} 回避 主体{subject.pk}",
            new={"inspector": inspector.pk, "subject": subject.pk, "reason": reason, "on": day},
        )
    return conflict


def withdraw_conflict(*, actor: Any, conflict: InspectorConflict) -> None:
    _require_unit_write(actor, conflict.inspector.unit)
    with transaction.atomic():
        old = {
            "inspector": conflict.inspector_id,
            "subject": conflict.subject_id,
            "reason": conflict.reason,
        }
        pk = conflict.pk
        conflict.delete()
        record_event(
            actor=actor,
            action="supervision.conflict_withdraw",
            target_type="supervision.InspectorConflict",
            target_id=pk,
            target_repr=f"检查人员{old['inspector']} 回避 主体{old['subject']}",
            old=old,
        )


# ---------------------------------------------------------------- set-up


def _record_type(code: Any) -> RecordType | None:
    text = str(code or "").strip()
    if not text:
        return None
    rt = RecordType.objects.filter(code=text.upper()).first() or (
        RecordType.objects.filter(name=text).first()
    )
    if rt is None:
        raise DomainError(f"公共信用信息目录中没有信息类别“{text}”。")
    return rt


def _grades_arg(grades: Any) -> list[str]:
    if grades in (None, "", []):
        return list(GRADES)
    items = grades if isinstance(grades, list | tuple | set) else str(grades).replace("，", ",")
    if isinstance(items, str):
        items = [g for g in items.replace(" ", ",").split(",") if g]
    chosen = sorted({str(g).strip().upper() for g in items if str(g).strip()})
    bad = [g for g in chosen if g not in GRADES]
    if bad or not chosen:
        raise DomainError("等级范围只能是 A、B、C、D 中的一个或几个。")
    return chosen


def pool_of(
    *, unit: Unit, record_type: RecordType | None, region: str, grades: list[str]
) -> list[list[Any]]:
    """[[subject_id, grade], …] sorted by subject id (see the module docstring)."""
    records = CreditRecord.objects.filter(status=CreditRecord.Status.ACTIVE)
    if record_type is not None:
        records = records.filter(record_type=record_type)
    else:
        records = records.filter(source_unit=unit)
    # A record stays on the subject it was filed under; once that subject is merged away
    # it stands for the survivor (`merge_subjects` keeps merged subjects one hop from it).
    owners = records.annotate(owner=Coalesce("subject__merged_into_id", "subject_id"))
    subjects = Subject.objects.filter(pk__in=owners.values("owner"), merged_into__isnull=True)
    if region:
        subjects = subjects.filter(region_code__startswith=region)
    pool = []
    for sid, grade in subjects.values_list("pk", "grade__grade").order_by("pk"):
        letter = grade or UNGRADED
        if letter in grades:
            pool.append([sid, letter])
    return pool


def _roster_snapshot(unit: Unit, pool_ids: set[int]) -> list[dict[str, Any]]:
    roster: list[dict[str, Any]] = []
    for inspector in Inspector.objects.filter(unit=unit, active=True).order_by("pk"):
        roster.append(
            {
                "id": inspector.pk,
                "name": inspector.name,
                "badge_number": inspector.badge_number,
                "conflicts": [],
            }
        )
    by_id = {m["id"]: m for m in roster}
    # A conflict declared on either of two subjects merged since binds the inspector to
    # both: they are one enterprise (merged subjects sit one hop from their survivor).
    pool_by_survivor: dict[int, list[int]] = {}
    for sid, survivor in _survivors(sorted(pool_ids)).items():
        pool_by_survivor.setdefault(survivor, []).append(sid)
    conflicts = InspectorConflict.objects.filter(inspector_id__in=list(by_id)).values_list(
        "inspector_id", "subject_id", "subject__merged_into_id"
    )
    for inspector_id, subject_id, merged_into in conflicts:
        by_id[inspector_id]["conflicts"].extend(pool_by_survivor.get(merged_into or subject_id, []))
    for member in roster:
        member["conflicts"] = sorted(set(member["conflicts"]))
    return roster


def _check_roster(
    roster: list[dict[str, Any]], pool: list[list[Any]], per_target: int, *, then: str = "发起"
) -> None:
    if len(roster) < per_target:
        raise DomainError(
            f"本单位在岗检查人员 {len(roster)} 名，少于每户需要的 {per_target} 名，"
            "请先在“检查人员名录”中补充。"
        )
    blocked: dict[int, int] = {}
    for member in roster:
        for sid in member["conflicts"]:
            blocked[sid] = blocked.get(sid, 0) + 1
    for sid, count in sorted(blocked.items()):
        if len(roster) - count < per_target:
            raise DomainError(
                f"主体编号 {sid} 的回避人员过多：可派检查人员 {len(roster) - count} 名，"
                f"少于每户需要的 {per_target} 名，请补充检查人员后再{then}。"
            )


def _region_arg(region: Any) -> str:
    text = str(region or "").strip()
    # ASCII: str.isdigit() also passes "²" and full-width digits, which no region code
    # (GB/T 2260) holds; the pool would silently be empty.
    if text and (not (text.isascii() and text.isdigit()) or len(text) > 6):
        raise DomainError("地区应为1至6位行政区划代码前缀，例如 410502。")
    return text


def _draws_by_subject(year: int) -> dict[int, list[int]]:
    """The drawn (or published) draws of `year`, by the draw's Shanghai day, that picked
    each subject: subject id → draw ids. A subject merged away since counts for its
    survivor (`merge_subjects` keeps every merged subject one hop from its survivor)."""
    rows = DrawTarget.objects.filter(
        draw__status__in=(Draw.Status.DRAWN, Draw.Status.PUBLISHED), draw__drawn_at__year=year
    ).values_list("subject_id", "subject__merged_into_id", "draw_id")
    found: dict[int, list[int]] = {}
    for sid, survivor, draw_id in rows:
        found.setdefault(survivor or sid, []).append(draw_id)
    return {sid: sorted(set(ids)) for sid, ids in found.items()}


def _frequency_rule(year: int, per_year: dict[str, int]) -> str:
    limits = "、".join(f"{g} 类 {per_year.get(g, 0)} 次" for g in GRADES)
    return f"{year} 年内已被抽中的次数达到所在等级每年抽查频次（{limits}）"


def _apply_frequency(
    pool: list[list[Any]], per_year: dict[str, int], year: int
) -> tuple[list[list[Any]], dict[str, int], list[dict[str, Any]]]:
    """The pool without the subjects already drawn `per_year[grade]` times in `year`,
    how many of each grade were left out, and who, each with the draws that count."""
    by_subject = _draws_by_subject(year)
    kept: list[list[Any]] = []
    left_out = dict.fromkeys(GRADES, 0)
    excluded: list[dict[str, Any]] = []
    for sid, grade in pool:
        counted = by_subject.get(sid, [])
        if len(counted) >= per_year[grade]:
            left_out[grade] += 1
            excluded.append({"subject_id": sid, "grade": grade, "draws": counted})
        else:
            kept.append([sid, grade])
    return kept, left_out, excluded


def create_draw(
    *,
    actor: Any,
    unit: Unit,
    title: str,
    record_type: Any = None,
    region: Any = "",
    grades: Any = None,
    inspectors_per_target: Any = 2,
    on: date | None = None,
) -> Draw:
    """Set up a draw: snapshot the pool, the ratios and the roster, commit to a random
    seed by publishing its hash. A unit sets up draws only for itself; the credit office
    for any unit."""
    _require_unit_write(actor, unit)
    title = str(title or "").strip()
    if not title or len(title) > 200:
        raise DomainError("请填写抽查任务名称（不超过200字）。")
    try:
        per_target = int(str(inspectors_per_target).strip())
    except ValueError:
        raise DomainError("每户检查人员数应为整数。") from None
    if per_target < 1 or per_target > MAX_INSPECTORS_PER_TARGET:
        raise DomainError(f"每户检查人员数应在 1 到 {MAX_INSPECTORS_PER_TARGET} 之间。")
    rt = _record_type(record_type)
    region_prefix = _region_arg(region)
    chosen = _grades_arg(grades)
    day = on or timezone.localdate()
    policies = policy_mod.policies_in_force(day)
    pool = pool_of(unit=unit, record_type=rt, region=region_prefix, grades=chosen)
    if not pool:
        raise DomainError("按所选条件，对象库中没有任何主体，无法抽查。")
    per_year = {g: int(policies[g].frequency_per_year) for g in GRADES}
    pool, left_out, excluded = _apply_frequency(pool, per_year, day.year)
    if not pool:
        limits = "、".join(f"{g} 类 {per_year[g]} 次" for g in GRADES)
        raise DomainError(
            f"按所选条件，对象库中的 {sum(left_out.values())} 户主体 {day.year} 年内已被抽中的"
            f"次数均已达到所在等级的每年抽查频次（{limits}），本次无可抽查的主体。"
        )
    roster = _roster_snapshot(unit, {sid for sid, _g in pool})
    _check_roster(roster, pool, per_target)
    seed_hex = secrets.token_hex(32)
    seed_hash = seed_hash_of(seed_hex)
    parameters = {
        "unit": unit.name,
        "record_type": rt.code if rt else "",
        "region": region_prefix,
        "grades": chosen,
        "on": day.isoformat(),
        "ratios": {g: policy_mod.snapshot(policies[g])["inspection_ratio"] for g in GRADES},
        "policy_ids": {g: policies[g].pk for g in GRADES},
        "ungraded_as": UNGRADED,
        "algorithm": ALGORITHM,
        # Who was left out stays with the draw: a run in another year counts that year.
        "frequency": {
            "year": day.year,
            "per_year": per_year,
            "left_out": left_out,
            "excluded": excluded,
        },
    }
    with transaction.atomic():
        draw = Draw.objects.create(
            unit=unit,
            title=title,
            pool_filter=parameters,
            inspectors_per_target=per_target,
            seed_hash=seed_hash,
            committed_at=timezone.now(),
            pool_snapshot=pool,
            roster_snapshot=roster,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        record_event(
            actor=actor,
            action="supervision.draw_create",
            target_type="supervision.Draw",
            target_id=draw.pk,
            target_repr=f"{unit.name} {title}",
            new={
                "seed_hash": seed_hash,
                "pool_size": len(pool),
                "roster_size": len(roster),
                "parameters": parameters,
            },
        )
        # Written last: a failure above leaves no orphan; a rollback after this leaves
        # a harmless file named by a hash nobody has seen.
        _store_seed(seed_hex, seed_hash)
    return draw


# ---------------------------------------------------------------- run and verify


def _expected_counts(draw: Draw) -> dict[str, dict[str, Any]]:
    """Per grade: pool size and quota. Before a v2 draw is run the quota of a grade whose
    share is fractional is not known (None), only its range."""
    sizes = {g: 0 for g in GRADES}
    for _sid, grade in drawn_pool(draw):
        sizes[str(grade)] = sizes.get(str(grade), 0) + 1
    ratios = draw.pool_filter.get("ratios", {})
    algorithm = _version(draw)
    key = bytes.fromhex(draw.seed) if draw.seed else None
    out: dict[str, dict[str, Any]] = {}
    for g in GRADES:
        ratio, size = ratios.get(g, "0"), sizes.get(g, 0)
        low, high = quota_range(ratio, size)
        if algorithm == ALGORITHM_V1:
            low = high
        n: int | None = low if low == high else None
        if key is not None:
            n = low = high = quota(ratio, size, key=key, grade=g, algorithm=algorithm)
        out[g] = {"pool": size, "quota": n, "quota_min": low, "quota_max": high}
    return out


def _quota_total(counts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    low = sum(c["quota_min"] for c in counts.values())
    high = sum(c["quota_max"] for c in counts.values())
    return {
        "quota_total": low if low == high else None,
        "quota_total_min": low,
        "quota_total_max": high,
    }


def _frequency_summary(draw: Draw, *, with_grades: bool) -> dict[str, Any] | None:
    """The yearly-frequency rule of the draw and, unless the grades stay private, how many
    subjects it left out: with the targets of earlier draws named in public, the count
    would tell which of them are in a low-frequency (A/B) grade."""
    freq = draw.pool_filter.get("frequency")
    if not isinstance(freq, dict):
        return None  # set up before the frequency was applied
    per_year = {g: int(freq.get("per_year", {}).get(g, 0)) for g in GRADES}
    rule = _frequency_rule(int(freq["year"]), per_year)
    data: dict[str, Any] = {"year": freq["year"], "per_year": per_year}
    at_run = _at_run(draw)
    run_year = int(at_run.get("year") or freq["year"])
    recounted = (
        f"；抽取在 {run_year} 年，按 {run_year} 年内已被抽中的次数重新核对"
        if run_year != int(freq["year"])
        else ""
    )
    if not with_grades:
        return {**data, "text": f"{rule}的主体不进入对象库{recounted}。"}
    left_out = {g: int(freq.get("left_out", {}).get(g, 0)) for g in GRADES}
    total = sum(left_out.values())
    detail = "、".join(f"{g} 类 {n} 户" for g, n in left_out.items() if n)
    text = f"{rule}的主体不进入对象库：本次未纳入 {total} 户" + (f"（{detail}）" if detail else "")
    data = {**data, "left_out": left_out, "left_out_total": total}
    set_up = _set_up_excluded(draw)
    if set_up:
        data["excluded"] = set_up
    if at_run:
        data["at_run"] = at_run
        at_set_up = {int(e["subject_id"]) for e in set_up}
        at_the_run = {int(e["subject_id"]) for e in at_run.get("excluded", [])}
        late = [e for e in at_run.get("excluded", []) if int(e["subject_id"]) not in at_set_up]
        back = [e for e in set_up if int(e["subject_id"]) not in at_the_run]
        if late:
            text += (
                f"；抽取时另有 {len(late)} 户（{_per_grade(late)}）在本任务建立后被其他抽查抽中，"
                f"{run_year} 年内次数已达频次，未纳入抽取"
            )
        text += recounted
        if back:
            text += (
                f"，建立时未纳入的主体中 {len(back)} 户（{_per_grade(back)}）"
                f"{run_year} 年内未达频次，纳入抽取"
            )
    return {**data, "text": text + "。"}


def _per_grade(entries: list[dict[str, Any]]) -> str:
    counts = Counter(str(e.get("grade", "")) for e in entries)
    return "、".join(f"{g} 类 {counts[g]} 户" for g in GRADES if counts[g])


def _survivors(subject_ids: list[int]) -> dict[int, int]:
    return {
        sid: survivor or sid
        for sid, survivor in Subject.objects.filter(pk__in=subject_ids).values_list(
            "pk", "merged_into_id"
        )
    }


def _frequency_at_run(draw: Draw, year: int) -> dict[str, Any] | None:
    """The subjects of the pool as set up, before the frequency, that are at their grade's
    frequency in `year` (the run's Shanghai year), each with the draws that count. The
    set-up counted its own year and could not know the draws run since ("draws set up but
    not yet drawn do not count"): two draws set up before either ran would otherwise
    inspect an A subject twice a year, and a draw set up in December and run in January
    would leave out a subject not yet inspected in the new year.
    None for a draw set up before the frequency was applied."""
    freq = draw.pool_filter.get("frequency")
    if not isinstance(freq, dict):
        return None
    per_year = {g: int(freq.get("per_year", {}).get(g, 0)) for g in GRADES}
    by_subject = _draws_by_subject(year)
    pool = _pool_before_frequency(draw)
    survivors = _survivors([int(sid) for sid, _g in pool])
    excluded: list[dict[str, Any]] = []
    left_out = dict.fromkeys(GRADES, 0)
    for sid, grade in pool:
        counted = by_subject.get(survivors.get(int(sid), int(sid)), [])
        if len(counted) >= per_year.get(str(grade), 0):
            excluded.append({"subject_id": int(sid), "grade": str(grade), "draws": counted})
            left_out[str(grade)] += 1
    return {"year": year, "excluded": excluded, "left_out": left_out}


def _at_run(draw: Draw) -> dict[str, Any]:
    freq = draw.pool_filter.get("frequency")
    at_run = freq.get("at_run") if isinstance(freq, dict) else None
    return at_run if isinstance(at_run, dict) else {}


def _set_up_excluded(draw: Draw) -> list[dict[str, Any]]:
    freq = draw.pool_filter.get("frequency")
    excluded = freq.get("excluded") if isinstance(freq, dict) else None
    return excluded if isinstance(excluded, list) else []


def _pool_before_frequency(draw: Draw) -> list[list[Any]]:
    """The pool as set up before the yearly frequency: the snapshot and the subjects the
    set-up left out for its year (frequency.excluded; a draw set up before those were
    kept has only its snapshot), by subject id."""
    left_out = [[int(e["subject_id"]), str(e["grade"])] for e in _set_up_excluded(draw)]
    return sorted([*draw.pool_snapshot, *left_out], key=lambda entry: int(entry[0]))


def drawn_pool(draw: Draw) -> list[list[Any]]:
    """The pool the draw is drawn from. Once run: the pool as set up, before the
    frequency, less the subjects the run found at their yearly frequency in its own year
    (parameters frequency.at_run). Before the run: the set-up snapshot."""
    at_run = _at_run(draw)
    if not at_run:
        return list(draw.pool_snapshot)
    excluded = {int(e["subject_id"]) for e in at_run.get("excluded", [])}
    return [entry for entry in _pool_before_frequency(draw) if int(entry[0]) not in excluded]


# Any fixed number: the key of the PostgreSQL advisory lock that runs draws one at a time.
DRAW_RUN_LOCK = 2026_0606


def _one_run_at_a_time() -> None:
    """A run reads the other draws' results (the yearly frequency), so two runs must not
    overlap: under PostgreSQL's READ COMMITTED both would read before either commits and
    draw the same A subject twice a year. A transaction-scoped advisory lock queues them;
    SQLite's IMMEDIATE transactions (settings) already let one writer in at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRAW_RUN_LOCK])


def run_draw(*, actor: Any, draw: Draw) -> Draw:
    """Draw the targets and inspectors, reveal the seed and publish the result."""
    _require_unit_write(actor, draw.unit)
    with transaction.atomic():
        _one_run_at_a_time()
        locked = Draw.objects.select_for_update().get(pk=draw.pk)
        if locked.status != Draw.Status.COMMITTED:
            # drawn_at is stored in UTC; the user reads Shanghai time everywhere else.
            drawn = timezone.localtime(locked.drawn_at) if locked.drawn_at else None
            raise DomainError(
                f"抽查任务 {locked.pk} 已于 {drawn:%Y-%m-%d %H:%M} 抽取，不能重复抽取。"
                if drawn
                else f"抽查任务 {locked.pk} 已抽取，不能重复抽取。"
            )
        algorithm = algorithm_of(locked)
        seed_hex = _load_seed(locked)
        now = timezone.now()
        at_run = _frequency_at_run(locked, timezone.localtime(now).year)
        if at_run is not None:
            locked.pool_filter = {
                **locked.pool_filter,
                "frequency": {**locked.pool_filter["frequency"], "at_run": at_run},
            }
        pool = drawn_pool(locked)
        # Who is on duty and who declared a conflict is read now, not at the set-up: an
        # inspector gone off duty or a conflict declared since must not be overlooked.
        # The roster used replaces the set-up one, so the draw verifies against it.
        roster = _roster_snapshot(locked.unit, {int(sid) for sid, _g in pool})
        _check_roster(roster, pool, locked.inspectors_per_target, then="抽取")
        set_up_roster_size = len(locked.roster_snapshot)
        locked.roster_snapshot = roster
        result = compute_draw(
            seed_hex=seed_hex,
            pool=pool,
            ratios=locked.pool_filter.get("ratios", {}),
            roster=roster,
            inspectors_per_target=locked.inspectors_per_target,
            algorithm=algorithm,
        )
        targets = DrawTarget.objects.bulk_create(
            [DrawTarget(draw=locked, subject_id=r["subject_id"], grade=r["grade"]) for r in result]
        )
        through = DrawTarget.inspectors.through
        through.objects.bulk_create(
            [
                through(drawtarget_id=t.pk, inspector_id=iid)
                for t, r in zip(targets, result, strict=True)
                for iid in r["inspectors"]
            ]
        )
        locked.seed = seed_hex
        locked.result = result
        locked.status = Draw.Status.DRAWN
        locked.drawn_at = now
        locked.save(
            update_fields=[
                "seed",
                "result",
                "status",
                "drawn_at",
                "pool_filter",
                "roster_snapshot",
                "updated_at",
            ]
        )
        record_event(
            actor=actor,
            action="supervision.draw_run",
            target_type="supervision.Draw",
            target_id=locked.pk,
            target_repr=f"{locked.unit.name} {locked.title}",
            old={"status": Draw.Status.COMMITTED, "roster_size": set_up_roster_size},
            new={
                "status": locked.status,
                "seed": seed_hex,
                "targets": len(result),
                "roster_size": len(roster),
                "frequency_at_run": at_run,
            },
        )
        path = _seed_path(locked.seed_hash)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return locked


@dataclass
class Verification:
    draw_id: int
    problems: list[str] = field(default_factory=list)
    targets: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        return "复核一致" if self.ok else self.problems[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "draw": self.draw_id,
            "ok": self.ok,
            "message": self.message,
            "problems": self.problems,
            "targets": self.targets,
        }


def _describe(entry: dict[str, Any] | None, *, with_grades: bool = True) -> str:
    if entry is None:
        return "无"
    inspectors = "、".join(str(i) for i in entry.get("inspectors", []))
    grade = f"{entry.get('grade')}类，" if with_grades else ""
    return f"主体编号 {entry.get('subject_id')}（{grade}检查人员 {inspectors}）"


def _check_frequency_at_run(draw: Draw, *, with_grades: bool) -> str:
    """Re-check each subject the run left out for its yearly frequency against the draws
    it names: each must be another draw run earlier in the same year that picked the
    subject (or the subject it has since been merged with), and there must be as many
    as the grade's frequency. Otherwise the list could steer the draw. "" when it holds.
    Without grades the message names no subject: being left out tells the grade."""
    at_run = _at_run(draw)
    entries = at_run.get("excluded", [])
    if not entries:
        return ""
    freq = draw.pool_filter.get("frequency", {})
    per_year = {g: int(freq.get("per_year", {}).get(g, 0)) for g in GRADES}
    pool = {int(sid): str(grade) for sid, grade in _pool_before_frequency(draw)}
    named = sorted({int(d) for e in entries for d in e.get("draws", [])})
    earlier = {
        d.pk: d
        for d in Draw.objects.filter(
            pk__in=named, status__in=(Draw.Status.DRAWN, Draw.Status.PUBLISHED)
        )
        if d.pk != draw.pk
        and d.drawn_at is not None
        and draw.drawn_at is not None
        and d.drawn_at < draw.drawn_at
        and timezone.localtime(d.drawn_at).year == int(at_run.get("year", 0))
    }
    picked: dict[int, set[int]] = {}
    for draw_id, sid in DrawTarget.objects.filter(draw_id__in=list(earlier)).values_list(
        "draw_id", "subject_id"
    ):
        picked.setdefault(draw_id, set()).add(sid)
    subjects = {int(e.get("subject_id", 0)) for e in entries}
    subjects |= {sid for ids in picked.values() for sid in ids}
    survivors = _survivors(sorted(subjects))
    seen: set[int] = set()
    for entry in entries:
        sid = int(entry.get("subject_id", 0))
        grade = str(entry.get("grade", ""))
        draw_ids = {int(d) for d in entry.get("draws", [])}
        root = survivors.get(sid, sid)
        holds = (
            sid not in seen
            and pool.get(sid) == grade
            # A grade inspected 0 times a year is out without any draw to name.
            and len(draw_ids) >= per_year.get(grade, 0)
            and all(
                d in earlier and any(survivors.get(t, t) == root for t in picked.get(d, ()))
                for d in draw_ids
            )
        )
        seen.add(sid)
        if not holds:
            if not with_grades:
                return "抽取时因每年抽查频次未纳入对象库的主体，与此前已抽取的抽查结果不符。"
            return (
                f"抽取时因每年抽查频次未纳入的主体编号 {sid}（{grade}类），"
                f"所列此前抽查任务 {'、'.join(str(d) for d in sorted(draw_ids)) or '无'} "
                "不足以说明其当年已被抽中的次数达到频次。"
            )
    return ""


def verify_draw(draw: Draw, *, with_grades: bool = True) -> Verification:
    """Re-run the draw from its revealed seed and snapshots; name the first difference.

    The platform re-runs the draw on the full snapshot (grades included) in every case;
    `with_grades=False` (the public page and API while grades are not public) only keeps
    the grade out of the message, and the position in draw order with it, since targets
    are listed stratum by stratum and the quotas are public."""
    report = Verification(draw_id=draw.pk)
    if draw.status == Draw.Status.COMMITTED or not draw.seed:
        report.problems.append("该抽查尚未抽取，随机种子未公开，暂不能复核。")
        return report
    seed_hex = draw.seed.strip()
    try:
        if len(seed_hex) != 64:
            raise ValueError
        computed_hash = seed_hash_of(seed_hex)
    except ValueError:
        report.problems.append("公开的随机种子不是64位十六进制数，无法复核。")
        return report
    if computed_hash != draw.seed_hash:
        report.problems.append(
            f"随机种子与抽取前公布的哈希不一致：SHA-256(种子) = {computed_hash}，"
            f"公布的哈希 = {draw.seed_hash}。"
        )
        return report
    try:
        algorithm = algorithm_of(draw)
    except DomainError as exc:
        report.problems.append(exc.message)
        return report
    problem = _check_frequency_at_run(draw, with_grades=with_grades)
    if problem:
        report.problems.append(problem)
        return report
    expected = compute_draw(
        seed_hex=seed_hex,
        pool=drawn_pool(draw),
        ratios=draw.pool_filter.get("ratios", {}),
        roster=draw.roster_snapshot,
        inspectors_per_target=draw.inspectors_per_target,
        algorithm=algorithm,
    )
    recorded = list(draw.result or [])
    report.targets = len(expected)
    for index in range(max(len(expected), len(recorded))):
        want = expected[index] if index < len(expected) else None
        got = recorded[index] if index < len(recorded) else None
        normalised = (
            {
                "subject_id": int(got.get("subject_id", 0)),
                "grade": str(got.get("grade", "")),
                "inspectors": [int(i) for i in got.get("inspectors", [])],
            }
            if isinstance(got, dict)
            else None
        )
        if normalised != want:
            published_as = _describe(normalised, with_grades=with_grades)
            recomputed = _describe(want, with_grades=with_grades)
            where = f"第 {index + 1} 个抽查对象不一致" if with_grades else "抽查对象不一致"
            report.problems.append(f"{where}：公布为 {published_as}，复算为 {recomputed}。")
            return report
    stored = {
        t.subject_id: (t.grade, sorted(i.pk for i in t.inspectors.all()))
        for t in draw.targets.prefetch_related("inspectors")
    }
    published = {e["subject_id"]: (e["grade"], sorted(e["inspectors"])) for e in expected}
    for sid in sorted(set(stored) | set(published)):
        if stored.get(sid) != published.get(sid):
            where = "抽查对象表中多出" if sid not in published else "抽查对象表与公布结果不一致："
            report.problems.append(f"{where}主体编号 {sid}。")
            return report
    return report


# ---------------------------------------------------------------- reading draws


def draws_visible_to(user: Any) -> QuerySet[Draw]:
    return permissions.scope_to_user_units(user, Draw.objects.select_related("unit"))


def get_draw(user: Any, pk: Any) -> Draw:
    try:
        return draws_visible_to(user).get(pk=int(pk))
    except (TypeError, ValueError, Draw.DoesNotExist):
        raise NotFoundError("没有这次抽查，或无权查看。") from None


def get_public_draw(pk: Any) -> Draw:
    try:
        return Draw.objects.select_related("unit").get(pk=int(pk))
    except (TypeError, ValueError, Draw.DoesNotExist):
        raise NotFoundError("没有这次抽查。") from None


def public_name(subject: Subject) -> str:
    """Organisations by name; a natural person never by name (个人信息保护法)."""
    if subject.kind == SubjectKind.PERSON:
        return mask_name(subject.name)
    return subject.name


def summary(draw: Draw, *, with_grades: bool = True) -> dict[str, Any]:
    """What anyone may see about a draw (public page, API, CLI).

    `with_grades=False` (public pages while grades are not public): no grade range and no
    per-grade counts, only totals. A per-grade count with the targets named is a grade
    list as soon as one stratum is the only non-empty one (a draw limited to D, or a pool
    that happens to hold one grade); the grade ratios stay, being published policy."""
    counts = _expected_counts(draw)
    data: dict[str, Any] = {
        "id": draw.pk,
        "title": draw.title,
        "unit": draw.unit.name,
        "status": draw.status,
        "status_label": draw.get_status_display(),
        "committed_at": draw.committed_at.isoformat(),
        "drawn_at": draw.drawn_at.isoformat() if draw.drawn_at else None,
        "seed_hash": draw.seed_hash,
        "seed": draw.seed or None,
        "pool_size": len(draw.pool_snapshot),
        **_quota_total(counts),
        "roster_size": len(draw.roster_snapshot),
        "inspectors_per_target": draw.inspectors_per_target,
        # The frequency's per-grade counts are under "frequency", shown only with grades.
        "parameters": {k: v for k, v in draw.pool_filter.items() if k != "frequency"},
        "frequency": _frequency_summary(draw, with_grades=with_grades),
        "grades": [
            {"grade": g, "ratio": draw.pool_filter.get("ratios", {}).get(g), **counts[g]}
            for g in GRADES
        ],
    }
    if not with_grades:
        data["parameters"] = {k: v for k, v in data["parameters"].items() if k != "grades"}
        data["grades"] = []
    return data


def grades_public() -> bool:
    """Whether the credit office publishes grades (settings.XINYONG_PUBLIC_GRADES, off by
    default) — the same switch as the `public_grade_letter` tag; the grade API is
    staff-only either way."""
    return bool(getattr(settings, "XINYONG_PUBLIC_GRADES", False))


def public_targets(draw: Draw, *, with_grades: bool = True) -> list[dict[str, Any]]:
    """The targets with their inspectors and inspection outcome (persons masked;
    inspectors by name and badge number, as 行政执法公示 publishes them).

    `with_grades=True` (staff pages, API, CLI, and the public pages when grades are
    public): in draw order, each with its grade. `with_grades=False` (the public pages
    while grades are not public): no grade, and ordered by subject id, because the draw
    order lists the strata one after another and the per-stratum quotas are published,
    so the position alone would give the grade away."""
    if draw.status == Draw.Status.COMMITTED:
        return []
    targets = {
        t.subject_id: t
        for t in draw.targets.select_related(
            "subject", "inspection_record", "inspection_record__publicity"
        ).prefetch_related("inspectors")
    }
    # A result is shown only while its XZJC record is publicly visible: a withdrawn (or
    # expired, or never published) inspection is not published here either (DOMAIN §5).
    linked = [t.inspection_record_id for t in targets.values() if t.inspection_record_id]
    visible = set(public_records().filter(pk__in=linked).values_list("pk", flat=True))
    rows: list[dict[str, Any]] = []
    for index, entry in enumerate(draw.result or [], start=1):
        target = targets.get(int(entry.get("subject_id", 0)))
        if target is None:
            continue
        record = target.inspection_record
        # 检查结果已撤销 / 检查结果公示期满 / 检查结果不予公示, in the record pages' words.
        note = ""
        if record is not None and record.pk not in visible:
            note = f"检查结果{public_status(record)}"
            record = None
        payload = record.payload if record is not None else {}
        # The inspector's free text may quote ID and mobile numbers, and for a drawn person
        # their own name (DOMAIN.md §2): masked as the target's name column is.
        person_name = target.subject.name if target.subject.kind == SubjectKind.PERSON else None
        rows.append(
            {
                "order": index,
                "target_id": target.pk,
                "subject_id": target.subject_id,
                "name": public_name(target.subject),
                "identifier": target.subject.display_identifier,
                "grade": target.grade,
                "inspectors": [
                    {"name": i.name, "badge_number": i.badge_number}
                    for i in sorted(target.inspectors.all(), key=lambda i: i.pk)
                ],
                "inspected": record is not None,
                "result_note": note,
                "inspected_on": record.decision_date.isoformat()
                if record is not None and record.decision_date
                else None,
                "document_number": record.document_number if record is not None else "",
                "outcome": mask_text(str(payload.get("JC_JG", "") or ""), person_name=person_name),
                "handling": mask_text(
                    str(payload.get("JC_CLQK", "") or ""), person_name=person_name
                ),
            }
        )
    if not with_grades:
        rows.sort(key=lambda r: r["subject_id"])
        for index, row in enumerate(rows, start=1):
            row["order"] = index
            # Target ids are allocated in draw order, stratum after stratum.
            del row["grade"], row["target_id"]
    return rows


def public_data(draw: Draw, *, with_grades: bool | None = None) -> dict[str, Any]:
    """The draw's published data (data.json). `with_grades` defaults to `grades_public()`.

    With grades public: everything needed to re-run the whole draw independently (the
    set-up pool as [[subject_id, grade], …] with the subjects the yearly frequency left
    out at the set-up and at the run under "frequency" — drawn from: pool + excluded −
    at_run.excluded —, seed, the roster used at the run, result).

    With grades not public, the grades stay out, and so does every form of the pool that
    would let an outsider re-run the per-stratum step. That step sorts a stratum by
    HMAC(seed, "target:{grade}:{subject_id}"); once the seed is revealed, anyone holding a
    per-stratum list — of subject ids, of ranks or of any pseudonym computable from the
    subject id — can test each subject id (public on /credit/subject/<id>/) against the
    four grades and read off its grade. So the public gets what does not depend on
    grades: the pool's size and the number drawn, the grade ratios (published policy),
    the seed against its hash, the roster with declared conflicts, and the result
    without grades in subject-id order, from which each
    target's inspectors can be recomputed (rank "inspector:{subject_id}:{inspector_id}"
    does not involve the grade). The per-stratum step is re-run by the platform on the
    full snapshot taken at set-up — the public verify page and API (`verify_draw`) — and
    the full snapshot stays available to staff and auditors."""
    if with_grades is None:
        with_grades = grades_public()
    result = draw.result if draw.status != Draw.Status.COMMITTED else None
    counts = _expected_counts(draw)
    ratios = draw.pool_filter.get("ratios", {})
    if with_grades:
        pool: list[Any] | None = draw.pool_snapshot
        strata: list[dict[str, Any]] = [
            {"grade": g, "ratio": ratios.get(g), **counts[g]} for g in GRADES
        ]
    else:
        # Neither the pool's members nor per-grade counts: with the targets named, either
        # one turns a pool of one grade (a draw limited to D …) into a published grade list.
        pool = None
        strata = [{"grade": g, "ratio": ratios.get(g)} for g in GRADES]
        if result is not None:
            result = sorted(
                ({"subject_id": e["subject_id"], "inspectors": e["inspectors"]} for e in result),
                key=lambda e: int(e["subject_id"]),
            )
    return {
        "draw": draw.pk,
        "algorithm": __doc__.split("The algorithm", 1)[1].split('"""')[0].strip()
        if __doc__
        else ALGORITHM,
        "algorithm_version": _version(draw),
        "seed_hash": draw.seed_hash,
        "seed": draw.seed or None,
        "ratios": ratios,
        "inspectors_per_target": draw.inspectors_per_target,
        "grades_public": with_grades,
        "strata": strata,
        "pool_size": len(draw.pool_snapshot),
        **_quota_total(counts),
        "frequency": _frequency_summary(draw, with_grades=with_grades),
        "pool": pool,
        "roster": [
            {"id": m["id"], "conflicts": m.get("conflicts", [])} for m in draw.roster_snapshot
        ],
        "result": result,
    }


# ---------------------------------------------------------------- inspection results


def get_target(user: Any, pk: Any) -> DrawTarget:
    try:
        return (
            DrawTarget.objects.select_related("draw__unit", "subject")
            .filter(draw__in=draws_visible_to(user))
            .get(pk=int(pk))
        )
    except (TypeError, ValueError, DrawTarget.DoesNotExist):
        raise NotFoundError("没有这个抽查对象，或无权查看。") from None


def _party_fields(subject: Subject, legal_rep: str) -> dict[str, str]:
    kind_label = SubjectKind(subject.kind).label
    fields = {"JC_XDR_MC": subject.name, "JC_XDR_LB": kind_label}
    if subject.kind == SubjectKind.PERSON:
        fields["JC_XDR_ZJLX"] = (
            "身份证" if subject.identifier_type == IdentifierType.RESIDENT_ID else "其他"
        )
        fields["JC_XDR_ZJHM"] = subject.identifier
        # A person keyed by another document (护照:E12345678) is reported as that document.
        document = split_document_key(subject.identifier)
        if document is not None:
            fields["JC_XDR_ZJLX"], fields["JC_XDR_ZJHM"] = document
    else:
        if subject.identifier_type == IdentifierType.USCC:
            fields["JC_XDR_SHXYM"] = subject.identifier
        if legal_rep:
            fields["JC_FRDB"] = legal_rep
    return fields


def _require_after_draw(draw: Draw, day: str) -> None:
    """A drawn target cannot have been inspected before it was drawn: an earlier date
    would make an older inspection pass for this draw's result on the public page.
    The date is read as ingestion reads it (2019/1/1, 2019年1月1日 …); malformed and
    future dates are left to the ingestion rules, which name them."""
    normalised, error = parse_date(day)
    if error or normalised is None or draw.drawn_at is None:
        return
    inspected = date.fromisoformat(normalised)
    drawn_on = timezone.localtime(draw.drawn_at).date()
    if inspected < drawn_on:
        raise DomainError(
            f"检查日期 {inspected.isoformat()} 早于本次抽查的抽取日期 {drawn_on.isoformat()}，"
            "抽查对象只能在抽取之后检查，请核对检查日期。"
        )


def _refuse_taken_number(
    record: CreditRecord, *, target: DrawTarget, subject: Subject, number: str
) -> None:
    """The deciding unit and 文书号 identify a record: ingestion takes a second row with them
    as a correction of the first. So a number already holding another subject's record, or
    another target's result (the other draw's published result would be rewritten and both
    targets would show one inspection), is refused."""
    if resolve_subject(record.subject_id).pk != subject.pk:
        raise DomainError(f"检查结果文书号 {number} 已用于另一主体的检查记录，请核对文书号。")
    other = (
        DrawTarget.objects.filter(inspection_record=record)
        .exclude(pk=target.pk)
        .select_related("draw", "subject")
        .order_by("pk")
        .first()
    )
    if other is None:
        return
    if other.draw_id == target.draw_id:
        used = f"本次抽查另一对象（{public_name(other.subject)}）"
    else:
        used = f"抽查任务 {other.draw_id}“{other.draw.title}”"
    raise DomainError(f"检查结果文书号 {number} 已用于另一次抽查检查（{used}），请核对文书号。")


def record_inspection(
    *,
    actor: Any,
    target: DrawTarget,
    document_number: str,
    inspected_on: Any,
    matters: str,
    outcome: str,
    handling: str = "",
    legal_rep: str = "",
    inspecting_unit_name: str = "",
    inspecting_unit_code: str = "",
) -> CreditRecord:
    """Store the inspection of a drawn target as a 行政检查 (XZJC) record through the one
    ingestion path, and link it to the target. When every target of the draw has its
    result, the draw's status becomes 结果已公开."""
    draw = target.draw
    unit = draw.unit
    _require_unit_write(actor, unit)
    if draw.status == Draw.Status.COMMITTED:
        raise DomainError("该抽查尚未抽取，不能录入检查结果。")
    code = str(inspecting_unit_code or unit.uscc or "").strip().upper()
    if not code:
        raise DomainError(
            f"单位“{unit.name}”未登记统一社会信用代码，请填写检查机关统一社会信用代码。"
        )
    authority = str(inspecting_unit_name or "").strip() or unit.name
    day = inspected_on.isoformat() if isinstance(inspected_on, date) else str(inspected_on or "")
    _require_after_draw(draw, day.strip())
    # A target merged into another subject since the draw is inspected as the survivor:
    # the merge moved its identifiers there, so ingestion files the record under it.
    subject = resolve_subject(target.subject)
    row = {
        **_party_fields(subject, str(legal_rep or "").strip()),
        "JC_WSH": str(document_number or "").strip(),
        "JC_JDRQ": day.strip(),
        "JC_FS": INSPECTION_METHOD,
        "JC_SX": str(matters or "").strip(),
        "JC_JG": str(outcome or "").strip(),
        "JC_CLQK": str(handling or "").strip(),
        "JC_JDJG": authority,
        "JC_JDJGDM": code,
        "JC_SJLY": authority,
        "JC_SJLYDM": code,
        "BZ": f"双随机抽查任务 {draw.pk}：{draw.title}"[:512],
    }
    # Checked before ingestion too: ingestion takes a known identity as a correction and
    # would already have rewritten the record (rolled back, but written to no purpose).
    existing = record_by_identity(INSPECTION_TYPE, code, row["JC_WSH"])
    if existing is not None:
        _refuse_taken_number(existing, target=target, subject=subject, number=row["JC_WSH"])
    with transaction.atomic():
        result = ingest_rows(
            actor=actor,
            unit=unit,
            record_type=INSPECTION_TYPE,
            rows=[row],
            channel=Batch.Channel.FORM,
        )
        if result.rejected:
            reasons = "；".join(
                f"{e.column}：{e.message}" if e.column else e.message for e in result.errors
            )
            raise DomainError(f"检查结果未能入库：{reasons}")
        record = record_by_identity(INSPECTION_TYPE, code, row["JC_WSH"])
        if record is None:  # pragma: no cover - ingestion accepted the row, so it exists
            raise DomainError("检查结果未能入库，请重试。")
        _refuse_taken_number(record, target=target, subject=subject, number=row["JC_WSH"])
        old = target.inspection_record_id
        target.inspection_record = record
        target.save(update_fields=["inspection_record"])
        old_status = draw.status
        if not draw.targets.filter(inspection_record__isnull=True).exists():
            Draw.objects.filter(pk=draw.pk).update(
                status=Draw.Status.PUBLISHED, updated_at=timezone.now()
            )
            draw.status = Draw.Status.PUBLISHED
        record_event(
            actor=actor,
            action="supervision.inspection_record",
            target_type="supervision.DrawTarget",
            target_id=target.pk,
            target_repr=f"抽查 {draw.pk} 主体{target.subject_id} {row['JC_WSH']}",
            old={"inspection_record": old, "draw_status": old_status},
            new={"inspection_record": record.pk, "draw_status": draw.status},
        )
    return record
