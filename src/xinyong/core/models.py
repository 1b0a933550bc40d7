from __future__ import annotations

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class CalendarYear(models.Model):
    """A year whose official schedule the platform knows. A date in a year without a row
    is an explicit error, never a guess (DOMAIN.md §3)."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=200)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)

    class Meta:
        verbose_name = "工作日历年度"
        verbose_name_plural = "工作日历年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}年（{self.source}）"


class WorkdayException(models.Model):
    """A dated exception to the weekday rule: a holiday on a weekday, or a 调休 make-up
    working day on a weekend. Holidays falling on weekends are stored too, for display."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "休息日（节假日）"
        WORKDAY = "workday", "工作日（调休上班）"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("节日", max_length=50, blank=True)
    year = models.ForeignKey(
        CalendarYear, on_delete=models.PROTECT, related_name="exceptions", verbose_name="年度"
    )

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class ChainedEntry(models.Model):
    """An append-only entry whose hash covers its content and the previous entry's hash,
    so that any edit or deletion breaks the chain (`xinyong audit verify`)."""

    occurred_at = models.DateTimeField("时间", db_index=True)
    prev_hash = models.CharField("前序哈希", max_length=64, editable=False)
    entry_hash = models.CharField("本条哈希", max_length=64, editable=False, unique=True)

    class Meta:
        abstract = True


class Event(ChainedEntry):
    """One change made through a service: who, what, to which target, before and after."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # PROTECT, not SET_NULL: the chain hashes actor_id (core.audit), so clearing it
        # would make an intact log verify as tampered (issue 2 §5). Accounts are
        # deactivated, never deleted.
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="操作人",
    )
    actor_label = models.CharField("操作人（记录时）", max_length=150)
    channel = models.CharField("渠道", max_length=20)
    action = models.CharField("动作", max_length=80, db_index=True)
    target_type = models.CharField("对象类型", max_length=80, db_index=True)
    target_id = models.CharField("对象标识", max_length=64, db_index=True)
    target_repr = models.CharField("对象", max_length=300, blank=True)
    old_values = models.JSONField("变更前", null=True, blank=True)
    new_values = models.JSONField("变更后", null=True, blank=True)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)

    class Meta:
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        ordering = ["-id"]

    def __str__(self) -> str:
        from xinyong.core.event_labels import action_label

        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {action_label(self.action)} {self.target_repr}"


class ReadLog(ChainedEntry):
    """One read of a natural person's personal data, with its stated purpose
    (个人信息保护法; 河南条例 art. 40: a report shows who queried the subject)."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # PROTECT for the same reason as Event.actor: the chain hashes reader_id.
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="查阅人",
    )
    reader_label = models.CharField("查阅人（记录时）", max_length=150)
    reader_unit = models.CharField("查阅单位", max_length=100, blank=True)
    channel = models.CharField("渠道", max_length=20)
    subject_type = models.CharField("主体类型", max_length=80)
    subject_id = models.CharField("主体标识", max_length=64, db_index=True)
    subject_repr = models.CharField("主体（脱敏）", max_length=200)
    purpose = models.CharField("查询目的", max_length=200)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)

    class Meta:
        verbose_name = "个人信息查阅记录"
        verbose_name_plural = "个人信息查阅记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.reader_label} 查阅 {self.subject_repr}"


# The chains of core.audit (EVENT_CHAIN, READ_CHAIN).
CHAIN_NAMES = {"event": "操作日志", "read": "个人信息查阅记录"}


class ChainHead(models.Model):
    """The latest hash and length of each chain, updated in the same transaction as the
    append, so that deleting the newest entries is detected too."""

    chain = models.CharField(max_length=20, primary_key=True, verbose_name="哈希链")
    length = models.BigIntegerField(default=0, verbose_name="条数")
    last_hash = models.CharField(max_length=64, verbose_name="末条哈希")

    class Meta:
        verbose_name = "日志链头"
        verbose_name_plural = "日志链头"

    def __str__(self) -> str:
        return f"{CHAIN_NAMES.get(self.chain, self.chain)}：{self.length} 条"


class IdentifierOverride(models.Model):
    """A code that fails its check but is known to be real (DOMAIN.md §2, e.g.
    91350203M0001QAY9B). Changed only through `core.identifier_services`, which writes an
    event; `core.identifiers.check` treats an active code as valid (`overridden=True`)."""

    code = models.CharField("代码（规范化）", max_length=32, unique=True)
    kind = models.CharField("代码类型", max_length=20)
    reason = models.CharField("原因", max_length=300)
    basis = models.CharField("依据（核实来源）", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    active = models.BooleanField("有效", default=True)
    deactivated_at = models.DateTimeField("撤销时间", null=True, blank=True)
    deactivation_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "代码校验例外"
        verbose_name_plural = "代码校验例外"
        ordering = ["code"]

    def __str__(self) -> str:
        state = "" if self.active else "（已撤销）"
        return f"{self.code}{state}"
