"""The field specification of each catalogue record type, as typed, immutable objects.

A record type's fields are stored as a JSON list on `RecordType.fields` (edited in the
admin, loaded from `catalog/data/record_types.json`). `parse_fields` validates that list
and turns it into `FieldSpec` objects; `get_spec(code_or_name)` returns the whole
`RecordTypeSpec` from a per-process cache, so that the ingestion pipeline can check
millions of rows without a database query per row. The format is documented in
docs/catalog.md; this module is its single implementation.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from xinyong.core.errors import DomainError, NotFoundError
from xinyong.core.identifiers import IdentifierKind

if TYPE_CHECKING:
    from .models import RecordType


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    DECIMAL = "decimal"
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"
    IDENTIFIER = "identifier"
    USCC = "uscc"
    ID_NUMBER = "id_number"
    INTEGER = "integer"


FIELD_TYPE_LABELS: dict[str, str] = {
    FieldType.TEXT: "文本",
    FieldType.DATE: "日期",
    FieldType.DECIMAL: "数值（小数）",
    FieldType.ENUM: "枚举（单选）",
    FieldType.MULTI_ENUM: "枚举（多选）",
    FieldType.IDENTIFIER: "编号/代码",
    FieldType.USCC: "统一社会信用代码",
    FieldType.ID_NUMBER: "证件号码",
    FieldType.INTEGER: "整数",
}

# The CreditRecord's common columns a field may feed. One field per role per type.
ROLES: dict[str, str] = {
    "party_name": "主体名称",
    "party_kind": "主体类别",
    "party_uscc": "统一社会信用代码",
    "party_id_type": "证件类型",
    "party_id_number": "证件号码",
    "legal_rep": "法定代表人",
    "document_number": "决定文书号",
    "decision_date": "决定日期",
    "deciding_unit_name": "决定机关",
    "deciding_unit_code": "决定机关统一社会信用代码",
    "source_unit_name": "数据来源单位",
    "source_unit_code": "数据来源单位统一社会信用代码",
    "penalty_kinds": "处罚类别",
    "fine_amount": "罚款金额",
    "valid_from": "有效期自",
    "valid_to": "有效期至",
    "publicity_end": "公示截止期",
    "procedure": "程序类型",
    "severity": "失信程度",
    "minor_remedied": "轻微并主动消除危害后果",
}

# Separators departments use between several values of a multi_enum cell
# (e.g. 处罚类别 "警告；罚款" or "警告、罚款"). Enum values must not contain them.
MULTI_SEPARATORS = "；;,，、/／"
_MULTI_SPLIT = re.compile("[" + re.escape(MULTI_SEPARATORS) + "]")
# The one separator a multi_enum value is written back with (pipeline, exports, exchange).
MULTI_JOIN = "；"

# The relative-party kinds of the national exchange standard (行政相对人类别).
PARTY_KINDS = ("法人及非法人组织", "自然人", "个体工商户")
# The 程序类型 (role procedure) value that matters to the rules: 河南条例 art. 13,
# 行政处罚法 art. 51, and 36号令's 轻微 class.
SIMPLE_PROCEDURE = "简易程序"

# The kinds of code an `identifier` field may promise (`identifier_kind`): its cells are then
# checked by `core.identifiers` like a USCC column, with the audited override list. USCC and
# resident IDs have field types of their own (`uscc`, `id_number`).
IDENTIFIER_KINDS: dict[str, IdentifierKind] = {
    IdentifierKind.ORG_CODE.value: IdentifierKind.ORG_CODE,
    IdentifierKind.REG_NO_15.value: IdentifierKind.REG_NO_15,
}

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
_TEXT_TYPES = {FieldType.TEXT, FieldType.IDENTIFIER, FieldType.ID_NUMBER, FieldType.USCC}
_ALLOWED_KEYS = {
    "code",
    "label",
    "type",
    "required",
    "required_when",
    "aliases",
    "max_length",
    "enum",
    "enum_aliases",
    "unit",
    "max_digits",
    "decimal_places",
    "min_value",
    "not_future",
    "not_before",
    "id_type_field",
    "identifier_kind",
    "role",
    "description",
    "consent",
}

# ---------------------------------------------------------------- 河南条例 art. 45
#
# 《河南省社会信用条例》第四十五条: providers and credit service agencies may not collect a
# natural person's religious belief, genes, fingerprints, blood type, illness or medical
# history; income, deposits, securities, commercial insurance, real estate and tax
# amounts only after telling the subject the possible adverse consequences and obtaining
# written consent. A field's label and aliases (the names under which departments send
# the data) are read; descriptions and enum values are not, so that a note such as
# "不含病史" or an enforcement measure "冻结存款、汇款" does not count as collecting it.
# Terms are matched ignoring width, spaces and case (normalise_header); `exempt` lists
# compounds that contain a term without naming the subject's own information (转基因
# products, 疾病预防控制 bodies, 违法收入 confiscated by a penalty, 应纳税额 in a tax
# evasion ratio).

ART45 = "《河南省社会信用条例》第四十五条"
# The refusal of the never-collected topics, for a field and for a whole catalogue item.
ART45_NEVER_RULE = (
    f"依照{ART45}，不得采集自然人的宗教信仰、基因、指纹、血型、疾病和病史信息，取得本人同意也不可以"
)


@dataclass(frozen=True)
class _Art45Topic:
    name: str
    terms: tuple[str, ...]
    exempt: tuple[str, ...] = ()


ART45_NEVER: tuple[_Art45Topic, ...] = (
    _Art45Topic("宗教信仰", ("宗教", "信仰"), ("宗教事务", "宗教活动场所", "宗教团体", "宗教院校")),
    _Art45Topic("基因", ("基因", "DNA"), ("转基因",)),
    _Art45Topic("指纹", ("指纹",)),
    _Art45Topic("血型", ("血型",)),
    _Art45Topic(
        "疾病和病史",
        ("疾病", "病史", "病历", "病情", "患病", "医疗记录", "就诊记录", "诊疗记录", "健康状况"),
        ("疾病预防控制",),
    ),
)

ART45_CONSENT: tuple[_Art45Topic, ...] = (
    _Art45Topic("收入", ("收入", "薪酬", "薪资", "年薪", "月薪"), ("违法收入", "非法收入")),
    _Art45Topic("存款", ("存款", "储蓄")),
    _Art45Topic("有价证券", ("有价证券", "证券账户", "股票账户", "证券资产")),
    _Art45Topic(
        "商业保险",
        (
            "商业保险",
            "保险金额",
            "保险单",
            "投保金额",
            "人寿保险",
        ),
        ("社会保险", "养老保险", "医疗保险", "工伤保险", "失业保险", "生育保险"),
    ),
    _Art45Topic("不动产", ("不动产", "房产", "房屋产权", "房屋所有权")),
    _Art45Topic(
        "纳税数额",
        ("纳税数额", "纳税金额", "纳税额", "纳税总额", "缴税金额", "缴税数额", "缴税额"),
        ("应纳税额",),
    ),
)

# What a `consent` declaration must mention: that the subject is told (告知) and agrees
# in writing (书面 … 同意).
_CONSENT_WORDS = ("告知", "书面", "同意")


def art45_topic(text: str, topics: Iterable[_Art45Topic]) -> str | None:
    """The name of the first art. 45 topic that `text` (a label or header) names, or None."""
    value = normalise_header(text)
    for topic in topics:
        rest = value
        for compound in topic.exempt:
            rest = rest.replace(normalise_header(compound), "\0")
        if any(normalise_header(term) in rest for term in topic.terms):
            return topic.name
    return None


def normalise_header(text: str) -> str:
    """The form in which headers and labels are compared: NFKC (full-width → half-width),
    no BOM, no whitespace, no leading required-marker `*`, ASCII upper-cased."""
    value = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    value = re.sub(r"\s+", "", value).lstrip("*")
    return value.upper()


def split_multi(raw: str) -> list[str]:
    """Split a multi_enum cell into its stripped, non-empty parts, keeping order."""
    parts = [p.strip() for p in _MULTI_SPLIT.split(unicodedata.normalize("NFKC", raw))]
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return seen


@dataclass(frozen=True)
class Condition:
    """`required_when`: the field is required when another field's value is one of `values`
    (op "in") or contains `values[0]` (op "contains": membership for a multi_enum list,
    substring for text)."""

    field: str
    op: str
    values: tuple[str, ...]

    def holds(self, value: Any) -> bool:
        if value is None or value == "" or value == [] or value == ():
            return False
        if self.op == "in":
            return str(value) in self.values
        needle = self.values[0]
        if isinstance(value, list | tuple | set | frozenset):
            return needle in {str(v) for v in value}
        return needle in str(value)

    def to_dict(self) -> dict[str, Any]:
        if self.op == "in":
            return {"field": self.field, "in": list(self.values)}
        return {"field": self.field, "contains": self.values[0]}

    def describe(self) -> str:
        if self.op == "in":
            return f"当 {self.field} 为 {'/'.join(self.values)} 时必填"
        return f"当 {self.field} 含“{self.values[0]}”时必填"


@dataclass(frozen=True)
class FieldSpec:
    code: str
    label: str
    type: FieldType
    required: bool = False
    required_when: Condition | None = None
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    enum: tuple[str, ...] = ()
    enum_aliases: Mapping[str, str] = field(default_factory=dict)
    unit: str = ""
    max_digits: int | None = None
    decimal_places: int | None = None
    min_value: Decimal | None = None
    not_future: bool = False
    not_before: str | None = None
    id_type_field: str | None = None
    identifier_kind: IdentifierKind | None = None
    role: str | None = None
    description: str = ""
    consent: str = ""

    @property
    def header_names(self) -> tuple[str, ...]:
        """Every header under which a department file may carry this field."""
        return (self.code, self.label, *self.aliases)

    def canonical_enum_value(self, raw: str) -> str | None:
        """The enum value `raw` stands for (exact or a declared alias), or None."""
        value = unicodedata.normalize("NFKC", raw).strip()
        if value in self.enum:
            return value
        if value in self.enum_aliases:
            return self.enum_aliases[value]
        # NFKC turns the catalogue's own full-width brackets (县（区）级) into ASCII ones:
        # compare the options in the same form.
        for option in self.enum:
            if unicodedata.normalize("NFKC", option) == value:
                return option
        for alias, option in self.enum_aliases.items():
            if unicodedata.normalize("NFKC", alias) == value:
                return option
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on RecordType.fields; defaults are omitted."""
        out: dict[str, Any] = {"code": self.code, "label": self.label, "type": str(self.type)}
        if self.required:
            out["required"] = True
        if self.required_when:
            out["required_when"] = self.required_when.to_dict()
        if self.aliases:
            out["aliases"] = list(self.aliases)
        if self.max_length is not None:
            out["max_length"] = self.max_length
        if self.enum:
            out["enum"] = list(self.enum)
        if self.enum_aliases:
            out["enum_aliases"] = dict(self.enum_aliases)
        if self.unit:
            out["unit"] = self.unit
        if self.max_digits is not None:
            out["max_digits"] = self.max_digits
        if self.decimal_places is not None:
            out["decimal_places"] = self.decimal_places
        if self.min_value is not None:
            out["min_value"] = str(self.min_value)
        if self.not_future:
            out["not_future"] = True
        if self.not_before:
            out["not_before"] = self.not_before
        if self.id_type_field:
            out["id_type_field"] = self.id_type_field
        if self.identifier_kind:
            out["identifier_kind"] = self.identifier_kind.value
        if self.role:
            out["role"] = self.role
        if self.description:
            out["description"] = self.description
        if self.consent:
            out["consent"] = self.consent
        return out


@dataclass(frozen=True)
class RecordTypeSpec:
    code: str
    name: str
    category: str
    category_label: str
    nature: str
    nature_label: str
    sharing: str
    sharing_label: str
    subject_types: tuple[str, ...]
    legal_basis: str
    is_shuanggongshi: bool
    is_shigongshi: bool
    report_deadline_workdays: int | None
    default_policy_code: str | None
    version: int
    active: bool
    fields: tuple[FieldSpec, ...]
    _by_code: dict[str, FieldSpec] = field(default_factory=dict, repr=False, compare=False)
    _by_header: dict[str, FieldSpec] = field(default_factory=dict, repr=False, compare=False)
    _by_role: dict[str, FieldSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for spec in self.fields:
            self._by_code[spec.code] = spec
            for name in spec.header_names:
                self._by_header[normalise_header(name)] = spec
            if spec.role:
                self._by_role[spec.role] = spec

    def field(self, code: str) -> FieldSpec:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFoundError(f"信息类别“{self.name}”没有字段 {code}。") from None

    def by_role(self, role: str) -> FieldSpec | None:
        return self._by_role.get(role)

    def resolve_header(self, header: str) -> FieldSpec | None:
        """The field a file header names (code, label or alias; full-width, spaces, BOM
        and a leading `*` do not matter), or None."""
        return self._by_header.get(normalise_header(header))

    @property
    def required_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.required)

    def is_required(self, spec: FieldSpec, row: Mapping[str, Any]) -> bool:
        """Whether `spec` must have a value in `row` (field code → normalised value; a
        multi_enum value may be a list or the raw cell text)."""
        if spec.required:
            return True
        cond = spec.required_when
        if cond is None:
            return False
        value = row.get(cond.field)
        other = self._by_code.get(cond.field)
        if isinstance(value, str) and other and other.type == FieldType.MULTI_ENUM:
            value = split_multi(value)
        return cond.holds(value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "category_label": self.category_label,
            "nature": self.nature,
            "nature_label": self.nature_label,
            "sharing": self.sharing,
            "sharing_label": self.sharing_label,
            "subject_types": list(self.subject_types),
            "legal_basis": self.legal_basis,
            "is_shuanggongshi": self.is_shuanggongshi,
            "is_shigongshi": self.is_shigongshi,
            "report_deadline_workdays": self.report_deadline_workdays,
            "default_policy": self.default_policy_code,
            "version": self.version,
            "active": self.active,
            "fields": [f.to_dict() for f in self.fields],
        }


# ---------------------------------------------------------------- parsing and checks


def _fail(
    index: int, code: str | None, message: str, *, error_code: str = "invalid_field_spec"
) -> DomainError:
    where = f"第 {index} 个字段" + (f"（{code}）" if code else "")
    return DomainError(f"字段定义有误：{where}：{message}", code=error_code)


def _check_art45(index: int, spec: FieldSpec) -> None:
    """Refuse a field that 河南条例 art. 45 forbids, or that needs written consent and
    declares none (module comment above ART45)."""
    names = (spec.label, *spec.aliases)
    for topics, needs_consent in ((ART45_NEVER, False), (ART45_CONSENT, True)):
        for name in names:
            topic = art45_topic(name, topics)
            if topic is None:
                continue
            what = f"数据项“{spec.label}”" + ("" if name == spec.label else f"（表头别名“{name}”）")
            if not needs_consent:
                raise _fail(
                    index,
                    spec.code,
                    f"{what}涉及{topic}信息。{ART45_NEVER_RULE}；请删除该数据项。",
                    error_code="forbidden_personal_info",
                )
            if not spec.consent:
                raise _fail(
                    index,
                    spec.code,
                    f"{what}涉及{topic}信息。依照{ART45}，收入、存款、有价证券、商业保险、"
                    "不动产和纳税数额信息，只有明确告知信息主体提供该信息可能产生的不利后果"
                    "并取得其书面同意后方可采集；请在该数据项的 consent 中写明如何告知并取得"
                    "书面同意，否则不得设立该数据项。",
                    error_code="consent_required",
                )
            return


def _str_list(value: Any, index: int, code: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(index, code, f"{key} 必须是非空文本的列表。")
    return tuple(v.strip() for v in value)


def _positive_int(value: Any, index: int, code: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(index, code, f"{key} 必须是正整数。")
    return value


def _parse_one(index: int, raw: Any) -> FieldSpec:
    if not isinstance(raw, dict):
        raise _fail(index, None, "每个字段必须是一个对象（键值对）。")
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE_RE.match(code):
        raise _fail(
            index, None, f"代码“{code}”无效：须以大写字母开头，只含大写字母、数字和下划线。"
        )
    unknown = sorted(set(raw) - _ALLOWED_KEYS)
    if unknown:
        raise _fail(index, code, f"不认识的属性：{'、'.join(unknown)}。")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise _fail(index, code, "缺少中文名称 label。")
    try:
        ftype = FieldType(str(raw.get("type")))
    except ValueError:
        allowed = "、".join(t.value for t in FieldType)
        raise _fail(index, code, f"类型“{raw.get('type')}”无效，可选：{allowed}。") from None
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise _fail(index, code, "required 必须是 true 或 false。")

    condition = None
    rw = raw.get("required_when")
    if rw is not None:
        if required:
            raise _fail(index, code, "已设为必填（required），不能再设条件必填（required_when）。")
        if not isinstance(rw, dict) or not isinstance(rw.get("field"), str):
            raise _fail(index, code, 'required_when 须形如 {"field": 代码, "in": [值…]}。')
        ops = [k for k in ("in", "contains") if k in rw]
        if len(ops) != 1 or set(rw) - {"field", "in", "contains"}:
            raise _fail(index, code, "required_when 须且只能含 in 或 contains 之一。")
        if ops[0] == "in":
            values = _str_list(rw["in"], index, code, "required_when.in")
            if not values:
                raise _fail(index, code, "required_when.in 不能为空。")
        else:
            if not isinstance(rw["contains"], str) or not rw["contains"].strip():
                raise _fail(index, code, "required_when.contains 必须是非空文本。")
            values = (rw["contains"].strip(),)
        condition = Condition(field=rw["field"], op=ops[0], values=values)

    enum = _str_list(raw.get("enum"), index, code, "enum")
    enum_aliases_raw = raw.get("enum_aliases") or {}
    if not isinstance(enum_aliases_raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in enum_aliases_raw.items()
    ):
        raise _fail(index, code, "enum_aliases 必须是 {别名: 标准值} 的对象。")
    if ftype in (FieldType.ENUM, FieldType.MULTI_ENUM):
        if not enum:
            raise _fail(index, code, "枚举类型必须列出可选值 enum。")
        if len(set(enum)) != len(enum):
            raise _fail(index, code, "enum 中有重复的值。")
        if ftype == FieldType.MULTI_ENUM:
            bad = [v for v in enum if _MULTI_SPLIT.search(v)]
            if bad:
                raise _fail(
                    index, code, f"多选枚举的值不能含分隔符（{MULTI_SEPARATORS}）：{bad[0]}。"
                )
        for alias, target in enum_aliases_raw.items():
            if target not in enum:
                raise _fail(index, code, f"enum_aliases 中“{alias}”指向的“{target}”不在 enum 中。")
    elif enum or enum_aliases_raw:
        raise _fail(index, code, "只有枚举类型可以设置 enum / enum_aliases。")

    max_length = _positive_int(raw.get("max_length"), index, code, "max_length")
    if ftype == FieldType.USCC:
        max_length = max_length or 18  # GB 32100-2015: 18 characters
    if max_length is not None and ftype not in _TEXT_TYPES | {FieldType.ENUM, FieldType.MULTI_ENUM}:
        raise _fail(index, code, "只有文本、代码、枚举类型可以设置 max_length。")
    if ftype in (FieldType.TEXT, FieldType.IDENTIFIER, FieldType.ID_NUMBER) and max_length is None:
        raise _fail(index, code, "文本和代码类型必须设置最大长度 max_length。")

    max_digits = _positive_int(raw.get("max_digits"), index, code, "max_digits")
    places_raw = raw.get("decimal_places")
    if places_raw is not None and (
        isinstance(places_raw, bool) or not isinstance(places_raw, int) or places_raw < 0
    ):
        raise _fail(index, code, "decimal_places 必须是非负整数。")
    places: int | None = places_raw
    min_value = None
    if raw.get("min_value") is not None:
        try:
            min_value = Decimal(str(raw["min_value"]))
        except InvalidOperation:
            raise _fail(index, code, "min_value 必须是数值。") from None
    if ftype == FieldType.DECIMAL:
        # Amounts in the national exchange standard are decimal(18,6).
        max_digits = max_digits or 18
        places = 6 if places is None else places
        if places >= max_digits:
            raise _fail(index, code, "decimal_places 必须小于 max_digits。")
    elif max_digits is not None or places is not None:
        raise _fail(index, code, "只有数值类型可以设置 max_digits / decimal_places。")
    if min_value is not None and ftype not in (FieldType.DECIMAL, FieldType.INTEGER):
        raise _fail(index, code, "只有数值和整数类型可以设置 min_value。")

    not_future = raw.get("not_future", False)
    if not isinstance(not_future, bool):
        raise _fail(index, code, "not_future 必须是 true 或 false。")
    not_before = raw.get("not_before")
    if (not_future or not_before) and ftype != FieldType.DATE:
        raise _fail(index, code, "只有日期类型可以设置 not_future / not_before。")
    if not_before is not None and not isinstance(not_before, str):
        raise _fail(index, code, "not_before 必须是另一个日期字段的代码。")
    id_type_field = raw.get("id_type_field")
    if id_type_field is not None and ftype != FieldType.ID_NUMBER:
        raise _fail(index, code, "只有证件号码类型可以设置 id_type_field。")
    kind_raw = raw.get("identifier_kind")
    identifier_kind = None
    if kind_raw is not None:
        if ftype != FieldType.IDENTIFIER:
            raise _fail(index, code, "只有编号/代码（identifier）类型可以设置 identifier_kind。")
        identifier_kind = IDENTIFIER_KINDS.get(str(kind_raw))
        if identifier_kind is None:
            allowed = "、".join(f"{k}（{v.label}）" for k, v in IDENTIFIER_KINDS.items())
            raise _fail(index, code, f"identifier_kind“{kind_raw}”无效，可选：{allowed}。")
    role = raw.get("role")
    if role is not None and role not in ROLES:
        raise _fail(index, code, f"role“{role}”无效，可选：{'、'.join(ROLES)}。")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise _fail(index, code, "description 必须是文本。")
    consent = raw.get("consent", "")
    if not isinstance(consent, str):
        raise _fail(index, code, "consent 必须是文本。")
    consent = consent.strip()
    if "consent" in raw and not all(w in consent for w in _CONSENT_WORDS):
        raise _fail(
            index,
            code,
            f"consent 须写明如何明确告知信息主体可能产生的不利后果并取得其书面同意"
            f"（{ART45}），应含“告知”“书面”“同意”字样。",
            error_code="consent_required",
        )
    return FieldSpec(
        code=code,
        label=label.strip(),
        type=ftype,
        required=required,
        required_when=condition,
        aliases=_str_list(raw.get("aliases"), index, code, "aliases"),
        max_length=max_length,
        enum=enum,
        enum_aliases=dict(enum_aliases_raw),
        unit=str(raw.get("unit") or ""),
        max_digits=max_digits,
        decimal_places=places,
        min_value=min_value,
        not_future=not_future,
        not_before=not_before,
        id_type_field=id_type_field,
        identifier_kind=identifier_kind,
        role=role,
        description=description.strip(),
        consent=consent,
    )


def parse_fields(raw: Any, *, check_art45: bool = True) -> tuple[FieldSpec, ...]:
    """Validate a JSON field list and return its FieldSpecs; refuse with a Chinese message
    naming the field and the problem. Every definition that is saved (services, so the
    admin, the loader and the CLI) passes here with `check_art45`: a field naming
    information 河南条例 art. 45 forbids, or one that needs written consent without a
    `consent` declaration, is refused. Reading a stored definition (`spec_from_model`,
    the admin's table) passes False, so that one stored before this rule cannot stop
    the whole catalogue from loading; saving it again refuses it."""
    if not isinstance(raw, list) or not raw:
        raise DomainError("字段定义有误：fields 必须是非空列表。", code="invalid_field_spec")
    specs = [_parse_one(i, item) for i, item in enumerate(raw, start=1)]
    if check_art45:
        for i, spec in enumerate(specs, start=1):
            _check_art45(i, spec)
    by_code: dict[str, FieldSpec] = {}
    headers: dict[str, str] = {}
    roles: dict[str, str] = {}
    for i, spec in enumerate(specs, start=1):
        if spec.code in by_code:
            raise _fail(i, spec.code, "代码重复。")
        by_code[spec.code] = spec
        for name in spec.header_names:
            key = normalise_header(name)
            if key in headers and headers[key] != spec.code:
                raise _fail(
                    i, spec.code, f"表头“{name}”与字段 {headers[key]} 重复，导入时无法区分。"
                )
            headers[key] = spec.code
        if spec.role:
            if spec.role in roles:
                raise _fail(i, spec.code, f"role“{spec.role}”已由字段 {roles[spec.role]} 承担。")
            roles[spec.role] = spec.code
    for i, spec in enumerate(specs, start=1):
        cond = spec.required_when
        if cond:
            other = by_code.get(cond.field)
            if other is None or other.code == spec.code:
                raise _fail(i, spec.code, f"required_when 引用的字段 {cond.field} 不存在。")
            if cond.op == "in" and other.enum:
                bad = [v for v in cond.values if v not in other.enum]
                if bad:
                    raise _fail(
                        i, spec.code, f"required_when 的值“{bad[0]}”不在 {other.code} 的可选值中。"
                    )
            if cond.op == "contains" and other.enum and cond.values[0] not in other.enum:
                raise _fail(
                    i,
                    spec.code,
                    f"required_when 的值“{cond.values[0]}”不在 {other.code} 的可选值中。",
                )
        if spec.not_before:
            other = by_code.get(spec.not_before)
            if other is None or other.type != FieldType.DATE or other.code == spec.code:
                raise _fail(
                    i,
                    spec.code,
                    f"not_before 引用的 {spec.not_before} 不是本类别的另一个日期字段。",
                )
        if spec.id_type_field:
            other = by_code.get(spec.id_type_field)
            if other is None or other.type != FieldType.ENUM:
                raise _fail(
                    i,
                    spec.code,
                    f"id_type_field 引用的 {spec.id_type_field} 不是本类别的枚举字段。",
                )
    return tuple(specs)


def fields_to_json(specs: Iterable[FieldSpec]) -> list[dict[str, Any]]:
    return [s.to_dict() for s in specs]


def searchable_text(specs: Sequence[FieldSpec]) -> str:
    """The field texts the lawfulness check reads (labels, aliases, enum values, notes)."""
    parts: list[str] = []
    for spec in specs:
        parts.extend([spec.label, *spec.aliases, *spec.enum, *spec.enum_aliases, spec.description])
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------- the cache


def spec_from_model(record_type: RecordType) -> RecordTypeSpec:
    policy = record_type.default_policy
    return RecordTypeSpec(
        code=record_type.code,
        name=record_type.name,
        category=record_type.category,
        category_label=record_type.get_category_display(),
        nature=record_type.nature,
        nature_label=record_type.get_nature_display(),
        sharing=record_type.sharing,
        sharing_label=record_type.get_sharing_display(),
        subject_types=tuple(record_type.subject_types or ()),
        legal_basis=record_type.legal_basis,
        is_shuanggongshi=record_type.is_shuanggongshi,
        is_shigongshi=record_type.is_shigongshi,
        report_deadline_workdays=record_type.report_deadline_workdays,
        default_policy_code=policy.code if policy else None,
        version=record_type.version,
        active=record_type.active,
        fields=parse_fields(record_type.fields, check_art45=False),
    )


# Changes made in this process clear the cache at once (signals.py); changes made by
# another process (the admin in the web server while a CLI import runs) are picked up
# after at most this many seconds.
CACHE_SECONDS = 60.0

_lock = threading.Lock()
_cache: dict[str, RecordTypeSpec] = {}
_loaded_at = 0.0


def invalidate_cache() -> None:
    global _loaded_at
    with _lock:
        _cache.clear()
        _loaded_at = 0.0


def _load_all() -> dict[str, RecordTypeSpec]:
    from .models import RecordType

    index: dict[str, RecordTypeSpec] = {}
    for rt in RecordType.objects.select_related("default_policy").order_by("sort_order", "code"):
        spec = spec_from_model(rt)
        index[spec.code.upper()] = spec
        index[normalise_header(spec.name)] = spec
    return index


def get_spec(code_or_name: str) -> RecordTypeSpec:
    """The spec of a record type by its code ("XZCF", any case) or its Chinese name
    ("行政处罚"). Cached per process; raises NotFoundError for an unknown type. Inactive
    types are returned too (`spec.active` is False): callers that accept new data must
    check it."""
    global _loaded_at
    key = normalise_header(code_or_name or "")
    with _lock:
        if not _cache or time.monotonic() - _loaded_at > CACHE_SECONDS:
            fresh = _load_all()
            _cache.clear()
            _cache.update(fresh)
            _loaded_at = time.monotonic()
        spec = _cache.get(key)
    if spec is None:
        raise NotFoundError(f"公共信用信息目录中没有信息类别“{code_or_name}”。")
    return spec
