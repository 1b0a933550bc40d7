"""Credit reports (信用报告, DOMAIN.md §12): the purposes a report may be issued for, the
catalogue of administrative matters that use reports (信用报告应用目录), the issued
reports themselves (content, the digest of the sealed PDF file) and the portal's
self-service requests."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models

from xinyong.core.models import TimeStampedModel


class UnicodeJSONEncoder(json.JSONEncoder):
    """Writes Chinese text as UTF-8 rather than \\uXXXX escapes: SQLite keeps JSON as the
    text it is given, and a report's data take ~40 % less space this way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class AppliesTo(models.TextChoices):
    ALL = "all", "法人和非法人组织及个人"
    ORG = "org", "仅法人和非法人组织（含个体工商户）"
    PERSON = "person", "仅个人"


class ReportPurpose(TimeStampedModel):
    """Why a report is issued; reference data the credit office may extend."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("用途名称", max_length=100, unique=True)
    applies_to = models.CharField(
        "适用主体", max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    on_subject_request = models.BooleanField(
        "主体本人申请（计入每年两次免费）",
        default=False,
        help_text="河南条例第四十条：信用主体每年可免费获取两次本主体的信用报告",
    )
    self_service = models.BooleanField("门户可自助获取", default=False)
    special = models.BooleanField(
        "专项信用报告（替代无违法违规证明）",
        default=False,
        help_text="发改财金〔2025〕565号：至少覆盖行政处罚（含简易程序）、行政强制、严重失信主体名单、刑事判决",
    )
    lookback_months = models.PositiveSmallIntegerField(
        "专项核查期间（月）", null=True, blank=True, help_text="仅专项信用报告使用"
    )
    validity_days = models.PositiveSmallIntegerField("报告有效期（天）", default=30)
    basis = models.TextField("依据")
    description = models.TextField("说明", blank=True)
    active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "报告用途"
        verbose_name_plural = "报告用途"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ApplicationMatter(TimeStampedModel):
    """One administrative matter of a unit that uses credit reports (信用报告应用目录,
    seed ledger row 在行政管理和政务服务过程中应用信用报告的领域)."""

    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="report_matters",
        verbose_name="单位",
    )
    name = models.CharField("事项名称", max_length=200)
    purpose = models.ForeignKey(
        ReportPurpose, on_delete=models.PROTECT, related_name="matters", verbose_name="报告用途"
    )
    basis = models.TextField("应用依据")
    usage = models.CharField("应用方式", max_length=200, blank=True)
    published = models.BooleanField("在门户公布", default=True)
    active = models.BooleanField("启用", default=True)
    usage_count = models.PositiveIntegerField("已出具报告数", default=0)

    class Meta:
        verbose_name = "信用报告应用事项"
        verbose_name_plural = "信用报告应用目录"
        ordering = ["unit__sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="report_matter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.name}"


class ReportKind(models.TextChoices):
    ORG = "org", "法人和非法人组织"
    PERSON = "person", "个人"


class Channel(models.TextChoices):
    STAFF = "staff", "工作人员出具"
    SELF_SERVICE = "self_service", "门户自助打印"
    API = "api", "接口出具"
    CLI = "cli", "命令行出具"
    BANK = "bank", "银行经授权查询"


class Report(TimeStampedModel):
    # 报告编号: yyyyMMddHHmmss + 8 alphanumerics, 22 characters (信用中国 V2.0; DOMAIN.md §12).
    number = models.CharField("报告编号", max_length=22, unique=True)
    kind = models.CharField("报告类型", max_length=10, choices=ReportKind.choices)
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="credit_reports",
        verbose_name="信用主体",
    )
    # As printed: a person's name and ID number are masked (DOMAIN.md §2).
    subject_name = models.CharField("主体名称（报告所载）", max_length=200)
    subject_identifier = models.CharField("主体代码（报告所载）", max_length=64)
    purpose = models.ForeignKey(
        ReportPurpose, on_delete=models.PROTECT, related_name="reports", verbose_name="报告用途"
    )
    matter = models.ForeignKey(
        ApplicationMatter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name="应用事项",
    )
    channel = models.CharField("出具渠道", max_length=15, choices=Channel.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="出具人",
    )
    issued_by_label = models.CharField("出具人（记录时）", max_length=150)
    issued_unit = models.CharField("出具单位", max_length=100, blank=True)
    # The issuer's unit when the report was issued: a unit's staff see the reports it
    # issued (reports.selectors), and a clerk moved to another unit since does not take
    # them along. `issued_unit` is the name printed (a bank's too); this is the unit.
    issuing_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="出具单位（机构）",
    )
    issued_at = models.DateTimeField("生成时间")
    valid_until = models.DateField("有效期至")
    version = models.CharField("报告版本", max_length=20)
    free_quota = models.BooleanField("计入每年免费次数", default=False)
    content_sha256 = models.CharField("内容摘要（SHA-256）", max_length=64)
    # The sealed PDF is a file named by this digest (reports.storage), not a column.
    pdf_sha256 = models.CharField("PDF 摘要（SHA-256）", max_length=64)
    seal_alg = models.CharField("签章算法", max_length=20)
    key_id = models.CharField("签章密钥标识", max_length=32)
    record_count = models.PositiveIntegerField("所载信用记录数", default=0)
    print_count = models.PositiveIntegerField("下载打印次数", default=0)
    # Last column on purpose (migration 0002 moved it there): on SQLite a large value
    # spills into overflow pages, and only reads of columns stored after it pay for
    # walking them. Queries that do not show the content defer it.
    content = models.JSONField("报告内容", encoder=UnicodeJSONEncoder)

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "issued_at"], name="report_subject_issued"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject_name}"


class SelfServiceRequest(TimeStampedModel):
    """One portal request for a subject's own report: identity confirmation through the
    pluggable confirmer (commitments.identity), then the report."""

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.CASCADE, related_name="+", verbose_name="信用主体"
    )
    # Read by the identity confirmer (commitments.identity.OnScreenCodeConfirmer).
    confirmation_code = models.CharField("确认码", max_length=12, blank=True)
    confirmer = models.CharField("身份确认方式", max_length=50)
    attempts = models.PositiveSmallIntegerField("确认尝试次数", default=0)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    report = models.ForeignKey(
        Report,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="所获报告",
    )

    class Meta:
        verbose_name = "自助获取申请"
        verbose_name_plural = "自助获取申请"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"自助获取申请 {self.pk}（主体 {self.subject_id}）"
