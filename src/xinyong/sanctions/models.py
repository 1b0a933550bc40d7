"""Lists (red, black, abnormal, watch), the measures list with legal bases, checks and
their feedback (发起响应 → 信息推送 → 执行反馈 → 统计分析), typical cases, blacklist
governance and dishonesty events (DOMAIN.md §7–8)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


def new_exchange_uid() -> str:
    return uuid.uuid4().hex


class ListType(TimeStampedModel):
    class Kind(models.TextChoices):
        SERIOUS = "serious", "严重失信主体名单"
        ABNORMAL = "abnormal", "经营异常名录"
        WATCH = "watch", "重点关注名单"
        RED = "red", "红名单（守信激励对象）"

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    field = models.CharField(
        "领域",
        max_length=100,
        blank=True,
        help_text="如 失信被执行人、重大税收违法失信、拖欠农民工工资",
    )
    legal_basis = models.TextField("法律依据")
    designating_authority = models.CharField("认定机关", max_length=200)
    # False for lists decided outside the district (the court's 失信被执行人名单): their
    # entries come only from upstream files, so that no district unit can list a subject
    # on another authority's behalf without that authority's effective document.
    locally_designable = models.BooleanField(
        "本区可认定",
        default=True,
        help_text="否：认定机关在本区之外（如人民法院），条目只能随上级推送导入，本区单位不能提出列入",
    )
    # The district units whose staff may propose entries on this list: each list has its
    # own designating authority (SX_TAX: 税务机关, 国家税务总局令第54号), and finding 失信
    # needs that authority's effective document (DOMAIN §7). The credit office may act on
    # every type; empty means only the credit office (and, for a type designated outside
    # the district, only upstream imports).
    designating_units = models.ManyToManyField(
        "orgs.Unit",
        blank=True,
        related_name="designable_list_types",
        verbose_name="可认定单位",
        help_text="可以在本名单中提出列入的本区单位；信用办始终可以办理。认定机关在本区之外的名单留空",
    )
    entry_criteria = models.TextField("列入条件")
    exit_criteria = models.TextField("移出条件")
    default_duration_months = models.PositiveSmallIntegerField(
        "默认有效期（月）",
        null=True,
        blank=True,
        help_text="空表示直至移出；本区提出的条目有效期不得超过此期限（法定列入期限）",
    )
    requires_prior_notice = models.BooleanField(
        "列入前须书面告知",
        default=False,
        help_text="河南条例第二十八条：列入严重失信名单前书面告知依据、理由、措施和异议权利",
    )
    notice_objection_workdays = models.PositiveSmallIntegerField(
        "告知后异议期（工作日）", default=10
    )
    publish_before_effect = models.BooleanField("生效前先行公示（红名单）", default=False)
    publicity_workdays = models.PositiveSmallIntegerField("生效前公示期（工作日）", default=5)
    # The catalogue type in which upstream pushes this list (e.g. SXBZXR for the court's
    # 失信被执行人 files): `sanctions.importer` turns those records into entries.
    record_type = models.ForeignKey(
        "catalog.RecordType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_types",
        verbose_name="上级推送对应的信息类别",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "名单类型"
        verbose_name_plural = "名单类型"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_prior_notice(self) -> bool:
        """Whether a local proposal needs the prior written notice: the type's flag, and
        always for a serious list the district designates itself (河南条例 art. 28), so
        that a flag left unset never lets a 黑名单 entry in without notice."""
        return self.requires_prior_notice or (
            self.kind == self.Kind.SERIOUS and self.locally_designable
        )

    @property
    def publishes_first(self) -> bool:
        """Whether a proposal is published (公示中) before it takes effect: the type's flag,
        and always for a red list the district designates (河南条例 art. 28), so that a
        flag switched off before the rule (validate_list_type now refuses it) never lets a
        red entry in unpublished."""
        return self.publish_before_effect or (
            self.kind == self.Kind.RED and self.locally_designable
        )


class ListEntry(TimeStampedModel):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "拟列入"
        PUBLICISING = "publicising", "公示中（拟列入红名单）"
        LISTED = "listed", "列入"
        REMOVED = "removed", "移出"
        CANCELLED = "cancelled", "撤销拟列入"

    class Source(models.TextChoices):
        LOCAL = "local", "本区认定"
        UPSTREAM = "upstream", "上级推送"

    list_type = models.ForeignKey(
        ListType, on_delete=models.PROTECT, related_name="entries", verbose_name="名单类型"
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="list_entries",
        verbose_name="信用主体",
    )
    basis_document = models.CharField("认定文书号", max_length=200)
    basis_record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="list_entries",
        verbose_name="依据记录",
    )
    reasons = models.TextField("列入理由（具体失信/守信事实）")
    designating_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="list_entries",
        verbose_name="认定单位",
    )
    designating_authority = models.CharField("认定机关（名称）", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.LOCAL)
    upstream_key = models.CharField("上级名单标识", max_length=200, blank=True, db_index=True)
    # The entry's identity towards the city platform (记录标识 `<node>-MD-<this>`), set on
    # creation and never changed. Random, not the row id: a database restored from an
    # older backup (or a reset sequence) hands row ids out again, and the city would
    # overwrite one firm's entry with another's. Entries from before this field carry
    # their row id here, so the JLBS already sent stays theirs (migration 0004).
    exchange_uid = models.CharField(
        "交换标识", max_length=32, unique=True, default=new_exchange_uid, editable=False
    )
    notice_number = models.CharField("告知书编号", max_length=40, blank=True)
    notice_served_on = models.DateField("告知送达日期", null=True, blank=True)
    # Null after a served notice while the objection period reaches into a year whose
    # working-day calendar is not loaded (期限待定, sanctions.deadlines).
    objection_deadline = models.DateField("异议截止日期", null=True, blank=True)
    # The day a red-list entry actually went public, from which its publicity period
    # counts (河南条例 art. 28); its end is null while 期限待定 (sanctions.deadlines).
    publicity_from = models.DateField("公示开始日期（红名单）", null=True, blank=True)
    publicity_until = models.DateField("公示截止日期（红名单）", null=True, blank=True)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    ends_on = models.DateField("有效期至", null=True, blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.TextField("移出理由", blank=True)
    # Objections filed through the rights workflow against the entry itself (record=None);
    # objections against the basis record are found through basis_record.
    objections = models.ManyToManyField(
        "rights.Objection", blank=True, related_name="list_entries", verbose_name="针对本条目的异议"
    )

    class Meta:
        verbose_name = "名单条目"
        verbose_name_plural = "名单条目"
        ordering = ["-id"]
        indexes = [models.Index(fields=["subject", "status"], name="listentry_subject_status")]

    def __str__(self) -> str:
        return f"{self.list_type} · {self.subject} · {self.get_status_display()}"


class ListEntryChange(models.Model):
    """The entry's history: every status change with its date and reason."""

    entry = models.ForeignKey(
        ListEntry, on_delete=models.CASCADE, related_name="changes", verbose_name="名单条目"
    )
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12)
    on = models.DateField("日期")
    note = models.TextField("说明", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="记录时间")

    class Meta:
        verbose_name = "名单状态变更"
        verbose_name_plural = "名单状态变更"
        ordering = ["entry", "id"]

    def __str__(self) -> str:
        def label(status: str) -> str:
            return ListEntry.Status(status).label if status in ListEntry.Status else status

        change = (
            f"{label(self.from_status)}→{label(self.to_status)}"
            if self.from_status
            else label(self.to_status)
        )
        return f"名单条目 {self.entry_id} {self.on} {change}"


class Matter(TimeStampedModel):
    """A kind of administrative matter in which a unit checks a subject's credit
    (政府采购, 招标投标, 财政补贴, 评优评先, 任职, 告知承诺审批 …)."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "办理事项类型"
        verbose_name_plural = "办理事项类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Measure(TimeStampedModel):
    class Kind(models.TextChoices):
        PUNISHMENT = "punishment", "惩戒措施"
        INCENTIVE = "incentive", "激励措施"

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("措施名称", max_length=300)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    legal_basis = models.TextField("法律依据（引用原文条款）")
    source_list = models.CharField(
        "来源清单",
        max_length=200,
        help_text="如《全国失信惩戒措施基础清单（2022年版）》、河南条例第三十四条",
    )
    implementing_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="measures", verbose_name="实施单位"
    )
    implementing_text = models.CharField("实施主体（表述）", max_length=300, blank=True)
    list_types = models.ManyToManyField(ListType, related_name="measures", verbose_name="适用名单")
    matters = models.ManyToManyField(
        Matter, related_name="measures", verbose_name="适用事项", blank=True
    )
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "奖惩措施"
        verbose_name_plural = "奖惩措施"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Check(TimeStampedModel):
    """One 发起响应: a unit handling a matter asked about a subject and was told which
    measures legally apply now."""

    class FeedbackStatus(models.TextChoices):
        NOT_NEEDED = "not_needed", "无需反馈（未命中）"
        PENDING = "pending", "待反馈"
        DONE = "done", "已反馈"

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="credit_checks", verbose_name="查询单位"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="查询人",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="credit_checks",
        verbose_name="信用主体",
    )
    matter = models.ForeignKey(
        Matter, on_delete=models.PROTECT, related_name="checks", verbose_name="办理事项"
    )
    matter_reference = models.CharField("业务编号", max_length=100, blank=True)
    checked_on = models.DateField("查询日期", db_index=True)
    hit = models.BooleanField("命中", default=False)
    snapshot = models.JSONField("返回结果", default=dict)
    feedback_status = models.CharField("反馈状态", max_length=12, choices=FeedbackStatus.choices)
    # Null when there is no hit (no feedback needed) and, for a hit, while the deadline
    # reaches into a year whose working-day calendar is not loaded (期限待定).
    feedback_due = models.DateField("反馈期限", null=True, blank=True)

    class Meta:
        verbose_name = "奖惩查询"
        verbose_name_plural = "奖惩查询"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.unit} 查询 {self.subject} {self.checked_on}"


class CheckMeasure(models.Model):
    """A measure returned by a check, and what the unit did with it (执行反馈)."""

    class Action(models.TextChoices):
        PENDING = "pending", "待反馈"
        APPLIED = "applied", "已实施"
        NOT_APPLIED = "not_applied", "未实施（说明理由）"
        NOT_APPLICABLE = "not_applicable", "不适用"

    check_run = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="measures", verbose_name="奖惩查询"
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="+", verbose_name="奖惩措施"
    )
    list_entry = models.ForeignKey(
        ListEntry, on_delete=models.PROTECT, related_name="+", verbose_name="名单条目"
    )
    action = models.CharField(
        "执行情况", max_length=15, choices=Action.choices, default=Action.PENDING
    )
    reason = models.TextField("说明", blank=True)
    reported_on = models.DateField("反馈日期", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="反馈人",
    )

    class Meta:
        verbose_name = "查询命中措施"
        verbose_name_plural = "查询命中措施"

    def __str__(self) -> str:
        return f"奖惩查询 {self.check_run_id} · 措施 {self.measure_id}：{self.get_action_display()}"


class TypicalCase(TimeStampedModel):
    """A 典型案例 of joint rewards or punishments, written up and published."""

    title = models.CharField("标题", max_length=200)
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="typical_cases", verbose_name="报送单位"
    )
    check_run = models.ForeignKey(
        Check,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="关联奖惩查询",
    )
    body = models.TextField("案例内容")
    published_on = models.DateField("发布日期", null=True, blank=True)

    class Meta:
        verbose_name = "典型案例"
        verbose_name_plural = "典型案例"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class GovernanceTarget(TimeStampedModel):
    """Targets of blacklist governance (seed task 10): the share of district enterprises on
    serious-dishonesty lists, and zero government bodies on the 失信被执行人 list."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    max_blacklist_share = models.DecimalField(
        "黑名单企业占比上限（%）", max_digits=6, decimal_places=3
    )
    max_government_bodies_listed = models.PositiveSmallIntegerField(
        "列入失信被执行人的政府机构数上限", default=0
    )
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "黑名单治理目标"
        verbose_name_plural = "黑名单治理目标"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年治理目标"


class GovernanceCase(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", "治理中"
        REMOVED = "removed", "已移出名单"
        REPAIRED = "repaired", "已信用修复"
        DEREGISTERED = "deregistered", "已清理（僵尸企业注销）"
        CLOSED_OTHER = "closed_other", "其他方式办结"

    entry = models.ForeignKey(
        ListEntry,
        on_delete=models.PROTECT,
        related_name="governance_cases",
        verbose_name="名单条目",
    )
    lead_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="governance_cases",
        verbose_name="牵头单位",
    )
    status = models.CharField("状态", max_length=15, choices=Status.choices, default=Status.OPEN)
    plan = models.TextField("治理方案", blank=True)
    due_on = models.DateField("完成期限")
    closed_on = models.DateField("办结日期", null=True, blank=True)
    outcome_note = models.TextField("办结说明", blank=True)

    class Meta:
        verbose_name = "黑名单治理案件"
        verbose_name_plural = "黑名单治理案件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"治理 {self.entry}"


class GovernanceAction(models.Model):
    case = models.ForeignKey(
        GovernanceCase, on_delete=models.CASCADE, related_name="actions", verbose_name="治理案件"
    )
    on = models.DateField("日期")
    action = models.CharField("工作内容", max_length=200)
    contact = models.CharField("联系人/对接情况", max_length=200, blank=True)
    note = models.TextField("进展", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )

    class Meta:
        verbose_name = "治理工作记录"
        verbose_name_plural = "治理工作记录"
        ordering = ["case", "on", "id"]

    def __str__(self) -> str:
        return f"治理案件 {self.case_id} · {self.on} {self.action}"


class DishonestyEvent(TimeStampedModel):
    """A dishonesty event from monitoring (seed task 11), handled and published."""

    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        ASSIGNED = "assigned", "已交办"
        HANDLED = "handled", "已处置"
        PUBLISHED = "published", "已公布"

    title = models.CharField("事件", max_length=200)
    source = models.CharField("监测来源", max_length=200)
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dishonesty_events",
        verbose_name="涉及主体",
    )
    description = models.TextField("事件情况")
    detected_on = models.DateField("发现日期")
    assigned_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dishonesty_events",
        verbose_name="承办单位",
    )
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    # Null before assignment and while a computed deadline reaches into a year whose
    # working-day calendar is not loaded (期限待定, sanctions.deadlines).
    due_on = models.DateField("处置期限", null=True, blank=True)
    # Only a deadline the platform computed follows the calendar (loaded or edited later);
    # a date the credit office gave stays as given.
    due_computed = models.BooleanField(
        "处置期限按工作日计算",
        default=False,
        help_text="是：由交办日期按工作日规则计算，工作日历导入或调整后自动重算；否：信用办指定的日期",
    )
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.REGISTERED
    )
    handling = models.TextField("处置情况", blank=True)
    handled_on = models.DateField("处置日期", null=True, blank=True)
    public_text = models.TextField("公布内容", blank=True)
    published_on = models.DateField("公布日期", null=True, blank=True)

    class Meta:
        verbose_name = "失信事件"
        verbose_name_plural = "失信事件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title
