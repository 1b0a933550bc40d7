"""信易+ (DOMAIN.md §12): benefits for trustworthy subjects. Each scenario is data — its
provider, the benefit, who qualifies (criteria evaluated by finance.criteria, shared
with the 信易贷 white list) and its legal or policy basis — and every check a provider
makes is recorded and counted per scenario."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class Scenario(TimeStampedModel):
    code = models.CharField("场景代码", max_length=20, unique=True)
    name = models.CharField("场景名称", max_length=50)
    field = models.CharField(
        "领域", max_length=50, help_text="如 行政审批、租赁、旅游、出行、医疗、阅读"
    )
    provider = models.CharField("服务提供方", max_length=200)
    provider_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="牵头单位",
    )
    benefit = models.TextField("守信激励内容")
    criteria = models.JSONField(
        "适用条件", help_text="与信易贷白名单相同的条件格式（docs/finance.md）"
    )
    legal_basis = models.TextField("法律或政策依据")
    published = models.BooleanField("在门户公布", default=True)
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "信易+场景"
        verbose_name_plural = "信易+应用场景"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ScenarioUse(models.Model):
    """One check by a provider: which subject, the answer, and why."""

    class Channel(models.TextChoices):
        WORKSPACE = "workspace", "工作台"
        API = "api", "接口"
        CLI = "cli", "命令行"

    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, related_name="uses", verbose_name="场景"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="主体",
    )
    # As given (masked for personal ID numbers), also when no subject was found.
    queried_code = models.CharField("查询代码", max_length=40)
    eligible = models.BooleanField("符合条件")
    reasons = models.JSONField("理由", default=list)
    checked_on = models.DateField("判定日期")
    checked_at = models.DateTimeField("查询时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="查询人",
    )
    actor_label = models.CharField("查询人（记录时）", max_length=150)
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = "信易+使用记录"
        verbose_name_plural = "信易+使用记录"
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["scenario", "checked_on"], name="scenario_use_day")]

    def __str__(self) -> str:
        verdict = "符合条件" if self.eligible else "不符合条件"
        return f"场景 {self.scenario_id} 核验 {self.queried_code}：{verdict}"
