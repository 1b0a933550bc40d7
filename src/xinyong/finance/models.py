"""信易贷 (DOMAIN.md §12): white-list rules as data, screening runs with a reason per
subject, the two reviews (credit office, finance office), the published list that banks
see, enterprises' authorisations for banks, loan outcomes reported by banks, the city
average per period and 银企对接 events."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from xinyong.core.models import TimeStampedModel


class WhitelistRule(TimeStampedModel):
    """A white-list rule set: criteria as JSON (finance/criteria.py), with its basis."""

    code = models.CharField("规则代码", max_length=30, unique=True)
    name = models.CharField("规则名称", max_length=100)
    criteria = models.JSONField(
        "准入条件",
        help_text="见 docs/finance.md：grades、excluded_list_kinds、no_penalty_months、"
        "region_codes、subject_kinds、uscc_categories、excluded_sector_keywords 等",
    )
    policy_basis = models.TextField("政策依据")
    description = models.TextField("说明", blank=True)
    effective_from = models.DateField("生效日期")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "白名单规则"
        verbose_name_plural = "信易贷白名单规则"
        ordering = ["-active", "-effective_from", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class WhitelistRun(TimeStampedModel):
    """One screening of every candidate subject against a rule, then reviewed twice and
    published. The criteria are copied at screening time so that later edits of the rule
    never change what a run meant."""

    class Status(models.TextChoices):
        CREDIT_REVIEW = "credit_review", "待信用办审核"
        FINANCE_REVIEW = "finance_review", "待金融工作局审核"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被新名单替代"
        RETURNED = "returned", "已退回"

    number = models.CharField("名单批次号", max_length=30, unique=True)
    rule = models.ForeignKey(
        WhitelistRule, on_delete=models.PROTECT, related_name="runs", verbose_name="规则"
    )
    criteria = models.JSONField("筛选时的准入条件")
    screened_on = models.DateField("筛选基准日")
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.CREDIT_REVIEW
    )
    candidates = models.PositiveIntegerField("筛查主体数", default=0)
    eligible = models.PositiveIntegerField("符合条件数", default=0)
    seconds = models.FloatField("筛查耗时（秒）", default=0)
    credit_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="信用办审核人",
    )
    credit_reviewed_at = models.DateTimeField("信用办审核时间", null=True, blank=True)
    credit_opinion = models.TextField("信用办意见", blank=True)
    finance_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="金融工作局审核人",
    )
    finance_reviewed_at = models.DateTimeField("金融工作局审核时间", null=True, blank=True)
    finance_opinion = models.TextField("金融工作局意见", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "白名单批次"
        verbose_name_plural = "信易贷白名单批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_status_display()}）"


class WhitelistItem(models.Model):
    class Status(models.TextChoices):
        LISTED = "listed", "列入"
        INELIGIBLE = "ineligible", "不符合条件"
        EXCLUDED = "excluded", "审核剔除"
        REMOVED = "removed", "已移出"

    run = models.ForeignKey(
        WhitelistRun, on_delete=models.CASCADE, related_name="items", verbose_name="批次"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="whitelist_items",
        verbose_name="主体",
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    grade = models.CharField("筛选时信用等级", max_length=1, blank=True)
    # [{"code", "label", "passed", "text", "public"}] — one line per criterion, pass and
    # fail; "public" is a failed condition as banks may read it (criteria.Reason).
    reasons = models.JSONField("筛选理由", default=list)
    # A removal's note is shown to banks (their pages, the API, the provincial export):
    # only the conditions no longer met. The facts are in removal_reasons (staff_reason).
    note = models.TextField("审核剔除/移出理由", blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reasons = models.JSONField("移出时未通过的条件", default=list, blank=True)

    class Meta:
        verbose_name = "白名单条目"
        verbose_name_plural = "白名单条目"
        ordering = ["run", "status", "subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "subject"], name="whitelist_item_unique")
        ]
        indexes = [models.Index(fields=["run", "status"], name="whitelist_item_run_status")]

    def __str__(self) -> str:
        return f"白名单批次 {self.run_id} · 主体 {self.subject_id}：{self.get_status_display()}"

    @property
    def staff_reason(self) -> str:
        """Why the item left the list, in full, for the credit and finance offices: a
        removal's failed conditions with their facts; an exclusion's note."""
        if self.status == self.Status.REMOVED and self.removal_reasons:
            return reasons_text(self.removal_reasons)
        return self.note


def reasons_text(reasons: list[dict[str, Any]]) -> str:
    """Failed conditions (criteria.Reason.as_dict) with their facts, in one line."""
    return "；".join(str(r.get("text", "")) for r in reasons)


class Authorisation(TimeStampedModel):
    """An enterprise's authorisation for one bank to see its credit information (授权)."""

    class Scope(models.TextChoices):
        REPORT = "report", "查询信用报告"
        FINANCING = "financing", "融资授信审查（信用报告及公共信用信息）"

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", "待确认"
        ACTIVE = "active", "有效"
        REVOKED = "revoked", "已撤销"

    class Channel(models.TextChoices):
        PORTAL = "portal", "企业网上授权"
        STAFF = "staff", "窗口录入（书面授权书）"

    code = models.CharField("授权编号", max_length=24, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="bank_authorisations",
        verbose_name="授权主体",
    )
    bank = models.CharField("被授权银行", max_length=100, db_index=True)
    scope = models.CharField("授权范围", max_length=12, choices=Scope.choices)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("有效期至")
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.UNCONFIRMED
    )
    channel = models.CharField("方式", max_length=8, choices=Channel.choices)
    agent_name = models.CharField("经办人", max_length=50, blank=True)
    document = models.FileField("授权书扫描件", upload_to="finance/authorisations/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    confirmation_code = models.CharField("确认码", max_length=12, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "企业授权"
        verbose_name_plural = "企业对银行的授权"
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject", "bank"], name="authorisation_subject_bank")]

    def __str__(self) -> str:
        return f"{self.code} {self.bank}"

    # The one rule of when an authorisation lets its bank see the firm (report pages, the
    # reports API, outcomes): confirmed, the day within valid_from–valid_until, and not
    # revoked by then. A revocation counts from its own day, so that a bank cannot act
    # on the day the firm withdrew its consent. `in_force_q` filters rows, `in_force_on`
    # answers for a row already loaded; they are kept side by side so they cannot drift.
    @classmethod
    def in_force_q(cls, on: date) -> Q:
        return Q(valid_from__lte=on, valid_until__gte=on) & (
            Q(status=cls.Status.ACTIVE) | Q(status=cls.Status.REVOKED, revoked_at__date__gt=on)
        )

    def in_force_on(self, on: date) -> bool:
        if not self.valid_from <= on <= self.valid_until:
            return False
        if self.status == self.Status.ACTIVE:
            return True
        revoked = self.revoked_at
        return (
            self.status == self.Status.REVOKED
            and revoked is not None
            and timezone.localtime(revoked).date() > on
        )

    STATE_LABELS: ClassVar[dict[str, str]] = {"expired": "已过期", "pending": "未生效"}

    def state_on(self, on: date) -> str:
        """The status as people read it on `on`: the stored status, except that a
        confirmed authorisation is 已过期 after valid_until and 未生效 before valid_from."""
        if self.status == self.Status.ACTIVE and not self.in_force_on(on):
            return "expired" if on > self.valid_until else "pending"
        return str(self.status)

    @property
    def state_label(self) -> str:
        state = self.state_on(timezone.localdate())
        return self.STATE_LABELS.get(state) or str(self.Status(state).label)

    @property
    def revocable(self) -> bool:
        """Only an authorisation that is or will be in force can be revoked: an expired
        one no longer lets the bank see anything."""
        return self.state_on(timezone.localdate()) in (self.Status.ACTIVE, "pending")


class LoanOutcome(TimeStampedModel):
    class Status(models.TextChoices):
        APPLIED = "applied", "已申请"
        GRANTED = "granted", "已授信放款"
        REFUSED = "refused", "未获批"

    class LoanType(models.TextChoices):
        CREDIT = "credit", "信用贷款"
        SECURED = "secured", "抵质押/担保贷款"

    bank = models.CharField("银行", max_length=100, db_index=True)
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="loan_outcomes",
        verbose_name="企业",
    )
    whitelist_item = models.ForeignKey(
        WhitelistItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcomes",
        verbose_name="推荐所在白名单",
    )
    applied_on = models.DateField("申请日期")
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    granted_on = models.DateField("放款日期", null=True, blank=True)
    amount_wan = models.DecimalField(
        "金额（万元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    loan_type = models.CharField("贷款方式", max_length=10, choices=LoanType.choices, blank=True)
    rate_percent = models.DecimalField(
        "年利率（%）", max_digits=6, decimal_places=3, null=True, blank=True
    )
    term_months = models.PositiveSmallIntegerField("期限（月）", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报送人",
    )

    class Meta:
        verbose_name = "融资结果"
        verbose_name_plural = "银行反馈的融资结果"
        ordering = ["-applied_on", "-id"]

    def __str__(self) -> str:
        return f"{self.bank} {self.subject_id} {self.get_status_display()}"


class CityBenchmark(TimeStampedModel):
    """The city's credit-loan growth for a year, entered as data: the seed's target is
    that the district grows faster than the city average."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    city_growth_percent = models.DecimalField(
        "全市信用贷款平均增速（%）", max_digits=7, decimal_places=2
    )
    source = models.CharField("数据来源", max_length=200)

    class Meta:
        verbose_name = "全市平均增速"
        verbose_name_plural = "全市信用贷款平均增速"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年全市贷款增速 {self.city_growth_percent}%"


class MatchmakingEvent(TimeStampedModel):
    """A 银企对接 event: date, banks, firms and the evidence that it was held."""

    title = models.CharField("活动名称", max_length=200)
    held_on = models.DateField("举办日期")
    venue = models.CharField("地点", max_length=200, blank=True)
    organiser = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="主办单位",
    )
    banks = models.JSONField("参加银行", default=list)
    firms = models.ManyToManyField(
        "subjects.Subject", blank=True, related_name="+", verbose_name="参加企业"
    )
    firm_count = models.PositiveIntegerField("参加企业数", default=0)
    evidence = models.TextField("佐证材料说明")
    evidence_file = models.FileField("佐证材料", upload_to="finance/events/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )
    # The same event on the work ledger (row 32 counts the finance office's
    # 信易贷推介对接活动): one record per event, so the two registers cannot disagree.
    ledger_activity = models.OneToOneField(
        "ledger.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="工作台账活动记录",
    )

    class Meta:
        verbose_name = "银企对接活动"
        verbose_name_plural = "银企对接活动"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"
