"""Evaluation models and grades (A/B/C/D), classified-supervision policies, inspectors
and 双随机 draws (DOMAIN.md §10). Weights, cut-offs and ratios are data."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class GradeLetter(models.TextChoices):
    A = "A", "A 信用风险低"
    B = "B", "B 信用风险一般"
    C = "C", "C 信用风险较高"
    D = "D", "D 信用风险高"


class EvaluationModel(TimeStampedModel):
    name = models.CharField("模型名称", max_length=100)
    version = models.PositiveIntegerField("版本", default=1)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    base_score = models.DecimalField("基础分", max_digits=7, decimal_places=2, default=100)
    # {"A": 90, "B": 75, "C": 60}: score >= A → A, >= B → B, >= C → C, else D.
    cutoffs = models.JSONField("等级分界")
    basis = models.TextField("依据与说明")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信用评价模型"
        verbose_name_plural = "信用评价模型"
        ordering = ["-effective_from", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "version"], name="evaluation_model_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Indicator(TimeStampedModel):
    class Kind(models.TextChoices):
        RECORDS = "records", "信用记录计数（按类别、程度、时效）"
        LIST = "list", "名单状态"
        COMMITMENT_KEPT = "commitment_kept", "承诺履行"
        COMMITMENT_BROKEN = "commitment_broken", "承诺违诺"
        REPAIRED = "repaired", "已修复记录"

    model = models.ForeignKey(
        EvaluationModel,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name="评价模型",
    )
    code = models.CharField("指标代码", max_length=40)
    name = models.CharField("指标名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    # Filters of the indicator, e.g. {"record_type": "XZCF", "severity": "serious", "within_months": 36}
    # or {"list_kind": "serious"}.
    params = models.JSONField("参数", default=dict)
    points = models.DecimalField("每项分值（扣分为负）", max_digits=7, decimal_places=2)
    cap = models.DecimalField(
        "封顶（绝对值）", max_digits=7, decimal_places=2, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField("顺序", default=100)

    class Meta:
        verbose_name = "评价指标"
        verbose_name_plural = "评价指标"
        ordering = ["model", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["model", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.model} · {self.name}"


class SubjectGrade(models.Model):
    """The current grade of a subject, with the contribution of each indicator."""

    class Source(models.TextChoices):
        COMPUTED = "computed", "本平台评价"
        PROVINCIAL = "provincial", "省公共信用综合评价"
        SECTOR = "sector", "行业信用评价"

    subject = models.OneToOneField(
        "subjects.Subject",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="grade",
        verbose_name="信用主体",
    )
    model = models.ForeignKey(
        EvaluationModel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="评价模型",
    )
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等级", max_length=1, choices=GradeLetter.choices)
    source = models.CharField(
        "来源", max_length=12, choices=Source.choices, default=Source.COMPUTED
    )
    explanation = models.JSONField("得分说明", default=list)
    computed_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "主体信用等级"
        verbose_name_plural = "主体信用等级"
        indexes = [models.Index(fields=["grade"], name="subjectgrade_grade")]

    def __str__(self) -> str:
        return f"主体 {self.subject_id}：{self.get_grade_display()}"


class GradeChange(models.Model):
    """History: one row each time a subject's grade or score changes."""

    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.CASCADE,
        related_name="grade_changes",
        verbose_name="信用主体",
    )
    old_grade = models.CharField("原等级", max_length=1, blank=True)
    new_grade = models.CharField("新等级", max_length=1)
    old_score = models.DecimalField("原得分", max_digits=7, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField("新得分", max_digits=7, decimal_places=2, null=True, blank=True)
    reason = models.CharField("原因", max_length=200)
    changed_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "等级变动"
        verbose_name_plural = "等级变动"
        ordering = ["subject", "-changed_at"]

    def __str__(self) -> str:
        return f"主体 {self.subject_id}：{self.old_grade or '无等级'}→{self.new_grade}"


class ExternalEvaluation(TimeStampedModel):
    """A provincial comprehensive evaluation or a sector unit's evaluation result."""

    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.CASCADE,
        related_name="external_evaluations",
        verbose_name="信用主体",
    )
    source = models.CharField("来源", max_length=12, choices=SubjectGrade.Source.choices)
    evaluator = models.CharField("评价机构", max_length=200)
    sector = models.CharField("行业", max_length=100, blank=True)
    grade = models.CharField("等级", max_length=1, choices=GradeLetter.choices)
    original_grade = models.CharField("原始等级表述", max_length=50, blank=True)
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    evaluated_on = models.DateField("评价日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    takes_precedence = models.BooleanField("优先于本平台评价", default=True)
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="对应信用记录",
    )

    class Meta:
        verbose_name = "外部信用评价结果"
        verbose_name_plural = "外部信用评价结果"
        ordering = ["-evaluated_on"]

    def __str__(self) -> str:
        return f"主体 {self.subject_id}：{self.evaluator}评为 {self.grade}"


class SupervisionPolicy(TimeStampedModel):
    grade = models.CharField("等级", max_length=1, choices=GradeLetter.choices)
    inspection_ratio = models.DecimalField("抽查比例（%）", max_digits=6, decimal_places=2)
    frequency_per_year = models.PositiveSmallIntegerField("每年抽查频次", default=1)
    approach = models.CharField("监管方式", max_length=200)
    basis = models.TextField("依据")
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = "分级分类监管政策"
        verbose_name_plural = "分级分类监管政策"
        ordering = ["grade", "-effective_from"]

    def __str__(self) -> str:
        return f"{self.grade} 类抽查比例 {self.inspection_ratio}%"


class Inspector(TimeStampedModel):
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="inspectors", verbose_name="单位"
    )
    name = models.CharField("姓名", max_length=50)
    badge_number = models.CharField("执法证号", max_length=50)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="平台账号",
    )
    active = models.BooleanField("在岗", default=True)

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员名录"
        ordering = ["unit", "badge_number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "badge_number"], name="inspector_badge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.badge_number}）"


class InspectorConflict(models.Model):
    """A declared conflict of interest: this inspector must not be drawn for this subject."""

    inspector = models.ForeignKey(
        Inspector, on_delete=models.CASCADE, related_name="conflicts", verbose_name="执法检查人员"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.CASCADE, related_name="+", verbose_name="信用主体"
    )
    reason = models.CharField("回避理由", max_length=200)
    declared_on = models.DateField("申报日期")

    class Meta:
        verbose_name = "回避申报"
        verbose_name_plural = "回避申报"
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "subject"], name="inspector_conflict_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} 回避主体 {self.subject_id}"


class Draw(TimeStampedModel):
    """A 双随机 draw. The seed's hash is published when the draw is set up; the seed is
    revealed after the draw so that anyone can re-run it (`xinyong draw verify`)."""

    class Status(models.TextChoices):
        COMMITTED = "committed", "已公布种子哈希"
        DRAWN = "drawn", "已抽取"
        PUBLISHED = "published", "结果已公开"

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="draws", verbose_name="组织单位"
    )
    title = models.CharField("抽查任务", max_length=200)
    pool_filter = models.JSONField("对象库条件", default=dict)
    inspectors_per_target = models.PositiveSmallIntegerField("每户检查人员数", default=2)
    seed_hash = models.CharField("种子哈希（SHA-256）", max_length=64)
    seed = models.CharField("随机种子（抽取后公开）", max_length=64, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.COMMITTED
    )
    committed_at = models.DateTimeField("承诺时间")
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    pool_snapshot = models.JSONField("对象库快照（主体ID与等级）", default=list)
    roster_snapshot = models.JSONField("检查人员快照", default=list)
    result = models.JSONField("抽取结果", default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )

    class Meta:
        verbose_name = "双随机抽查"
        verbose_name_plural = "双随机抽查"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class DrawTarget(models.Model):
    draw = models.ForeignKey(
        Draw, on_delete=models.CASCADE, related_name="targets", verbose_name="双随机抽查"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="+", verbose_name="信用主体"
    )
    grade = models.CharField("抽取时等级", max_length=1)
    inspectors = models.ManyToManyField(
        Inspector, related_name="assignments", verbose_name="检查人员"
    )
    inspection_record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="检查结果记录",
    )

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        constraints = [
            models.UniqueConstraint(fields=["draw", "subject"], name="draw_target_unique")
        ]

    def __str__(self) -> str:
        return f"抽查 {self.draw_id} · 主体 {self.subject_id}"
