"""The one write path of credit reports: issuing (staff, API, CLI, bank, portal
self-service), printing, the reference data (purposes, the 信用报告应用目录) and the
verification of a report file or number.

Service contract used by other apps (keep the signature):
    issue_report(*, actor, subject, purpose: str, matter=None, channel="staff", deliver=None) -> Report
    report_pdf(report) -> bytes
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xinyong.commitments import identity
from xinyong.core import identifiers
from xinyong.core.audit import record_event, record_read
from xinyong.core.errors import DomainError, NotFoundError, NotPermitted
from xinyong.core.inputs import positive_id
from xinyong.orgs import permissions
from xinyong.orgs.models import Role, Unit
from xinyong.orgs.services import resolve_unit
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.selectors import (
    READ_SUBJECT_TYPE,
    find_by_identifier,
    find_by_identifier_and_name,
    masked_repr,
)
from xinyong.subjects.services import resolve

from . import content, rendering, seal, storage
from .models import (
    ApplicationMatter,
    AppliesTo,
    Channel,
    Report,
    ReportPurpose,
    SelfServiceRequest,
)

logger = logging.getLogger(__name__)

TARGET = "reports.Report"
# 河南条例 art. 40: a subject may obtain its own credit report free of charge twice a year.
FREE_REPORTS_PER_YEAR = 2
SELF_QUERY_PURPOSE = "self_query"
NUMBER_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I/O: read aloud at a window
NUMBER_RE = re.compile(r"^\d{14}[0-9A-Z]{8}$")
ISSUER_ROLES = (Role.CREDIT_ADMIN, Role.REPORTER, Role.REVIEWER)
BANK_PURPOSE = "xinyidai"
CONFIRM_ATTEMPTS = 5
CONFIRM_SECONDS = 15 * 60
MAX_TEXT = 2000


# ------------------------------------------------------------------ helpers


def new_number(at: datetime) -> str:
    """报告编号: local yyyyMMddHHmmss + 8 random alphanumerics (22 characters)."""
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return timezone.localtime(at).strftime("%Y%m%d%H%M%S") + tail


def get_purpose(code: Any) -> ReportPurpose:
    text = str(code or "").strip()
    if not text:
        raise DomainError("请选择报告用途。")
    found = ReportPurpose.objects.filter(code=text, active=True).first()
    if found is None:
        found = ReportPurpose.objects.filter(name=text, active=True).first()
    if found is None:
        raise DomainError(f"报告用途“{text[:40]}”不存在或已停用。")
    return found


def find_subject(value: Any) -> Subject:
    """A subject from a Subject, its platform id, or any of its identifiers — a passport
    or permit number also bare, without its type (`find_by_identifier`); a merged-away
    subject gives its survivor."""
    if isinstance(value, Subject):
        return resolve(value)
    text = str(value or "").strip()
    if not text:
        raise DomainError("请输入信用主体的统一社会信用代码、身份证号码或其他证件号码。")
    if len(text) > 64:
        raise DomainError("主体代码过长。")
    if isinstance(value, int):
        subject = Subject.objects.filter(pk=value).first()
        if subject is None:
            raise NotFoundError(f"没有编号为 {text} 的信用主体。")
        return resolve(subject)
    # ASCII only: "²" and other Unicode digits pass str.isdigit() but not int().
    if text.isascii() and text.isdigit() and len(text) <= 12:
        # A 台湾居民来往大陆通行证 number is 8 digits, as a platform id may be: a report of
        # the wrong subject must not be issued on a guess.
        by_id = Subject.objects.filter(pk=int(text)).first()
        holder = find_by_identifier(text)
        if by_id is not None and holder is not None and resolve(by_id).pk != holder.pk:
            raise DomainError(
                "该数字既是平台主体编号，也是另一信用主体的证件号码：请改填统一社会信用代码或身份证号码，"
                "或按“证件类型:号码”填写证件号码（如“台湾居民来往大陆通行证:12345678”）。"
            )
        if by_id is not None:
            return resolve(by_id)
        if holder is None:
            raise NotFoundError(f"没有编号为 {text} 的信用主体。")
        return holder
    subject = find_by_identifier(text)
    if subject is None:
        code = identifiers.normalise(text)
        raise NotFoundError(
            f"平台中没有代码为“{identifiers.mask_identifier(code)}”的信用主体，请核对代码。"
        )
    return subject


def get_matter(value: Any) -> ApplicationMatter | None:
    if value in (None, ""):
        return None
    if isinstance(value, ApplicationMatter):
        return value
    pk = positive_id(value)
    if pk is None:
        raise DomainError("应用事项应为事项编号。")
    found = ApplicationMatter.objects.select_related("unit", "purpose").filter(pk=pk).first()
    if found is None:
        raise NotFoundError("信用报告应用目录中没有该事项。")
    return found


def _applies(purpose: ReportPurpose, subject: Subject) -> bool:
    if purpose.applies_to == AppliesTo.ORG:
        return subject.kind != SubjectKind.PERSON
    if purpose.applies_to == AppliesTo.PERSON:
        return subject.kind == SubjectKind.PERSON
    return True


def _require_may_issue(
    actor: Any, purpose: ReportPurpose, channel: str, matter: ApplicationMatter | None
) -> None:
    if actor is None:
        return  # the system: portal self-service after identity confirmation, CLI, jobs
    role = permissions.role_of(actor)
    if role == Role.BANK:
        # Banks see a report only for 信易贷 with the enterprise's authorisation, which
        # the 信易贷 module checks before calling (issue 7 §2).
        if purpose.code != BANK_PURPOSE or channel != Channel.BANK:
            raise NotPermitted("银行用户只能在企业授权后查询其信易贷融资授信用途的信用报告。")
        return
    if role not in ISSUER_ROLES:
        raise NotPermitted("只有信用办和责任单位工作人员可以出具信用报告。")
    if matter is not None and not permissions.can_write_unit_data(actor, matter.unit_id):
        raise NotPermitted(f"无权为“{matter.unit.name}”的应用事项出具信用报告。")


def counts_as_free(purpose: ReportPurpose, matter: ApplicationMatter | None) -> bool:
    """Whether a report is one of the subject's own free reports (河南条例 art. 40): a
    purpose the subject asks for, obtained by the subject — on the portal, or at a window
    without a matter. A unit issuing for a matter of the 信用报告应用目录 obtains the
    report for its own administrative work: the subject's quota neither limits it nor is
    used by it."""
    return purpose.on_subject_request and matter is None


def free_reports_used(subject: Subject, year: int) -> int:
    return Report.objects.filter(subject=subject, free_quota=True, issued_at__year=year).count()


def _issuer_unit(actor: Any, channel: str) -> str:
    """Who is named in the subject's 查询记录 (河南条例 art. 40: the subject learns who
    queried it): the actor's unit, or for a bank user the bank (User.organisation)."""
    affiliation = str(getattr(actor, "affiliation", "") or "")
    if affiliation:
        return affiliation[:100]
    if channel == Channel.SELF_SERVICE:
        return "信用主体自助获取"
    return ""


# ------------------------------------------------------------------ issuing


def issue_report(
    *,
    actor: Any,
    subject: Any,
    purpose: str,
    matter: Any = None,
    channel: str = "staff",
    deliver: Callable[[Report, bytes], None] | None = None,
) -> Report:
    """Issue one report of `subject` for the purpose with code `purpose` (optionally for
    a matter of the 信用报告应用目录), render and seal its PDF, store it with its
    digests, count the matter's use, and log the issue (and the read of a person).
    `deliver(report, pdf)`, if given, hands the PDF out (the CLI writes it to a file) in
    the issue's transaction: a delivery that raises issues nothing, so a free report
    (河南条例 art. 40) is not used up by a file that could not be written."""
    if channel not in Channel.values:
        raise DomainError(f"出具渠道应为：{'、'.join(Channel.values)}。")
    target = find_subject(subject)
    chosen = get_purpose(purpose)
    the_matter = get_matter(matter)
    if the_matter is not None:
        if not the_matter.active:
            raise DomainError(f"应用事项“{the_matter.name}”已停用。")
        if the_matter.purpose_id != chosen.pk:
            raise DomainError(
                f"应用事项“{the_matter.name}”的报告用途是“{the_matter.purpose.name}”，与所选用途不符。"
            )
    if not _applies(chosen, target):
        raise DomainError(
            f"报告用途“{chosen.name}”只适用于{chosen.get_applies_to_display().removeprefix('仅')}。"
        )
    _require_may_issue(actor, chosen, channel, the_matter)
    free = counts_as_free(chosen, the_matter)

    now = timezone.now()
    today = timezone.localtime(now).date()
    number = new_number(now)
    header = content.Header(
        number=number,
        issued_at=now,
        valid_until=today + timedelta(days=chosen.validity_days),
        purpose=chosen,
        matter=the_matter,
        issuer_unit=_issuer_unit(actor, channel),
    )
    # Built and rendered before the write transaction: rendering takes tens of
    # milliseconds and must not hold the database's write lock.
    data = content.build(target, header)
    # One canonical encoding serves as the digest's input and as the data typst embeds,
    # so the attached report-data.json hashes to `content_sha256`.
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
    content_sha = hashlib.sha256(encoded.encode("utf-8")).hexdigest()
    pdf = rendering.render_sealed(data, encoded=encoded)
    # The file is written before the row that names it; if the row is never committed
    # the file is removed again (it is this report's alone: the digest covers its number).
    pdf_sha = storage.store(pdf)
    try:
        with transaction.atomic():
            # Locking the subject serialises two requests of the same subject, so the
            # free quota cannot be overrun by a double click.
            Subject.objects.select_for_update().filter(pk=target.pk).first()
            if free:
                used = free_reports_used(target, today.year)
                if used >= FREE_REPORTS_PER_YEAR:
                    raise DomainError(
                        f"该主体 {today.year} 年已免费获取 {used} 次信用报告。依据《河南省社会信用条例》"
                        f"第四十条，信用主体每年可免费获取两次本主体的信用报告，本年度次数已用完；"
                        f"如办理行政事项需要，请由受理单位按用途出具。"
                    )
            report = Report.objects.create(
                number=number,
                kind=data["kind"],
                subject=target,
                subject_name=data["subject"]["name"][:200],
                subject_identifier=data["subject"]["identifier"][:64],
                purpose=chosen,
                matter=the_matter,
                channel=channel,
                issued_by=actor if getattr(actor, "pk", None) else None,
                issued_by_label=(
                    "信用主体本人" if channel == Channel.SELF_SERVICE and actor is None else ""
                )
                or _label(actor),
                issued_unit=header.issuer_unit,
                issuing_unit_id=getattr(actor, "unit_id", None),
                issued_at=now,
                valid_until=header.valid_until,
                version=content.FORMAT_VERSION[:20],
                free_quota=free,
                content=data,
                content_sha256=content_sha,
                pdf_sha256=pdf_sha,
                seal_alg=seal.ALG,
                key_id=seal.key_id(),
                record_count=int(data["record_count"]),
            )
            if the_matter is not None:
                ApplicationMatter.objects.filter(pk=the_matter.pk).update(
                    usage_count=F("usage_count") + 1
                )
            record_event(
                actor=actor,
                action="reports.issue",
                target_type=TARGET,
                target_id=report.pk,
                target_repr=f"{number} {report.subject_name}",
                new={
                    "number": number,
                    "purpose": chosen.code,
                    "matter": the_matter.pk if the_matter else None,
                    "channel": channel,
                    "pdf_sha256": report.pdf_sha256,
                },
            )
            if target.is_person:
                record_read(
                    reader=actor,
                    subject_type=READ_SUBJECT_TYPE,
                    subject_id=target.pk,
                    subject_repr=masked_repr(target),
                    purpose=f"出具信用报告（{chosen.name}）",
                )
            if deliver is not None:
                deliver(report, pdf)
    except IntegrityError:
        storage.discard(pdf_sha)
        # Two reports in the same second drew the same 8 characters (1 in 34^8).
        raise DomainError("报告编号冲突，请重试。") from None
    except BaseException:
        storage.discard(pdf_sha)
        raise
    return report


def issue_requested(
    *,
    actor: Any,
    subject: Any,
    purpose: str,
    matter: Any,
    channel: str,
    deliver: Callable[[Report, bytes], None] | None = None,
) -> Report:
    """The form/API/CLI entry: `matter` is an id (or empty), limited to the matters the
    actor may issue for; the purpose defaults to the matter's."""
    from .selectors import issuable_matters

    the_matter = None
    if matter not in (None, ""):
        pk = positive_id(matter)
        qs = (
            issuable_matters(actor)
            if actor is not None
            else ApplicationMatter.objects.select_related("purpose")
        )
        the_matter = qs.filter(pk=pk or 0).first()
        if the_matter is None:
            raise DomainError("应用事项不存在，或不是本单位的事项。")
    chosen = purpose or (the_matter.purpose.code if the_matter else "")
    return issue_report(
        actor=actor,
        subject=subject,
        purpose=chosen,
        matter=the_matter,
        channel=channel,
        deliver=deliver,
    )


def _label(actor: Any) -> str:
    from xinyong.core.audit import actor_label

    return actor_label(actor)[:150]


def report_pdf(report: Report) -> bytes:
    """The sealed PDF exactly as issued (checked against its digest)."""
    return storage.load(report.pdf_sha256)


def download_pdf(*, actor: Any, report: Report, channel: str) -> bytes:
    """The sealed PDF for one download, logged as a print. The file is read first: a
    missing or corrupt file (an incomplete restore) refuses the download in Chinese
    (DomainError `pdf_missing` / `pdf_corrupt`) and no print is counted or logged, as
    nothing was handed out."""
    try:
        data = report_pdf(report)
    except DomainError as exc:
        # The office must restore the file from a backup: say which one in the log.
        logger.error("report %s: stored PDF unreadable (%s)", report.number, exc.code)
        raise
    record_print(actor=actor, report=report, channel=channel)
    return data


def record_print(*, actor: Any, report: Report, channel: str = "staff") -> Report:
    """Log one download/print of a report (every print is logged, issue 7 §1)."""
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(print_count=F("print_count") + 1)
        record_event(
            actor=actor,
            action="reports.print",
            target_type=TARGET,
            target_id=report.pk,
            target_repr=f"{report.number} {report.subject_name}",
            new={"channel": channel},
        )
        if report.kind == "person":
            record_read(
                reader=actor,
                subject_type=READ_SUBJECT_TYPE,
                subject_id=report.subject_id,
                subject_repr=f"{report.subject_name}（{report.subject_identifier}）",
                purpose=f"下载打印信用报告 {report.number}",
            )
    report.refresh_from_db(fields=["print_count"])
    return report


def download_name(report: Report) -> str:
    return f"信用报告-{report.number}.pdf"


# ------------------------------------------------------------------ verification


@dataclass
class Verification:
    authentic: bool
    valid: bool
    message: str
    number: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    report: Report | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "authentic": self.authentic,
            "valid": self.valid,
            "message": self.message,
            "number": self.number,
            "facts": self.facts,
        }


def _facts(report: Report) -> dict[str, Any]:
    return {
        "title": content.title_for(report.kind, special=report.purpose.special),
        "subject": report.subject_name,
        "identifier": report.subject_identifier,
        "issued_at": timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M:%S"),
        "valid_until": report.valid_until.isoformat(),
        "purpose": report.purpose.name,
    }


def _validity(report: Report, *, authentic_message: str, today: date | None) -> Verification:
    day = today or timezone.localdate()
    if report.valid_until < day:
        return Verification(
            True,
            False,
            f"{authentic_message}但报告已于 {report.valid_until.isoformat()} 超过有效期，"
            "请重新获取报告。",
            report.number,
            _facts(report),
            report,
        )
    return Verification(True, True, authentic_message, report.number, _facts(report), report)


def _on_record(number: str) -> Report | None:
    return Report.objects.select_related("purpose").defer("content").filter(number=number).first()


def verify_file(data: bytes, *, today: date | None = None) -> Verification:
    """Whether `data` is an authentic, unaltered report of this platform (seal) that was
    issued as such (the stored digest), and whether it is still valid."""
    checked = seal.check(data)
    if not checked.ok:
        return Verification(False, False, checked.reason, checked.number)
    report = _on_record(checked.number)
    if report is None:
        return Verification(
            False,
            False,
            "签章格式正确，但本平台没有该编号的报告出具记录：报告不可信。",
            checked.number,
        )
    if hashlib.sha256(data).hexdigest() != report.pdf_sha256:
        return Verification(
            False, False, "文件与本平台出具记录不一致：报告被修改过。", checked.number
        )
    return _validity(
        report, authentic_message="报告真实：由本平台出具，内容未被修改。", today=today
    )


def verify_number(number: Any, *, today: date | None = None) -> Verification:
    """What the platform issued under `number` (the QR code leads here)."""
    # People type the number as they type codes: full-width, with spaces, in lower case
    # (the page and the API alike). Cut before normalising so a long value costs nothing.
    text = identifiers.normalise(str(number or "")[:100])[:40]
    if not NUMBER_RE.fullmatch(text):
        return Verification(
            False,
            False,
            "报告编号格式不正确：应为 22 位（14 位数字 + 8 位字母或数字）。",
            text[:22],
        )
    report = _on_record(text)
    if report is None:
        return Verification(False, False, "本平台没有出具该编号的信用报告：报告不可信。", text)
    return _validity(
        report,
        authentic_message="本平台出具过该编号的报告，请核对下列信息与所持报告一致；"
        "上传报告文件可核验内容是否被修改。",
        today=today,
    )


def verify_offline(
    data: bytes, public_key_pem: bytes, *, today: date | None = None
) -> Verification:
    """Verification by a third party from the file and the platform's public key alone:
    no database. The signature and the unchanged bytes are checked, and the validity date
    comes from the signed facts; whether the number is on record can only be asked of the
    platform (its verification page or `verify_number`)."""
    key = seal.load_public_key(public_key_pem)
    checked = seal.check(data, public=key)
    if not checked.ok:
        return Verification(False, False, checked.reason, checked.number)
    facts = checked.facts
    message = (
        f"电子签章有效（公钥指纹 {seal.display_fingerprint(key)}），文件自出具后未被修改。"
        "离线核验不查询出具记录；如需确认该编号登记在本平台的出具记录中，请在核验页输入报告编号。"
    )
    try:
        valid_until = date.fromisoformat(str(facts.get("valid_until", "")))
    except ValueError:
        return Verification(True, False, message + "报告未载明有效期。", checked.number, facts)
    day = today or timezone.localdate()
    if valid_until < day:
        return Verification(
            True,
            False,
            f"{message}但报告已于 {valid_until.isoformat()} 超过有效期，请重新获取报告。",
            checked.number,
            facts,
        )
    return Verification(True, True, message, checked.number, facts)


def public_key_info() -> dict[str, Any]:
    """What the verification page and the API publish about the seal key, and about the
    keys rotated out (reports they sealed stay verifiable, offline too)."""
    return {
        "alg": seal.ALG,
        "key_id": seal.key_id(),
        "fingerprint": seal.fingerprint(),
        "fingerprint_display": seal.display_fingerprint(),
        "pem": seal.public_pem().decode("ascii"),
        "retired": [
            {
                "key_id": kid,
                "fingerprint_display": seal.display_fingerprint(key),
                "pem": seal.public_pem(key).decode("ascii"),
            }
            for kid, key in sorted(seal.retired_keys().items())
        ],
    }


def rotate_seal_key(*, actor: Any) -> tuple[str, str]:
    """Retire the report seal key and start a new one (a scheduled change, or a key that
    may have leaked). Reports already issued keep verifying with the retired public key,
    which stays published; new reports carry the new key. One event."""
    if actor is not None:
        permissions.require(actor, "credit_admin")
    old, new = seal.rotate_key()
    record_event(
        actor=actor,
        action="reports.seal_key_rotated",
        target_type="reports.SealKey",
        target_id=new,
        target_repr=f"签章密钥 {old} → {new}",
        old={"key_id": old},
        new={"key_id": new, "fingerprint": seal.fingerprint()},
    )
    return old, new


# ------------------------------------------------------------------ self-service


def start_self_service(*, identifier: Any, name: Any) -> tuple[SelfServiceRequest, str]:
    """Step 1 on the portal: the subject names itself (code and full name); the identity
    confirmer starts (the demo shows a one-time code). Returns the request and the text
    to show."""
    code = identifiers.normalise(str(identifier or "")[:64])
    given = str(name or "").strip()[:200]
    if not code or not given:
        raise DomainError("请填写统一社会信用代码（或证件号码）和名称（姓名）。")
    # A passport or permit holder (keyed 护照:E12345678) may type the bare number.
    subject = find_by_identifier_and_name(code, given, name_key=_name_key)
    if subject is None:
        raise DomainError(
            "未找到代码与名称一致的信用主体，请核对后重新填写（名称须与登记名称完全一致）。"
        )
    confirmer = identity.confirmer()
    with transaction.atomic():
        request = SelfServiceRequest(subject=subject, confirmer=confirmer.name)
        shown = confirmer.start(request)
        request.save()
        record_event(
            actor=None,
            action="reports.self_service.start",
            target_type="reports.SelfServiceRequest",
            target_id=request.pk,
            target_repr=masked_repr(subject),
            new={"confirmer": confirmer.name},
        )
    return request, shown


def _name_key(name: str) -> str:
    return "".join(name.split()).replace("(", "（").replace(")", "）")


def complete_self_service(
    *, request: SelfServiceRequest, response: Any, purpose: str = SELF_QUERY_PURPOSE
) -> Report:
    """Step 2: the confirmation is checked; on success the subject's own report is issued
    (counted against the two free reports a year)."""
    if request.report_id:
        raise DomainError("该申请已获取过报告，请重新申请。")
    if timezone.now() - request.created_at > timedelta(seconds=CONFIRM_SECONDS):
        raise DomainError("确认已超时，请重新申请。")
    if request.attempts >= CONFIRM_ATTEMPTS:
        raise DomainError("确认码错误次数过多，请重新申请。")
    chosen = get_purpose(purpose)
    if not chosen.self_service:
        raise DomainError(f"报告用途“{chosen.name}”不能自助获取，请到窗口办理。")
    confirmer = identity.confirmer()
    if not confirmer.verify(request, str(response or "").strip()[:20]):
        SelfServiceRequest.objects.filter(pk=request.pk).update(attempts=F("attempts") + 1)
        raise DomainError("确认码不正确，请重新输入。")
    report = issue_report(
        actor=None, subject=request.subject, purpose=chosen.code, channel=Channel.SELF_SERVICE
    )
    with transaction.atomic():
        request.confirmed_at = timezone.now()
        request.report = report
        request.save(update_fields=["confirmed_at", "report", "updated_at"])
        record_event(
            actor=None,
            action="reports.self_service.complete",
            target_type="reports.SelfServiceRequest",
            target_id=request.pk,
            target_repr=report.number,
            new={"report": report.number},
        )
    return report


# ------------------------------------------------------------------ reference data


def _text(values: dict[str, Any], key: str, label: str, *, required: bool = True) -> str:
    text = str(values.get(key) or "").strip()
    if required and not text:
        raise DomainError(f"{label}不能为空。")
    return text[:MAX_TEXT]


def create_purpose(*, actor: Any, **values: Any) -> ReportPurpose:
    code = _text(values, "code", "用途代码")
    name = _text(values, "name", "用途名称")
    basis = _text(values, "basis", "依据")
    applies = str(values.get("applies_to") or AppliesTo.ALL)
    if applies not in AppliesTo.values:
        raise DomainError(f"适用主体应为：{'、'.join(AppliesTo.values)}。")
    with transaction.atomic():
        purpose = ReportPurpose.objects.create(
            code=code,
            name=name,
            applies_to=applies,
            on_subject_request=bool(values.get("on_subject_request", False)),
            self_service=bool(values.get("self_service", False)),
            special=bool(values.get("special", False)),
            lookback_months=values.get("lookback_months"),
            validity_days=int(values.get("validity_days") or 30),
            basis=basis,
            description=_text(values, "description", "说明", required=False),
            sort_order=int(values.get("sort_order") or 100),
        )
        record_event(
            actor=actor,
            action="reports.purpose.create",
            target_type="reports.ReportPurpose",
            target_id=purpose.pk,
            target_repr=purpose.name,
            new={"code": code, "name": name},
        )
    return purpose


def create_matter(
    *, actor: Any, unit: Unit | str, name: Any, purpose: Any, basis: Any, **values: Any
) -> ApplicationMatter:
    """Add a matter to the 信用报告应用目录 (the credit office, or a unit for itself)."""
    the_unit = unit if isinstance(unit, Unit) else resolve_unit(unit)
    if actor is not None and not permissions.can_write_unit_data(actor, the_unit):
        raise NotPermitted(f"无权为“{the_unit.name}”登记信用报告应用事项。")
    the_name = _text({"name": name}, "name", "事项名称")[:200]
    the_basis = _text({"basis": basis}, "basis", "应用依据")
    chosen = purpose if isinstance(purpose, ReportPurpose) else get_purpose(purpose)
    if ApplicationMatter.objects.filter(unit=the_unit, name=the_name).exists():
        raise DomainError(f"“{the_unit.name}”已有应用事项“{the_name}”。")
    with transaction.atomic():
        matter = ApplicationMatter.objects.create(
            unit=the_unit,
            name=the_name,
            purpose=chosen,
            basis=the_basis,
            usage=_text(values, "usage", "应用方式", required=False)[:200],
            published=bool(values.get("published", True)),
        )
        record_event(
            actor=actor,
            action="reports.matter.create",
            target_type="reports.ApplicationMatter",
            target_id=matter.pk,
            target_repr=str(matter),
            new={"unit": the_unit.name, "name": the_name, "purpose": chosen.code},
        )
    return matter


def set_matter_published(
    *, actor: Any, matter: ApplicationMatter, published: bool
) -> ApplicationMatter:
    if actor is not None and not permissions.can_write_unit_data(actor, matter.unit_id):
        raise NotPermitted(f"无权修改“{matter.unit.name}”的信用报告应用事项。")
    with transaction.atomic():
        old = matter.published
        matter.published = bool(published)
        matter.save(update_fields=["published", "updated_at"])
        record_event(
            actor=actor,
            action="reports.matter.publish" if published else "reports.matter.unpublish",
            target_type="reports.ApplicationMatter",
            target_id=matter.pk,
            target_repr=str(matter),
            old={"published": old},
            new={"published": matter.published},
        )
    return matter
