"""Credit commitments (信用承诺, DOMAIN.md §9): the matters that accept them, the
commitments made, and whether they were kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class Kind(models.TextChoices):
    # The exchange value of 主动公示型 is 主动型 (DOMAIN.md §9).
    VOLUNTARY = "voluntary", "主动公示型"
    DEFICIENCY = "deficiency", "容缺受理型"
    CERTIFICATE = "certificate", "证明事项型"
    APPROVAL = "approval", "审批替代型"
    SELF_DISCIPLINE = "self_discipline", "行业自律型"
    REPAIR = "repair", "信用修复型"


class CommitmentMatter(TimeStampedModel):
    """A matter of a unit that accepts a commitment of one kind, with its template (the
    unit's 事项清单, publishable on the portal)."""

    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="commitment_matters",
        verbose_name="单位",
    )
    name = models.CharField("事项名称", max_length=200)
    kind = models.CharField("承诺类型", max_length=20, choices=Kind.choices)
    template_text = models.TextField("承诺书文本")
    obligations = models.TextField("承诺人义务（须补正/履行的内容）", blank=True)
    verification = models.CharField(
        "核查方式", max_length=100, blank=True, help_text="书面/网络/实地/公示核查"
    )
    verification_workdays = models.PositiveSmallIntegerField(
        "核查期限（工作日）", null=True, blank=True
    )
    breach_consequence = models.TextField("违诺后果")
    legal_basis = models.TextField("依据")
    published = models.BooleanField("向社会公布", default=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "承诺事项"
        verbose_name_plural = "承诺事项清单"
        ordering = ["unit__sort_order", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name", "kind"], name="commitment_matter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.name}（{self.get_kind_display()}）"


VERIFY_DUE_PENDING_NOTE = "核查期限待定（{year} 年工作日历尚未导入）"


class Commitment(TimeStampedModel):
    class Channel(models.TextChoices):
        PUBLIC_WINDOW = "public_window", "网上主动承诺"
        FORM = "form", "部门录入"
        FILE = "file", "文件报送"
        API = "api", "接口报送"

    class Publicity(models.TextChoices):
        PUBLIC = "public", "可向社会公开"
        LIMITED = "limited", "特定范围内公开"
        PRIVATE = "private", "不可公开"

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "待确认"
        PENDING = "pending", "待核查"
        KEPT = "kept", "全部履行"
        PARTLY = "partly", "部分履行"
        BROKEN = "broken", "全部未履行"
        WITHDRAWN = "withdrawn", "已撤回"

    # 承诺编码: 6-digit region + yyyyMMdd + 6-digit serial (DOMAIN.md §9).
    code = models.CharField("承诺编码", max_length=20, unique=True)
    kind = models.CharField("承诺类型", max_length=20, choices=Kind.choices)
    matter = models.ForeignKey(
        CommitmentMatter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name="承诺事项",
    )
    # Empty only while a public-window commitment awaits its confirmation step: the typed
    # code and name wait in committer_code / committer_name, and no credit subject is
    # created for them until the applicant confirms (issue 6 §1).
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name="承诺人",
    )
    committer_name = models.CharField("承诺人名称", max_length=200)
    committer_code = models.CharField("承诺人代码", max_length=40)
    reason = models.CharField("承诺事由", max_length=300)
    content = models.TextField("承诺内容")
    breach_liability = models.TextField("违诺责任")
    made_on = models.DateField("承诺作出日期")
    valid_until = models.DateField("承诺有效期至", null=True, blank=True)
    accepting_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_commitments",
        verbose_name="承诺受理单位",
    )
    channel = models.CharField("来源", max_length=15, choices=Channel.choices)
    publicity = models.CharField(
        "公开属性", max_length=10, choices=Publicity.choices, default=Publicity.PUBLIC
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    # Null: no 核查期限, a 信用修复型 commitment that lapsed, or — with verify_workdays —
    # 核查期限待定: the day falls in a year the working-day calendar does not hold yet.
    verify_due = models.DateField("核查期限", null=True, blank=True)
    # The matter's 核查期限 in working days when the commitment was made: verify_due is
    # made_on plus that many working days (core.calendar), filled when a missing year is
    # loaded and recomputed when a loaded year's holidays change (commitments.receivers).
    # Kept on the commitment because the matter may be edited later, and a commitment runs
    # on the terms it was made under. Null when the date is no count of working days: no
    # period, or a 信用修复型 commitment's day after the repaired record's publicity period.
    verify_workdays = models.PositiveSmallIntegerField(
        "核查期限工作日数",
        null=True,
        blank=True,
        help_text="承诺作出时承诺事项规定的核查期限（工作日），核查期限据此按工作日历计算",
    )
    verified_on = models.DateField("核查日期", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="核查人",
    )
    unfulfilled_content = models.TextField("未履行内容", blank=True)
    liability_action = models.TextField("违诺责任追究内容", blank=True)
    evidence = models.TextField("核查依据/证据说明", blank=True)
    overdue_flagged_on = models.DateField("逾期未补正标记日期", null=True, blank=True)
    breach_record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="违诺失信记录",
    )
    repair_application = models.ForeignKey(
        "rights.RepairApplication",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments",
        verbose_name="对应修复申请",
    )
    confirmation_code = models.CharField("确认码", max_length=12, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "信用承诺"
        verbose_name_plural = "信用承诺"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "verify_due"], name="commitment_status_due")]

    def __str__(self) -> str:
        return f"{self.code} {self.committer_name}"

    @property
    def verify_due_pending(self) -> bool:
        """核查期限待定: a period in working days whose last day is not known yet."""
        return self.verify_due is None and self.verify_workdays is not None

    @property
    def verify_due_note(self) -> str:
        """What pages, the API and the CLI say while the date is pending, naming the year
        whose calendar is missing; "" otherwise."""
        if not self.verify_due_pending:
            return ""
        from xinyong.core import calendar
        from xinyong.core.errors import CalendarUnknownYear

        assert self.verify_workdays is not None
        try:
            calendar.add_workdays(self.made_on, self.verify_workdays)
        except CalendarUnknownYear as exc:
            return VERIFY_DUE_PENDING_NOTE.format(year=exc.year)
        # Loaded since (the receivers fill it in that very transaction): not expected.
        return "核查期限待定（工作日历载入后自动补算）"

    @property
    def committer_is_person(self) -> bool:
        """Whether the committer is a natural person, whose name and number are masked.
        A public-window attempt awaiting confirmation has no subject yet: its code says."""
        if self.subject_id is not None and self.subject is not None:
            return bool(self.subject.is_person)
        from xinyong.core.identifiers import IdentifierKind
        from xinyong.core.identifiers import check as check_identifier

        return check_identifier(self.committer_code).kind != IdentifierKind.USCC


class CommitmentSerial(models.Model):
    """The last serial handed out per region and day: the 6-digit tail of 承诺编码. Rows
    are locked (select_for_update) while a code is drawn, so two clerks saving at the same
    moment never get the same code."""

    region = models.CharField("行政区划代码", max_length=6)
    day = models.DateField("日期")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "承诺编码序号"
        verbose_name_plural = "承诺编码序号"
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="commitment_serial_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.day:%Y%m%d} 已用至第 {self.last} 号"
