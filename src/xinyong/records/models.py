"""The credit record store: one model for every catalogue type (ARCHITECTURE rule 1).

Common columns are what every consumer filters on; everything else lives in `payload`,
keyed by the catalogue's field codes and validated against the type's field specs before
it gets here. A record's identity is (type, deciding unit's code, document number); a
correction keeps the previous content as a `RecordVersion`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinyong.catalog.models import Nature
from xinyong.core.models import TimeStampedModel


class CreditRecord(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        WITHDRAWN = "withdrawn", "已撤销"

    # No single-column index on record_type / source_unit: the composite indexes below
    # lead with them, and every extra index slows the bulk load (docs/collection.md).
    # No database constraint on record_type, source_unit and batch either: within a batch
    # they are one value each, resolved by the write path from existing rows, while the
    # database would check them again for every record (PostgreSQL: a deferred trigger
    # per row and key, 23 s at commit for a million records with four keys). PROTECT and
    # SET_NULL are Django's, so deletes behave the same; the subject keeps its constraint.
    record_type = models.ForeignKey(
        "catalog.RecordType",
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name="信息类别",
        db_index=False,
        db_constraint=False,
    )
    # sha256 of "type code|deciding unit code|document number", so that one unique
    # column serves lookups of the identity on both databases.
    # Unique through Meta.constraints, not unique=True: the field option also creates a
    # `varchar_pattern_ops` index on PostgreSQL, a second random-order index of a
    # million hash keys per bulk load that no query uses.
    identity_key = models.CharField("记录标识", max_length=64)
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name="信用主体",
    )
    party_name = models.CharField("行政相对人名称", max_length=200)
    # No index: the only query on it (the records search) ORs it with icontains matches,
    # which scan anyway; subject_id serves "records of a subject".
    party_identifier = models.CharField("主体代码", max_length=40, blank=True)
    document_number = models.CharField("决定文书号", max_length=200)
    # Indexed through (record_type, decision_date) only: each extra index on a million-row
    # bulk load costs more than it saves on the few date-range queries without a type.
    decision_date = models.DateField("决定日期", null=True)
    deciding_unit_name = models.CharField("决定机关", max_length=200, blank=True)
    deciding_unit_code = models.CharField("决定机关统一社会信用代码", max_length=18, blank=True)
    source_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name="报送单位",
        db_index=False,
        db_constraint=False,
    )
    # Indexed through (source_unit, reported_on): reports are always read per unit.
    reported_on = models.DateField("报送日期")
    deadline = models.DateField("报送期限", null=True)
    is_late = models.BooleanField("迟报", default=False)
    nature = models.CharField("信息性质", max_length=10, choices=Nature.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.ACTIVE)
    payload = models.JSONField("信息项")
    content_hash = models.CharField("内容哈希", max_length=64)
    version = models.PositiveIntegerField("版本", default=1)
    # The subject's known name differed from the name in the submitted row: the subject
    # keeps its name (never overwritten) and the disagreement is flagged here.
    name_mismatch = models.TextField("名称不一致提示", blank=True, default="")
    batch = models.ForeignKey(
        "collection.Batch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="最近批次",
        db_constraint=False,
    )

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        constraints = [
            models.UniqueConstraint(fields=["identity_key"], name="record_identity_unique"),
        ]
        indexes = [
            models.Index(fields=["source_unit", "reported_on"], name="record_unit_reported"),
            models.Index(fields=["record_type", "decision_date"], name="record_type_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.party_name}"


class RecordVersion(models.Model):
    """A superseded content of a record, kept when a correction arrives."""

    record = models.ForeignKey(
        CreditRecord, on_delete=models.CASCADE, related_name="versions", verbose_name="信用记录"
    )
    version = models.PositiveIntegerField("版本")
    payload = models.JSONField("信息项")
    content_hash = models.CharField("内容哈希", max_length=64)
    superseded_at = models.DateTimeField("被替换时间", auto_now_add=True)
    superseded_by_batch = models.ForeignKey(
        "collection.Batch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="替换它的归集批次",
    )

    class Meta:
        verbose_name = "记录历史版本"
        verbose_name_plural = "记录历史版本"
        ordering = ["record", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="record_version_unique")
        ]

    def __str__(self) -> str:
        return f"记录 {self.record_id} 第 {self.version} 版"


class RecordWithdrawal(models.Model):
    """How and when a record was withdrawn (撤回/撤销) or voided (录入错误作废).

    撤销/撤回: 行政处罚法 art. 48: a published penalty decision that is changed, revoked,
    or found unlawful or void is withdrawn within three days (working days, art. 85) with
    the reason made public; the deadline runs from the date of that change or revocation
    (`revoked_on`). Withdrawals decided by the credit office on an objection carry no such
    date: the objection has its own deadlines (河南条例 art. 41).

    录入错误作废: the record was keyed wrongly (e.g. a typo in the 文书号) while the decision
    itself stands or never existed as keyed. Art. 48 does not apply: no revocation date,
    no deadline, never late, no public explanation; it may name the correct record."""

    class Kind(models.TextChoices):
        REVOCATION = "revocation", "撤销/撤回"
        KEYING_ERROR = "keying_error", "录入错误作废"

    record = models.OneToOneField(
        CreditRecord, on_delete=models.CASCADE, related_name="withdrawal", verbose_name="信用记录"
    )
    kind = models.CharField(
        "撤回类型", max_length=20, choices=Kind.choices, default=Kind.REVOCATION
    )
    withdrawn_on = models.DateField("撤回日期")
    revoked_on = models.DateField("变更或撤销决定日期", null=True, blank=True)
    deadline = models.DateField("撤回期限", null=True, blank=True)
    is_late = models.BooleanField("逾期撤回", default=False)
    # Whether the record was public on the withdrawal day (not already repaired, expired
    # or never published): only then is the withdrawal explained to the public.
    was_public = models.BooleanField("撤回时正在公示", default=False)
    basis_document = models.CharField("依据文书号", max_length=200, blank=True)
    reason = models.TextField("撤回理由")
    # 录入错误作废 only: the 文书号 of the correct record as the user wrote it, and that
    # record when it exists (same unit and type, active) at the time of the void.
    replacement_document = models.CharField("正确记录的文书号", max_length=200, blank=True)
    replaced_by = models.ForeignKey(
        CreditRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="正确记录",
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="操作人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用记录撤回"
        verbose_name_plural = "信用记录撤回"

    def __str__(self) -> str:
        verb = "作废" if self.is_void else "撤回"
        return f"{self.record_id} {verb}于 {self.withdrawn_on}"

    @property
    def is_void(self) -> bool:
        return self.kind == self.Kind.KEYING_ERROR
