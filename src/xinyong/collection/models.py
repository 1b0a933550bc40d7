"""Batches of submitted rows, their rejected rows, units' monthly declarations and the
warnings that timeliness and quality checks raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class Batch(TimeStampedModel):
    """One submission: a file, an API call, a form entry or a CLI run, or a file pushed
    down by the city platform. Either all its accepted rows are stored or none (one
    transaction)."""

    class Channel(models.TextChoices):
        UPLOAD = "upload", "网页上传"
        API = "api", "接口报送"
        FORM = "form", "单条录入"
        CLI = "cli", "命令行"
        # Pushed down by the city platform (exchange.inbound), stored under the receiving
        # unit: not that unit's report of its own decisions, so no reporting deadline and
        # none of its rates (发改办财金〔2018〕424号 counts 7 working days from the unit's
        # own decision; selectors.reported_records).
        UPSTREAM = "upstream", "上级平台下发"

    class Status(models.TextChoices):
        DONE = "done", "已处理"
        UNREADABLE = "unreadable", "文件无法读取"

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="batches", verbose_name="报送单位"
    )
    record_type = models.ForeignKey(
        "catalog.RecordType",
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name="信息类别",
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    filename = models.CharField("文件名", max_length=255, blank=True)
    file_sha256 = models.CharField("文件哈希", max_length=64, blank=True)
    reported_on = models.DateField("报送日期")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DONE)
    message = models.TextField("说明", blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    accepted = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更正", default=0)
    duplicates = models.PositiveIntegerField("重复", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    late = models.PositiveIntegerField("迟报", default=0)
    warnings = models.JSONField("提示", default=list, blank=True)
    # The file's header row as written, in order: the rejected-rows workbook repeats it.
    headers = models.JSONField("表头", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="提交人",
    )
    duration_ms = models.PositiveIntegerField("处理耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "报送批次"
        verbose_name_plural = "报送批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"批次 {self.pk} {self.filename or self.get_channel_display()}"


class RejectedRow(models.Model):
    """A row that failed validation, kept as written so that it can be returned, fixed and
    re-sent (河南条例 art. 17: failing data goes back to the provider)."""

    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="rejected_rows", verbose_name="归集批次"
    )
    row_number = models.PositiveIntegerField("行号")
    original = models.JSONField("原始内容")
    errors = models.JSONField("错误")

    class Meta:
        verbose_name = "退回行"
        verbose_name_plural = "退回行"
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"批次 {self.batch_id} 第 {self.row_number} 行"


class MonthlyDeclaration(TimeStampedModel):
    """A unit's own count of the decisions it made in a month, the denominator of 上报率
    (DOMAIN.md §4: no public formula exists; we define 上报率 = reported ÷ declared)."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="declarations", verbose_name="单位"
    )
    record_type = models.ForeignKey(
        "catalog.RecordType",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name="信息类别",
    )
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月")
    declared_count = models.PositiveIntegerField("本月作出决定数")
    note = models.CharField("说明", max_length=300, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="填报人",
    )

    class Meta:
        verbose_name = "月度决定数申报"
        verbose_name_plural = "月度决定数申报"
        ordering = ["-year", "-month", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "record_type", "year", "month"], name="declaration_unique"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.unit} {self.year}-{self.month:02d} {self.record_type}：{self.declared_count} 件"
        )


class QualityWarning(TimeStampedModel):
    """An alert to a unit: a late record, repeated lateness (约谈预警), a shortfall against
    its declaration or a gap in its document numbers (瞒报/漏报 suspicion)."""

    class Kind(models.TextChoices):
        LATE_RECORD = "late_record", "迟报"
        REPEATED_LATENESS = "repeated_lateness", "多次迟报·约谈预警"
        UNDER_REPORTED = "under_reported", "报送数少于申报数·疑似瞒报漏报"
        NUMBER_GAP = "number_gap", "文书号不连续·疑似瞒报漏报"
        NOT_DECLARED = "not_declared", "未申报月度决定数"

    class Rectification(models.TextChoices):
        EXPLAINED = "explained", "已说明待确认"
        DONE = "done", "整改完成"
        RETURNED = "returned", "已退回"

    class Resolution(models.TextChoices):
        RESOLVED = "resolved", "已自动解除"
        SUPERSEDED = "superseded", "情况变化已另行预警"

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="quality_warnings", verbose_name="单位"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # Unique per (unit, kind, key) so that re-running a check never duplicates a warning.
    key = models.CharField("标识", max_length=200)
    period = models.CharField("期间", max_length=7, blank=True, help_text="YYYY-MM")
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="记录",
    )
    message = models.TextField("内容")
    acknowledged_at = models.DateTimeField("已阅时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="已阅人",
    )
    # 督促整改 of a 瞒报/漏报 suspicion (2023 work plan, task 4: 对产生瞒报的部门督促整改):
    # the unit explains (numbers voided, 不予处罚, missing records 补报), the credit office
    # accepts (整改完成) or returns it with a reason. Only the SUSPICION_KINDS use it.
    # Database defaults too: the pipeline writes late-record warnings with plain SQL
    # (services._late_warnings), naming only the columns it knows.
    rectification = models.CharField(
        "整改状态",
        max_length=12,
        choices=Rectification.choices,
        blank=True,
        default="",
        db_default="",
    )
    explanation = models.TextField("情况说明", blank=True, default="", db_default="")
    explained_at = models.DateTimeField("说明时间", null=True, blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="说明人",
    )
    review_reason = models.TextField("退回理由", blank=True, default="", db_default="")
    reviewed_at = models.DateTimeField("确认时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="确认人",
    )

    # A suspicion states one fact ("少3件", "缺13号、15-16号", "未申报"), and a 情况说明 or
    # 整改完成 answers that fact only. When the check finds a different fact the handled
    # warning is closed as it stands (superseded) and a new open one names it (`previous`);
    # when the fact is gone the warning is closed as resolved. Closed warnings keep their
    # rectification state as history and give their key up to the next live warning (the
    # key is unique, and the pipeline's late-record insert relies on that constraint).
    fact = models.CharField("预警事实", max_length=200, blank=True, default="", db_default="")
    resolution = models.CharField(
        "解除情况",
        max_length=12,
        choices=Resolution.choices,
        blank=True,
        default="",
        db_default="",
    )
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)
    resolution_note = models.CharField(
        "解除说明", max_length=300, blank=True, default="", db_default=""
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="前次预警",
    )

    @property
    def is_suspicion(self) -> bool:
        return self.kind in SUSPICION_KINDS

    @property
    def is_closed(self) -> bool:
        return bool(self.resolution)

    @property
    def rectification_label(self) -> str:
        """The state shown next to a suspicion: 待说明 until the unit answers; a closed one
        says how it ended, after what had been answered."""
        if not self.is_suspicion:
            return ""
        if self.resolution == self.Resolution.SUPERSEDED:
            answered = _ANSWERED.get(self.rectification, "待说明")
            return f"{answered}，情况变化已另行预警"
        if self.resolution == self.Resolution.RESOLVED:
            done = self.rectification == self.Rectification.DONE
            return "整改完成，已自动解除" if done else "已自动解除"
        return self.get_rectification_display() if self.rectification else "待说明"

    class Meta:
        verbose_name = "质量预警"
        verbose_name_plural = "质量预警"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "key"], name="quality_warning_unique")
        ]

    def __str__(self) -> str:
        what = self.fact or (f"记录 {self.record_id}" if self.record_id else "")
        return " ".join(
            p for p in (str(self.unit), self.period, self.get_kind_display(), what) if p
        )


# What a superseded warning had been answered with, as its label says it.
_ANSWERED: dict[str, str] = {
    QualityWarning.Rectification.EXPLAINED: "已说明",
    QualityWarning.Rectification.DONE: "整改完成",
    QualityWarning.Rectification.RETURNED: "已退回",
}

# The warnings that suspect 瞒报/漏报 and so call for 整改 (the rest are read and noted).
SUSPICION_KINDS = (
    QualityWarning.Kind.UNDER_REPORTED,
    QualityWarning.Kind.NUMBER_GAP,
    QualityWarning.Kind.NOT_DECLARED,
)


class CollectionPolicy(TimeStampedModel):
    """Configurable thresholds of the quality checks, one row in force at a time.

    河南条例 art. 17 gives the platform 5 working days to check submitted data and return
    what fails; every way in checks a batch while it is received and returns the rejected
    rows with the result, so there is no period to configure."""

    name = models.CharField("名称", max_length=100, default="归集质量规则")
    late_warning_threshold = models.PositiveSmallIntegerField(
        "约谈预警迟报条数（每月）",
        default=3,
        help_text="一个单位一个月内迟报达到此条数即列入约谈预警",
    )
    legal_basis = models.TextField(
        "依据",
        default="《河南省社会信用条例》第十七条；发改办财金〔2018〕424号（双公示7个工作日内上网公示）",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "归集质量规则"
        verbose_name_plural = "归集质量规则"

    def __str__(self) -> str:
        return self.name


class SpotCheck(TimeStampedModel):
    """The credit office's spot check of what units published in a month (2023 work plan,
    task 4: 开展部门公示信息抽查): from each unit's 十公示 records reported in the month, a
    sample drawn with a stored seed, so that anyone can re-draw it from the stored pool
    and get the same records (`spot_checks.verify_sample`)."""

    period = models.CharField("抽查月份", max_length=7, unique=True, help_text="YYYY-MM")
    per_unit = models.PositiveSmallIntegerField(
        "每单位抽查条数", default=5, help_text="单位当月公示信息少于此数的全部抽取"
    )
    # 32 hex characters (128 bits) from `secrets`; the rank of a record is
    # HMAC-SHA256(seed, record id), lowest first.
    seed = models.CharField("随机种子", max_length=64)
    record_types = models.JSONField("抽查信息类别", default=list)
    # {unit id: [record ids]} as they stood at the draw: the input the seed is applied to.
    pool = models.JSONField("抽样范围", default=dict)
    pool_size = models.PositiveIntegerField("抽样范围条数", default=0)
    note = models.CharField("说明", max_length=300, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="抽取人",
    )
    drawn_at = models.DateTimeField("抽取时间")

    class Meta:
        verbose_name = "公示信息抽查"
        verbose_name_plural = "公示信息抽查"
        ordering = ["-period"]

    def __str__(self) -> str:
        year, month = self.period.split("-")
        return f"{year}年{int(month)}月公示信息抽查"


# The problems an inspector may find in a published record, in the order the check form
# lists them (the common findings of 双公示 quality checks; 个人隐私 per 个人信息保护法).
PROBLEM_KINDS: tuple[tuple[str, str], ...] = (
    ("missing_item", "信息项缺失或错误"),
    ("vague_facts", "违法事实表述不具体"),
    ("wrong_basis", "处罚依据不准确"),
    ("inconsistent", "与决定书不一致"),
    ("wrong_subject", "主体信息错误"),
    ("not_published", "应公示而未公示"),
    ("overdue", "超出公示期限仍在公示"),
    ("privacy", "个人隐私未屏蔽"),
)
PROBLEM_LABELS = dict(PROBLEM_KINDS)


class SpotCheckItem(TimeStampedModel):
    """One sampled record: the office's verdict, the unit's 整改 reply and the office's
    confirmation. The record itself is corrected through the ordinary correction path."""

    class Verdict(models.TextChoices):
        PENDING = "pending", "待核查"
        PASSED = "passed", "合格"
        FAILED = "failed", "不合格"

    class Rectification(models.TextChoices):
        AWAITING = "awaiting", "待整改"
        REPLIED = "replied", "已回复待确认"
        CONFIRMED = "confirmed", "整改完成"
        RETURNED = "returned", "已退回"

    spot_check = models.ForeignKey(
        SpotCheck, on_delete=models.CASCADE, related_name="items", verbose_name="抽查"
    )
    # Repeated from the check so that the database itself keeps a record in one check per
    # month.
    period = models.CharField("抽查月份", max_length=7)
    record = models.ForeignKey(
        "records.CreditRecord",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="信用记录",
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="spot_check_items", verbose_name="单位"
    )
    verdict = models.CharField(
        "核查结论", max_length=8, choices=Verdict.choices, default=Verdict.PENDING
    )
    problems = models.JSONField("问题类型", default=list, blank=True)
    note = models.TextField("核查意见", blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="核查人",
    )
    checked_at = models.DateTimeField("核查时间", null=True, blank=True)
    rectification = models.CharField(
        "整改状态", max_length=10, choices=Rectification.choices, blank=True, default=""
    )
    reply = models.TextField("整改情况", blank=True)
    replied_at = models.DateTimeField("回复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="回复人",
    )
    review_reason = models.TextField("退回理由", blank=True)
    reviewed_at = models.DateTimeField("确认时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="确认人",
    )

    class Meta:
        verbose_name = "抽查条目"
        verbose_name_plural = "抽查条目"
        ordering = ["spot_check", "unit__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "record"], name="spot_check_record_once")
        ]

    def __str__(self) -> str:
        return f"{self.period} 抽查 记录 {self.record_id}"

    @property
    def problem_labels(self) -> list[str]:
        return [PROBLEM_LABELS.get(str(p), str(p)) for p in self.problems or []]
