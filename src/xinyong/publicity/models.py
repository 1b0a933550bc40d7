"""The publicity window of each record: which rule governs it, from when it is public,
from when repair may be asked, and when it drops off (DOMAIN.md §5).

Kept beside the record rather than on it, so that `records` knows none of its consumers.
A record without a window is not public: the portal fails safe.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import models

from xinyong.core.models import TimeStampedModel


class Explanation(models.Model):
    """One 计算说明 text, stored once and shared by every window decided alike: a batch of
    a million records has a few thousand distinct decisions, and the text (about 300
    bytes) stored per window made the window table five times larger. Rows are never
    changed or deleted; `digest` (SHA-256 of the text) finds an existing one."""

    digest = models.CharField("摘要", max_length=64, unique=True)
    text = models.TextField("计算说明")

    class Meta:
        verbose_name = "计算说明"
        verbose_name_plural = "计算说明"

    def __str__(self) -> str:
        return self.text[:50]


def expiry_day(ends_on: date) -> date:
    """The day a window whose period ran out stops being public: the day after its last
    public day. The expiry job, a restored window and the credit report all date it so."""
    return ends_on + timedelta(days=1)


class PublicityWindow(TimeStampedModel):
    class EndReason(models.TextChoices):
        EXPIRED = "expired", "公示期满"
        REPAIRED = "repaired", "已修复"
        WITHDRAWN = "withdrawn", "已撤销"

    # No database constraint: windows are derived from the batch's records in the same
    # transaction, and records are withdrawn, never deleted (CASCADE is Django's). The
    # constraint's check per window cost 7.8 s at commit for a million on PostgreSQL.
    record = models.OneToOneField(
        "records.CreditRecord",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="publicity",
        verbose_name="记录",
        db_constraint=False,
    )
    policy = models.ForeignKey(
        "catalog.PublicityPolicy",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="适用规则",
        # A batch's windows point at a handful of policies, and PostgreSQL's deferred check
        # of each inserted row cost about 3 s per million windows at commit. Policies are
        # never deleted (neither catalog.services nor the admin can); PROTECT stays in
        # the ORM.
        db_constraint=False,
    )
    severity = models.CharField("失信程度", max_length=20, blank=True)
    is_published = models.BooleanField("向社会公示", default=True)
    not_published_reason = models.CharField("不公示原因", max_length=300, blank=True)
    starts_on = models.DateField("公示起始日期", null=True, blank=True)
    repair_from = models.DateField("最早可申请修复日期", null=True, blank=True)
    ends_on = models.DateField("最长公示截止日期", null=True, blank=True, db_index=True)
    ended_on = models.DateField("实际结束公示日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=10, choices=EndReason.choices, blank=True)
    # Read `explanation_text`: the text itself is stored once per distinct wording.
    shared_explanation = models.ForeignKey(
        Explanation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="计算说明",
        # No index (nothing looks windows up by their text) and no database constraint:
        # PostgreSQL checks a deferred foreign key once per inserted row at commit, about
        # 3 s per million windows, for rows that are never deleted.
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = "公示期限"
        verbose_name_plural = "公示期限"

    def __str__(self) -> str:
        if not self.is_published:
            return f"记录 {self.record_id} 不公示"
        ends = f"至 {self.ends_on}" if self.ends_on else "持续公示"
        starts = f"{self.starts_on} 起" if self.starts_on else ""
        return f"记录 {self.record_id} 公示 {starts}{ends}"

    @property
    def explanation_text(self) -> str:
        """How the window was computed, in words (staff pages, the CLI, the admin)."""
        if self.shared_explanation_id is None or self.shared_explanation is None:
            return ""
        return self.shared_explanation.text
