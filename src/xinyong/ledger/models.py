"""The work ledger (工作台账) of the seed plan (seed §三; DOMAIN.md §13).

A `Plan` belongs to a year and holds the plan's key tasks (`Task`) and the attached
ledger's rows (`Row`: a four-level indicator path, the key work, the responsible units,
a deadline or 持续推进). Each responsible unit of a row has an `Assignment`, on which it
reports progress (`ProgressReport` with `Evidence`) that the lead unit and the credit
office review. Rows with a quantified goal carry `RowTarget`s, bound either to a platform
metric (ledger.metrics) or to counted `Activity` records. Deadlines produce `Warning`s;
the credit office opens 督办 items (`SupervisionItem`) on which leaders write 批示
(`Instruction`); periodic 通报 are `Bulletin`s; `PlanRules` holds the timing and scoring
rules of a plan year as data.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel

ONGOING = "持续推进"


class Plan(TimeStampedModel):
    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("方案名称", max_length=200)
    document_number = models.CharField("文号", max_length=60, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    issuer = models.CharField("印发单位", max_length=100, blank=True)
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        verbose_name="复制自",
    )

    class Meta:
        verbose_name = "年度工作方案"
        verbose_name_plural = "年度工作方案"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年 {self.title}"


class Task(models.Model):
    """One of the plan's numbered key tasks (重点工作), in its group (（一）…（七）)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name="年度工作方案"
    )
    number = models.PositiveSmallIntegerField("序号")
    group_number = models.CharField("分组序号", max_length=4)
    group_title = models.CharField("分组", max_length=100)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    units_text = models.CharField("责任单位（原文）", max_length=500)
    lead_units = models.ManyToManyField(
        "orgs.Unit", related_name="led_ledger_tasks", blank=True, verbose_name="牵头单位"
    )
    units = models.ManyToManyField(
        "orgs.Unit", related_name="ledger_tasks", blank=True, verbose_name="责任单位"
    )

    class Meta:
        verbose_name = "重点工作"
        verbose_name_plural = "重点工作"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="ledger_task_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Row(models.Model):
    """One row of the attached ledger."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="rows", verbose_name="年度工作方案"
    )
    number = models.PositiveSmallIntegerField("序号")
    level1 = models.CharField("一级指标", max_length=100)
    level2 = models.CharField("二级指标", max_length=100)
    level3 = models.CharField("三级指标", max_length=100)
    level4 = models.TextField("四级指标", blank=True)
    work = models.TextField("重点工作")
    units_text = models.TextField("责任单位（原文）")
    deadline = models.DateField("完成时限", null=True, blank=True, help_text="空表示持续推进")
    plan_clause = models.CharField("对应方案条款", max_length=40, blank=True)
    note = models.CharField("转录说明", max_length=300, blank=True)
    seed_line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    tasks = models.ManyToManyField(Task, related_name="rows", blank=True, verbose_name="重点工作")
    lead_units = models.ManyToManyField(
        "orgs.Unit", related_name="led_ledger_rows", blank=True, verbose_name="牵头单位"
    )

    class Meta:
        verbose_name = "台账事项"
        verbose_name_plural = "台账事项"
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="ledger_row_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan.year}年台账第{self.number}项"

    @property
    def is_ongoing(self) -> bool:
        return self.deadline is None

    @property
    def deadline_label(self) -> str:
        if self.deadline is None:
            return ONGOING
        return f"{self.deadline.year}年{self.deadline.month}月{self.deadline.day}日"

    @property
    def indicator_path(self) -> str:
        parts = [self.level1, self.level2, self.level3, self.level4]
        return " › ".join(p for p in parts if p)

    @property
    def short_title(self) -> str:
        text = self.level4 or self.work
        first = text.split("\n")[0]
        return first if len(first) <= 40 else first[:39] + "…"


class RowTarget(models.Model):
    """A quantified goal of a row: a platform metric compared with a value, or a number
    of recorded activities per unit and year."""

    class Kind(models.TextChoices):
        METRIC = "metric", "平台指标"
        ACTIVITY = "activity", "活动次数"

    class Comparison(models.TextChoices):
        AT_MOST = "<=", "不高于"
        AT_LEAST = ">=", "不低于"

    row = models.ForeignKey(
        Row, on_delete=models.CASCADE, related_name="targets", verbose_name="台账事项"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    metric_code = models.CharField("指标代码", max_length=60, blank=True)
    activity_kind = models.CharField("活动类型", max_length=20, blank=True)
    comparison = models.CharField("比较", max_length=2, choices=Comparison.choices)
    value = models.DecimalField("目标值", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "量化目标"
        verbose_name_plural = "量化目标"
        ordering = ["row", "id"]

    def __str__(self) -> str:
        from .selectors import target_label

        return target_label(self)

    def met_by(self, value: Decimal | int | None) -> bool | None:
        if value is None:
            return None
        # A rate judged on its exact value (ledger_metrics.Rate), not on the rounded one
        # shown: 99.995% is not 100%.
        found = Fraction(getattr(value, "exact", value))
        if self.comparison == self.Comparison.AT_MOST:
            return found <= Fraction(self.value)
        return found >= Fraction(self.value)


class Assignment(TimeStampedModel):
    """One responsible unit's share of one row (责任分解)."""

    class Status(models.TextChoices):
        NOT_REPORTED = "not_reported", "未报送"
        IN_PROGRESS = "in_progress", "推进中"
        SUBMITTED = "submitted", "已报完成·待牵头单位审核"
        LEAD_ACCEPTED = "lead_accepted", "牵头单位已审核·待信用办审核"
        ACCEPTED = "accepted", "已完成"
        RETURNED = "returned", "退回修改"

    row = models.ForeignKey(
        Row, on_delete=models.CASCADE, related_name="assignments", verbose_name="台账事项"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="ledger_assignments",
        verbose_name="责任单位",
    )
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.NOT_REPORTED
    )
    last_reported_on = models.DateField("最近报送日期", null=True, blank=True)
    completed_on = models.DateField("完成（报完成）日期", null=True, blank=True)
    accepted_on = models.DateField("审核通过日期", null=True, blank=True)

    class Meta:
        verbose_name = "责任分解"
        verbose_name_plural = "责任分解"
        ordering = ["row__number", "unit__sort_order", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["row", "unit"], name="ledger_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.row} · {self.unit}"


class ProgressReport(TimeStampedModel):
    class Claim(models.TextChoices):
        IN_PROGRESS = "in_progress", "推进中"
        COMPLETED = "completed", "已完成"

    class Review(models.TextChoices):
        NONE = "none", "无需审核（进展报告）"
        SUBMITTED = "submitted", "待牵头单位审核"
        LEAD_ACCEPTED = "lead_accepted", "待信用办审核"
        ACCEPTED = "accepted", "审核通过"
        RETURNED = "returned", "退回修改"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reports", verbose_name="责任分解"
    )
    reported_on = models.DateField("报送日期")
    # A unit's report is dated the day it is filed; only the credit office records an
    # earlier date, and says why (services.report_progress).
    date_reason = models.CharField("补录理由", max_length=500, blank=True)
    claim = models.CharField("进展状态", max_length=20, choices=Claim.choices)
    narrative = models.TextField("工作进展")
    review = models.CharField("审核状态", max_length=20, choices=Review.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报送人",
    )
    lead_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="牵头单位审核人",
    )
    lead_reviewed_on = models.DateField("牵头单位审核日期", null=True, blank=True)
    lead_comment = models.TextField("牵头单位意见", blank=True)
    office_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="信用办审核人",
    )
    office_reviewed_on = models.DateField("信用办审核日期", null=True, blank=True)
    office_comment = models.TextField("信用办意见", blank=True)

    class Meta:
        verbose_name = "进展报送"
        verbose_name_plural = "进展报送"
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"{self.assignment} {self.reported_on} {self.get_claim_display()}"


class Activity(TimeStampedModel):
    """A counted activity (seed ledger rows: ≥3 publicity events and ≥2 training sessions
    per unit per year; 信易贷 matchmaking events; 典型案例)."""

    class Kind(models.TextChoices):
        PUBLICITY = "publicity", "诚信宣传教育活动"
        TRAINING = "training", "信用知识培训或政策学习"
        MATCHMAKING = "matchmaking", "信易贷推介对接活动"
        TYPICAL_CASE = "typical_case", "典型案例"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="activities", verbose_name="年度工作方案"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    title = models.CharField("名称", max_length=200)
    held_on = models.DateField("日期")
    place = models.CharField("地点或渠道", max_length=200, blank=True)
    participants = models.PositiveIntegerField("参加人数", null=True, blank=True)
    description = models.TextField("简要情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="录入人",
    )

    class Meta:
        verbose_name = "活动记录"
        verbose_name_plural = "活动记录"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} {self.held_on} {self.title}"


class Evidence(TimeStampedModel):
    """A file (document or photo) or a link to a web post, proving a report or an
    activity."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", "文件"
        PHOTO = "photo", "照片"
        LINK = "link", "网站发布链接"

    report = models.ForeignKey(
        ProgressReport,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name="进展报送",
    )
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name="活动记录",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    file = models.FileField("文件", upload_to="ledger/%Y/%m/", blank=True)
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("哈希", max_length=64, blank=True)
    url = models.URLField("链接", max_length=500, blank=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False) | models.Q(activity__isnull=False),
                name="ledger_evidence_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name or self.url


class DeadlineWarning(models.Model):
    """A deadline warning to a unit: due soon, or overdue. One per (assignment, kind, due
    date), so that the daily job may run any number of times."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已逾期"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="warnings", verbose_name="责任分解"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    due_on = models.DateField("期限")
    created_on = models.DateField("预警日期")
    message = models.CharField("内容", max_length=300)

    class Meta:
        verbose_name = "期限预警"
        verbose_name_plural = "期限预警"
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind", "due_on"], name="ledger_warning_unique"
            )
        ]

    def __str__(self) -> str:
        return self.message


class SupervisionItem(TimeStampedModel):
    """A 督办 item on a unit's assignment (seed §三（二）: 重点任务督办机制)."""

    class Status(models.TextChoices):
        OPEN = "open", "督办中"
        ANSWERED = "answered", "单位已反馈"
        CLOSED = "closed", "已办结"

    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        related_name="supervision_items",
        verbose_name="责任分解",
    )
    reason = models.TextField("督办事由")
    opened_on = models.DateField("督办日期")
    due_on = models.DateField("办理期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发起人",
    )
    response = models.TextField("单位反馈", blank=True)
    responded_on = models.DateField("反馈日期", null=True, blank=True)
    closing_note = models.TextField("办结意见", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)

    class Meta:
        verbose_name = "督办事项"
        verbose_name_plural = "督办事项"
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"督办：{self.assignment}"


class Instruction(models.Model):
    """A leader's 批示 on a 督办 item."""

    item = models.ForeignKey(
        SupervisionItem,
        on_delete=models.CASCADE,
        related_name="instructions",
        verbose_name="督办事项",
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="批示领导账号",
    )
    leader_label = models.CharField("批示领导", max_length=100)
    text = models.TextField("批示内容")
    given_on = models.DateField("批示日期")

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["given_on", "id"]

    def __str__(self) -> str:
        return f"{self.leader_label} {self.given_on}"


class Bulletin(TimeStampedModel):
    """A periodic 通报 of the ledger. Its figures are computed when it is drafted and
    frozen when it is published, with the credit office's commentary."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已印发"

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="bulletins", verbose_name="年度工作方案"
    )
    period = models.CharField("期间", max_length=7, help_text="YYYY-MM")
    commentary = models.TextField("信用办评述", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    snapshot = models.JSONField("印发时的内容", default=dict, blank=True)
    published_on = models.DateField("印发日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="起草人",
    )

    class Meta:
        verbose_name = "台账通报"
        verbose_name_plural = "台账通报"
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period"], name="ledger_bulletin_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period} 工作台账推进情况通报"


class PlanRules(models.Model):
    """Timing and scoring rules of one plan year, as data (loaded from data/rules.json,
    edited in the admin)."""

    plan = models.OneToOneField(
        Plan, on_delete=models.CASCADE, related_name="rules", verbose_name="年度工作方案"
    )
    warning_workdays = models.PositiveSmallIntegerField("到期前预警（工作日）", default=5)
    ongoing_report_workdays = models.PositiveSmallIntegerField(
        "持续推进事项季度报送期限（季末后工作日）", default=5
    )
    supervision_workdays = models.PositiveSmallIntegerField("督办办理期限（工作日）", default=5)
    points_per_row = models.DecimalField("每项满分", max_digits=6, decimal_places=2, default=10)
    pending_share = models.DecimalField(
        "已报完成待审核得分比例", max_digits=4, decimal_places=2, default=Decimal("0.6")
    )
    progress_share = models.DecimalField(
        "推进中得分比例", max_digits=4, decimal_places=2, default=Decimal("0.3")
    )
    overdue_deduction = models.DecimalField(
        "每项逾期扣分", max_digits=6, decimal_places=2, default=2
    )
    missing_evidence_deduction = models.DecimalField(
        "完成无佐证材料扣分", max_digits=6, decimal_places=2, default=1
    )
    repeated_delay_deduction = models.DecimalField(
        "重复逾期每次扣分", max_digits=6, decimal_places=2, default=1
    )
    target_points = models.DecimalField(
        "每个量化目标满分", max_digits=6, decimal_places=2, default=5
    )

    class Meta:
        verbose_name = "考核与期限规则"
        verbose_name_plural = "考核与期限规则"

    def __str__(self) -> str:
        return f"{self.plan.year}年规则"
