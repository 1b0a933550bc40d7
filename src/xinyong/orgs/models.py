from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac

from xinyong.core.models import TimeStampedModel


class Unit(TimeStampedModel):
    """A responsible unit (责任单位): one canonical name, any number of aliases."""

    class Kind(models.TextChoices):
        PARTY = "party", "党委部门"
        GOVERNMENT = "government", "政府部门"
        JUDICIAL = "judicial", "司法机关"
        MASS = "mass", "群团组织"
        SUBDISTRICT = "subdistrict", "街道"
        TOWN = "town", "镇"
        VERTICAL = "vertical", "垂直管理部门"
        INSTITUTION = "institution", "事业单位"
        OTHER = "other", "其他"

    name = models.CharField("规范名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=50, blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name="上级单位",
    )
    sort_order = models.PositiveIntegerField("排序（通报固定顺序）", default=1000)
    is_credit_office = models.BooleanField("信用办所在单位", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="unit_uscc_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitGroup(TimeStampedModel):
    """A collective phrase in plans ("区政府各相关部门", "各街道〈镇〉"): a set of units."""

    name = models.CharField("名称", max_length=100, unique=True)
    description = models.CharField("说明", max_length=300, blank=True)
    members = models.ManyToManyField(
        Unit, related_name="groups", verbose_name="成员单位", blank=True
    )

    class Meta:
        verbose_name = "单位组"
        verbose_name_plural = "单位组"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitAlias(models.Model):
    """Another spelling of a unit or a group, as found in documents. Stored normalised
    (see orgs.services.normalise_unit_name) so that lookups are exact."""

    alias = models.CharField("别名", max_length=100, unique=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name="单位",
    )
    group = models.ForeignKey(
        UnitGroup,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
        verbose_name="单位分组",
    )

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        constraints = [
            models.CheckConstraint(
                condition=(Q(unit__isnull=False) & Q(group__isnull=True))
                | (Q(unit__isnull=True) & Q(group__isnull=False)),
                name="alias_points_to_unit_xor_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit or self.group}"


class Role(models.TextChoices):
    CREDIT_ADMIN = "credit_admin", "信用办管理员"
    REPORTER = "reporter", "部门填报员"
    REVIEWER = "reviewer", "部门审核员"
    LEADER = "leader", "领导"
    UNIT_LEADER = "unit_leader", "单位负责人"
    ORG_DEPT = "org_dept", "组织部门"
    BANK = "bank", "银行用户"


class AccountManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        # `xinyong createsuperuser` (docs/deploy.md): a superuser acts as 信用办管理员
        # (permissions.role_of), and its stored role says so too, so that the admin shows
        # it and a later edit of its unit keeps it (services.set_role).
        extra.setdefault("role", Role.CREDIT_ADMIN)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.REPORTER)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name="所属单位",
    )
    organisation = models.CharField("所属机构（银行等外部机构）", max_length=100, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    is_system_account = models.BooleanField("接口系统账号", default=False)
    # Banks and the organisation department see no unit's data by default; the credit
    # office grants read access unit by unit (least privilege, 个人信息保护法 art. 5-6).
    granted_units = models.ManyToManyField(
        Unit, blank=True, related_name="granted_users", verbose_name="授权查阅单位"
    )

    objects: ClassVar[AccountManager] = AccountManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # A district 领导 reads every unit's data (orgs.permissions): a unit on such an
            # account would suggest a narrower scope than it has. A unit's head is a
            # 单位负责人 and reads that unit only (个人信息保护法 art. 6, art. 51: 操作权限).
            models.CheckConstraint(
                condition=~Q(role="leader") | Q(unit__isnull=True),
                name="leader_has_no_unit",
                violation_error_message=(
                    "领导账号查看全区数据，不能指定所属单位；单位的负责人请使用“单位负责人”角色。"
                ),
            ),
            models.CheckConstraint(
                condition=~Q(role="unit_leader") | Q(unit__isnull=False),
                name="unit_leader_has_unit",
                violation_error_message="单位负责人必须属于一个责任单位。",
            ),
        ]

    @property
    def affiliation(self) -> str:
        """Where the account belongs: its unit, or for an outside account (a bank) its
        organisation. The subject's 查询记录 names it (河南条例 art. 40)."""
        return self.unit.name if self.unit_id and self.unit else (self.organisation or "").strip()

    def audit_label(self) -> str:
        where = self.affiliation
        kind = "系统接口" if self.is_system_account else self.get_role_display()
        return f"{self.username}（{where}·{kind}）" if where else f"{self.username}（{kind}）"

    # An account whose unit is deactivated counts as deactivated
    # (orgs.permissions.deactivated_unit). Django ends a session whose stored hash no
    # longer matches the account's, as after a password change: changing the hash while
    # the unit is inactive logs such an account's open sessions out at their next
    # request (web pages, the admin and the API alike), with no middleware or backend.

    def get_session_auth_hash(self) -> str:
        from .permissions import deactivated_unit

        current = super().get_session_auth_hash()
        if deactivated_unit(self) is None:
            return current
        return salted_hmac(
            "xinyong.orgs.User.unit_deactivated", current, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        # Nor may a hash made with a previous SECRET_KEY keep such a session open.
        from .permissions import deactivated_unit

        if deactivated_unit(self) is None:
            yield from super().get_session_auth_fallback_hash()


class ApiToken(TimeStampedModel):
    """A token with which a unit's or a bank's own system calls the API, as that unit's or
    bank's system account (orgs.services.issue_unit_token / issue_bank_token). Only a
    hash is stored; the token itself is shown once when issued."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="账号"
    )
    name = models.CharField("用途", max_length=100)
    prefix = models.CharField("前缀", max_length=8, db_index=True)
    key_hash = models.CharField("令牌哈希", max_length=64, unique=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()


class UsedFormKey(models.Model):
    """A one-time form key already used to issue a token. The unique key is what stops two
    concurrent submits of one form (each holding the session as it was before the other
    saved it) from both issuing a live token: the second insert fails in the database."""

    key_hash = models.CharField("表单键哈希", max_length=64, unique=True)
    used_at = models.DateTimeField("使用时间", auto_now_add=True)

    class Meta:
        verbose_name = "已使用的表单键"
        verbose_name_plural = "已使用的表单键"

    def __str__(self) -> str:
        return f"{self.key_hash[:8]}…（{self.used_at:%Y-%m-%d %H:%M}）"
