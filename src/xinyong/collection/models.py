"""Batches of submitted rows, their rejected rows, units' monthly declarations and the
warnings that timeliness and quality checks raise."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class Batch(TimeStampedModel):
    """One submission: a file, an API call, a form entry or a CLI run. Either all its
    accepted rows are stored or none (one transaction)."""

    class Channel(models.TextChoices):
        UPLOAD = "upload", "网页上传"
        API = "api", "接口报送"
        FORM = "form", "单条录入"
        CLI = "cli", "命令行"

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

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rejected_rows")
    row_number = models.PositiveIntegerField("行号")
    original = models.JSONField("原始内容")
    errors = models.JSONField("错误")

    class Meta:
        verbose_name = "退回行"
        verbose_name_plural = "退回行"
        ordering = ["batch", "row_number"]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"


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
        return f"{self.unit} {self.year}-{self.month:02d} {self.record_type}: {self.declared_count}"


class QualityWarning(TimeStampedModel):
    """An alert to a unit: a late record, repeated lateness (约谈预警), a shortfall against
    its declaration or a gap in its document numbers (瞒报/漏报 suspicion)."""

    class Kind(models.TextChoices):
        LATE_RECORD = "late_record", "迟报"
        REPEATED_LATENESS = "repeated_lateness", "多次迟报·约谈预警"
        UNDER_REPORTED = "under_reported", "报送数少于申报数·疑似瞒报漏报"
        NUMBER_GAP = "number_gap", "文书号不连续·疑似瞒报漏报"
        NOT_DECLARED = "not_declared", "未申报月度决定数"

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

    class Meta:
        verbose_name = "质量预警"
        verbose_name_plural = "质量预警"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "key"], name="quality_warning_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.key}"


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
