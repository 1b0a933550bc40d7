"""政务诚信 (DOMAIN.md §11): government bodies as credit subjects, their monitoring
(alerts, pending cases with 通报/约谈, 预警 and 履约督办), arrears owed to private and small
enterprises (清欠), government commitments with fulfilment and complaints, and the annual
政务诚信 evaluation whose indicator system is data (河南条例 art. 54; no official weights
exist, DOMAIN.md §11)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinyong.core.models import TimeStampedModel


class GovernmentBody(TimeStampedModel):
    """A unit itself (机关本级) or a body under it (事业单位, 国有企业 …) as a credit subject.

    Units carry no subject of their own (orgs.Unit.uscc is usually blank): this row links
    the subject holding the body's 统一社会信用代码 to the unit that supervises it. A
    body without a known code still has a file (arrears, commitments, cases), but cannot
    be matched against lists until its code is linked."""

    class Kind(models.TextChoices):
        ORGAN = "organ", "机关本级"
        INSTITUTION = "institution", "所属事业单位"
        SOE = "soe", "国有企业"
        OTHER = "other", "其他所属机构"

    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="integrity_bodies",
        verbose_name="主管单位",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integrity_bodies",
        verbose_name="信用主体",
    )
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "政务诚信主体"
        verbose_name_plural = "政务诚信主体"
        ordering = ["unit__sort_order", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(subject__isnull=False),
                name="govbody_subject_unique",
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(kind="organ"), name="govbody_one_organ_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class IntegrityCase(TimeStampedModel):
    """A dishonesty matter of a body: a pending enforcement case (被执行人未结案件, a
    judgment not executed), a broken government contract or promise, a 新官不理旧账 case, or
    a disciplinary record. Stages: 预警 before any finding, 履约督办 after it (listed as
    失信被执行人, breach found), 已办结."""

    class Kind(models.TextChoices):
        ENFORCEMENT = "enforcement", "被执行人未结案件（判决未履行）"
        CONTRACT = "contract", "政府违约毁约"
        LEGACY = "legacy", "新官不理旧账"
        DISCIPLINE = "discipline", "纪律处分"
        OTHER = "other", "其他失信行为"

    class Stage(models.TextChoices):
        WARNING = "warning", "预警（尚未认定）"
        SUPERVISION = "supervision", "履约督办（已认定）"
        CLOSED = "closed", "已办结"

    body = models.ForeignKey(
        GovernmentBody, on_delete=models.PROTECT, related_name="cases", verbose_name="涉及主体"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="integrity_cases",
        verbose_name="主管单位",
    )
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    stage = models.CharField("阶段", max_length=12, choices=Stage.choices, default=Stage.WARNING)
    title = models.CharField("案件", max_length=200)
    case_number = models.CharField("案号/文书号", max_length=100, blank=True)
    authority = models.CharField("法院/认定机关", max_length=200, blank=True)
    counterparty = models.CharField("申请执行人/相对方", max_length=200, blank=True)
    amount_wan = models.DecimalField(
        "涉及金额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    description = models.TextField("情况", blank=True)
    opened_on = models.DateField("立案/发现日期")
    finding_on = models.DateField("认定日期", null=True, blank=True)
    due_on = models.DateField("履行/整改期限", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    outcome = models.TextField("办结情况", blank=True)
    list_entry = models.ForeignKey(
        "sanctions.ListEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integrity_cases",
        verbose_name="失信被执行人条目",
    )
    commitment = models.ForeignKey(
        "integrity.GovCommitment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name="所涉政府承诺",
    )

    class Meta:
        verbose_name = "政务失信案件"
        verbose_name_plural = "政务失信案件"
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.title}"


class CaseStep(models.Model):
    class Kind(models.TextChoices):
        WARNING = "warning", "预警提醒"
        NOTICE = "notice", "通报"
        INTERVIEW = "interview", "约谈"
        SUPERVISE = "supervise", "督办"
        PROGRESS = "progress", "履行/整改进展"
        LISTED = "listed", "列入失信被执行人"
        REMOVED = "removed", "移出失信被执行人"
        FINDING = "finding", "认定"
        CLOSE = "close", "办结"

    case = models.ForeignKey(
        IntegrityCase, on_delete=models.CASCADE, related_name="steps", verbose_name="案件"
    )
    kind = models.CharField("环节", max_length=12, choices=Kind.choices)
    on = models.DateField("日期")
    note = models.TextField("内容")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="记录时间")

    class Meta:
        verbose_name = "案件办理环节"
        verbose_name_plural = "案件办理环节"
        ordering = ["case", "on", "id"]

    def __str__(self) -> str:
        return f"案件 {self.case_id} · {self.on} {self.get_kind_display()}"


class ArrearsCase(TimeStampedModel):
    """An amount a body owes a private or small enterprise past its due date (清欠;
    《保障中小企业款项支付条例》)."""

    class CreditorKind(models.TextChoices):
        PRIVATE = "private", "民营企业"
        SME = "sme", "中小企业"
        INDIVIDUAL = "individual", "个体工商户"

    class Source(models.TextChoices):
        COMPLAINT = "complaint", "投诉举报"
        SURVEY = "survey", "排查发现"
        ASSIGNED = "assigned", "上级交办"
        SELF = "self", "单位自报"

    class Status(models.TextChoices):
        OPEN = "open", "未清偿"
        PARTIAL = "partial", "部分清偿"
        CLEARED = "cleared", "已清偿"
        DISPUTED = "disputed", "有争议（诉讼/仲裁中）"
        REVOKED = "revoked", "核实不属于拖欠"

    body = models.ForeignKey(
        GovernmentBody, on_delete=models.PROTECT, related_name="arrears", verbose_name="欠款主体"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="integrity_arrears",
        verbose_name="主管单位",
    )
    creditor_name = models.CharField("债权企业", max_length=200)
    creditor_subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrears_owed_to",
        verbose_name="债权企业（信用主体）",
    )
    creditor_kind = models.CharField("企业类型", max_length=12, choices=CreditorKind.choices)
    project = models.CharField("合同/项目", max_length=200)
    amount_wan = models.DecimalField("拖欠金额（万元）", max_digits=14, decimal_places=2)
    cleared_wan = models.DecimalField(
        "已清偿（万元）", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    due_on = models.DateField("约定付款期限")
    registered_on = models.DateField("登记日期")
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    cleared_on = models.DateField("清偿完毕日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "拖欠账款"
        verbose_name_plural = "拖欠账款"
        ordering = ["-registered_on", "-id"]

    def __str__(self) -> str:
        return f"{self.body.name} 欠 {self.creditor_name} {self.amount_wan} 万元"

    @property
    def outstanding_wan(self) -> Decimal:
        return max(Decimal("0"), self.amount_wan - self.cleared_wan)

    @property
    def arrears_from(self) -> date:
        """The day the debt became arrears: the day after the agreed due date (a debt is
        arrears once `due_on < day`, the rule register_arrears applies)."""
        return self.due_on + timedelta(days=1)

    @staticmethod
    def arose_q(start: date | None, end: date) -> Q:
        """Cases that became arrears on a day in [start, end] (from any day when `start`
        is None): the one definition of 新增拖欠 for the targets, the evaluation and the
        ledger. A debt due 2025-12-31 is new arrears of 2026."""
        q = Q(due_on__lt=end)
        if start is not None:
            q &= Q(due_on__gte=start - timedelta(days=1))
        return q


class ArrearsPayment(models.Model):
    case = models.ForeignKey(
        ArrearsCase, on_delete=models.CASCADE, related_name="payments", verbose_name="拖欠账款案件"
    )
    paid_on = models.DateField("支付日期")
    amount_wan = models.DecimalField("金额（万元）", max_digits=14, decimal_places=2)
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="记录时间")

    class Meta:
        verbose_name = "清欠支付"
        verbose_name_plural = "清欠支付"
        ordering = ["case", "paid_on", "id"]

    def __str__(self) -> str:
        return f"欠款案件 {self.case_id} · {self.paid_on} 支付 {self.amount_wan} 万元"


class GovCommitment(TimeStampedModel):
    """A commitment a government body made: an item of its published service-commitment
    list, a signed 诚信承诺书, a contract or agreement, a promise in meeting minutes, an
    investment-attraction or policy promise."""

    class Kind(models.TextChoices):
        SERVICE = "service", "服务承诺"
        PLEDGE = "pledge", "诚信承诺书"
        CONTRACT = "contract", "政府合同/协议"
        MINUTES = "minutes", "会议纪要承诺"
        POLICY = "policy", "招商引资/政策承诺"

    class Status(models.TextChoices):
        PENDING = "pending", "履行中"
        FULFILLED = "fulfilled", "已兑现"
        BROKEN = "broken", "未兑现（违约）"
        CHANGED = "changed", "依法变更/解除"

    body = models.ForeignKey(
        GovernmentBody,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name="承诺主体",
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="integrity_commitments",
        verbose_name="主管单位",
    )
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    title = models.CharField("承诺事项", max_length=200)
    content = models.TextField("承诺内容")
    counterparty = models.CharField("相对方", max_length=200, blank=True)
    document_ref = models.CharField("文件/合同编号", max_length=200, blank=True)
    made_on = models.DateField("作出日期")
    due_on = models.DateField("兑现期限", null=True, blank=True)
    published = models.BooleanField("向社会公开", default=False)
    status = models.CharField(
        "履行情况", max_length=12, choices=Status.choices, default=Status.PENDING
    )
    assessed_on = models.DateField("认定日期", null=True, blank=True)
    fulfilment_note = models.TextField("履行情况说明", blank=True)
    new_official = models.BooleanField(
        "新官不理旧账", default=False, help_text="因换届或领导调整不履行前任作出的承诺、合同"
    )

    class Meta:
        verbose_name = "政府承诺"
        verbose_name_plural = "政府承诺"
        ordering = ["-made_on", "-id"]

    def __str__(self) -> str:
        return f"{self.body.name} · {self.title}"


class CommitmentComplaint(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        ANSWERED = "answered", "已办结"

    commitment = models.ForeignKey(
        GovCommitment, on_delete=models.CASCADE, related_name="complaints", verbose_name="政府承诺"
    )
    received_on = models.DateField("受理日期")
    complainant = models.CharField("投诉人", max_length=200)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    content = models.TextField("投诉内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    substantiated = models.BooleanField("投诉属实", null=True, blank=True)
    reply = models.TextField("办理结果", blank=True)
    replied_on = models.DateField("办结日期", null=True, blank=True)

    class Meta:
        verbose_name = "承诺投诉"
        verbose_name_plural = "承诺投诉"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"投诉 {self.commitment_id} {self.received_on}"


class Alert(TimeStampedModel):
    """A warning to the credit office and the unit. `key` makes raising idempotent: the
    signal receiver and the daily scan may both see the same cause. The key names the
    cause's latest alert: when a cause that went away (`cause_gone_on`) comes back, the
    old alert keeps its history under a retired key and a new one is raised."""

    class Kind(models.TextChoices):
        SXBZXR = "sxbzxr", "政府机构列入失信被执行人"
        ARREARS = "arrears", "新增拖欠中小企业账款"
        PENDING_CASE = "pending_case", "被执行人未结案件预警"
        BROKEN_COMMITMENT = "broken", "政府承诺未兑现"
        EVALUATION = "evaluation", "政务诚信评价低于预警线"
        UNLINKED = "unlinked", "政府机构未归属主管单位"

    class Level(models.TextChoices):
        WARNING = "warning", "预警"
        SEVERE = "severe", "警示"

    class Status(models.TextChoices):
        OPEN = "open", "待签收"
        ACKNOWLEDGED = "acknowledged", "单位已签收"
        RESOLVED = "resolved", "已解除"

    key = models.CharField("标识", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integrity_alerts",
        verbose_name="主管单位",
    )
    body = models.ForeignKey(
        GovernmentBody,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name="涉及主体",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="integrity_alerts",
        verbose_name="信用主体",
    )
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("内容")
    raised_on = models.DateField("发出日期")
    acknowledged_on = models.DateField("签收日期", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="签收人",
    )
    response = models.TextField("单位反馈", blank=True)
    resolved_on = models.DateField("解除日期", null=True, blank=True)
    resolution = models.TextField("解除说明", blank=True)
    cause_gone_on = models.DateField(
        "原因消除日期",
        null=True,
        blank=True,
        help_text="拖欠清偿、移出名单、评价回到预警线以上等；之后原因再次出现时重新预警",
    )

    class Meta:
        verbose_name = "政务诚信预警"
        verbose_name_plural = "政务诚信预警"
        ordering = ["-raised_on", "-id"]

    def __str__(self) -> str:
        return self.title


# ---------------------------------------------------------------- evaluation


class IndicatorSystem(TimeStampedModel):
    """The indicator system of one year's 政务诚信 evaluation (河南条例 art. 54: the
    government evaluates the 政务诚信 of its departments and lower levels)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    name = models.CharField("名称", max_length=200)
    legal_basis = models.TextField("依据")
    warning_threshold = models.DecimalField(
        "预警线（百分制）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("70"),
        help_text="得分率低于此值的单位发出预警；无官方标准，由信用办设定",
    )
    evaluated_kinds = models.JSONField(
        "参评单位类型",
        default=list,
        help_text="orgs 单位类型代码列表，如 government、subdistrict；空表示全部启用单位",
    )
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "政务诚信指标体系"
        verbose_name_plural = "政务诚信指标体系"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年 {self.name}"


class Indicator(TimeStampedModel):
    class Method(models.TextChoices):
        MANUAL = "manual", "人工评分（附证据）"
        RATE = "rate", "按比率得分（分值×比率）"
        DEDUCT = "deduct", "按件扣分（扣完为止）"
        ZERO = "zero", "目标为零（有即不得分）"

    system = models.ForeignKey(
        IndicatorSystem,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name="指标体系",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name="一级指标",
    )
    code = models.CharField("代码", max_length=30)
    name = models.CharField("名称", max_length=200)
    weight = models.DecimalField(
        "分值",
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        help_text="一级指标的分值为其二级指标之和",
    )
    method = models.CharField(
        "评分方法", max_length=10, choices=Method.choices, default=Method.MANUAL
    )
    metric = models.CharField(
        "平台数据来源",
        max_length=40,
        blank=True,
        help_text="自动计分时取数的口径（见 integrity.evaluation.METRICS）",
    )
    deduct_points = models.DecimalField(
        "每件扣分", max_digits=6, decimal_places=2, default=Decimal("0")
    )
    criteria = models.TextField("评分标准", blank=True)
    sort_order = models.PositiveIntegerField("排序", default=100)

    class Meta:
        verbose_name = "政务诚信指标"
        verbose_name_plural = "政务诚信指标"
        ordering = ["system", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="integrity_indicator_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ManualScore(TimeStampedModel):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="scores", verbose_name="指标"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="integrity_scores", verbose_name="单位"
    )
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    evidence = models.TextField("评分依据/证据")
    scored_on = models.DateField("评分日期")
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="评分人",
    )

    class Meta:
        verbose_name = "人工评分"
        verbose_name_plural = "人工评分"
        ordering = ["indicator", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit"], name="integrity_score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator.code} {self.score} 分"


class EvaluationResult(TimeStampedModel):
    """A stored evaluation of one unit (the annual assessment, or the latest running
    score written by `xinyong integrity evaluate`)."""

    system = models.ForeignKey(
        IndicatorSystem, on_delete=models.CASCADE, related_name="results", verbose_name="指标体系"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="integrity_results", verbose_name="单位"
    )
    as_of = models.DateField("数据截至")
    score = models.DecimalField("得分", max_digits=7, decimal_places=2)
    max_score = models.DecimalField("已评指标满分", max_digits=7, decimal_places=2)
    percent = models.DecimalField("得分率（百分制）", max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField("名次")
    warning = models.BooleanField("预警", default=False)
    detail = models.JSONField("指标明细", default=list)

    class Meta:
        verbose_name = "政务诚信评价结果"
        verbose_name_plural = "政务诚信评价结果"
        ordering = ["system", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["system", "unit"], name="integrity_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.system.year} 年 {self.unit} {self.percent} 分"
