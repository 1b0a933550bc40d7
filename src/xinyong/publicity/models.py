"""The publicity window of each record: which rule governs it, from when it is public,
from when repair may be asked, and when it drops off (DOMAIN.md §5).

Kept beside the record rather than on it, so that `records` knows none of its consumers.
A record without a window is not public: the portal fails safe.
"""

from __future__ import annotations

from django.db import models

from xinyong.core.models import TimeStampedModel


class PublicityWindow(TimeStampedModel):
    class EndReason(models.TextChoices):
        EXPIRED = "expired", "公示期满"
        REPAIRED = "repaired", "已修复"
        WITHDRAWN = "withdrawn", "已撤销"

    record = models.OneToOneField(
        "records.CreditRecord",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="publicity",
        verbose_name="记录",
    )
    policy = models.ForeignKey(
        "catalog.PublicityPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="适用规则",
    )
    severity = models.CharField("失信程度", max_length=20, blank=True)
    is_published = models.BooleanField("向社会公示", default=True)
    not_published_reason = models.CharField("不公示原因", max_length=300, blank=True)
    starts_on = models.DateField("公示起始日期", null=True, blank=True)
    repair_from = models.DateField("最早可申请修复日期", null=True, blank=True)
    ends_on = models.DateField("最长公示截止日期", null=True, blank=True, db_index=True)
    ended_on = models.DateField("实际结束公示日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=10, choices=EndReason.choices, blank=True)
    explanation = models.TextField("计算说明", blank=True)

    class Meta:
        verbose_name = "公示期限"
        verbose_name_plural = "公示期限"

    def __str__(self) -> str:
        return f"{self.record_id} {self.starts_on}–{self.ends_on}"
