"""Builders of hostile department files, generated from code (no binary files in the
repository): zip bombs disguised as XLSX, workbooks with macros, external links and
formula cells, mojibake, huge cells and wide tables. Each returns the path it wrote."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

MIB = 1024 * 1024

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    "{sheets}{extra}</Types>"
)
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_MAIN_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL_SHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_REL_LINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink"
_REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def _col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def _cell(ref: str, value: Any) -> str:
    """A cell: str → inline string, int/float → number, ("=", formula, cached) → formula."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        _, formula, cached = value
        cached_xml = "" if cached is None else f"<v>{escape(str(cached))}</v>"
        kind = ' t="str"' if isinstance(cached, str) else ""
        return f'<c r="{ref}"{kind}><f>{escape(formula)}</f>{cached_xml}</c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def sheet_xml(rows: list[list[Any]]) -> str:
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{_col(c)}{r}", v) for c, v in enumerate(cells))
        + "</row>"
        for r, cells in enumerate(rows, start=1)
    )
    return f'<worksheet xmlns="{_NS_MAIN}"><sheetData>{body}</sheetData></worksheet>'


def penalty_table(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Header of Chinese labels plus the rows' cells, in the order of the first row."""
    from ..collection.ingest_helpers import LABELS

    codes: list[str] = []
    for row in rows:
        codes.extend(c for c in row if c not in codes)
    return [[LABELS.get(c, c) for c in codes], *[[row.get(c) for c in codes] for row in rows]]


def write_workbook(
    path: Path,
    sheets: list[tuple[str, list[list[Any]]]],
    *,
    macros: bool = False,
    external_link: bool = False,
) -> Path:
    """A minimal but valid SpreadsheetML package, written part by part so that it can
    carry what openpyxl will not write: a VBA project and an external-link part."""
    sheet_entries = "".join(
        f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, start=1)
    )
    rels = [
        f'<Relationship Id="rId{i}" Type="{_REL_SHEET}" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    ]
    extra_types = ""
    workbook_extra = ""
    if external_link:
        rid = f"rId{len(rels) + 1}"
        rels.append(
            f'<Relationship Id="{rid}" Type="{_REL_LINK}" Target="externalLinks/externalLink1.xml"/>'
        )
        workbook_extra = (
            f'<externalReferences><externalReference r:id="{rid}"/></externalReferences>'
        )
        extra_types += (
            '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        )
    if macros:
        rels.append(
            f'<Relationship Id="rId{len(rels) + 1}" Type="{_REL_VBA}" Target="vbaProject.bin"/>'
        )
    workbook = (
        f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><sheets>{sheet_entries}</sheets>'
        f"{workbook_extra}</workbook>"
    )
    types = _CONTENT_TYPES.format(
        main=_MAIN_XLSM if macros else _MAIN_XLSX,
        sheets="".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
            for i in range(1, len(sheets) + 1)
        ),
        extra=extra_types,
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>",
        )
        for i, (_, rows) in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml", sheet_xml(rows))
        if external_link:
            archive.writestr(
                "xl/externalLinks/externalLink1.xml",
                f'<externalLink xmlns="{_NS_MAIN}"><externalBook r:id="rId1" '
                f'xmlns:r="{_NS_REL}"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
                "</externalBook></externalLink>",
            )
            archive.writestr(
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/externalLinkPath" '
                'Target="file:///C:/secret/%E5%8F%B0%E8%B4%A6.xlsx" TargetMode="External"/>'
                "</Relationships>",
            )
        if macros:
            # An OLE compound-file header followed by VBA-looking text: enough for any
            # reader that would look at it; calamine must not run or even open it.
            archive.writestr(
                "xl/vbaProject.bin",
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                + b"\x00" * 24
                + b'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\n'
                b'Shell "cmd /c calc.exe"\r\nEnd Sub\r\n',
            )
    return path


def _deflate_repeated(head: bytes, block: bytes, count: int, tail: bytes) -> tuple[bytes, int, int]:
    """A raw deflate stream of head + block*count + tail without ever holding the expanded
    data: `block` is compressed once after a full flush (no back-references across the
    flush), so its compressed bytes can be repeated. Returns (stream, crc32, size)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    piece = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    last = comp.compress(tail) + comp.flush(zlib.Z_FINISH)
    size = len(head) + len(block) * count + len(tail)
    return first + piece * count + last, crc & 0xFFFFFFFF, size


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip archive from pre-compressed members (name, deflate data, crc, size, declared
    size); `declared` may differ from the real size (a lying central directory)."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, _size, declared in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), declared, len(encoded), 0
        )
        out += encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(data),
            declared,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    out += central
    out += struct.pack(
        "<IHHHHIIH",
        0x06054B50,
        0,
        0,
        len(members),
        len(members),
        len(central),
        len(out) - len(central),
        0,
    )
    path.write_bytes(bytes(out))
    return path


def zip_bomb_xlsx(path: Path, *, expanded_mib: int = 1024, lie: bool = False) -> Path:
    """An XLSX whose first worksheet expands to `expanded_mib` MiB of rows of numeric cells
    (a valid worksheet of millions of cells, ~500 times smaller compressed). With `lie`, the central directory
    declares 1 KB instead of the real size: the reader must not trust it blindly."""
    plain: list[tuple[str, bytes]] = []
    header = ["行政相对人名称", "统一社会信用代码"]
    small = path.with_suffix(".parts.xlsx")
    write_workbook(small, [("数据", [header, ["某公司", "91512081MA62K0260E"]])])
    with zipfile.ZipFile(small) as parts:
        for info in parts.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                plain.append((info.filename, parts.read(info)))
    small.unlink()
    members: list[tuple[str, bytes, int, int, int]] = []
    for name, text in plain:
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = comp.compress(text) + comp.flush()
        crc = zlib.crc32(text) & 0xFFFFFFFF
        members.append((name, data, crc, len(text), len(text)))
    head = f'<worksheet xmlns="{_NS_MAIN}"><sheetData>'.encode()
    row = b"<row>" + b"<c><v>1</v></c>" * 64 + b"</row>"
    block = row * (MIB // len(row))
    data, crc, size = _deflate_repeated(head, block, expanded_mib, b"</sheetData></worksheet>")
    members.append(("xl/worksheets/sheet1.xml", data, crc, size, 1024 if lie else size))
    return _raw_zip(path, members)
