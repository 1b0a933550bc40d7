"""Objections (异议, 河南条例 art. 41), credit repair (信用修复) and repair notices
(主动告知 / 两书同达). Deadlines are counted in working days by core.calendar from the
limits in `RightsPolicy`, never stored as hand-computed dates alone."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


def new_query_code() -> str:
    # 12 characters from an alphabet without look-alikes: what an applicant types to
    # follow progress (信用中国 practice), unguessable enough to need no login.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class RightsPolicy(TimeStampedModel):
    """The working-day limits of objections and repair, as data with their basis."""

    name = models.CharField("名称", max_length=100, default="异议与信用修复办理时限")
    objection_office_days = models.PositiveSmallIntegerField(
        "信用办自行处理时限（工作日）",
        default=3,
        help_text="河南条例第四十一条：平台自行处理的，3个工作日内办结",
    )
    objection_provider_reply_days = models.PositiveSmallIntegerField(
        "提供单位答复时限（工作日）",
        default=3,
        help_text="河南条例第四十一条：提供单位3个工作日内核实答复",
    )
    objection_total_days = models.PositiveSmallIntegerField(
        "需提供单位核查的办结时限（工作日）",
        default=7,
        help_text="河南条例第四十一条：7个工作日内办结",
    )
    repair_review_days = models.PositiveSmallIntegerField(
        "修复申请审核时限（工作日）",
        default=10,
        help_text="材料齐全之日起10个工作日内作出决定（信用中国实践）",
    )
    repair_sync_days = models.PositiveSmallIntegerField(
        "修复结果同步时限（工作日）", default=3, help_text="修复决定作出后3个工作日内同步至各接收方"
    )
    legal_basis = models.TextField(
        "依据",
        default="《河南省社会信用条例》第四十一条；国办发〔2025〕22号；《信用修复管理办法》（国家发展改革委）",
    )
    effective_from = models.DateField("施行日期")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "异议与修复时限"
        verbose_name_plural = "异议与修复时限"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from} 起）"


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    COUNTER = "counter", "窗口受理"


class Objection(TimeStampedModel):
    class Category(models.TextChoices):
        WRONG = "wrong", "信息有误"
        MISSING = "missing", "信息遗漏"
        INFRINGING = "infringing", "侵犯合法权益"
        EXPIRED = "expired", "超期仍在公示"
        OTHER = "other", "其他"

    class Route(models.TextChoices):
        OFFICE = "office", "信用办自行处理"
        PROVIDER = "provider", "转提供单位核查"

    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        FORWARDED = "forwarded", "提供单位核查中"
        PROVIDER_REPLIED = "provider_replied", "提供单位已答复"
        DECIDED = "decided", "已办结"

    class Outcome(models.TextChoices):
        CORRECTED = "corrected", "更正"
        REVOKED = "revoked", "撤销"
        KEPT = "kept", "维持"

    query_code = models.CharField("查询码", max_length=12, unique=True, default=new_query_code)
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name="异议记录",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name="信用主体",
    )
    channel = models.CharField("受理渠道", max_length=10, choices=Channel.choices)
    category = models.CharField("异议类型", max_length=12, choices=Category.choices)
    description = models.TextField("异议内容（哪里有误）")
    requested_change = models.TextField("请求更正为", blank=True)
    applicant_name = models.CharField("申请人", max_length=200)
    applicant_identifier = models.CharField(
        "申请人证件号码/统一社会信用代码", max_length=40, blank=True
    )
    applicant_phone = models.CharField("联系电话", max_length=20)
    applicant_is_government = models.BooleanField("申请人为行政事业单位或公职人员", default=False)
    received_on = models.DateField("受理日期")
    route = models.CharField("办理方式", max_length=10, choices=Route.choices, default=Route.OFFICE)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    provider_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objections_to_verify",
        verbose_name="核查单位",
    )
    forwarded_on = models.DateField("转办日期", null=True, blank=True)
    provider_reply = models.TextField("提供单位核查意见", blank=True)
    provider_replied_on = models.DateField("答复日期", null=True, blank=True)
    outcome = models.CharField("处理结果", max_length=10, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField("处理理由", blank=True)
    decided_on = models.DateField("办结日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办结人",
    )
    applicant_notice = models.TextField("告知申请人内容", blank=True)
    notified_at = models.DateTimeField("告知时间", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="受理人",
    )

    class Meta:
        verbose_name = "异议申请"
        verbose_name_plural = "异议申请"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "received_on"], name="objection_status_received")]

    def __str__(self) -> str:
        return f"异议 {self.query_code}"


class ObjectionPause(models.Model):
    """Time spent on testing, appraisal or expert review does not count toward the
    objection's limits (河南条例 art. 41)."""

    class Reason(models.TextChoices):
        TESTING = "testing", "检测检验"
        APPRAISAL = "appraisal", "鉴定"
        EXPERT = "expert", "专家评审"

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="pauses", verbose_name="异议申请"
    )
    reason = models.CharField("暂停原因", max_length=10, choices=Reason.choices)
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "异议计时暂停"
        verbose_name_plural = "异议计时暂停"
        ordering = ["objection", "started_on"]

    def __str__(self) -> str:
        return (
            f"{self.objection} {self.get_reason_display()} {self.started_on}–{self.ended_on or ''}"
        )


class Attachment(TimeStampedModel):
    """Evidence for an objection or material for a repair application."""

    objection = models.ForeignKey(
        Objection,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name="异议申请",
    )
    repair = models.ForeignKey(
        "rights.RepairApplication",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name="信用修复申请",
    )
    file = models.FileField("文件", upload_to="rights/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("哈希", max_length=64)
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "材料附件"
        verbose_name_plural = "材料附件"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(objection__isnull=False) | models.Q(repair__isnull=False),
                name="attachment_has_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class RepairApplication(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        INCOMPLETE = "incomplete", "材料待补正"
        PROVIDER_REVIEW = "provider_review", "提供单位审核中"
        OFFICE_REVIEW = "office_review", "信用办审核中"
        APPROVED = "approved", "准予修复"
        REFUSED = "refused", "不予修复"
        # The record was withdrawn (撤销/撤回) while the application was pending: nothing
        # is left to repair, so the case ends without a decision on its merits.
        TERMINATED = "terminated", "终止办理"

    query_code = models.CharField("查询码", max_length=12, unique=True, default=new_query_code)
    record = models.ForeignKey(
        "records.CreditRecord",
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name="修复记录",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name="信用主体",
    )
    channel = models.CharField("受理渠道", max_length=10, choices=Channel.choices)
    applicant_name = models.CharField("申请人", max_length=200)
    applicant_phone = models.CharField("联系电话", max_length=20)
    fulfilment_statement = models.TextField("履行义务情况说明")
    commitment_text = models.TextField("信用修复承诺书")
    commitment_accepted = models.BooleanField("已作出信用修复承诺", default=False)
    submitted_on = models.DateField("提交日期")
    # The last incomplete finding and the last resubmission: 材料齐全 is dated on or after
    # both, since the decision clock (10 working days) starts there.
    incomplete_on = models.DateField("退回补正日期", null=True, blank=True)
    resubmitted_on = models.DateField("补正日期", null=True, blank=True)
    complete_on = models.DateField("材料齐全日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    provider_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repairs_to_review",
        verbose_name="审核单位",
    )
    provider_opinion = models.TextField("提供单位审核意见", blank=True)
    provider_agrees = models.BooleanField("提供单位同意修复", null=True, blank=True)
    provider_reviewed_on = models.DateField("提供单位审核日期", null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="决定人",
    )
    synced_on = models.DateField("同步完成日期", null=True, blank=True)
    applicant_notice = models.TextField("告知申请人内容", blank=True)

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"修复 {self.query_code}"


class RepairNotice(TimeStampedModel):
    """The 信用修复告知书 produced when a penalty record is stored (两书同达 / 主动告知)."""

    # No database constraint, as for the publicity window: notices are derived from the
    # batch's records in the same transaction, and records are never deleted.
    record = models.OneToOneField(
        "records.CreditRecord",
        on_delete=models.CASCADE,
        related_name="repair_notice",
        db_constraint=False,
        verbose_name="信用记录",
    )
    number = models.CharField("告知书编号", max_length=40, unique=True)
    earliest_repair_on = models.DateField("最早可申请修复日期", null=True, blank=True)
    publicity_ends_on = models.DateField("最长公示截止日期", null=True, blank=True)
    served_on = models.DateField("送达日期", null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="送达人",
    )
    serve_method = models.CharField("送达方式", max_length=50, blank=True)

    class Meta:
        verbose_name = "信用修复告知书"
        verbose_name_plural = "信用修复告知书"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number
