"""Personnel credit files (人员信用档案): 公务员诚信档案 (河南条例 art. 52, seed tasks on
政务诚信) and practitioners' files (律师, 医务工作者, 驾驶员 …) kept by their sector units,
plus 诚信典型 nominations and selection.

A file is one `Person` in one `FileCategory`; its content is a list of `FileItem`s
(commendations, annual assessment results, general dishonesty). A dishonesty item found
to fall under 容错免责 keeps its exemption decision on the item and never counts
(`selectors.counts_as_dishonesty`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinyong.core.masking import mask_id_number, mask_name
from xinyong.core.models import TimeStampedModel


class FileCategory(TimeStampedModel):
    """What kind of file and who keeps it: data, so that a new practitioner sector is a
    row, not a release."""

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("档案类别", max_length=50, unique=True)
    is_public_servant = models.BooleanField(
        "公务员诚信档案",
        default=False,
        help_text="是：由组织部门和本人所在单位领导查阅；否：从业人员档案，由主管行业部门查阅。",
    )
    keeper_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="personnel_categories",
        verbose_name="建档管理单位",
    )
    org_dept_reads = models.BooleanField(
        "组织部门可查阅",
        default=False,
        help_text="公务员档案必须可查阅；从业人员档案默认不可（最小必要原则）。",
    )
    legal_basis = models.TextField("依据")
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "档案类别"
        verbose_name_plural = "档案类别"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStampedModel):
    """The holder of a file. The ID number is stored normalised (for lookups by the
    authorised operators and the person) and shown masked everywhere else."""

    category = models.ForeignKey(
        FileCategory, on_delete=models.PROTECT, related_name="persons", verbose_name="档案类别"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码（规范化）", max_length=18, db_index=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personnel",
        verbose_name="所在单位",
        help_text="公务员所在的机关（其领导班子可查阅本人档案）。",
    )
    employer = models.CharField(
        "执业机构/工作单位",
        max_length=100,
        blank=True,
        help_text="从业人员所在的律所、医院、运输企业等",
    )
    post = models.CharField("职务/岗位", max_length=100, blank=True)
    licence_number = models.CharField("执业（资格）证号", max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="personnel_files",
        verbose_name="本人平台账号",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="信用主体（提出异议时建立）",
    )
    active = models.BooleanField("在档", default=True)

    class Meta:
        verbose_name = "建档人员"
        verbose_name_plural = "建档人员"
        ordering = ["category__sort_order", "unit__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "id_number"], name="personnel_person_category_id_unique"
            )
        ]

    def __str__(self) -> str:
        return self.masked_repr

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_repr(self) -> str:
        return f"{self.masked_name}（{self.masked_id}）"

    @property
    def workplace(self) -> str:
        return self.unit.name if self.unit_id and self.unit else self.employer


class ItemKind(models.TextChoices):
    COMMENDATION = "commendation", "表彰奖励"
    ASSESSMENT = "assessment", "年度考核"
    DISHONESTY = "dishonesty", "一般失信"


class Grade(models.TextChoices):
    # 《公务员法》第三十六条：定期考核的结果分为优秀、称职、基本称职和不称职四个等次。
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASIC = "basic", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


class DishonestySource(models.TextChoices):
    DISCIPLINE = "discipline", "纪律处分"
    JUDGMENT = "judgment", "司法判决"
    PENALTY = "penalty", "行政处罚"
    OTHER = "other", "其他失信行为"


class ExemptionGround(models.TextChoices):
    # The seed's 容错免责: good-faith mistakes in reform, force majeure, the unforeseeable.
    GOOD_FAITH = "good_faith", "改革创新中的无意过失"
    FORCE_MAJEURE = "force_majeure", "不可抗力"
    UNFORESEEABLE = "unforeseeable", "难以预见的因素"


class FileItem(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        REVOKED = "revoked", "已撤销"

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="items", verbose_name="建档人员"
    )
    kind = models.CharField("类别", max_length=20, choices=ItemKind.choices)
    title = models.CharField("事项", max_length=200)
    year = models.PositiveSmallIntegerField("考核年度", null=True, blank=True)
    grade = models.CharField("考核等次", max_length=12, choices=Grade.choices, blank=True)
    source = models.CharField(
        "失信信息来源", max_length=12, choices=DishonestySource.choices, blank=True
    )
    issuer = models.CharField("作出机关", max_length=100)
    source_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="提供单位（异议核查单位）",
    )
    document_number = models.CharField("来源文书号", max_length=100)
    document_date = models.DateField("文书日期")
    description = models.TextField("内容", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    revoked_on = models.DateField("撤销日期", null=True, blank=True)
    revoked_reason = models.TextField("撤销理由", blank=True)
    # 容错免责 decision: who decided, by which document, when and why. Kept forever; the
    # item then never counts as dishonesty (selectors.counts_as_dishonesty).
    exempt = models.BooleanField("容错免责", default=False)
    exemption_ground = models.CharField(
        "免责情形", max_length=20, choices=ExemptionGround.choices, blank=True
    )
    exemption_body = models.CharField("免责认定机关", max_length=100, blank=True)
    exemption_document = models.CharField("免责认定文书号", max_length=100, blank=True)
    exemption_date = models.DateField("免责认定日期", null=True, blank=True)
    exemption_reason = models.TextField("免责理由", blank=True)
    exemption_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="免责登记人",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="登记人",
    )

    class Meta:
        verbose_name = "档案事项"
        verbose_name_plural = "档案事项"
        ordering = ["person", "-document_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                condition=Q(kind="assessment", status="active"),
                name="personnel_one_assessment_a_year",
            ),
            models.CheckConstraint(
                condition=Q(exempt=False) | Q(kind="dishonesty"),
                name="personnel_only_dishonesty_exempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}（{self.document_number}）"


class ItemObjection(models.Model):
    """An objection filed through the rights workflow (record None, subject = the
    person) that concerns one file item; the decision acts on the item through the
    `objection_decided` signal (personnel.receivers)."""

    item = models.ForeignKey(
        FileItem, on_delete=models.PROTECT, related_name="objection_links", verbose_name="档案事项"
    )
    objection = models.OneToOneField(
        "rights.Objection",
        on_delete=models.PROTECT,
        related_name="personnel_item_link",
        verbose_name="异议申请",
    )

    class Meta:
        verbose_name = "档案事项异议"
        verbose_name_plural = "档案事项异议"

    def __str__(self) -> str:
        return f"{self.objection} → 事项 {self.item_id}"


class IdentityCheck(TimeStampedModel):
    """A person proving identity on the portal to see their own file: the pluggable
    confirmer (commitments.identity) stores its challenge in `confirmation_code`."""

    id_number = models.CharField("身份证号码（规范化）", max_length=18)
    name = models.CharField("姓名", max_length=50)
    confirmation_code = models.CharField("确认码", max_length=64, blank=True)
    confirmed_at = models.DateTimeField("核验时间", null=True, blank=True)

    class Meta:
        verbose_name = "本人身份核验"
        verbose_name_plural = "本人身份核验"

    def __str__(self) -> str:
        return f"{mask_name(self.name)}（{mask_id_number(self.id_number)}）"


class HonourKind(TimeStampedModel):
    """A 诚信典型 title (诚信优秀工作者, 诚信示范机关, 诚信示范街道（社区）) as data."""

    class Nominee(models.TextChoices):
        PERSON = "person", "个人"
        UNIT = "unit", "机关单位"
        COMMUNITY = "community", "街道（社区）"

    code = models.CharField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    nominee = models.CharField("评选对象", max_length=10, choices=Nominee.choices)
    lookback_years = models.PositiveSmallIntegerField(
        "失信核查年限",
        default=3,
        help_text="个人被推荐人在评选日前该年限内有计入的一般失信事项的，不得评选（容错免责事项不计入）。",
    )
    description = models.TextField("评选说明", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诚信典型类别"
        verbose_name_plural = "诚信典型类别"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Nomination(TimeStampedModel):
    class Status(models.TextChoices):
        NOMINATED = "nominated", "已推荐"
        SELECTED = "selected", "已评选"
        NOT_SELECTED = "not_selected", "未评选"
        # The credit office took a selected honour back (it leaves the public list; the
        # row and its reason stay).
        WITHDRAWN = "withdrawn", "已撤销"

    kind = models.ForeignKey(
        HonourKind, on_delete=models.PROTECT, related_name="nominations", verbose_name="类别"
    )
    year = models.PositiveSmallIntegerField("年度")
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nominations",
        verbose_name="被推荐人",
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="honour_nominations",
        verbose_name="被推荐单位（街道）",
    )
    community = models.CharField("社区", max_length=100, blank=True)
    nominated_by_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="推荐单位"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="推荐人",
    )
    nominated_on = models.DateField("推荐日期")
    deeds = models.TextField("主要事迹")
    status = models.CharField(
        "状态", max_length=15, choices=Status.choices, default=Status.NOMINATED
    )
    decided_on = models.DateField("评选日期", null=True, blank=True)
    decision_document = models.CharField("评选文件", max_length=100, blank=True)
    decision_note = models.TextField("评选意见", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="评选人",
    )
    withdrawn_on = models.DateField("撤销日期", null=True, blank=True)
    withdrawal_reason = models.TextField("撤销理由", blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="撤销人",
    )

    class Meta:
        verbose_name = "诚信典型推荐"
        verbose_name_plural = "诚信典型推荐"
        ordering = ["-year", "kind__sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.year}年{self.kind.name}：{self.nominee_label}"

    @property
    def nominee_label(self) -> str:
        """Masked where personal: safe for every page, public ones included."""
        if self.person_id and self.person is not None:
            where = self.person.workplace
            return f"{self.person.masked_name}（{where}）" if where else self.person.masked_name
        if self.community:
            return f"{self.unit.name if self.unit else ''}{self.community}"
        return self.unit.name if self.unit else ""
