"""The public credit information catalogue (公共信用信息目录) as data.

Only information listed in the catalogue, each item with its legal basis, may enter credit
records (河南条例 art. 11; 国办发〔2020〕49号). A record type's fields live in the JSON
list `RecordType.fields` (format: fieldspec.py and docs/catalog.md), so a new type is a
data change, not a migration. Writes go through catalog.services only.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from xinyong.core.models import TimeStampedModel


class Category(models.TextChoices):
    # National catalogue categories (全国公共信用信息基础目录 2021/2022/2024 editions;
    # DOMAIN.md §4). The 2024 edition groups the ten acts as 行政管理信息.
    REGISTRATION = "registration", "登记注册基本信息"
    JUDICIAL = "judicial", "司法裁判及执行信息"
    ADMINISTRATIVE = "administrative", "行政管理信息"
    QUALIFICATION = "qualification", "职称和职业资格信息"
    ABNORMAL = "abnormal", "经营（活动）异常名录"
    SERIOUS_DISHONESTY = "serious_dishonesty", "严重失信主体名单"
    CONTRACT = "contract", "合同履行信息"
    COMMITMENT = "commitment", "信用承诺及履行情况"
    EVALUATION = "evaluation", "信用评价结果"
    HONOUR = "honour", "诚信荣誉信息"
    VOLUNTARY = "voluntary", "自愿提供信息"
    COMPLIANCE = "compliance", "遵守法律法规情况"
    INTELLECTUAL_PROPERTY = "intellectual_property", "知识产权信息"


class Nature(models.TextChoices):
    TRUST = "trust", "守信"
    DISHONEST = "dishonest", "失信"
    NEUTRAL = "neutral", "中性"


class Sharing(models.TextChoices):
    PUBLIC = "public", "公开"
    SHARED = "shared", "共享"
    AUTHORISED = "authorised", "授权查询"


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", "实时"
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"
    IRREGULAR = "irregular", "不定期"


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"
    UNPUBLISHED = "unpublished", "不公示"
    # For rules that set one period for all penalty information without classes
    # (NDRC 58号令; 总局令45号 "其他行政处罚信息").
    UNCLASSIFIED = "unclassified", "不分级"


class CountedFrom(models.TextChoices):
    DECISION_DATE = "decision_date", "自决定日期起算"
    PUBLICATION_DATE = "publication_date", "自公示之日起算"


class PublicityPolicy(TimeStampedModel):
    """A publicity period rule: one class of one rule, with the interval in which it
    applies. The rule in force on a record's decision date governs it (DOMAIN.md §5)."""

    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=200)
    document = models.CharField("文件/文号", max_length=200)
    severity = models.CharField("失信程度", max_length=20, choices=Severity.choices)
    min_months = models.PositiveSmallIntegerField(
        "最短公示期（月）", null=True, blank=True, help_text="留空表示该规则未规定最短公示期"
    )
    max_months = models.PositiveSmallIntegerField("最长公示期（月）")
    counted_from = models.CharField(
        "起算日", max_length=20, choices=CountedFrom.choices, default=CountedFrom.DECISION_DATE
    )
    legal_basis = models.TextField("依据")
    effective_from = models.DateField("施行日期")
    effective_to = models.DateField("适用截止日期", null=True, blank=True)
    sector = models.CharField(
        "适用领域",
        max_length=100,
        blank=True,
        help_text="留空为通用；多个领域用“、”分隔，如“特种设备、安全生产、消防”",
    )
    notes = models.TextField("说明", blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "公示期限政策"
        verbose_name_plural = "公示期限政策"
        ordering = ["-effective_from", "sector", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_months__isnull=True) | Q(min_months__lte=models.F("max_months")),
                name="policy_min_not_above_max",
                violation_error_message="最短公示期不能长于最长公示期。",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="policy_interval_ordered",
                violation_error_message="适用截止日期不能早于施行日期。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def sectors(self) -> list[str]:
        return [s.strip() for s in self.sector.replace("，", "、").split("、") if s.strip()]

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


class ForbiddenMatter(TimeStampedModel):
    """A matter that may not be recorded as credit information (泛化滥用, 国办发〔2020〕49号;
    河南条例 art. 27; the seed's 信用建设合法合规情况 row)."""

    code = models.CharField("代码", max_length=40, unique=True)
    name = models.CharField("事项", max_length=100)
    keywords = models.JSONField("关键词", default=list, help_text="文本中出现任一关键词即视为命中")
    reason = models.TextField("不得纳入的理由")
    basis = models.TextField("依据")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "不得纳入信用记录的事项"
        verbose_name_plural = "不得纳入信用记录的事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RecordType(TimeStampedModel):
    """A catalogue item (目录条目): what may be collected, about whom, on what basis, and
    with which data items (河南条例 art. 11)."""

    code = models.CharField("代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    category = models.CharField("目录类别", max_length=30, choices=Category.choices)
    nature = models.CharField("信息性质", max_length=20, choices=Nature.choices)
    sharing = models.CharField("共享属性", max_length=20, choices=Sharing.choices)
    subject_types = models.JSONField(
        "适用主体类型", default=list, help_text="法人及非法人组织 / 个体工商户 / 自然人"
    )
    update_cycle = models.CharField(
        "更新周期", max_length=20, choices=UpdateCycle.choices, default=UpdateCycle.REALTIME
    )
    coverage = models.CharField("覆盖范围", max_length=300, blank=True)
    description = models.TextField("说明", blank=True)
    legal_basis = models.TextField("法律依据")
    is_shuanggongshi = models.BooleanField("双公示（许可、处罚）", default=False)
    is_shigongshi = models.BooleanField("十公示（十类行政行为）", default=False)
    report_deadline_workdays = models.PositiveSmallIntegerField(
        "报送时限（工作日）",
        null=True,
        blank=True,
        help_text="自决定日期起的工作日数；十类行政行为为 7（发改办财金〔2018〕424号）",
    )
    providing_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="provided_record_types", verbose_name="提供单位"
    )
    default_policy = models.ForeignKey(
        PublicityPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="record_types",
        verbose_name="默认公示期限政策",
    )
    fields = models.JSONField("数据项", default=list)
    active = models.BooleanField("启用", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=1000)

    class Meta:
        verbose_name = "信息类别（目录条目）"
        verbose_name_plural = "信息类别（目录条目）"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis=""),
                name="record_type_has_basis",
                violation_error_message="缺少法律依据。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
