"""The four journeys of issue 11 §5, each end to end in a real browser (Debian chromium
through Playwright) against a live server, asserting what the person sees at every step
and that no page logs a console error or reaches outside the server. The end state of
each journey is saved as a screenshot in $XINYONG_ARTIFACTS (default var/artifacts/),
which CI keeps as artefacts.

1. A department reporter uploads a file with invalid rows, downloads the rejected rows,
   fixes them and sends the corrected file again: the fixed rows are accepted, the rows
   already stored count as duplicates and nothing is stored twice.
2. A citizen finds an enterprise by name, opens a penalty, objects, and follows the
   objection with its query code while the unit checks it and the credit office corrects
   the record.
3. An enterprise applies for credit repair and gets its own credit report by
   self-service (the demo identity confirmer shows the one-time code), as a PDF.
4. A leader opens the leaders' dashboard and sees charts actually painted: that journey
   is tests/browser/test_dashboard.py (on the full demo data, with a drill-down), which
   saves its end state here too.

Dates are counted back from today: the pipeline refuses decisions dated after today and
the publicity rules depend on the decision date, so fixed dates would rot."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from tests.collection.ingest_helpers import LABELS, org_row, write_csv
from tests.rights.repair_helpers import ORG_USCC, penalty_row, store
from xinyong.collection.models import Batch
from xinyong.orgs.models import Role, User
from xinyong.orgs.services import resolve_unit_name
from xinyong.records.models import CreditRecord
from xinyong.rights.models import Objection, RepairApplication
from xinyong.subjects.demo import demo_uscc
from xinyong.subjects.models import Subject

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("next_year_calendar"),
]

PASSWORD = "Xinyong@Journey2026"
COMPANY = "安阳市北关区某某化工有限公司"  # the subject of tests.rights.repair_helpers rows
DOCUMENT = "北关环罚〔2026〕1号"


def make_user(username: str, role: str, unit: str | None = None, **extra: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        unit=resolve_unit_name(unit) if unit else None,
        **extra,
    )


def batch_counts(page: Any) -> dict[str, int]:
    """The counters at the top of a batch page, by their labels."""
    counts = {}
    for card in page.locator("#batch-counts .card").all():
        counts[card.locator(".label").inner_text()] = int(card.locator(".num").inner_text())
    return counts


# ------------------------------------------------------------------ 1. upload and fix


def test_reporter_uploads_fixes_rejected_rows_and_resends(open_page: Any, tmp_path: Path) -> None:
    make_user("huanbao", Role.REPORTER, "区生态环境局", full_name="王填报")
    today = timezone.localdate()
    decided = (today - timedelta(days=1)).isoformat()  # reported on time
    good_codes = [demo_uscc("91", f"MA0J{n:04d}") for n in (1, 2, 3)]
    fixed_code = demo_uscc("91", "MA0J0004")
    good = [
        org_row(
            n,
            CF_XDR_MC=f"安阳市北关区第{n}环保科技有限公司",
            CF_XDR_SHXYM=code,
            CF_WSH=f"北关环罚〔2026〕{40 + n}号",
            CF_JDRQ=decided,
        )
        for n, code in enumerate(good_codes, start=1)
    ]
    future = (today + timedelta(days=30)).isoformat()
    # Two rows a department really sends: a mistyped credit code (last character) and a
    # decision date in the future (a typo of the month).
    typo_code = fixed_code[:-1] + ("0" if fixed_code[-1] != "0" else "1")
    bad = [
        org_row(
            4,
            CF_XDR_MC="安阳市北关区第4环保科技有限公司",
            CF_XDR_SHXYM=typo_code,
            CF_WSH="北关环罚〔2026〕44号",
            CF_JDRQ=decided,
        ),
        org_row(
            5,
            CF_XDR_MC="安阳市北关区第5环保科技有限公司",
            CF_XDR_SHXYM=demo_uscc("91", "MA0J0005"),
            CF_WSH="北关环罚〔2026〕45号",
            CF_JDRQ=future,
        ),
    ]
    original = write_csv(tmp_path / "11月行政处罚.csv", [*good, *bad], labels=True)

    watch = open_page()
    page = watch.page
    watch.log_in("huanbao", PASSWORD)
    page.locator(".ws-nav").get_by_role("link", name="数据上传").click()
    page.wait_for_url(re.compile(r"/workspace/collection/upload/$"))
    assert "报送单位：区生态环境局" in page.locator("#upload-form").inner_text()

    # First upload: three rows stored, two returned with their reasons.
    page.get_by_label("信息类别").select_option("XZCF")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(str(original))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url(re.compile(r"/workspace/collection/batches/\d+/$"))
    first = Batch.objects.get()
    assert page.get_by_role("heading", name=f"报送批次 {first.pk}：行政处罚").is_visible()
    assert batch_counts(page) == {
        "提交行数": 5,
        "新增": 3,
        "更正": 0,
        "重复": 0,
        "退回": 2,
        "迟报": 0,
    }
    errors = page.locator("#batch-errors")
    assert errors.get_by_role("heading", name="退回数据（2 行）").is_visible()
    lines = [
        [cell.inner_text() for cell in row.locator("td").all()]
        for row in errors.locator("tbody tr").all()
    ]
    # File lines (the header is line 1); the future date breaks two rules.
    assert lines == [
        [
            "5",
            "统一社会信用代码",
            f"统一社会信用代码“{typo_code}”无效：校验位错误："
            f"第18位应为“{fixed_code[-1]}”，实为“{typo_code[-1]}”",
        ],
        ["6", "处罚决定日期", f"日期 {future} 晚于今天"],
        ["6", "处罚决定日期", f"处罚决定日期 {future} 晚于报送日期 {today.isoformat()}"],
    ]

    # The rejected rows come back as a workbook with the reasons beside each row.
    with page.expect_download() as download_info:
        errors.get_by_role("link", name="下载退回数据（XLSX）").click()
    download = download_info.value
    assert download.suggested_filename == f"退回数据-批次{first.pk}.xlsx"
    returned = tmp_path / download.suggested_filename
    download.save_as(returned)
    sheet = openpyxl.load_workbook(returned).active
    assert sheet is not None
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = [str(h) for h in table[0]]
    assert header[-3:] == ["行号", "错误列", "错误原因"]
    assert [r[header.index("行号")] for r in table[1:]] == [5, 6]
    assert table[1][header.index(LABELS["CF_XDR_SHXYM"])] == typo_code

    # The reporter corrects the two cells in the returned workbook and, as departments do,
    # sends the month's whole file again: the three rows already stored come along.
    table[1][header.index(LABELS["CF_XDR_SHXYM"])] = fixed_code
    table[2][header.index(LABELS["CF_JDRQ"])] = decided
    corrected = openpyxl.Workbook()
    out = corrected.active
    assert out is not None
    out.append(header)
    for row in table[1:]:
        out.append(row)
    for row in good:
        out.append([row.get(_code_of(h), "") for h in header])
    resent = tmp_path / "11月行政处罚（更正后）.xlsx"
    corrected.save(resent)

    page.get_by_role("link", name="继续上传").click()
    page.wait_for_url(re.compile(r"/workspace/collection/upload/$"))
    page.get_by_label("信息类别").select_option("XZCF")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(str(resent))
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url(re.compile(rf"/workspace/collection/batches/(?!{first.pk}/)\d+/$"))
    assert batch_counts(page) == {
        "提交行数": 5,
        "新增": 2,
        "更正": 0,
        "重复": 3,
        "退回": 0,
        "迟报": 0,
    }
    assert page.locator("#batch-errors").count() == 0
    # The three columns the platform added to the returned workbook are set aside.
    assert page.locator("#batch-warnings").inner_text().splitlines()[1:] == [
        "已忽略未识别的列：行号、错误列、错误原因"
    ]
    watch.artefact("journey-1-upload-fixed")

    # Nothing was stored twice: five penalties, one per document number.
    stored = CreditRecord.objects.filter(source_unit__name="区生态环境局")
    assert stored.count() == 5
    assert sorted(stored.values_list("document_number", flat=True)) == [
        f"北关环罚〔2026〕{n}号" for n in (41, 42, 43, 44, 45)
    ]
    watch.assert_clean()


def _code_of(label: str) -> str:
    for code, name in LABELS.items():
        if name == label:
            return code
    return label


# ------------------------------------------------------------------ 2. objection


def test_citizen_objects_and_follows_the_outcome(open_page: Any) -> None:
    make_user("xinyongban", Role.CREDIT_ADMIN, is_staff=True, full_name="李管理")
    make_user("huanbaoshenhe", Role.REVIEWER, "区生态环境局", full_name="赵审核")
    decided = timezone.localdate() - timedelta(days=30)
    store([penalty_row(1, decided=decided.isoformat())], reported_on=decided + timedelta(days=1))
    subject = Subject.objects.get(identifier=ORG_USCC)
    record = CreditRecord.objects.get(document_number=DOCUMENT)

    # 1. The citizen searches the portal by the enterprise's name and opens the penalty.
    citizen = open_page()
    page = citizen.page
    page.goto("/")
    page.get_by_placeholder("请输入企业（组织）名称或统一社会信用代码").fill("某某化工")
    page.get_by_role("button", name="查 询").click()
    page.wait_for_url(re.compile(r"/credit/\?q="))
    page.locator("#search-results").get_by_role("link", name=COMPANY).click()
    page.wait_for_url(re.compile(rf"/credit/subject/{subject.pk}/"))
    row = page.locator("tr", has_text=DOCUMENT)
    assert "公示中" in row.inner_text()
    row.get_by_role("link", name=DOCUMENT).click()
    page.wait_for_url(re.compile(rf"/credit/record/{record.pk}/$"))
    fields = page.locator("#record-fields")
    assert "罚款5万元" in fields.inner_text()

    # 2. Files an objection: the amount is wrong.
    page.get_by_role("link", name="对本条信息提出异议").click()
    page.wait_for_url(re.compile(rf"/credit/record/{record.pk}/objection/$"))
    page.get_by_label("异议类型").select_option(label="信息有误")
    page.get_by_label("异议内容（哪里有误）").fill("处罚决定书载明罚款3万元，公示为5万元。")
    page.get_by_label("请求更正为（可选）").fill("罚款3万元")
    page.get_by_label("申请人（单位或个人名称）").fill(COMPANY)
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_role("button", name="提交异议").click()
    code = page.locator("#query-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{12}", code)
    objection = Objection.objects.get(query_code=code)

    # 3. The status page, reached with the code, says it was received; the public record
    #    is marked 异议处理中 at once.
    page.locator("#objection-status-link").click()
    assert page.locator("#objection-status-label").inner_text() == "已受理"
    assert page.locator("#objection-outcome").count() == 0
    page.goto(f"/credit/subject/{subject.pk}/")
    assert "异议处理中" in page.locator("tr", has_text=DOCUMENT).inner_text()

    # 4. The credit office forwards it to the unit that reported the penalty.
    office = open_page()
    office.log_in("xinyongban", PASSWORD)
    office.page.goto("/workspace/rights/objections/")
    office.page.get_by_role("link", name=code).click()
    office.page.wait_for_url(re.compile(rf"/workspace/rights/objections/{objection.pk}/$"))
    office.page.locator("#objection-forward").get_by_role("button", name="转办").click()
    assert office.page.locator("#objection-status-label").inner_text() == "提供单位核查中"

    # 5. The unit checks the decision and answers in its own workspace.
    unit_side = open_page()
    unit_side.log_in("huanbaoshenhe", PASSWORD)
    unit_side.page.goto("/workspace/rights/objections/")
    unit_side.page.get_by_role("link", name=code).click()
    unit_side.page.get_by_label("核查意见").fill(
        "经核对处罚决定书原件，罚款金额为3万元，报送时录入有误。"
    )
    unit_side.page.get_by_role("button", name="提交答复").click()
    assert unit_side.page.locator("#objection-status-label").inner_text() == "提供单位已答复"
    page.goto(f"/credit/objection/status/?code={code}")
    assert page.locator("#objection-status-label").inner_text() == "提供单位已答复"

    # 6. The credit office corrects the record as the unit confirmed.
    office.page.reload()
    decide = office.page.locator("#objection-decide")
    decide.get_by_label("处理理由（将告知申请人）").fill(
        "经提供单位核实，罚款金额应为3万元，予以更正。"
    )
    decide.locator("summary").click()
    decide.locator("#field__CF_NR").fill("罚款3万元")
    decide.locator("#field__CF_NR_FK").fill("3")
    decide.get_by_role("button", name="更正").click()
    assert office.page.locator("#objection-status-label").inner_text() == "已办结"
    assert office.page.locator("#objection-outcome").inner_text() == "更正"

    # 7. The citizen sees the outcome with the query code, and the corrected record.
    page.goto("/credit/objection/status/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    assert page.locator("#objection-status-label").inner_text() == "已办结"
    assert page.locator("#objection-outcome").inner_text() == "更正"
    assert "罚款金额应为3万元" in page.locator("#objection-status").inner_text()
    notice = page.locator("#objection-notice-text").inner_text()
    assert f"（查询码 {code}）" in notice and "决定予以更正" in notice
    assert "理由：经提供单位核实，罚款金额应为3万元，予以更正。更正后的信息即日生效" in notice
    citizen.artefact("journey-2-objection-outcome")
    page.goto(f"/credit/record/{record.pk}/")
    assert "罚款3万元" in page.locator("#record-fields").inner_text()
    assert "异议处理中" not in page.locator("#record-detail").inner_text()
    for watch in (citizen, office, unit_side):
        watch.assert_clean()


# ------------------------------------------------------------------ 3. repair and report


def test_enterprise_applies_for_repair_and_gets_its_report(open_page: Any, tmp_path: Path) -> None:
    decided = timezone.localdate() - timedelta(days=150)  # 一般: 3 months elapsed
    store([penalty_row(1, decided=decided.isoformat())], reported_on=decided + timedelta(days=1))
    subject = Subject.objects.get(identifier=ORG_USCC)

    # 1. The enterprise finds its penalty and applies for repair.
    watch = open_page()
    page = watch.page
    page.goto(f"/credit/?q={ORG_USCC}")
    page.locator("#search-results").get_by_role("link", name=COMPANY).click()
    page.wait_for_url(re.compile(rf"/credit/subject/{subject.pk}/"))
    page.locator("tr", has_text=DOCUMENT).get_by_role("link", name="申请信用修复").click()
    page.wait_for_url(re.compile(r"/credit/record/\d+/repair/$"))
    assert "最短公示期已届满" in page.locator("#repair-eligibility").inner_text()
    page.get_by_label("申请人（单位或个人名称）").fill(COMPANY)
    page.get_by_label("信用主体的统一社会信用代码或身份证号码（用于核实身份）").fill(ORG_USCC)
    page.get_by_label("联系电话").fill("13800001234")
    page.get_by_label("履行义务情况说明（已履行的处罚决定、整改情况等）").fill(
        "罚款5万元已于决定后15日内缴清，废气治理设施已完成改造并通过验收。"
    )
    page.get_by_label("本人（单位）已阅读并作出上述承诺").check()
    page.get_by_role("button", name="提交申请").click()
    code = page.locator("#query-code").inner_text().strip()
    application = RepairApplication.objects.get(query_code=code)
    assert application.status == RepairApplication.Status.SUBMITTED
    page.get_by_role("link", name="查询办理进度").click()
    assert page.locator("#repair-status-label").inner_text() == "已提交"

    # 2. It gets its own credit report by self-service: code and exact name, then the
    #    one-time code the demo identity confirmer shows on screen.
    page.locator(".portal-nav").get_by_role("link", name="信用报告").click()
    page.wait_for_url(re.compile(r"/credit/reports/$"))
    page.get_by_label("统一社会信用代码（个人填写身份证号码）").fill(ORG_USCC)
    page.get_by_label("名称（个人填写姓名），须与登记名称完全一致").fill("安阳市北关区某某化工公司")
    page.get_by_role("button", name="下一步：确认身份").click()
    assert "未找到代码与名称一致的信用主体" in page.locator("#self-error").inner_text()
    page.get_by_label("名称（个人填写姓名），须与登记名称完全一致").fill(COMPANY)
    page.get_by_role("button", name="下一步：确认身份").click()
    page.wait_for_url(re.compile(r"/credit/reports/self/[^/]+/$"))
    assert page.locator("#self-subject").inner_text() == f"{COMPANY}（{ORG_USCC}）"
    assert page.locator("#self-used").inner_text() == "0"
    one_time = page.locator("#confirm-code strong").inner_text().strip()
    assert one_time
    page.get_by_label("确认码").fill(one_time)
    page.get_by_role("button", name="确认并生成报告").click()
    number = page.locator("#report-number").inner_text().strip()
    assert len(number) == 22  # 公共信用信息报告标准（2022年版）: 22-character number
    assert COMPANY in page.locator("#self-report").inner_text()

    # 3. Downloads the PDF.
    with page.expect_download() as download_info:
        page.locator("#self-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "report.pdf"
    download.save_as(pdf)
    content = pdf.read_bytes()
    # A PDF (the electronic seal follows the last %%EOF as an incremental trailer), and
    # one poppler reads: the text is there, fonts embedded.
    assert content.startswith(b"%PDF-") and b"%%EOF" in content
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())  # pdftotext spaces out mixed Chinese and digits
    assert number in flat and COMPANY in flat and DOCUMENT in flat
    # The report knows about the application just made.
    assert "办理中的信用修复申请1件" in flat
    watch.artefact("journey-3-report-ready")
    watch.assert_clean()
