"""Header mapping and row validation against the catalogue's field specs, vectorised.

Checks that look at every row (required, lengths, garbled text, cross-field rules) are
polars expressions; checks that need Python (dates in several forms, amounts, enums,
identifiers through `core.identifiers`) run once per DISTINCT value of a column and are
mapped back with `replace_strict`, their results cached for the whole batch. The output of
a chunk is the normalised valid rows (one Utf8 column per field code, plus `_row`) and the
rejected rows with their errors and the cells as written.

Normalised forms stored in a record's payload: dates as ISO `YYYY-MM-DD`; amounts as exact
decimal text in the field's unit (万元), thousands separators removed (`1,234.5` →
`1234.5`); enums as the catalogue's value; multi-enum cells as a list; codes upper-cased
half-width; text stripped of surrounding whitespace and otherwise as written (a cell such
as `=1+1` is stored as text and neutralised by `core.exports.safe_cell` in exports).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from xinyong.catalog.fieldspec import (
    MULTI_JOIN,
    SIMPLE_PROCEDURE,
    FieldSpec,
    FieldType,
    RecordTypeSpec,
    split_multi,
)
from xinyong.core import identifiers
from xinyong.core.identifiers import IdentifierKind
from xinyong.core.inputs import CONTROL_CHARACTERS
from xinyong.core.masking import mask_document_number

from .reader import (
    KIND_ARRAY,
    KIND_BOOLEAN,
    KIND_MIXED_ARRAY,
    KIND_OBJECT,
    Chunk,
    RaggedRow,
    UnreadableFile,
)

MOJIBAKE = "\ufffd"
# PostgreSQL text cannot hold NUL: one in a cell would fail the whole batch at COPY.
CONTROL = CONTROL_CHARACTERS
# UTF-8 Chinese opened as Latin-1/Windows-1252 and saved again: each character becomes a
# lead letter ä–é (bytes E4–E9) and two continuation signs ("安阳" → "å®‰é˜³"); and
# "锟斤拷", the GBK reading of U+FFFD's UTF-8 bytes. Ordinary Latin text (Société) has
# letters, not continuation signs, after an accented letter.
_CP1252_TAIL = (
    r"\x{80}-\x{BF}\x{152}\x{153}\x{160}\x{161}\x{178}\x{17D}\x{17E}\x{192}\x{2C6}"
    r"\x{2DC}\x{2013}\x{2014}\x{2018}-\x{201E}\x{2020}-\x{2022}\x{2026}\x{2030}"
    r"\x{2039}\x{203A}\x{20AC}\x{2122}"
)
MISDECODED = rf"[\x{{E4}}-\x{{E9}}][{_CP1252_TAIL}]{{2}}|锟斤拷"
RESIDENT_ID_TYPE = "身份证"
# 行政处罚法 (2021) art. 51, in 万元 as the amounts are stored: 200元 and 3000元.
SIMPLE_FINE_LIMIT_PERSON = 0.02
SIMPLE_FINE_LIMIT_ORGANISATION = 0.3
PERSON = "自然人"

# Column widths of CreditRecord's common columns: a longer value would fail the insert
# on PostgreSQL (varchar) and abort the whole batch, so it is a row error instead.
COMMON_COLUMN_LIMITS = {
    "party_name": 200,
    "document_number": 200,
    "deciding_unit_name": 200,
    "deciding_unit_code": 18,
    "party_id_number": 40,
    "party_uscc": 40,
}

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 after Excel's 1900 leap-day bug
_DATE_RE = re.compile(
    r"^(\d{4})\s*([-/.年])\s*(\d{1,2})\s*([-/.月])\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# A date cell saved as a number; a fraction is the time of day (a date-time cell).
_SERIAL_RE = re.compile(r"^(\d{5})(?:\.\d+)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_EARLIEST_YEAR = 1900
# A bare 5-digit number is read as an Excel date serial only from 1949-10-01 on (serial
# 18172): a smaller one (10000 = 1927-05-18) is far more likely a typing slip than a date
# of public credit information, and a guess would pass unnoticed.
_EARLIEST_SERIAL_DATE = date(1949, 10, 1)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.message}


@dataclass
class Rejected:
    row: int
    original: dict[str, str | None]
    errors: list[RowError]


@dataclass
class ColumnMap:
    source: dict[str, str]  # field code -> chunk column ("c3")
    header: dict[str, str]  # field code -> header as written
    ignored: list[str]
    missing: list[FieldSpec]


def map_headers(spec: RecordTypeSpec, headers: list[str], *, strict: bool) -> ColumnMap:
    """Map file headers (codes, labels or aliases, any order) to fields. `strict` (files):
    a missing required column refuses the whole file."""
    source: dict[str, str] = {}
    header: dict[str, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(headers):
        fs = spec.resolve_header(raw) if raw.strip() else None
        if fs is None:
            ignored.append(raw.strip() or f"第{i + 1}列（无表头）")
            continue
        if fs.code in source:
            raise UnreadableFile(
                f"表头“{header[fs.code]}”和“{raw}”都对应字段“{fs.label}（{fs.code}）”，无法确定使用哪一列。"
            )
        source[fs.code] = f"c{i}"
        header[fs.code] = raw
    # Nothing recognised at all (a title row above the header, an instructions sheet, the
    # wrong record type) says more than a list of every required column.
    if not source:
        raise UnreadableFile(
            f"表头中没有信息类别“{spec.name}”的任何字段，请确认选择的信息类别和文件是否一致"
            "（表头应在第一行，数据在第一个工作表）。"
        )
    missing = [f for f in spec.fields if f.required and f.code not in source]
    if strict and missing:
        names = "、".join(f"{f.label}（{f.code}）" for f in missing)
        raise UnreadableFile(f"缺少必填列：{names}。请使用信息类别“{spec.name}”的模板表头。")
    return ColumnMap(source=source, header=header, ignored=ignored, missing=missing)


# ---------------------------------------------------------------- per-distinct-value parsers

Parsed = tuple[str | None, str | None]  # (normalised value, error message)


def parse_date(raw: str) -> Parsed:
    text = unicodedata.normalize("NFKC", raw).strip()
    year = month = day = None
    m = _DATE_RE.match(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(5))
        hour, minute, second = (int(g) if g else 0 for g in m.group(6, 7, 8))
        if hour > 23 or minute > 59 or second > 59:
            return None, f"日期时间不存在：“{raw}”"
    elif m := _COMPACT_DATE_RE.match(text):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _SERIAL_RE.match(text):
        # An Excel date serial (a date cell saved as a number).
        value = _EXCEL_EPOCH + timedelta(days=int(m.group(1)))
        if value < _EARLIEST_SERIAL_DATE:
            return None, f"日期格式无法识别：“{raw}”（不是 1949 年以后的 Excel 日期序号）"
        return value.isoformat(), None
    else:
        return None, f"日期格式无法识别：“{raw}”（可用 2023-07-05、2023/7/5、2023年7月5日 等格式）"
    try:
        value = date(year, month, day)
    except ValueError:
        return None, f"日期不存在：“{raw}”"
    if value.year < _EARLIEST_YEAR:
        return None, f"日期不合理：“{raw}”"
    return value.isoformat(), None


def decimal_parser(fs: FieldSpec) -> Callable[[str], Parsed]:
    places = fs.decimal_places if fs.decimal_places is not None else 6
    digits = fs.max_digits or 18
    unit = fs.unit

    def parse(raw: str) -> Parsed:
        text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
        if unit and text.endswith(unit):
            text = text[: -len(unit)]
        elif unit == "万元" and text.endswith("万"):
            text = text[:-1]
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        if not _PLAIN_NUMBER_RE.match(text):
            hint = f"（单位为{unit}，只填数字，如 2000 元填 0.2）" if unit else ""
            return None, f"不是有效的数值：“{raw}”{hint}"
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None, f"不是有效的数值：“{raw}”"
        if fs.min_value is not None and value < fs.min_value:
            return None, f"数值不能小于 {fs.min_value}：“{raw}”"
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            return None, f"小数位数过多：最多 {places} 位（单位{unit or '见模板'}）：“{raw}”"
        shown = format(value, "f")
        if "." in shown:
            shown = shown.rstrip("0").rstrip(".")
        if shown in {"-0", ""}:
            shown = "0"
        if len(shown.lstrip("-").split(".")[0]) > digits - places:
            return None, f"数值过大：“{raw}”"
        return shown, None

    return parse


def integer_parser(fs: FieldSpec) -> Callable[[str], Parsed]:
    def parse(raw: str) -> Parsed:
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
        if text.endswith(".0"):
            text = text[:-2]
        if not re.fullmatch(r"[+-]?\d+", text):
            return None, f"不是整数：“{raw}”"
        value = int(text)
        if fs.min_value is not None and value < fs.min_value:
            return None, f"不能小于 {fs.min_value}：“{raw}”"
        return str(value), None

    return parse


def enum_parser(fs: FieldSpec) -> Callable[[str], Parsed]:
    allowed = "、".join(fs.enum)

    def parse(raw: str) -> Parsed:
        value = fs.canonical_enum_value(raw)
        if value is None:
            return None, f"“{raw}”不是可选值（可选：{allowed}）"
        return value, None

    return parse


def multi_enum_parser(fs: FieldSpec) -> Callable[[str], Parsed]:
    allowed = "、".join(fs.enum)

    def parse(raw: str) -> Parsed:
        values: list[str] = []
        bad: list[str] = []
        for part in split_multi(raw):
            value = fs.canonical_enum_value(part)
            if value is None:
                bad.append(part)
            elif value not in values:
                values.append(value)
        if bad:
            return None, f"“{'、'.join(bad)}”不是可选值（可选：{allowed}）"
        if not values:
            return None, None
        # In the catalogue's order: 罚款；警告 and 警告；罚款 are the same decision, so a
        # re-sent record in the other order is a duplicate, not a correction.
        values.sort(key=fs.enum.index)
        return MULTI_JOIN.join(values), None

    return parse


def code_parser(
    hint: IdentifierKind, label: str, *, overrides: frozenset[str] | None = None
) -> Callable[[str], Parsed]:
    def parse(raw: str) -> Parsed:
        verdict = identifiers.check(raw, hint, overrides=overrides)
        if verdict.valid:
            return verdict.normalised, None
        shown = identifiers.mask_identifier(verdict) if hint == IdentifierKind.RESIDENT_ID else raw
        return None, f"{label}“{shown}”无效：{verdict.reason}"

    return parse


def document_number_parser(label: str) -> Callable[[str], Parsed]:
    """A 护照 / 通行证 / other document number: normalised, and checked for what can be
    checked (core.identifiers.document_number_problem). The refused number is shown
    masked, as a resident ID number is."""

    def parse(raw: str) -> Parsed:
        value = identifiers.normalise(raw)
        reason = identifiers.document_number_problem(value)
        if not reason:
            return value, None
        return None, f"{label}“{mask_document_number(value)}”无效：{reason}"

    return parse


def free_code_parser(fs: FieldSpec) -> Callable[[str], Parsed]:
    limit = fs.max_length

    def parse(raw: str) -> Parsed:
        value = identifiers.normalise(raw)
        if limit is not None and len(value) > limit:
            return None, f"长度 {len(value)} 位，超过上限 {limit} 位"
        return value or None, None

    return parse


def payload_json(spec: RecordTypeSpec) -> pl.Expr:
    """A validated row's payload as stored: JSON of its non-empty fields by catalogue code
    (a multi-value field as a list). Empty fields are left out, not written as null: a
    record is a third smaller without them, and every reader takes a missing key as
    empty (`.get`, `->>`, `json_extract`). The content hash is taken over this text."""
    return _payload_json_of(spec.fields)


def stored_payload_texts(fields: Sequence[FieldSpec], payloads: Sequence[dict]) -> list[str]:
    """The payload text `payload_json` gives for each stored payload (values as stored:
    text, a multi-value field as a list), for re-hashing stored records when the stored
    form of a value changes (records migration 0009)."""
    columns = {
        fs.code: [
            MULTI_JOIN.join(v) if isinstance(v := p.get(fs.code), list) else v for p in payloads
        ]
        for fs in fields
    }
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return frame.select(_payload_json_of(fields).alias("text"))["text"].to_list()


def _payload_json_of(fields: Sequence[FieldSpec]) -> pl.Expr:
    parts = [
        pl.col(fs.code).str.split(MULTI_JOIN)
        if fs.type == FieldType.MULTI_ENUM
        else pl.col(fs.code)
        for fs in fields
    ]
    # A member `"CODE":null` cannot occur inside a JSON string (its quotes would be
    # escaped), so removing it with its separating comma leaves valid JSON.
    return (
        pl.struct(parts)
        .struct.json_encode()
        .str.replace_all(r',"[^"\\]+":null', "")
        .str.replace_all(r'\{"[^"\\]+":null,?', "{")
    )


def wrong_type_message(fs: FieldSpec, kind: str) -> str | None:
    """Why a JSON value of `kind` (reader.KIND_*) does not fit field `fs`; None if it does.
    Only a multi_enum field takes an array, and only of strings."""
    multi = fs.type == FieldType.MULTI_ENUM
    if kind == KIND_ARRAY and multi:
        return None
    if kind == KIND_MIXED_ARRAY and multi:
        return (
            "应为文本或文本数组，收到的数组中含有非文本的值（数值、对象等），数组中每一项都应为文本"
        )
    numeric = fs.type in (FieldType.DECIMAL, FieldType.INTEGER)
    if numeric:
        expected = "数值"
    elif multi:
        expected = "文本或文本数组"
    elif fs.type == FieldType.DATE:
        expected = "日期文本（如 2026-03-02）"
    elif fs.type == FieldType.ENUM and set(fs.enum) == {"是", "否"}:
        expected = "文本“是”或“否”"
    else:
        expected = "文本"
    received = {
        KIND_OBJECT: "对象",
        KIND_BOOLEAN: "布尔值",
        KIND_ARRAY: "数组（只有多选字段可填数组）",
        KIND_MIXED_ARRAY: "数组（只有多选字段可填数组）",
    }[kind]
    hint = "请填写数字或数字文本" if numeric else "请直接填写文字（JSON 字符串）"
    return f"应为{expected}，收到的是{received}；{hint}"


# ---------------------------------------------------------------- the validator


def _fmt(*parts: str | pl.Expr) -> pl.Expr:
    """A message from literal text and values (concat_str: pl.format panics in polars 1.35
    on mostly-null columns inside when/then)."""
    return pl.concat_str([p if isinstance(p, pl.Expr) else pl.lit(p) for p in parts])


@dataclass
class _Check:
    expr: pl.Expr
    column: str
    code: str


@dataclass
class ChunkResult:
    valid: pl.DataFrame
    rejected: list[Rejected] = field(default_factory=list)


class Validator:
    """Validates chunks of one batch; distinct-value results are cached across chunks."""

    def __init__(
        self,
        spec: RecordTypeSpec,
        colmap: ColumnMap,
        headers: list[str],
        *,
        today: date,
        reported_on: date,
    ) -> None:
        self.spec = spec
        self.colmap = colmap
        self.headers = headers
        self.today = today.isoformat()
        self.reported_on = reported_on.isoformat()
        self._caches: dict[str, dict[str, Parsed]] = {}
        # Read once here: `run` may execute in a thread that must not use the database.
        self.overrides = identifiers.active_overrides()

    # -- helpers

    def _header(self, code: str) -> str:
        return self.colmap.header.get(code) or self.spec.field(code).label

    def _map(
        self,
        frame: pl.DataFrame,
        key: str,
        column: str,
        parse: Callable[[str], Parsed],
        *,
        surely_valid: pl.Expr | None = None,
    ) -> tuple[pl.Expr, pl.Expr]:
        """(normalised, error) expressions for `column` via `parse` over its distinct values.

        `surely_valid` marks cells that are their own normalised form and valid: they skip
        `parse` (a million identifiers checked in polars instead of one Python call each)."""
        cache = self._caches.setdefault(key, {})
        source = pl.col(column)
        rest = frame if surely_valid is None else frame.filter(~surely_valid)
        uniques = rest.get_column(column).drop_nulls().unique().to_list()
        for value in uniques:
            if value not in cache:
                cache[value] = parse(value)
        olds = uniques
        norms = [cache[v][0] for v in uniques]
        errs = [cache[v][1] for v in uniques]
        norm = source.replace_strict(olds, norms, default=None, return_dtype=pl.Utf8)
        err = source.replace_strict(olds, errs, default=None, return_dtype=pl.Utf8)
        if surely_valid is None:
            return norm, err
        return (
            pl.when(surely_valid).then(source).otherwise(norm),
            pl.when(surely_valid).then(pl.lit(None, dtype=pl.Utf8)).otherwise(err),
        )

    def _original(self, cells: tuple[Any, ...] | list[Any]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for i, value in enumerate(cells):
            key = self.headers[i] if i < len(self.headers) else f"第{i + 1}列"
            if key in out or not key:
                key = f"{key or '第' + str(i + 1) + '列'}（第{i + 1}列）"
            # Kept without control characters: the rejected rows come back as XLSX to be
            # fixed and re-sent, and neither XLSX nor PostgreSQL JSON can hold them.
            out[key] = re.sub(CONTROL, "", value) if isinstance(value, str) else value
        return out

    def ragged(self, rows: list[RaggedRow]) -> list[Rejected]:
        width = len(self.headers)
        return [
            Rejected(
                row=r.row,
                original=self._original(r.cells),
                errors=[
                    RowError(
                        r.row,
                        "",
                        "column_count",
                        f"列数与表头不符（本行 {len(r.cells)} 列，表头 {width} 列），"
                        "可能是名称或地址中含未加引号的逗号，请检查后重新报送",
                    )
                ],
            )
            for r in rows
        ]

    # -- the run

    def run(self, chunk: Chunk) -> ChunkResult:
        spec = self.spec
        raw = chunk.frame
        rejected = self.ragged(chunk.ragged)
        if raw.height == 0:
            return ChunkResult(valid=self._empty(), rejected=rejected)

        # Stage 1: the raw cells of each field, stripped, empty → null.
        cleaned = []
        for fs in spec.fields:
            src = self.colmap.source.get(fs.code)
            if src is None:
                cleaned.append(pl.lit(None, dtype=pl.Utf8).alias(f"r_{fs.code}"))
            else:
                value = pl.col(src).str.strip_chars()
                cleaned.append(
                    pl.when(value == "").then(None).otherwise(value).alias(f"r_{fs.code}")
                )
        frame = raw.select([pl.col("_row"), *cleaned])
        frame, typed = self._wrong_types(chunk, frame)

        # Stage 2: normalise each field; collect the errors of each.
        checks: list[_Check] = []
        norm_exprs: list[pl.Expr] = []
        for fs in spec.fields:
            rcol = f"r_{fs.code}"
            header = self._header(fs.code)
            r = pl.col(rcol)
            if fs.code not in self.colmap.source:
                norm_exprs.append(pl.lit(None, dtype=pl.Utf8).alias(fs.code))
                continue
            if fs.code in typed:
                checks.append(_Check(pl.col(typed[fs.code]), header, "wrong_type"))
            checks.append(
                _Check(
                    pl.when(r.str.contains(MOJIBAKE, literal=True)).then(
                        pl.lit(
                            "含乱码字符（U+FFFD）：文件编码有误或内容已损坏，请核对原文后重新报送"
                        )
                    ),
                    header,
                    "mojibake",
                )
            )
            checks.append(
                _Check(
                    pl.when(r.str.contains(CONTROL)).then(
                        pl.lit("含有无法识别的控制字符（如 NUL），请删除后重新报送")
                    ),
                    header,
                    "control_character",
                )
            )
            checks.append(
                _Check(
                    pl.when(r.str.contains(MISDECODED)).then(
                        pl.lit(
                            "疑似乱码：文字像是按错误的编码打开后又保存的（如“å®‰é˜³”“锟斤拷”），"
                            "请核对原文后重新报送"
                        )
                    ),
                    header,
                    "mojibake",
                )
            )
            if fs.type == FieldType.TEXT:
                norm_exprs.append(r.alias(fs.code))
                if fs.max_length:
                    length = r.str.len_chars()
                    checks.append(
                        _Check(
                            pl.when(length > fs.max_length).then(
                                _fmt("长度 ", length, f" 字，超过上限 {fs.max_length} 字")
                            ),
                            header,
                            "too_long",
                        )
                    )
                continue
            if fs.type == FieldType.DATE:
                parse: Callable[[str], Parsed] = parse_date
                code = "invalid_date"
            elif fs.type == FieldType.DECIMAL:
                parse, code = decimal_parser(fs), "invalid_number"
            elif fs.type == FieldType.INTEGER:
                parse, code = integer_parser(fs), "invalid_number"
            elif fs.type == FieldType.ENUM:
                parse, code = enum_parser(fs), "invalid_enum"
            elif fs.type == FieldType.MULTI_ENUM:
                parse, code = multi_enum_parser(fs), "invalid_enum"
            elif fs.type == FieldType.USCC:
                norm, err = self._map(
                    frame,
                    fs.code,
                    rcol,
                    code_parser(IdentifierKind.USCC, "统一社会信用代码", overrides=self.overrides),
                    surely_valid=identifiers.surely_valid(r, IdentifierKind.USCC),
                )
                norm_exprs.append(norm.alias(fs.code))
                checks.append(_Check(err, header, "invalid_identifier"))
                continue
            elif fs.type == FieldType.ID_NUMBER:
                norm, err = self._id_number(raw_frame=frame, fs=fs)
                norm_exprs.append(norm.alias(fs.code))
                checks.append(_Check(err, header, "invalid_identifier"))
                continue
            elif fs.identifier_kind is not None:
                # An old 组织机构代码 / 15-digit 工商注册号: optional and mostly empty, so
                # one check per distinct value costs little.
                kind = fs.identifier_kind
                parse = code_parser(kind, kind.label, overrides=self.overrides)
                code = "invalid_identifier"
            else:  # IDENTIFIER: a free-format code, normalised, length-checked
                parse, code = free_code_parser(fs), "invalid_identifier"
            norm, err = self._map(frame, fs.code, rcol, parse)
            norm_exprs.append(norm.alias(fs.code))
            checks.append(_Check(err, header, code))

        # One column at a time: polars 1.35 panics ("i < self.len()") when several
        # replace_strict expressions over the same column share one with_columns.
        for expr in norm_exprs:
            frame = frame.with_columns(expr)
        checks.extend(self._row_rules(typed))

        err_names = [f"e{i}" for i in range(len(checks))]
        for check, name in zip(checks, err_names, strict=True):
            frame = frame.with_columns(check.expr.alias(name))
        bad = (
            pl.any_horizontal([pl.col(n).is_not_null() for n in err_names])
            if err_names
            else pl.lit(False)
        )
        frame = frame.with_columns(bad.alias("_bad"))
        flags = frame.get_column("_bad")
        if flags.any():
            invalid = frame.filter(pl.col("_bad")).select(["_row", *err_names])
            originals = raw.filter(flags).drop("_row").rows()
            for values, cells in zip(invalid.rows(), originals, strict=True):
                row = values[0]
                errors = [
                    RowError(row, check.column, check.code, message)
                    for check, message in zip(checks, values[1:], strict=True)
                    if message is not None
                ]
                rejected.append(Rejected(row=row, original=self._original(cells), errors=errors))
        valid = frame.filter(~pl.col("_bad")).select(["_row", *[fs.code for fs in spec.fields]])
        return ChunkResult(valid=valid, rejected=rejected)

    def _wrong_types(
        self, chunk: Chunk, frame: pl.DataFrame
    ) -> tuple[pl.DataFrame, dict[str, str]]:
        """JSON cells whose type does not fit their field: a column `t_<code>` with the
        message per row (field code -> that column), and the cell emptied so that no
        other check reads the JSON text as a value (the row keeps it as written)."""
        typed: dict[str, str] = {}
        if not chunk.value_kinds:
            return frame, typed
        rows = frame.get_column("_row").to_list()
        for fs in self.spec.fields:
            kinds = chunk.value_kinds.get(self.colmap.source.get(fs.code, ""))
            if not kinds:
                continue
            messages = [
                wrong_type_message(fs, kinds[row]) if row in kinds else None for row in rows
            ]
            if not any(messages):
                continue
            name = f"t_{fs.code}"
            rcol = f"r_{fs.code}"
            frame = frame.with_columns(pl.Series(name, messages, dtype=pl.Utf8))
            frame = frame.with_columns(
                pl.when(pl.col(name).is_null()).then(pl.col(rcol)).otherwise(None).alias(rcol)
            )
            typed[fs.code] = name
        return frame, typed

    def _empty(self) -> pl.DataFrame:
        schema: dict[str, Any] = {"_row": pl.Int64}
        schema.update({fs.code: pl.Utf8 for fs in self.spec.fields})
        return pl.DataFrame(schema=schema)

    def _id_number(self, *, raw_frame: pl.DataFrame, fs: FieldSpec) -> tuple[pl.Expr, pl.Expr]:
        """An ID number is checked as a 居民身份证号码 when its type is 身份证 (or not given).
        The party's number on another document (护照, 通行证, 其他) keys the subject with
        its type, so it is checked for shape (5–20 letters or digits); the rest (居住证 and
        外国人永久居留身份证, checked by GB 11643 when the subject is matched; a legal
        representative's documents) are kept as normalised free text."""
        rcol = f"r_{fs.code}"
        res_norm, res_err = self._map(
            raw_frame,
            fs.code + "#rid",
            rcol,
            code_parser(IdentifierKind.RESIDENT_ID, "居民身份证号码", overrides=self.overrides),
            surely_valid=identifiers.surely_valid(pl.col(rcol), IdentifierKind.RESIDENT_ID),
        )
        plain = pl.col(rcol).str.contains(r"^[0-9A-Z]+$")
        if fs.max_length is not None:
            plain = plain & (pl.col(rcol).str.len_chars() <= fs.max_length)
        free_norm, free_err = self._map(
            raw_frame,
            fs.code + "#free",
            rcol,
            free_code_parser(fs),
            # What free_code_parser returns unchanged: upper-case ASCII within the limit.
            surely_valid=plain.fill_null(False),
        )
        if not fs.id_type_field:
            return res_norm, res_err
        type_fs = self.spec.field(fs.id_type_field)
        type_raw = pl.col(f"r_{type_fs.code}")
        if fs.id_type_field in self.colmap.source:
            type_norm, _ = self._map(
                raw_frame, type_fs.code, f"r_{type_fs.code}", enum_parser(type_fs)
            )
        else:
            type_norm = pl.lit(None, dtype=pl.Utf8)
        is_resident = type_raw.is_null() | (type_norm == RESIDENT_ID_TYPE)
        if fs.role != "party_id_number":
            norm = pl.when(is_resident).then(res_norm).otherwise(free_norm)
            err = pl.when(is_resident).then(res_err).otherwise(free_err)
            return norm, err
        doc_norm, doc_err = self._map(
            raw_frame,
            fs.code + "#doc",
            rcol,
            document_number_parser(fs.label),
            # What the parser returns unchanged: 5–20 upper-case ASCII letters or digits.
            surely_valid=pl.col(rcol)
            .str.contains(identifiers.DOCUMENT_NUMBER_PATTERN)
            .fill_null(False),
        )
        is_document = type_norm.is_in(list(identifiers.OTHER_PERSON_DOCUMENTS)).fill_null(False)
        norm = (
            pl.when(is_resident)
            .then(res_norm)
            .when(is_document)
            .then(doc_norm)
            .otherwise(free_norm)
        )
        err = pl.when(is_resident).then(res_err).when(is_document).then(doc_err).otherwise(free_err)
        return norm, err

    def _condition(self, fs: FieldSpec) -> pl.Expr | None:
        cond = fs.required_when
        if cond is None:
            return None
        other = self.spec.field(cond.field)
        col = pl.col(cond.field)
        if cond.op == "in":
            return col.is_in(list(cond.values)).fill_null(False)
        needle = cond.values[0]
        if other.type == FieldType.MULTI_ENUM:
            return col.str.split(MULTI_JOIN).list.contains(needle).fill_null(False)
        return col.str.contains(needle, literal=True).fill_null(False)

    def _row_rules(self, typed: dict[str, str]) -> list[_Check]:
        spec = self.spec
        checks: list[_Check] = []

        def blank(code: str) -> pl.Expr:
            # A cell of the wrong JSON type was emptied for the other checks: not "empty".
            empty = pl.col(f"r_{code}").is_null()
            return empty & pl.col(typed[code]).is_null() if code in typed else empty

        for fs in spec.fields:
            header = self._header(fs.code)
            # Required only when nothing else is wrong with the cell (a bad value is
            # reported by its own check, not as "empty").
            empty = blank(fs.code)
            if fs.required:
                checks.append(_Check(pl.when(empty).then(pl.lit("必填项为空")), header, "required"))
            else:
                cond = self._condition(fs)
                if cond is not None:
                    rw = fs.required_when
                    assert rw is not None
                    other_label = spec.field(rw.field).label
                    when = (
                        f"{other_label}为{'/'.join(rw.values)}时必填"
                        if rw.op == "in"
                        else f"{other_label}含“{rw.values[0]}”时必填"
                    )
                    checks.append(
                        _Check(
                            pl.when(empty & cond).then(pl.lit(f"必填项为空（{when}）")),
                            header,
                            "required",
                        )
                    )
            if fs.type == FieldType.DATE:
                value = pl.col(fs.code)
                if fs.not_future:
                    checks.append(
                        _Check(
                            pl.when(value > self.today).then(_fmt("日期 ", value, " 晚于今天")),
                            header,
                            "future_date",
                        )
                    )
                before = fs.not_before
                decision = spec.by_role("decision_date")
                if before is None and fs.role in {"valid_from", "valid_to", "publicity_end"}:
                    before = decision.code if decision else None
                earlier = pl.lit(False)
                if before:
                    other = spec.field(before)
                    earlier = (value < pl.col(before)).fill_null(False)
                    checks.append(
                        _Check(
                            pl.when(earlier).then(
                                _fmt("日期 ", value, f" 早于{other.label} ", pl.col(before))
                            ),
                            header,
                            "date_order",
                        )
                    )
                if (
                    fs.role in {"valid_to", "publicity_end"}
                    and decision is not None
                    and before not in {None, decision.code}
                ):
                    # The rule is "not before the decision date"; a not_before naming
                    # another field (有效期至 → 有效期自) compares nothing when that one is
                    # blank. One message per cell: the decision date only when the other
                    # bound did not already catch it.
                    checks.append(
                        _Check(
                            pl.when(~earlier & (value < pl.col(decision.code))).then(
                                _fmt(
                                    "日期 ",
                                    value,
                                    f" 早于{decision.label} ",
                                    pl.col(decision.code),
                                )
                            ),
                            header,
                            "date_order",
                        )
                    )
        decision = spec.by_role("decision_date")
        if decision is not None:
            value = pl.col(decision.code)
            checks.append(
                _Check(
                    pl.when(value > self.reported_on).then(
                        _fmt(f"{decision.label} ", value, f" 晚于报送日期 {self.reported_on}")
                    ),
                    self._header(decision.code),
                    "after_report_date",
                )
            )
        kind = spec.by_role("party_kind")
        procedure = spec.by_role("procedure")
        fine = spec.by_role("fine_amount")
        remedied = spec.by_role("minor_remedied")
        person = pl.col(kind.code) == PERSON if kind is not None else pl.lit(False)
        if kind is not None and procedure is not None:
            simple = pl.col(procedure.code) == SIMPLE_PROCEDURE
            beyond_simple = pl.lit(False)
            if fine is not None:
                # 行政处罚法 art. 51: the 简易程序 allows a fine of at most 200元 on a
                # citizen and 3000元 on an organisation. A larger fine marked 简易程序 is a
                # wrong procedure or a wrong amount, never a reason to leave the record
                # out (art. 13 below would otherwise hide it).
                amount = pl.col(fine.code).cast(pl.Float64, strict=False)
                ceiling = (
                    pl.when(person)
                    .then(SIMPLE_FINE_LIMIT_PERSON)
                    .otherwise(SIMPLE_FINE_LIMIT_ORGANISATION)
                )
                beyond_simple = (simple & (amount > ceiling)).fill_null(False)
                checks.append(
                    _Check(
                        pl.when(beyond_simple).then(
                            _fmt(
                                "程序类型为简易程序，但罚款 ",
                                pl.col(fine.code),
                                " 万元超过简易程序的上限（公民 0.02 万元即 200 元，法人或其他组织"
                                " 0.3 万元即 3000 元，《中华人民共和国行政处罚法》第五十一条），"
                                "请核对程序类型或罚款金额",
                            )
                        ),
                        self._header(procedure.code),
                        "simple_procedure_limit",
                    )
                )
            checks.append(
                _Check(
                    pl.when(person & simple & ~beyond_simple).then(
                        pl.lit(
                            "对自然人适用简易程序作出的行政处罚不报送（《河南省社会信用条例》第十三条）"
                        )
                    ),
                    self._header(procedure.code),
                    "not_reportable",
                )
            )
        if remedied is not None:
            # 河南条例 art. 13, second clause: a natural person's minor violation whose
            # harm was promptly removed or reduced is not reported either.
            checks.append(
                _Check(
                    pl.when(person & (pl.col(remedied.code) == "是")).then(
                        pl.lit(
                            "自然人违法行为轻微并主动消除或者减轻违法行为危害后果的行政处罚不报送"
                            "（《河南省社会信用条例》第十三条）"
                        )
                    ),
                    self._header(remedied.code),
                    "not_reportable",
                )
            )
        kinds = spec.by_role("penalty_kinds")
        if (
            fine is not None
            and kinds is not None
            and fine.required_when is None
            and not fine.required
        ):
            # The catalogue normally says this itself (required_when contains 罚款).
            checks.append(
                _Check(
                    pl.when(
                        blank(fine.code)
                        & pl.col(kinds.code)
                        .str.split(MULTI_JOIN)
                        .list.contains("罚款")
                        .fill_null(False)
                    ).then(pl.lit("处罚类别含罚款时必须填写罚款金额")),
                    self._header(fine.code),
                    "required",
                )
            )
        for role, limit in COMMON_COLUMN_LIMITS.items():
            rfs = spec.by_role(role)
            if rfs is None or (rfs.max_length is not None and rfs.max_length <= limit):
                continue
            length = pl.col(rfs.code).str.len_chars()
            checks.append(
                _Check(
                    pl.when(length > limit).then(
                        _fmt("长度 ", length, f" 字，超过上限 {limit} 字")
                    ),
                    self._header(rfs.code),
                    "too_long",
                )
            )
        return checks
