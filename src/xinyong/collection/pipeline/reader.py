"""Reading department files into chunks of text cells (docs/collection.md, stage "read").

- CSV: UTF-8 with or without BOM, or GB18030/GBK (detected from the first 256 KB and
  transcoded while reading). Parsed with the `csv` module, which (unlike polars) tells how
  many cells each row has: a row with more or fewer cells than the header (unquoted commas
  in a name or an address) is reported, never shifted into the wrong columns.
- XLSX/XLS: fastexcel (calamine), every cell as text; date cells come as
  "2023-07-05 00:00:00", plain numbers as written ("45112" for an Excel serial).
  Before calamine opens an XLSX, `_inspect_xlsx` refuses zip bombs (sizes and ratios in
  the central directory, then the real expanded sizes, streamed and capped) and notes
  macros, external links and formula cells: none is run or followed, only the values
  stored in the file are read.

Every chunk is a polars DataFrame of Utf8 columns named `c0`, `c1`, … (position in the
file) plus `_row`, the spreadsheet row number (header = 1), so that duplicate or empty
headers cannot collide. Blank rows are skipped.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import polars as pl

from xinyong.core.errors import DomainError
from xinyong.core.inputs import LONE_SURROGATE

CHUNK_ROWS = 25_000
_SAMPLE_BYTES = 256 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A long 经营范围 or 违法事实 exceeds the csv module's default 128 KB cell limit; lengths
# are checked against the catalogue later.
csv.field_size_limit(16 * 1024 * 1024)


class UnreadableFile(DomainError):
    """The file as a whole cannot be read (encoding, format, missing required column,
    no header). `batch` is set to the `unreadable` Batch recorded for the unit's history."""

    code = "unreadable_file"
    batch: Any = None


@dataclass
class RaggedRow:
    row: int
    cells: list[str]


# JSON rows (API, internal callers) may carry values that are not text. The reader does not
# know the field types, so it only says which cells held what; the validator decides per
# field (an array is right for a multi_enum field only) and rejects the row — never
# Python's rendering of the value (`{'名称': '…'}`, `True`) stored and published.
KIND_OBJECT = "object"
KIND_BOOLEAN = "boolean"
KIND_ARRAY = "array"  # every item a string: the cell holds them joined by "；"
KIND_MIXED_ARRAY = "mixed_array"  # some item not a string (number, object, null …)


@dataclass
class Chunk:
    frame: pl.DataFrame
    ragged: list[RaggedRow] = field(default_factory=list)
    # Column ("c3") -> {row number -> KIND_*} for JSON cells that were not text, numbers
    # or null; the cell itself holds the value as JSON (as the client sent it).
    value_kinds: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class SourceTable:
    headers: list[str]
    chunks: Iterator[Chunk]
    total_estimate: int
    encoding: str = ""
    sha256: str = ""
    format: str = "csv"
    # Notes about the file as a whole (macros ignored, formulas not evaluated …).
    warnings: list[str] = field(default_factory=list)


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def _frame(
    rows: list[list[str]] | list[tuple[str, ...]], numbers: list[int], width: int
) -> pl.DataFrame:
    names = column_names(width)
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [() for _ in range(width)]
    data: dict[str, Any] = {
        name: pl.Series(name, col, dtype=pl.Utf8) for name, col in zip(names, columns, strict=True)
    }
    data["_row"] = pl.Series("_row", numbers, dtype=pl.Int64)
    return pl.DataFrame(data)


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            "文件为 UTF-16 编码，无法读取：请另存为“CSV UTF-8（逗号分隔）”后重新报送。"
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312, the encodings of Chinese Excel's "CSV".
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise UnreadableFile(
            "无法识别文件编码：文件既不是 UTF-8 也不是 GBK/GB18030 编码的 CSV，请另存为 CSV 或 XLSX 后重新报送。"
        ) from None


def _scan(path: Path) -> tuple[str, int, bytes]:
    """sha256, newline count and the first bytes of the file, in one pass."""
    digest = hashlib.sha256()
    lines = 0
    head = b""
    with path.open("rb") as fh:
        while block := fh.read(8 * 1024 * 1024):
            if len(head) < _SAMPLE_BYTES:
                head += block[: _SAMPLE_BYTES - len(head)]
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines, head


def _is_blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def _csv_chunks(
    handle: IO[str], dialect: dict[str, Any], width: int, chunk_rows: int
) -> Iterator[Chunk]:
    reader = csv.reader(handle, **dialect)
    number = 1  # the header was row 1
    rows: list[list[str]] = []
    numbers: list[int] = []
    ragged: list[RaggedRow] = []
    try:
        for cells in reader:
            number += 1
            if len(cells) == width:
                if _is_blank(cells):
                    continue
                rows.append(cells)
                numbers.append(number)
            elif not cells or _is_blank(cells):
                continue
            else:
                ragged.append(RaggedRow(number, cells))
            if len(rows) + len(ragged) >= chunk_rows:
                yield Chunk(_frame(rows, numbers, width), ragged)
                rows, numbers, ragged = [], [], []
    except csv.Error as exc:
        raise UnreadableFile(
            f"第 {number + 1} 行附近无法按 CSV 解析（{exc}），请检查文件是否完整。"
        ) from None
    finally:
        handle.close()
    if rows or ragged:
        yield Chunk(_frame(rows, numbers, width), ragged)


_READ_BYTES = 8 * 1024 * 1024


def _fast_frame(lines: list[bytes], numbers: list[int], width: int, sep: str) -> pl.DataFrame:
    """Lines already known to hold exactly `width` cells, parsed by polars (C speed);
    empty cells stay "" as the csv module gives them, all-blank rows are dropped."""
    names = column_names(width)
    if not lines:
        return _frame([], [], width)
    frame = pl.read_csv(
        io.BytesIO(b"\n".join(lines)),
        has_header=False,
        new_columns=names,
        infer_schema=False,
        separator=sep,
        quote_char='"',
        missing_utf8_is_empty_string=True,
        raise_if_empty=False,
    ).with_columns(pl.Series("_row", numbers, dtype=pl.Int64))
    non_blank = pl.any_horizontal([pl.col(c).str.strip_chars() != "" for c in names])
    return frame.filter(non_blank)


def _split_records(
    handle: IO[bytes], encoding: str, sep: str, width: int, chunk_rows: int
) -> Iterator[Chunk]:
    """The data rows after the header, from raw bytes, without the csv module's per-cell
    Python objects: each physical line is checked with C-speed `bytes.count`; a line
    without quotes is a record whose cell count is its separator count + 1; a line with
    balanced quotes is checked by the csv module; a quoted cell running over several
    lines is joined and parsed by the csv module. Records with the header's cell count go
    to polars in one piece per chunk; the others are reported as ragged (row numbers as the
    csv module counts them: header = 1, one per record)."""
    bsep = sep.encode()
    want = width - 1
    number = 1
    good: list[bytes] = []
    numbers: list[int] = []
    # Records the csv module had to read (loose quoting, cells over several lines): kept
    # as its cells, since polars rejects what the csv module tolerates.
    parsed: list[list[str]] = []
    parsed_numbers: list[int] = []
    ragged: list[RaggedRow] = []
    pending: list[bytes] = []
    rest = b""
    gb = encoding == "gb18030"
    cell = b'(?:"(?:[^"]|"")*"|[^"%s\n]*)' % re.escape(bsep)
    well_formed = re.compile(
        b"%s(?:%s%s){%d}\r?" % (cell, re.escape(bsep), cell, want), re.DOTALL
    ).fullmatch
    ends_with_newline = False

    def parse(record: bytes) -> list[str]:
        text = record.decode("utf-8", errors="replace")
        try:
            return next(csv.reader([text], delimiter=sep), [])
        except csv.Error as exc:
            raise UnreadableFile(
                f"第 {number} 行附近无法按 CSV 解析（{exc}），请检查文件是否完整。"
            ) from None

    def chunk_frame() -> pl.DataFrame:
        frame = _fast_frame(good, numbers, width, sep)
        if parsed:
            frame = pl.concat([frame, _frame(parsed, parsed_numbers, width)]).sort("_row")
        return frame

    def take(record: bytes, cells: list[str] | None) -> None:
        if cells is None:
            if not record.strip():
                return
            good.append(record)
            numbers.append(number)
            return
        if len(cells) == width:
            if not _is_blank(cells):
                parsed.append(cells)
                parsed_numbers.append(number)
        elif cells and not _is_blank(cells):
            ragged.append(RaggedRow(number, cells))

    try:
        while True:
            block = handle.read(_READ_BYTES)
            final = not block
            data = rest + block
            if final:
                if not data:
                    break
                cut = len(data)
            else:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    rest = data
                    continue
            rest, data = data[cut:], data[:cut]
            if gb:
                data = data.decode("gb18030", errors="replace").encode()
            else:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    # Invalid bytes become U+FFFD and the row is rejected as 含乱码字符.
                    data = data.decode("utf-8", errors="replace").encode()
            if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
                # Old Mac line ends (a lone CR), which the csv module also takes as ends.
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            lines = data.split(b"\n")
            ends_with_newline = bool(lines) and lines[-1] == b""
            if ends_with_newline:
                lines.pop()
            for line in lines:
                quotes = line.count(b'"')
                if pending:
                    pending.append(line)
                    if quotes % 2:
                        record = b"\n".join(pending)
                        pending = []
                        take(record, parse(record))
                    continue
                number += 1
                if quotes == 0:
                    if line.count(bsep) == want:
                        take(line, None)
                    elif line.strip():
                        cells = line.rstrip(b"\r").decode("utf-8").split(sep)
                        if not _is_blank(cells):
                            ragged.append(RaggedRow(number, cells))
                elif quotes % 2 == 0:
                    # Well-formed quoting with the right cell count (C-speed regex);
                    # anything else is counted by the csv module, as before.
                    take(line, None if well_formed(line) else parse(line))
                else:
                    pending = [line]
                if len(good) + len(parsed) + len(ragged) >= chunk_rows:
                    yield Chunk(chunk_frame(), ragged)
                    good, numbers, ragged, parsed, parsed_numbers = [], [], [], [], []
            if final:
                break
        if pending:
            # An unterminated quote runs to the end of the file, final newline included.
            record = b"\n".join(pending) + (b"\n" if ends_with_newline else b"")
            cells = parse(record)
            take(record, cells)
    finally:
        handle.close()
    if good or ragged or parsed:
        yield Chunk(chunk_frame(), ragged)


def _fast_start(head: bytes, encoding: str) -> tuple[list[str], int, str] | None:
    """(header, byte offset of the first data line, separator) when the header is one
    plain line at the top of the file; None sends the file to the csv module."""
    start = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    end = head.find(b"\n", start)
    if end < 0:
        return None
    line = head[start:end].rstrip(b"\r")
    if not line.strip() or line.count(b'"') % 2 or b"\r" in line:
        return None
    sep = "\t" if b"," not in line and b"\t" in line else ","
    try:
        text = line.decode("gb18030" if encoding == "gb18030" else "utf-8")
    except UnicodeDecodeError:
        return None
    cells = next(csv.reader([text], delimiter=sep), [])
    if not cells or _is_blank(cells):
        return None
    return cells, end + 1, sep


def read_csv(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    sha, lines, head = _scan(path)
    if not head.strip():
        raise UnreadableFile("文件为空：没有表头。")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _detect_encoding(head)  # refuses UTF-16 with its own message, before the NUL check
    if b"\x00" in head:
        raise UnreadableFile(
            "文件含有二进制内容，不是 CSV 文本文件，请另存为 CSV 或 XLSX 后重新报送。"
        )
    encoding = _detect_encoding(head)
    fast = _fast_start(head, encoding)
    if fast is not None:
        header_cells, offset, sep = fast
        raw = path.open("rb")
        raw.seek(offset)
        return SourceTable(
            headers=[h.strip() for h in header_cells],
            chunks=_split_records(raw, encoding, sep, len(header_cells), chunk_rows),
            total_estimate=max(lines - 1, 0),
            encoding="gb18030" if encoding == "gb18030" else "utf-8",
            sha256=sha,
            format="csv",
        )
    # Invalid bytes later in the file become U+FFFD and the row is rejected as 含乱码字符,
    # so a mis-encoded row is reported, never stored.
    handle = io.TextIOWrapper(path.open("rb"), encoding=encoding, errors="replace", newline="")
    first_line = head.split(b"\n", 1)[0]
    dialect: dict[str, Any] = {}
    if b"," not in first_line and b"\t" in first_line:
        dialect["delimiter"] = "\t"
    reader = csv.reader(handle, **dialect)
    try:
        header: list[str] | None = None
        for cells in reader:
            if cells and not _is_blank(cells):
                header = cells
                break
    except csv.Error as exc:
        handle.close()
        raise UnreadableFile(f"表头无法按 CSV 解析（{exc}）。") from None
    if header is None:
        handle.close()
        raise UnreadableFile("文件为空：没有表头。")
    # Continue with the same text stream: the reader has consumed the header only.
    return SourceTable(
        headers=[h.strip() for h in header],
        chunks=_csv_chunks(handle, dialect, len(header), chunk_rows),
        total_estimate=max(lines - 1, 0),
        encoding="gb18030" if encoding == "gb18030" else "utf-8",
        sha256=sha,
        format="csv",
    )


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)


# Zip bombs (a small XLSX whose parts expand to gigabytes, which calamine would turn into
# a table in memory). Excel's own limit is 1,048,576 rows; such a sheet of twenty text
# columns is well under 1 GiB of XML, so 2 GiB for all parts together leaves room. The
# XML of real workbooks compresses 5–40 times; a bomb compresses hundreds of times.
XLSX_MAX_EXPANDED = 2 * 1024**3
XLSX_MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024  # tiny parts (styles, empty sheets) may compress better
_INFLATE_STEP = 1024 * 1024
# Formula elements, counted with C-speed bytes.count (a regex over a 250 MB sheet costs
# seconds); a sheet written with a namespace prefix (<x:f>) is counted with the regex.
_FORMULA_OPENINGS = (b"<f>", b"<f ")
_PREFIXED_FORMULA = re.compile(rb"<\w{1,8}:f[\s>/]")
_PREFIXED_SHEET = re.compile(rb"<\w{1,8}:worksheet[\s>]")
_FORMULA_TAIL = 16  # longer than any formula opening, prefixed or not


def _count_formulas(data: bytes, prefixed: bool) -> int:
    if prefixed:
        return len(_PREFIXED_FORMULA.findall(data))
    return sum(data.count(opening) for opening in _FORMULA_OPENINGS)


def _size_text(n: int) -> str:
    return f"{n / 1024**2:,.0f} MB" if n >= 1024**2 else f"{n / 1024:,.0f} KB"


def _bomb(detail: str) -> UnreadableFile:
    return UnreadableFile(
        f"Excel 文件疑似“压缩炸弹”，已拒绝读取：{detail}。请用 Excel 打开后另存为普通 XLSX"
        "（或 CSV）再报送。"
    )


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first sheet (the one calamine reads), from
    xl/workbook.xml and its relationships; the usual name when they cannot be read."""
    try:
        book = archive.read("xl/workbook.xml")[:1_000_000].decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels")[:1_000_000].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError, zlib.error):
        return "xl/worksheets/sheet1.xml"
    sheet = re.search(r"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", book)
    if sheet is None:
        return "xl/worksheets/sheet1.xml"
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        if f'Id="{sheet.group(1)}"' in rel.group(0):
            target = re.search(r'Target="([^"]+)"', rel.group(0))
            if target:
                name = target.group(1)
                return name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    return "xl/worksheets/sheet1.xml"


def _inflate(
    handle: IO[bytes], info: zipfile.ZipInfo, *, scan: bool, budget: int
) -> tuple[int, int]:
    """(expanded size, formula tags) of one member, decompressed from its raw bytes in
    1 MiB steps and abandoned as soon as it outgrows what the directory declares or the
    budget left: calamine does not trust the declared sizes, so neither may we."""
    handle.seek(info.header_offset)
    local = handle.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise UnreadableFile("Excel 文件无法读取（压缩包结构损坏），请确认文件未损坏。")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    handle.seek(info.header_offset + 30 + name_len + extra_len)
    limit = min(info.file_size, budget)
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left = info.compress_size
    size = formulas = 0
    tail = b""
    prefixed: bool | None = None
    while left > 0 or (inflater is not None and inflater.unconsumed_tail):
        if inflater is not None and inflater.unconsumed_tail:
            raw = inflater.unconsumed_tail
        else:
            raw = handle.read(min(left, _INFLATE_STEP))
            if not raw:
                break
            left -= len(raw)
        try:
            out = inflater.decompress(raw, _INFLATE_STEP) if inflater is not None else raw
        except zlib.error:
            raise UnreadableFile(
                f"Excel 文件无法读取（部件 {info.filename} 的压缩数据损坏），请确认文件未损坏。"
            ) from None
        size += len(out)
        if size > limit:
            if size > info.file_size:
                raise _bomb(
                    f"部件 {info.filename} 解压后超过其目录中声明的 {_size_text(info.file_size)}"
                )
            raise _bomb(f"解压后超过 {_size_text(XLSX_MAX_EXPANDED)}")
        if scan and out:
            if prefixed is None:
                prefixed = _PREFIXED_SHEET.search(out[:4096]) is not None
            # Openings cut by a step boundary are counted in the joint: the tail's and the
            # new step's neighbouring bytes, which cannot hold a whole opening of either.
            joint = tail + out[: _FORMULA_TAIL - 1]
            formulas += _count_formulas(out, prefixed) + _count_formulas(joint, prefixed)
            formulas -= _count_formulas(tail, prefixed) + _count_formulas(
                out[: _FORMULA_TAIL - 1], prefixed
            )
            tail = out[-(_FORMULA_TAIL - 1) :]
        if inflater is not None and inflater.eof:
            break
    return size, formulas


def _inspect_xlsx(path: Path) -> list[str]:
    """Refuse a zip bomb before anything is expanded; describe macros, external links and
    formula cells. Returns the warnings for the batch."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return []  # not a readable zip: calamine reports the broken workbook
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        declared = sum(i.file_size for i in infos)
        if declared > XLSX_MAX_EXPANDED:
            raise _bomb(
                f"压缩包中各部件解压后共 {_size_text(declared)}，超过上限"
                f" {_size_text(XLSX_MAX_EXPANDED)}"
            )
        for info in infos:
            if info.file_size > _RATIO_FLOOR and info.file_size > XLSX_MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _bomb(
                    f"部件 {info.filename} 由 {_size_text(info.compress_size)} 解压为 "
                    f"{_size_text(info.file_size)}（压缩比超过 {XLSX_MAX_RATIO} 倍）"
                )
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnreadableFile(
                    "Excel 文件使用了不支持的压缩方式，请用 Excel 打开后另存为 XLSX 再报送。"
                )
        if any(i.flag_bits & 0x1 for i in infos):
            raise UnreadableFile("Excel 文件已加密，请取消密码保护后重新报送。")
        first = _first_sheet_part(archive)
        budget = XLSX_MAX_EXPANDED
        formulas = 0
        with path.open("rb") as handle:
            for info in infos:
                size, found = _inflate(handle, info, scan=info.filename == first, budget=budget)
                budget -= size
                formulas += found
        names = [i.filename.lower() for i in infos]
    warnings: list[str] = []
    if any(n.endswith("vbaproject.bin") for n in names):
        warnings.append("文件含宏（VBA 工程）：平台不运行宏，只读取单元格中保存的数据。")
    if any(n.startswith("xl/externallinks/") for n in names):
        warnings.append(
            "文件含外部链接（引用其他工作簿的数据）：平台不打开、不更新外部链接，只读取文件中保存的值。"
        )
    if formulas:
        warnings.append(
            f"工作表含 {formulas} 个公式单元格：平台不计算公式，只读取文件中保存的计算结果；"
            "没有保存计算结果的公式单元格按空白处理。"
        )
    return warnings


def read_excel(path: Path, *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    import fastexcel

    sha, _lines, head = _scan(path)
    warnings = _inspect_xlsx(path) if head.startswith(_ZIP_MAGIC) else []
    try:
        workbook = fastexcel.read_excel(str(path))
        if not workbook.sheet_names:
            raise UnreadableFile("工作簿中没有工作表。")
        frame = workbook.load_sheet(0, header_row=None, dtypes="string").to_polars()
    except UnreadableFile:
        raise
    except Exception:  # calamine raises its own error types for broken workbooks
        raise UnreadableFile("Excel 文件无法读取，请确认文件未损坏、未加密。") from None
    sheets = list(workbook.sheet_names)

    def empty_sheet() -> UnreadableFile:
        if len(sheets) > 1:
            others = "、".join(f"“{n}”" for n in sheets[1:6])
            return UnreadableFile(
                f"第一个工作表“{sheets[0]}”为空：平台只读取第一个工作表，本工作簿的其他工作表"
                f"（{others}）未读取。请把数据放在第一个工作表后重新报送。"
            )
        return UnreadableFile("工作表为空：没有表头。")

    if frame.height == 0:
        raise empty_sheet()
    frame = frame.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    data_cols = [c for c in frame.columns if c != "_row"]
    frame = frame.rename(
        {old: new for old, new in zip(data_cols, column_names(len(data_cols)), strict=True)}
    )
    names = column_names(len(data_cols))
    non_blank = pl.any_horizontal([pl.col(c).str.strip_chars().fill_null("") != "" for c in names])
    frame = frame.filter(non_blank) if names else frame.clear()
    if frame.height == 0:
        raise empty_sheet()
    header = [_cell_text(v).strip() for v in frame.row(0)[1:]]
    # Trailing columns without a header and without data are formatting leftovers.
    while header and not header[-1] and frame[names[len(header) - 1]][1:].drop_nulls().len() == 0:
        header.pop()
    names = names[: len(header)]
    body = frame.slice(1).select([*names, "_row"])

    def chunks() -> Iterator[Chunk]:
        for start in range(0, body.height, chunk_rows):
            yield Chunk(body.slice(start, chunk_rows))

    return SourceTable(
        headers=header,
        chunks=chunks(),
        total_estimate=body.height,
        encoding="xlsx",
        sha256=sha,
        format="xlsx",
        warnings=warnings,
    )


def read_file(path: Path | str, *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    """Open a department file by its content (not its name): XLSX/XLS or CSV."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"文件不存在或不是普通文件：{path.name}")
    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise UnreadableFile(f"文件无法打开：{exc.strerror or exc}") from None
    if magic.startswith(_ZIP_MAGIC) or magic.startswith(_OLE_MAGIC):
        return read_excel(path, chunk_rows=chunk_rows)
    return read_csv(path, chunk_rows=chunk_rows)


def _unicode(text: str) -> str:
    # JSON may carry a lone surrogate ("\ud800"), which no database or file can store: it
    # becomes U+FFFD, which validation reports as 乱码 with its row and column.
    return LONE_SURROGATE.sub("\ufffd", text)


def _json(value: Any) -> str:
    return _unicode(json.dumps(value, ensure_ascii=False, default=str))


def _text(value: Any) -> tuple[str | None, str | None]:
    """A row value as cell text, and its KIND_* when it is not text, a number or null.

    Numbers stay their digits as before (an amount 0.2; a document number sent as 123);
    dates and decimals come from internal callers. Objects, booleans and arrays keep the
    JSON the client sent, for the rejected rows; the validator decides whether they fit."""
    if value is None:
        return None, None
    if isinstance(value, bool):  # before numbers: True is an int
        return _json(value), KIND_BOOLEAN
    if isinstance(value, dict):
        return _json(value), KIND_OBJECT
    if isinstance(value, list | tuple):
        if all(isinstance(v, str) for v in value):
            return _unicode("；".join(value)), KIND_ARRAY
        return _json(list(value)), KIND_MIXED_ARRAY
    if hasattr(value, "isoformat"):
        return str(value.isoformat()), None
    return _unicode(str(value)), None


def rows_table(rows: list[dict[str, Any]], *, chunk_rows: int = CHUNK_ROWS) -> SourceTable:
    """API and form rows (dicts keyed by field code or Chinese label) as a table."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise UnreadableFile("报送内容应为记录列表，每条记录是一个以字段代码或中文名称为键的对象。")
    headers: list[str] = []
    seen: set[str] = set()
    for row in rows:
        for key in row:
            name = _unicode(str(key))
            if name not in seen:
                seen.add(name)
                headers.append(name)
    index = {h: i for i, h in enumerate(headers)}
    cells: list[list[str | None]] = [[None] * len(headers) for _ in rows]
    # Per chunk: column -> {row number (1-based item) -> KIND_*}.
    kinds: dict[int, dict[str, dict[int, str]]] = {}
    for r, row in enumerate(rows):
        for key, value in row.items():
            col = index[_unicode(str(key))]
            cells[r][col], kind = _text(value)
            if kind is not None:
                kinds.setdefault(r // chunk_rows, {}).setdefault(f"c{col}", {})[r + 1] = kind
    numbers = list(range(1, len(rows) + 1))

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(rows), chunk_rows):
            part = cells[start : start + chunk_rows]
            yield Chunk(
                _frame(part, numbers[start : start + chunk_rows], len(headers)),  # type: ignore[arg-type]
                value_kinds=kinds.get(start // chunk_rows, {}),
            )

    return SourceTable(headers=headers, chunks=chunks(), total_estimate=len(rows), format="rows")
