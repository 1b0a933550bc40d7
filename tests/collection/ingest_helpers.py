"""Builders for the ingestion tests: valid 行政处罚 rows and files in several forms."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from xinyong.orgs import services as org_services
from xinyong.orgs.models import Unit

ORG_USCC = "91512081MA62K0260E"  # DOMAIN.md §2 example, valid
OTHER_USCC = "91330282L07196379D"  # valid once upper-cased (DOMAIN.md §2)
PERSON_ID = "11010519491231002X"  # DOMAIN.md §2 example, valid


def _valid_uscc(body17: str) -> str:
    from stdnum.cn import uscc

    return body17 + uscc.calc_check_digit(body17)


DECIDER_USCC = _valid_uscc("11410503MB1234567")


def unit(name: str) -> Unit:
    target = org_services.resolve_unit_name(name)
    assert isinstance(target, Unit)
    return target


def org_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "CF_XDR_MC": "安阳市北关区某某商贸有限公司",
        "CF_XDR_LB": "法人及非法人组织",
        "CF_XDR_SHXYM": ORG_USCC,
        "CF_FRDB": "张三",
        "CF_WSH": f"北关市监罚〔2026〕{n}号",
        "CF_WFXW": "未取得食品经营许可从事食品经营",
        "CF_SY": "经查，当事人未取得食品经营许可从事食品经营。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十二条",
        "CF_CFLB": "罚款",
        "CF_NR": "罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": "2026-03-02",
        "CF_CFJG": "安阳市北关区市场监督管理局",
        "CF_CFJGDM": DECIDER_USCC,
        "CF_SJLY": "安阳市北关区市场监督管理局",
        "CF_SJLYDM": DECIDER_USCC,
    }
    row.update(overrides)
    return row


def person_row(n: int = 1, **overrides: Any) -> dict[str, Any]:
    row = org_row(
        n,
        CF_XDR_MC="李四",
        CF_XDR_LB="自然人",
        CF_XDR_SHXYM="",
        CF_FRDB="",
        CF_XDR_ZJLX="身份证",
        CF_XDR_ZJHM=PERSON_ID,
        CF_CFLB="警告",
        CF_NR="警告",
        CF_NR_FK="",
    )
    row.update(overrides)
    return row


LABELS = {
    "CF_XDR_MC": "行政相对人名称",
    "CF_XDR_LB": "行政相对人类别",
    "CF_XDR_SHXYM": "统一社会信用代码",
    "CF_FRDB": "法定代表人",
    "CF_XDR_ZJLX": "证件类型",
    "CF_XDR_ZJHM": "证件号码",
    "CF_WSH": "行政处罚决定书文号",
    "CF_WFXW": "违法行为类型",
    "CF_SY": "违法事实",
    "CF_YJ": "处罚依据",
    "CF_CFLB": "处罚类别",
    "CF_NR": "处罚内容",
    "CF_NR_FK": "罚款金额（万元）",
    "CF_JDRQ": "处罚决定日期",
    "CF_GSJZQ": "公示截止期",
    "CF_CXLX": "程序类型",
    "CF_CFJG": "处罚机关",
    "CF_CFJGDM": "处罚机关统一社会信用代码",
    "CF_SJLY": "数据来源单位",
    "CF_SJLYDM": "数据来源单位统一社会信用代码",
    "BZ": "备注",
}


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    labels: bool = False,
    encoding: str = "utf-8",
    extra: dict[str, str] | None = None,
) -> Path:
    codes: list[str] = []
    for row in rows:
        for key in row:
            if key not in codes:
                codes.append(key)
    header = [LABELS.get(c, c) if labels else c for c in codes]
    if extra:
        header += list(extra)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            cells = ["" if row.get(c) is None else str(row.get(c)) for c in codes]
            if extra:
                cells += list(extra.values())
            writer.writerow(cells)
    return path
