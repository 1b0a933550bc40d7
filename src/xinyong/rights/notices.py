"""主动告知 (两书同达): the 信用修复告知书 for every stored penalty record.

When a batch is stored, one notice per penalty record (行政处罚, and any 失信 type that has
a published publicity window) is created in ONE set-based INSERT … SELECT, so that a
million-row batch pays one statement, not a million objects. The number is derived from
the record id ("XFGZ" + year + 10-digit record id): unique without a shared counter, so
concurrent batches cannot collide. The PDF is rendered on demand, never at ingest.

The notice's dates (最早可申请修复日期, 最长公示截止日期) are copies of the record's publicity
window, which the list and the API show: every window computation — a batch, a
correction, an objection's 更正, `publicity recompute` — ends with
`publicity.signals.windows_computed`, on which `follow_windows` (rights.receivers)
refreshes the dates and issues the notices of records that became due, through the same
staged statements as a batch (`_issue`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils import timezone

from xinyong.catalog.models import Nature
from xinyong.core.audit import record_event
from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.masking import mask_id_number
from xinyong.core.pdf import render_typst
from xinyong.orgs import permissions
from xinyong.records.models import CreditRecord
from xinyong.records.signals import batch_stored

from .models import RepairNotice
from .repair import COURT_LIST_CODE

TARGET = "rights.RepairNotice"
PENALTY_CODE = "XZCF"
NUMBER_PREFIX = "XFGZ"
SERVE_METHODS = ("与处罚决定书同时送达", "直接送达", "邮寄送达", "电子送达", "公告送达")
_TEMPLATE = Path(__file__).parent / "templates" / "rights" / "notice.typ"


def notice_number(record_id: int, year: int) -> str:
    """The number a notice gets (the SQL in `_stage` builds the same)."""
    return f"{NUMBER_PREFIX}{year}{record_id:010d}"


def _number_sql() -> str:
    """SQL text of a notice's number from the record `r` (the prefix is the parameter):
    the year of the decision date (else the reporting date) and the record id padded to
    10 characters (cut to 10 if longer, as SQL's LPAD does)."""
    if connection.vendor == "postgresql":
        return (
            "%s || CAST(EXTRACT(YEAR FROM COALESCE(r.decision_date, r.reported_on)) AS varchar)"
            " || LPAD(CAST(r.id AS varchar), 10, '0')"
        )
    # Plain SQLite functions: the ORM's ExtractYear and LPad call Python once per record.
    return (
        "%s || CAST(CAST(strftime('%%Y', COALESCE(r.decision_date, r.reported_on)) AS integer)"
        " AS text) || CASE WHEN length(r.id) >= 10 THEN substr(CAST(r.id AS text), 1, 10)"
        " ELSE substr('0000000000', 1, 10 - length(r.id)) || r.id END"
    )


CHUNK = 900  # ids per statement: under SQLite's historic 999-parameter limit

# Set while `issue_notices_for_batch` computes missing windows itself: it issues the
# batch's notices right after, so the window pass's announcement is not followed twice.
_BATCH_IN_HAND: ContextVar[bool] = ContextVar("rights_notices_batch_in_hand", default=False)


@contextmanager
def _batch_in_hand() -> Iterator[None]:
    token = _BATCH_IN_HAND.set(True)
    try:
        yield
    finally:
        _BATCH_IN_HAND.reset(token)


def _stage(scope: str, scope_params: list[Any], *, pending_only: bool) -> None:
    """Copy the records matching `scope` (SQL over `r`, the records, and `w`, their LEFT
    JOINed window), as far as notices need them, into the temporary table
    `tmp_notice_record`: record id, latest batch, eligibility, number, whether it has a
    window, and the window's dates. The records are read once; the later statements read
    this narrow table.

    `pending_only`: stage only the records with something to do — due and without a
    notice, or with a notice whose dates differ from the window's — so that a window pass
    over every record (`follow_windows` with no ids) stages those (after a batch, its new
    records), not every record. A batch stages all of its records (a fresh batch has no
    notices to compare with)."""
    from xinyong.catalog.models import RecordType
    from xinyong.publicity.models import PublicityWindow

    qn = connection.ops.quote_name
    penalty = list(RecordType.objects.filter(code=PENALTY_CODE).values_list("pk", flat=True))
    court = list(RecordType.objects.filter(code=COURT_LIST_CODE).values_list("pk", flat=True))
    # A notice is due for an active penalty or dishonest record, not a court list entry,
    # whose window is published and not ended.
    kinds = "r.nature = %s"
    kind_params: list[Any] = [Nature.DISHONEST.value]
    if penalty:
        kinds = f"(r.record_type_id IN ({', '.join(['%s'] * len(penalty))}) OR {kinds})"
        kind_params = [*penalty, *kind_params]
    not_court = f"r.record_type_id NOT IN ({', '.join(['%s'] * len(court))})" if court else "1 = 1"
    eligible = (
        f"r.status = %s AND {kinds} AND {not_court} AND w.is_published AND w.ended_on IS NULL"
    )
    eligible_params = [CreditRecord.Status.ACTIVE.value, *kind_params, *court]
    source = (
        f"FROM {qn(CreditRecord._meta.db_table)} r "
        f"LEFT JOIN {qn(PublicityWindow._meta.db_table)} w ON w.record_id = r.id "
    )
    where, where_params = scope, list(scope_params)
    if pending_only:
        # Null-safe "differs": IS DISTINCT FROM on PostgreSQL, IS NOT on SQLite.
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        source += f"LEFT JOIN {qn(RepairNotice._meta.db_table)} n ON n.record_id = r.id "
        where = (
            f"({scope}) AND ((n.record_id IS NULL AND {eligible}) OR "
            f"(n.record_id IS NOT NULL AND w.record_id IS NOT NULL AND "
            f"(n.earliest_repair_on {differs} w.repair_from "
            f"OR n.publicity_ends_on {differs} w.ends_on)))"
        )
        where_params = [*scope_params, *eligible_params]
    select = (
        f"SELECT r.id AS record_id, r.batch_id AS batch_id, "
        f"CASE WHEN {eligible} THEN 1 ELSE 0 END AS eligible, "
        f"{_number_sql()} AS number, w.record_id IS NOT NULL AS has_window, "
        f"w.repair_from AS repair_from, w.ends_on AS ends_on {source}WHERE {where}"
    )
    params = [*eligible_params, NUMBER_PREFIX, *where_params]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS tmp_notice_record")
        if connection.vendor == "postgresql":
            # CREATE … AS may scan the records with parallel workers; INSERT … SELECT not.
            cursor.execute(f"CREATE TEMPORARY TABLE tmp_notice_record AS {select}", params)
        else:
            # The record id as the rowid: the refresh below looks records up by it.
            cursor.execute(
                "CREATE TEMPORARY TABLE tmp_notice_record (record_id INTEGER PRIMARY KEY, "
                "batch_id integer, eligible integer NOT NULL, number varchar(40) NOT NULL, "
                "has_window boolean NOT NULL, repair_from date, ends_on date)"
            )
            cursor.execute(f"INSERT INTO tmp_notice_record {select}", params)


def _any_notice_among_staged(cursor: Any) -> bool:
    """Whether a record in `tmp_notice_record` may already have a notice (a correction,
    a re-run). A fresh batch's records have ids in a range where no notice exists, which
    one index probe shows."""
    table = connection.ops.quote_name(RepairNotice._meta.db_table)
    cursor.execute("SELECT MIN(record_id), MAX(record_id) FROM tmp_notice_record")
    low, high = cursor.fetchone()
    cursor.execute(f"SELECT 1 FROM {table} WHERE record_id BETWEEN %s AND %s LIMIT 1", [low, high])
    return cursor.fetchone() is not None


def _refresh_dates(cursor: Any) -> None:
    """Copy the window dates of the staged records onto their existing notices (a
    correction may move the decision date)."""
    table = connection.ops.quote_name(RepairNotice._meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE tmp_notice_record")  # temporary tables get no statistics
        cursor.execute(
            f"UPDATE {table} n SET earliest_repair_on = t.repair_from, "
            "publicity_ends_on = t.ends_on FROM tmp_notice_record t "
            "WHERE n.record_id = t.record_id"
        )
    else:
        cursor.execute(
            f"UPDATE {table} SET earliest_repair_on = (SELECT t.repair_from FROM "
            f"tmp_notice_record t WHERE t.record_id = {table}.record_id), "
            "publicity_ends_on = (SELECT t.ends_on FROM tmp_notice_record t "
            f"WHERE t.record_id = {table}.record_id) "
            "WHERE record_id IN (SELECT record_id FROM tmp_notice_record)"
        )


def _created_by_batch(cursor: Any, created_at: Any) -> dict[int | None, int]:
    """The notices just created (stamped `created_at`) among the staged records, counted
    per the record's latest batch."""
    table = connection.ops.quote_name(RepairNotice._meta.db_table)
    cursor.execute(
        f"SELECT t.batch_id, COUNT(*) FROM tmp_notice_record t JOIN {table} n "
        "ON n.record_id = t.record_id WHERE n.created_at = %s GROUP BY t.batch_id",
        [created_at],
    )
    return {batch: count for batch, count in cursor.fetchall()}


def _issue(
    scope: str, scope_params: list[Any], *, batch_id: int | None = None, actor: Any = None
) -> int:
    """Create the missing notices of the records matching `scope` and refresh the dates of
    existing ones; returns how many notices were created. `batch_id`: the scope is that
    batch (all of its records staged, their windows computed first if missing); without
    it only the records with something to do are staged (`_stage`). One event
    rights.notice.issue per batch whose records got notices.

    Set-based and independent of the planner's statistics (a batch just loaded has none):
    the records are staged once, and the INSERT … SELECT skips records that already have
    a notice by ON CONFLICT, not by joining the notice table it writes to (which
    PostgreSQL, misjudging the sizes, scanned once per new notice)."""
    table = connection.ops.quote_name(RepairNotice._meta.db_table)
    with transaction.atomic():
        _stage(scope, scope_params, pending_only=batch_id is None)
        with connection.cursor() as cursor:
            if batch_id is not None:
                cursor.execute("SELECT 1 FROM tmp_notice_record WHERE NOT has_window LIMIT 1")
                if cursor.fetchone() is not None:
                    # Normally publicity's receiver (connected first) has computed the
                    # windows; computing them here keeps the notices right whatever the
                    # receiver order.
                    from xinyong.publicity.services import compute_windows_for_batch

                    with _batch_in_hand():
                        compute_windows_for_batch(batch_id)
                    _stage(scope, scope_params, pending_only=False)
            sql = (
                f"INSERT INTO {table} (created_at, updated_at, record_id, number, "
                "earliest_repair_on, publicity_ends_on, serve_method) "
                "SELECT %s, %s, record_id, number, repair_from, ends_on, '' "
                "FROM tmp_notice_record WHERE eligible = 1"
            )
            if _any_notice_among_staged(cursor):
                _refresh_dates(cursor)
                # ON CONFLICT makes PostgreSQL insert each row speculatively (slower):
                # only where a conflict is possible.
                sql += " ON CONFLICT (record_id) DO NOTHING"
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(sql, [now, now])
            created = max(cursor.rowcount, 0)
            by_batch: dict[int | None, int] = {}
            if created:
                by_batch = {batch_id: created} if batch_id else _created_by_batch(cursor, now)
            cursor.execute("DROP TABLE tmp_notice_record")
        for batch, count in sorted(by_batch.items(), key=lambda item: item[0] or 0):
            record_event(
                actor=actor,
                action="rights.notice.issue",
                target_type="collection.Batch" if batch else TARGET,
                target_id=batch or "",
                target_repr=f"批次 {batch} 信用修复告知书" if batch else "信用修复告知书",
                new={"created": count},
            )
    return created


def issue_notices_for_batch(batch_id: int) -> int:
    """Create the missing notices for the batch's penalty records and refresh the dates of
    existing ones (a correction may move the decision date). Idempotent; returns how many
    notices were created."""
    return _issue("r.batch_id = %s", [batch_id], batch_id=batch_id)


def follow_windows(
    *, record_ids: list[int] | None, batch_id: int | None = None, actor: Any = None
) -> int:
    """After windows were computed (`publicity.signals.windows_computed`, connected in
    rights.receivers): refresh the dates of the records' notices and issue the notices of
    records that became due — a correction moving the decision date or the severity
    (一般→严重: repair from one year, publicity up to three, 国办发〔2025〕22号), or
    making an unpublished record published. A batch's pass (`batch_id`) checks that
    batch's records, as the upload path always did, so that a one-row upload does not
    read the whole records table. `record_ids` None without a batch: any record may have
    changed (`publicity recompute` / `refresh`); every record is checked in one
    statement and only those with something to do are staged. Returns how many notices
    were created."""
    if _BATCH_IN_HAND.get():
        return 0
    if record_ids is None and batch_id is not None:
        return _issue("r.batch_id = %s", [batch_id], batch_id=batch_id, actor=actor)
    if record_ids is None:
        return _issue("1 = 1", [], actor=actor)
    created = 0
    ids = sorted(set(record_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        created += _issue(f"r.id IN ({', '.join(['%s'] * len(chunk))})", chunk, actor=actor)
    return created


@receiver(batch_stored, dispatch_uid="rights.notices.batch_stored")
def _on_batch_stored(sender: Any, batch_id: int, **kwargs: Any) -> None:
    # Publicity's receiver of this signal (connected first) has computed the batch's
    # windows, and that computation has issued and refreshed its notices already
    # (`follow_windows`): the batch is staged again only if some record still has no
    # window (another receiver order), not to repeat the same work.
    if CreditRecord.objects.filter(batch_id=batch_id, publicity__isnull=True).exists():
        issue_notices_for_batch(batch_id)


# ------------------------------------------------------------------ reads


def notices_visible_to(user: Any) -> QuerySet[RepairNotice]:
    """Credit admins and leaders see every notice; a unit's staff only its own records'."""
    qs = RepairNotice.objects.select_related(
        "record", "record__subject", "record__source_unit", "served_by"
    )
    return permissions.scope_to_user_units(user, qs, unit_field="record__source_unit")


def get_notice_for(user: Any, pk: Any) -> RepairNotice:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise NotFoundError("未找到该告知书。") from None
    found = notices_visible_to(user).filter(pk=key).first()
    if found is None:
        raise NotFoundError("未找到该告知书，或无权查看。")
    return found


# ------------------------------------------------------------------ the PDF


@lru_cache(maxsize=1)
def _source() -> str:
    return _TEMPLATE.read_text(encoding="utf-8")


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


# The document the repair rules of the notice come from (DOMAIN.md §5).
REPAIR_BASIS_DOCUMENT = "国办发〔2025〕22号"


@lru_cache(maxsize=4)
def _shipped_bases(document: str) -> tuple[str, ...]:
    from xinyong.catalog.loaders import DATA_DIR

    try:
        data = json.loads((DATA_DIR / "publicity_policies.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple(
        str(item.get("legal_basis") or "")
        for item in data.get("items", ())
        if item.get("document") == document
    )


def document_citation(document: str) -> str:
    """ "《title》（document）" with the title the catalogue's publicity policies give the
    document (their 依据 reads "《title》（document）…"): the stored policies first, then
    the shipped data file; the bare document number when neither names it."""
    from xinyong.catalog.models import PublicityPolicy

    stored = PublicityPolicy.objects.filter(document=document).values_list("legal_basis", flat=True)
    pattern = re.compile(r"\s*(《[^》]+》)\s*（" + re.escape(document) + "）")
    for text in [*stored, *_shipped_bases(document)]:
        found = pattern.match(text or "")
        if found:
            return f"{found.group(1)}（{document}）"
    return document


def notice_data(notice: RepairNotice) -> dict[str, Any]:
    """What the notice says, with the subject's ID number masked."""
    from xinyong.publicity.models import PublicityWindow

    record = notice.record
    subject = record.subject
    window = PublicityWindow.objects.filter(record=record).select_related("policy").first()
    earliest = window.repair_from if window and window.repair_from else notice.earliest_repair_on
    ends = window.ends_on if window and window.ends_on else notice.publicity_ends_on
    identifier = (
        mask_id_number(record.party_identifier) if subject.is_person else record.party_identifier
    )
    basis = window.policy.document if window and window.policy else REPAIR_BASIS_DOCUMENT
    severity = ""
    if window and window.severity:
        from xinyong.catalog.models import Severity

        severity = (
            Severity(window.severity).label
            if window.severity in Severity.values
            else window.severity
        )
    portal = getattr(settings, "XINYONG_PLATFORM_NAME", "公共信用信息平台")
    city_site = settings.XINYONG_CITY.removesuffix("市")
    citation = document_citation(REPAIR_BASIS_DOCUMENT)
    rows = [
        ["信用主体", record.party_name],
        ["主体代码", identifier or "—"],
        ["决定文书号", record.document_number],
        ["决定日期", _d(record.decision_date)],
        ["决定机关", record.deciding_unit_name or record.source_unit.name],
        ["失信程度", severity or "—"],
        ["最早可申请修复日期", _d(earliest)],
        ["最长公示截止日期", _d(ends)],
    ]
    return {
        "number": notice.number,
        "subject_name": record.party_name,
        "opening": (
            f"你（单位）被作出的行政处罚（{record.document_number}）信息将依法在{portal}、"
            f"“信用中国（河南{city_site}）”等网站公示。根据{citation}和《河南省社会信用条例》，"
            "现将信用修复有关事项告知如下。"
        ),
        "rows": rows,
        "sections": [
            {
                "title": "一、修复条件",
                "lines": [
                    "已全部履行行政处罚决定规定的义务，纠正失信行为、消除不良影响；",
                    f"最短公示期已届满（{basis}），即自{_d(earliest)}起可以申请；",
                    "作出信用修复承诺，并对申请材料的真实性负责。",
                    f"公示期最长至{_d(ends)}，届满后自动停止公示，无需申请。",
                ],
            },
            {
                "title": "二、申请方式",
                "lines": [
                    f"网上申请：在{portal}查询本条信息，在信息详情页点击“申请信用修复”，"
                    "填写履行情况、上传材料并签署信用修复承诺书；提交后凭查询码查询办理进度。",
                    "窗口申请：携带履行义务的证明材料到区信用办或作出决定的部门窗口提交申请。",
                    "材料齐全之日起10个工作日内作出是否修复的决定；准予修复的，"
                    "3个工作日内将结果同步至各信息接收方。",
                ],
            },
            {
                "title": "三、免费办理",
                "lines": ["信用修复全程免费办理，不收取任何款项。"],
            },
            {
                "title": "四、依据",
                "lines": [f"{citation}；《河南省社会信用条例》。"],
            },
        ],
        "issuer": record.deciding_unit_name or record.source_unit.name,
        # The day of issue on the Shanghai calendar: created_at is stored in UTC, whose
        # date is the day before for anything issued between 00:00 and 08:00.
        "date": _d(timezone.localdate(notice.created_at or timezone.now())),
    }


def notice_pdf(notice: RepairNotice) -> bytes:
    """The 信用修复告知书 as a PDF (typst, embedded CJK font)."""
    return render_typst(_source(), inputs={"data": notice_data(notice)})


# ------------------------------------------------------------------ serving


def serve_notice(
    *, actor: Any, notice: RepairNotice, method: str, served_on: date | None = None
) -> RepairNotice:
    """Record that the notice was served on the subject (by the record's unit or the
    credit office)."""
    record = notice.record
    permissions.require(actor, "write_unit_data", record.source_unit)
    text = (method or "").strip()
    if text not in SERVE_METHODS:
        raise DomainError("送达方式无效，可选：" + "、".join(SERVE_METHODS) + "。")
    day = served_on or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError("送达日期不能晚于今天。")
    if record.decision_date and day < record.decision_date:
        raise DomainError("送达日期不能早于处罚决定日期。")
    with transaction.atomic():
        locked = RepairNotice.objects.select_for_update().get(pk=notice.pk)
        old = {"served_on": locked.served_on, "serve_method": locked.serve_method}
        locked.served_on = day
        locked.serve_method = text
        locked.served_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["served_on", "serve_method", "served_by", "updated_at"])
        record_event(
            actor=actor,
            action="rights.notice.serve",
            target_type=TARGET,
            target_id=locked.pk,
            target_repr=locked.number,
            old=old,
            new={"served_on": day, "serve_method": text},
        )
    return locked
