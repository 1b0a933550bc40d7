"""A corpus of hostile department files through the one ingestion pipeline (issue 11 §1):
every file gets a clear Chinese verdict, none crashes, and a refused file changes nothing
but the unit's history (one `unreadable` batch without records).

The files are generated here (tests/hardening/hostile.py) except the real registry files
in shared/realdata, which carry the defects real department files have."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from xinyong.collection.models import Batch, RejectedRow
from xinyong.collection.pipeline import reader
from xinyong.collection.services import IngestResult, UnreadableFile, ingest_file
from xinyong.publicity.models import PublicityWindow
from xinyong.records.models import CreditRecord, RecordVersion
from xinyong.subjects.models import Subject

from ..collection.ingest_helpers import LABELS, org_row, person_row, write_csv
from . import hostile

pytestmark = pytest.mark.django_db

REPORTED = date(2026, 3, 5)
REGISTRY = "登记注册基本信息"


@dataclass(frozen=True)
class Case:
    build: Callable[[Path, Path], Path]  # (tmp_path, realdata) -> the file
    verdict: str  # must appear in the refusal, or in the verdict of a read file
    refused: bool = False
    counts: tuple[int, int, int] | None = None  # rows, accepted, rejected
    record_type: str = "行政处罚"
    check: Callable[[IngestResult], None] | None = None


def verdict_text(result: IngestResult) -> str:
    """The verdict as the CLI and the upload page put it: summary, notes, row errors."""
    lines = [
        f"共 {result.rows} 行，新增 {result.accepted}，更正 {result.updated}，"
        f"重复 {result.duplicates}，退回 {result.rejected}。",
        *(f"提示：{w}" for w in result.warnings),
        *(f"第 {e.row} 行［{e.column}］：{e.message}" for e in result.errors),
    ]
    return "\n".join(lines)


def state() -> dict[str, int]:
    return {
        "records": CreditRecord.objects.count(),
        "subjects": Subject.objects.count(),
        "versions": RecordVersion.objects.count(),
        "windows": PublicityWindow.objects.count(),
        "rejected_rows": RejectedRow.objects.count(),
        "batch_records": sum(
            Batch.objects.filter(status=Batch.Status.DONE).values_list("accepted", flat=True)
        ),
    }


# ------------------------------------------------------------------ builders


def real(name: str) -> Callable[[Path, Path], Path]:
    return lambda tmp, data: data / "enterprise-registration-cn" / "csv" / name


def csv_file(
    rows: list[dict[str, Any]], *, encoding: str = "utf-8", labels: bool = True
) -> Callable[[Path, Path], Path]:
    return lambda tmp, data: write_csv(tmp / "f.csv", rows, labels=labels, encoding=encoding)


def raw_file(content: bytes, name: str = "f.csv") -> Callable[[Path, Path], Path]:
    def build(tmp: Path, data: Path) -> Path:
        path = tmp / name
        path.write_bytes(content)
        return path

    return build


def edited_csv(
    rows: list[dict[str, Any]], edit: Callable[[bytes], bytes], *, encoding: str = "utf-8"
) -> Callable[[Path, Path], Path]:
    def build(tmp: Path, data: Path) -> Path:
        path = write_csv(tmp / "f.csv", rows, labels=True, encoding=encoding)
        path.write_bytes(edit(path.read_bytes()))
        return path

    return build


def gbk_damaged_late(tmp: Path, data: Path) -> Path:
    # Past the 256 KB the encoding is detected from: the damaged row alone is rejected.
    rows = [org_row(n) for n in range(1, 1201)]
    path = write_csv(tmp / "f.csv", rows, labels=True, encoding="gbk")
    content = path.read_bytes()
    marker = "北关市监罚〔2026〕1100号".encode("gbk")
    assert content.index(marker) > 256 * 1024
    # 0x80 is not a GB18030 character: the decoder puts U+FFFD in its place.
    path.write_bytes(content.replace(marker, b"\x80" + marker))
    return path


def title_row_above_header(tmp: Path, data: Path) -> Path:
    path = write_csv(tmp / "f.csv", [org_row(1)], labels=True)
    path.write_bytes("安阳市北关区行政处罚信息报送表\n".encode() + path.read_bytes())
    return path


def huge_cell(tmp: Path, data: Path) -> Path:
    fact = "经查，当事人" + "违法事实" * (10 * 1024 * 1024 // 12)  # ≈ 10 MB of UTF-8
    path = write_csv(tmp / "f.csv", [org_row(1, CF_SY=fact), org_row(2)], labels=True)
    assert path.stat().st_size > 10 * 1024 * 1024
    return path


def wide(recognised: bool) -> Callable[[Path, Path], Path]:
    def build(tmp: Path, data: Path) -> Path:
        extra = {f"备用列{i}": str(i) for i in range(1, 985 if recognised else 1001)}
        rows = [org_row(1), org_row(2)] if recognised else [{}]
        path = write_csv(tmp / "f.csv", rows, labels=True, extra=extra)
        header = path.read_text(encoding="utf-8").splitlines()[0]
        assert header.count(",") + 1 == 1000
        return path

    return build


def xlsx(sheets: list[tuple[str, list[list[Any]]]], **kwargs: Any) -> Callable[[Path, Path], Path]:
    return lambda tmp, data: hostile.write_workbook(tmp / "f.xlsx", sheets, **kwargs)


def with_formulas() -> list[list[Any]]:
    table = hostile.penalty_table(
        [org_row(1, BZ="备注"), org_row(2, BZ="备注"), org_row(3, BZ="备注")]
    )
    header = table[0]
    bz, nr, fk = (
        header.index(LABELS["BZ"]),
        header.index(LABELS["CF_NR"]),
        header.index(LABELS["CF_NR_FK"]),
    )
    # A formula with the value Excel saved; one reaching outside; one never calculated.
    table[1][fk] = ("=", "0.1*2", 0.2)
    table[2][bz] = ("=", '[1]Sheet1!A1&HYPERLINK("http://evil.example","点我")', "外部数据")
    table[3][nr] = ("=", 'CONCAT("罚款","2000元")', None)
    return table


def dates_as_numbers(tmp: Path, data: Path) -> Path:
    table = hostile.penalty_table([org_row(n) for n in range(1, 7)])
    col = table[0].index(LABELS["CF_JDRQ"])
    # 46083 is 2026-03-02 as an Excel serial; a fraction is a time of day.
    for row, value in zip(
        table[1:], [46083, "46083", 46083.5, "20260302", "2026年3月2日", "2026/3/2"], strict=True
    ):
        row[col] = value
    return hostile.write_workbook(tmp / "f.xlsx", [("Sheet1", table)])


def bomb(lie: bool) -> Callable[[Path, Path], Path]:
    def build(tmp: Path, data: Path) -> Path:
        path = hostile.zip_bomb_xlsx(tmp / "f.xlsx", expanded_mib=1024, lie=lie)
        assert path.stat().st_size < 4 * 1024 * 1024  # 1 GiB of cells in a few MB
        return path

    return build


# ------------------------------------------------------------------ extra checks


def formula_text_kept(result: IngestResult) -> None:
    stored = CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号")
    assert stored.payload["CF_SY"] == '=HYPERLINK("http://evil.example","点我")&A1'
    assert stored.payload["BZ"] == "@SUM(1+1)*cmd|' /C calc'!A0"


def formulas_not_evaluated(result: IngestResult) -> None:
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕1号").payload["CF_NR_FK"]
        == "0.2"
    )
    assert (
        CreditRecord.objects.get(document_number="北关市监罚〔2026〕2号").payload["BZ"]
        == "外部数据"
    )


def all_on_march_2(result: IngestResult) -> None:
    assert set(CreditRecord.objects.values_list("decision_date", flat=True)) == {date(2026, 3, 2)}


def huge_cell_kept_for_return(result: IngestResult) -> None:
    kept = RejectedRow.objects.get(batch=result.batch)
    assert kept.row_number == 2
    assert len(kept.original["违法事实"]) > 3_000_000


HEADER_ONLY = ",".join(LABELS[c] for c in org_row(1)).encode() + b"\n"

CASES: dict[str, Case] = {
    # -- the real registry files (shared/realdata)
    "real-2002-shanghai-mojibake-and-shifted-rows": Case(
        real("2002/上海.csv"),
        "含乱码字符（U+FFFD）：文件编码有误或内容已损坏",
        counts=(4356, 4318, 38),
        record_type=REGISTRY,
    ),
    "real-2002-jiangsu-shifted-rows": Case(
        real("2002/江苏.csv"),
        "列数与表头不符（本行 11 列，表头 10 列），可能是名称或地址中含未加引号的逗号",
        counts=(5012, 4722, 290),
        record_type=REGISTRY,
    ),
    "real-1996-jiangsu-old-registration-numbers": Case(
        real("1996/江苏.csv"),
        "长度错误：统一社会信用代码应为18位，实为15位",
        counts=(4460, 4321, 139),
        record_type=REGISTRY,
    ),
    "real-2000-hubei-header-only": Case(
        real("2000/湖北.csv"),
        "提示：文件只有表头，没有数据行：本批没有导入任何记录。",
        counts=(0, 0, 0),
        record_type=REGISTRY,
    ),
    # -- encodings and mojibake
    "gbk": Case(
        csv_file([org_row(1), person_row(2)], encoding="gbk"),
        "共 2 行，新增 2，更正 0，重复 0，退回 0。",
        counts=(2, 2, 0),
    ),
    "gbk-damaged-byte-early-refuses-file": Case(
        edited_csv(
            [org_row(1)], lambda b: b.replace("某某".encode("gbk"), b"\x80\x80"), encoding="gbk"
        ),
        "无法识别文件编码：文件既不是 UTF-8 也不是 GBK/GB18030 编码的 CSV",
        refused=True,
    ),
    "gbk-damaged-byte-late-rejects-row": Case(
        gbk_damaged_late,
        "第 1101 行［行政处罚决定书文号］：含乱码字符（U+FFFD）",
        counts=(1200, 1199, 1),
    ),
    "utf16": Case(
        raw_file(codecs.BOM_UTF16_LE + "行政相对人名称,统一社会信用代码\n".encode("utf-16-le")),
        "文件为 UTF-16 编码，无法读取",
        refused=True,
    ),
    "mojibake-utf8-read-as-windows-1252": Case(
        csv_file(
            [
                org_row(
                    1, CF_XDR_MC="安阳市北关区某某商贸有限公司".encode().decode("cp1252", "replace")
                ),
                org_row(2),
            ]
        ),
        "第 2 行［行政相对人名称］：疑似乱码：文字像是按错误的编码打开后又保存的",
        counts=(2, 1, 1),
    ),
    "mojibake-kun-jin-kao": Case(
        csv_file([org_row(1, CF_WFXW="锟斤拷锟斤拷经营")]),
        "第 2 行［违法行为类型］：疑似乱码",
        counts=(1, 0, 1),
    ),
    "invalid-utf8-bytes-early-refuse-file": Case(
        edited_csv([org_row(1), org_row(2)], lambda b: b.replace("商贸".encode(), b"\xff\xfe", 1)),
        "无法识别文件编码：文件既不是 UTF-8 也不是 GBK/GB18030 编码的 CSV",
        refused=True,
    ),
    # -- shape of the table
    "shifted-columns-unquoted-comma": Case(
        edited_csv(
            [org_row(1), org_row(2)],
            lambda b: b.replace("北关区某某商贸".encode(), "北关区,某某商贸".encode(), 1),
        ),
        "第 2 行［］：列数与表头不符（本行 17 列，表头 16 列）",
        counts=(2, 1, 1),
    ),
    "title-row-above-header": Case(
        title_row_above_header,
        "表头中没有信息类别“行政处罚”的任何字段，请确认选择的信息类别和文件是否一致"
        "（表头应在第一行，数据在第一个工作表）。",
        refused=True,
    ),
    "zero-bytes": Case(raw_file(b""), "文件为空：没有表头。", refused=True),
    "only-blank-lines": Case(raw_file(b"\r\n  \n\t\n"), "文件为空：没有表头。", refused=True),
    "header-only": Case(raw_file(HEADER_ONLY), "提示：文件只有表头，没有数据行", counts=(0, 0, 0)),
    "header-and-blank-rows": Case(
        raw_file(HEADER_ONLY + b",,,,,,,,,,,,,,,\n\n"),
        "提示：文件只有表头，没有数据行",
        counts=(0, 0, 0),
    ),
    "ten-megabytes-in-one-cell": Case(
        huge_cell,
        "第 2 行［违法事实］：长度 3495258 字，超过上限 5000 字",
        counts=(2, 1, 1),
        check=huge_cell_kept_for_return,
    ),
    "one-thousand-columns": Case(
        wide(recognised=True),
        "提示：已忽略未识别的列：备用列1、备用列2、",
        counts=(2, 2, 0),
        check=lambda r: (
            r.warnings[0].endswith("备用列20 等 984 列") or pytest.fail(r.warnings[0])
        ),
    ),
    "one-thousand-unknown-columns": Case(
        wide(recognised=False),
        "表头中没有信息类别“行政处罚”的任何字段",
        refused=True,
    ),
    "binary-named-csv": Case(
        raw_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        "文件含有二进制内容，不是 CSV 文本文件",
        refused=True,
    ),
    "truncated-xlsx": Case(
        raw_file(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40, "f.xlsx"),
        "Excel 文件无法读取",
        refused=True,
    ),
    # -- spreadsheets
    "zip-bomb-disguised-as-xlsx": Case(
        bomb(lie=False),
        "Excel 文件疑似“压缩炸弹”，已拒绝读取：部件 xl/worksheets/sheet1.xml 由 3 MB 解压为 "
        "1,023 MB（压缩比超过 100 倍）",
        refused=True,
    ),
    "zip-bomb-with-lying-directory": Case(
        bomb(lie=True),
        "Excel 文件疑似“压缩炸弹”，已拒绝读取：部件 xl/worksheets/sheet1.xml 解压后超过其目录中"
        "声明的 1 KB",
        refused=True,
    ),
    "macros-and-external-links": Case(
        xlsx(
            [("Sheet1", hostile.penalty_table([org_row(1), org_row(2)]))],
            macros=True,
            external_link=True,
        ),
        "提示：文件含宏（VBA 工程）：平台不运行宏，只读取单元格中保存的数据。\n"
        "提示：文件含外部链接（引用其他工作簿的数据）：平台不打开、不更新外部链接，只读取文件中保存的值。",
        counts=(2, 2, 0),
    ),
    "formula-cells-in-xlsx": Case(
        xlsx([("Sheet1", with_formulas())], external_link=True),
        "提示：工作表含 3 个公式单元格：平台不计算公式，只读取文件中保存的计算结果；"
        "没有保存计算结果的公式单元格按空白处理。",
        counts=(3, 2, 1),
        check=formulas_not_evaluated,
    ),
    "formula-text-in-csv": Case(
        csv_file(
            [
                org_row(
                    1,
                    CF_SY='=HYPERLINK("http://evil.example","点我")&A1',
                    BZ="@SUM(1+1)*cmd|' /C calc'!A0",
                )
            ]
        ),
        "共 1 行，新增 1",
        counts=(1, 1, 0),
        check=formula_text_kept,
    ),
    "data-on-second-sheet": Case(
        xlsx([("填表说明", []), ("数据", hostile.penalty_table([org_row(1)]))]),
        "第一个工作表“填表说明”为空：平台只读取第一个工作表，本工作簿的其他工作表（“数据”）未读取。"
        "请把数据放在第一个工作表后重新报送。",
        refused=True,
    ),
    "instructions-on-first-sheet": Case(
        xlsx(
            [
                ("填表说明", [["填表说明：请在“数据”表中填写"], ["日期格式为 2026-03-02"]]),
                ("数据", hostile.penalty_table([org_row(1)])),
            ]
        ),
        "表头中没有信息类别“行政处罚”的任何字段",
        refused=True,
    ),
    "dates-as-numbers": Case(
        dates_as_numbers,
        "共 6 行，新增 6，更正 0，重复 0，退回 0。",
        counts=(6, 6, 0),
        check=all_on_march_2,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file(name: str, tmp_path: Path, realdata: Path) -> None:
    case = CASES[name]
    path = case.build(tmp_path, realdata)
    before = state()
    batches = set(Batch.objects.values_list("pk", flat=True))
    if case.refused:
        with pytest.raises(UnreadableFile) as caught:
            ingest_file(
                actor=None,
                unit="区市场监管局",
                record_type=case.record_type,
                path=path,
                reported_on=REPORTED,
            )
        message = caught.value.message
        assert case.verdict in message, message
        assert "Traceback" not in message and "Error" not in message
        assert state() == before
        (new,) = Batch.objects.exclude(pk__in=batches)
        assert (new.status, new.rows, new.accepted, new.message) == (
            Batch.Status.UNREADABLE,
            0,
            0,
            message,
        )
        return
    result = ingest_file(
        actor=None,
        unit="区市场监管局",
        record_type=case.record_type,
        path=path,
        reported_on=REPORTED,
    )
    text = verdict_text(result)
    assert case.verdict in text, text
    assert (result.rows, result.accepted, result.rejected) == case.counts, text
    after = state()
    assert after["records"] - before["records"] == result.accepted
    assert after["rejected_rows"] - before["rejected_rows"] == result.rejected
    assert CreditRecord.objects.filter(batch=result.batch).count() == result.accepted
    assert not CreditRecord.objects.filter(party_name__contains="\ufffd").exists()
    if case.check is not None:
        case.check(result)


def test_a_bomb_is_refused_before_calamine_sees_it(tmp_path: Path, monkeypatch: Any) -> None:
    """The guard runs on the zip directory and a capped stream, never on calamine's table."""
    import fastexcel

    def must_not_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("calamine opened a zip bomb")

    monkeypatch.setattr(fastexcel, "read_excel", must_not_open)
    for lie in (False, True):
        path = hostile.zip_bomb_xlsx(tmp_path / f"bomb-{lie}.xlsx", expanded_mib=256, lie=lie)
        with pytest.raises(UnreadableFile, match="压缩炸弹"):
            reader.read_file(path)


def test_total_expanded_size_is_capped(tmp_path: Path, monkeypatch: Any) -> None:
    # Honest parts that compress modestly but add up beyond the cap.
    monkeypatch.setattr(reader, "XLSX_MAX_EXPANDED", 64 * 1024)
    path = hostile.write_workbook(
        tmp_path / "big.xlsx",
        [
            (
                "Sheet1",
                [
                    [f"{i:06d}{'甲乙丙丁' * 3}" for i in range(n, n + 10)]
                    for n in range(0, 3000, 10)
                ],
            )
        ],
    )
    with pytest.raises(UnreadableFile) as caught:
        reader.read_file(path)
    assert caught.value.message.startswith(
        "Excel 文件疑似“压缩炸弹”，已拒绝读取：压缩包中各部件解压后共"
    )


def test_ordinary_workbook_passes_the_guard_with_no_notes(tmp_path: Path) -> None:
    path = hostile.write_workbook(
        tmp_path / "plain.xlsx", [("Sheet1", hostile.penalty_table([org_row(1)]))]
    )
    table = reader.read_file(path)
    assert table.warnings == []
    assert sum(c.frame.height for c in table.chunks) == 1


@pytest.mark.parametrize("step", [97, 1024 * 1024])
def test_formula_cells_are_counted_across_decompression_steps(
    tmp_path: Path, monkeypatch: Any, step: int
) -> None:
    monkeypatch.setattr(reader, "_INFLATE_STEP", step)
    rows: list[list[Any]] = [["金额", "合计"]]
    rows += [[n, ("=", f"A{n + 1}*2", n * 2)] for n in range(1, 51)]
    path = hostile.write_workbook(tmp_path / "sums.xlsx", [("Sheet1", rows)])
    table = reader.read_file(path)
    assert table.warnings == [
        "工作表含 50 个公式单元格：平台不计算公式，只读取文件中保存的计算结果；"
        "没有保存计算结果的公式单元格按空白处理。"
    ]
