"""Credit subjects (信用主体, DOMAIN.md §1) and their identifiers (§2).

A subject is keyed by one primary identifier (its 统一社会信用代码, or a natural person's
居民身份证号码 — or, for a person identified by another document, `<证件类型>:<号码>` such
as `护照:E12345678`, `core.identifiers.document_key`) and may carry older ones (15-digit
注册号, 组织机构代码, 税务登记号 …), each unique per kind across all subjects. Duplicates
found later are merged: the absorbed subject keeps its row and history and points to the
survivor through `merged_into`.
"""

from __future__ import annotations

from django.db import models

from xinyong.core.identifiers import KIND_LABELS, IdentifierKind
from xinyong.core.masking import mask_id_number
from xinyong.core.models import TimeStampedModel


class SubjectKind(models.TextChoices):
    ORGANISATION = "org", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    PERSON = "person", "自然人"


class IdentifierType(models.TextChoices):
    """The checked kinds of `core.identifiers` (a person's other ID document: its type and
    number, checked for shape only) plus free-format numbers kept as given (the exchange
    fields CF_XDR_SWDJ, CF_XDR_SYDW, CF_XDR_SHZZ)."""

    USCC = IdentifierKind.USCC.value, KIND_LABELS[IdentifierKind.USCC]
    RESIDENT_ID = IdentifierKind.RESIDENT_ID.value, KIND_LABELS[IdentifierKind.RESIDENT_ID]
    REG_NO_15 = IdentifierKind.REG_NO_15.value, KIND_LABELS[IdentifierKind.REG_NO_15]
    ORG_CODE = IdentifierKind.ORG_CODE.value, KIND_LABELS[IdentifierKind.ORG_CODE]
    TAX_REG = "tax_reg", "税务登记号"
    INSTITUTION_CERT = "institution_cert", "事业单位证书号"
    SOCIAL_ORG_CERT = "social_org_cert", "社会组织登记证号"
    OTHER_PERSONAL_ID = (
        IdentifierKind.OTHER_PERSONAL_ID.value,
        KIND_LABELS[IdentifierKind.OTHER_PERSONAL_ID],
    )


CHECKED_TYPES = frozenset(
    {
        IdentifierType.USCC,
        IdentifierType.RESIDENT_ID,
        IdentifierType.REG_NO_15,
        IdentifierType.ORG_CODE,
        IdentifierType.OTHER_PERSONAL_ID,
    }
)
PERSONAL_TYPES = frozenset({IdentifierType.RESIDENT_ID, IdentifierType.OTHER_PERSONAL_ID})


class Subject(TimeStampedModel):
    # Indexes on name and identifier are declared in Meta: a field's db_index adds a
    # second, `varchar_pattern_ops` index on PostgreSQL that no query here uses (name
    # search goes through the trigram index) and that every bulk insert pays for. No
    # index on kind: three values, never selective.
    kind = models.CharField("主体类别", max_length=24, choices=SubjectKind.choices)
    name = models.CharField("名称", max_length=200)
    identifier = models.CharField("主标识（规范化）", max_length=64)
    identifier_type = models.CharField("主标识类型", max_length=24, choices=IdentifierType.choices)
    is_government_body = models.BooleanField(
        "政府机构（机构编制类代码）",
        default=False,
        help_text="由统一社会信用代码的登记管理部门码“1”（机构编制）在创建时判定，用于政务诚信。",
    )
    region_code = models.CharField("行政区划代码", max_length=6, blank=True)
    registered_on = models.DateField("成立（登记）日期", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
        verbose_name="已合并至",
    )
    merged_at = models.DateTimeField("合并时间", null=True, blank=True)

    class Meta:
        verbose_name = "信用主体"
        verbose_name_plural = "信用主体"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["name"], name="subject_name"),
            models.Index(fields=["identifier"], name="subject_identifier"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.display_identifier}）"

    @property
    def is_person(self) -> bool:
        return self.kind == SubjectKind.PERSON

    @property
    def display_identifier(self) -> str:
        """The primary identifier as it may be shown to anyone (ID numbers masked)."""
        if self.is_person or self.identifier_type in PERSONAL_TYPES:
            return mask_id_number(self.identifier)
        return self.identifier


class SubjectIdentifier(models.Model):
    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="identifiers", verbose_name="主体"
    )
    kind = models.CharField("类型", max_length=24, choices=IdentifierType.choices)
    value = models.CharField("代码（规范化）", max_length=64)
    is_primary = models.BooleanField("主标识", default=False)
    valid = models.BooleanField("校验结果", null=True, help_text="空：该类型没有校验规则")
    source = models.CharField("来源", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "主体标识"
        verbose_name_plural = "主体标识"
        ordering = ["subject_id", "-is_primary", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="subject_identifier_unique"),
        ]
        indexes = [models.Index(fields=["value"], name="subject_identifier_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.display_value}"

    @property
    def display_value(self) -> str:
        return mask_id_number(self.value) if self.kind in PERSONAL_TYPES else self.value


def of_subject(subject: Subject | int) -> models.Q:
    """Rows (records, list entries, commitments, authorisations …) of the subject and of
    the duplicates merged into it: `merge_subjects` leaves their rows on the absorbed
    subject and keeps `merged_into` one level deep. A subquery of the subject ids, not an
    OR across the join on `merged_into`, which defeats the table's subject index and
    scans it (a 10-million-row records table on the public subject page)."""
    pk = subject if isinstance(subject, int) else subject.pk
    ids = Subject.objects.filter(models.Q(pk=pk) | models.Q(merged_into_id=pk)).values("pk")
    return models.Q(subject_id__in=ids)
