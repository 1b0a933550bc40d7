"""The CSV fast path (bytes split + polars) must read exactly what the csv module reads:
the same cells, the same row numbers (header = 1, one per record) and the same ragged
rows, whatever the line ends, encoding, separator or quoting."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from typing import Any

import pytest

from xinyong.collection.pipeline import reader
from xinyong.collection.pipeline.reader import UnreadableFile


def _fast(path: Path, chunk_rows: int) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    head = path.read_bytes()[:4096]
    encoding = reader._detect_encoding(head)
    assert reader._fast_start(head, encoding) is not None, "the case must take the fast path"
    table = reader.read_csv(path, chunk_rows=chunk_rows)
    return _collect(table.headers, table.chunks)


def _slow(path: Path, chunk_rows: int) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    """The csv-module path, as read_csv takes it when the header is not one plain line."""
    raw = path.read_bytes()
    encoding = reader._detect_encoding(raw[:4096])
    handle = io.TextIOWrapper(path.open("rb"), encoding=encoding, errors="replace", newline="")
    first_line = raw.split(b"\n", 1)[0]
    dialect: dict[str, Any] = {}
    if b"," not in first_line and b"\t" in first_line:
        dialect["delimiter"] = "\t"
    header = next(csv.reader(handle, **dialect))
    chunks = reader._csv_chunks(handle, dialect, len(header), chunk_rows)
    return _collect([h.strip() for h in header], chunks)


def _collect(headers: list[str], chunks: Any) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    rows: list[dict[str, Any]] = []
    ragged: list[Any] = []
    for chunk in chunks:
        rows.extend(chunk.frame.sort("_row").to_dicts())
        ragged.extend((r.row, r.cells) for r in chunk.ragged)
    return headers, rows, ragged


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    return path


CASES: dict[str, bytes] = {
    "crlf": "名称,代码,金额\r\n甲公司,A1,1.5\r\n乙公司,B2,\r\n".encode(),
    "bom": codecs.BOM_UTF8 + "名称,代码,金额\n甲公司,A1,1.5\n乙公司,B2,2\n".encode(),
    "tab": "名称\t代码\t金额\n甲公司\tA1\t1.5\n乙,公司\tB2\t2\n".encode(),
    "gb18030": "名称,代码,金额\n甲公司,A1,1.5\n乙公司（测试）,B2,2\n".encode("gb18030"),
    "multi_line_quoted": '名称,代码,违法事实\n甲公司,A1,"第一行\n第二行, 含逗号"\n乙公司,B2,无\n'.encode(),
    "quoted_commas_and_escaped_quotes": '名称,代码,金额\n"甲,公司",A1,"他说""好"""\n'.encode(),
    "loose_quote": '名称,代码,金额\n"a"b,A1,1\n乙公司,B2,2\n'.encode(),
    "unterminated_quote": '名称,代码,金额\n甲公司,A1,1\n乙公司,"B2,2\n丙公司,C3,3\n'.encode(),
    "blank_rows": "名称,代码,金额\n\n甲公司,A1,1\n,,\n  ,\t, \n乙公司,B2,2\n\n".encode(),
    "ragged": "名称,代码,金额\n甲公司,A1,1,多余\n乙公司,B2\n丙公司,C3,3\n".encode(),
    "no_final_newline": "名称,代码,金额\n甲公司,A1,1\n乙公司,B2,2".encode(),
    "lone_cr": "名称,代码,金额\n甲公司,A1,1\r乙公司,B2,2\r".encode(),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("chunk_rows", [1, 25_000])
def test_fast_path_reads_what_the_csv_module_reads(
    tmp_path: Path, name: str, chunk_rows: int
) -> None:
    path = _write(tmp_path, CASES[name])
    try:
        slow = _slow(path, chunk_rows)
    except UnreadableFile:
        with pytest.raises(UnreadableFile):
            _fast(path, chunk_rows)
        return
    assert _fast(path, chunk_rows) == slow


def test_fast_path_concrete_values(tmp_path: Path) -> None:
    headers, rows, ragged = _fast(_write(tmp_path, CASES["multi_line_quoted"]), 25_000)
    assert headers == ["名称", "代码", "违法事实"]
    assert rows == [
        {"c0": "甲公司", "c1": "A1", "c2": "第一行\n第二行, 含逗号", "_row": 2},
        {"c0": "乙公司", "c1": "B2", "c2": "无", "_row": 3},
    ]
    assert ragged == []

    _, rows, ragged = _fast(_write(tmp_path, CASES["ragged"]), 25_000)
    assert [r["_row"] for r in rows] == [4]
    assert ragged == [(2, ["甲公司", "A1", "1", "多余"]), (3, ["乙公司", "B2"])]

    _, rows, _ = _fast(_write(tmp_path, CASES["gb18030"]), 25_000)
    assert rows[1]["c0"] == "乙公司（测试）"

    _, rows, _ = _fast(_write(tmp_path, CASES["blank_rows"]), 25_000)
    assert [(r["c0"], r["_row"]) for r in rows] == [("甲公司", 3), ("乙公司", 6)]

    _, rows, _ = _fast(_write(tmp_path, CASES["loose_quote"]), 25_000)
    assert rows[0]["c0"] == "ab"
