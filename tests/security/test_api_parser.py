"""What the API answers to hostile JSON and to the refusals DRF raises itself: always a
400/401/403/404/… with `{"detail": "…中文…", "code": "…"}` (docs/conventions.md), never a
500 and never Python's repr of an error structure."""

from __future__ import annotations

import json
import re
from itertools import count
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from rest_framework import exceptions

from xinyong.core.api import exception_handler

from .conftest import UNIT_A, Actors

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
# Every anonymous request comes from its own address: the public endpoints are throttled
# per address, and these tests are not about the throttle.
_ADDRESSES = count(1)

DEEP = '{"record":' + "[" * 100_000 + "]" * 100_000 + "}"
TOO_DEEP = "请求内容无法解析：JSON 嵌套超过 64 层，已拒绝。"


def _anonymous() -> Client:
    n = next(_ADDRESSES)
    return Client(REMOTE_ADDR=f"10.77.{n // 250}.{n % 250 + 1}")


def _refusal(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert set(data) == {"detail", "code"}, data
    assert data["code"] == code, data
    assert CJK.search(data["detail"]), data
    assert "ErrorDetail" not in data["detail"] and "{" not in data["detail"], data
    return str(data["detail"])


def _post(client: Client, url: str, body: str, **extra: Any) -> Any:
    return client.post(url, body, content_type="application/json", **extra)


@pytest.fixture
def token_client(actors: Actors) -> Client:
    """Unit A's system account, by API token."""
    from xinyong.orgs import services
    from xinyong.orgs.models import Unit

    _token, key = services.issue_unit_token(
        actor=actors.users["credit_admin"], unit=Unit.objects.get(name=UNIT_A), name="解析测试"
    )
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


# ---------------------------------------------------------------- 1. deep nesting


def test_deeply_nested_json_is_a_400_for_anonymous_callers(actors: Actors) -> None:
    """Was a 500: the JSON decoder's RecursionError reached the exception handler."""
    response = _post(_anonymous(), "/api/v1/objections", DEEP)
    assert _refusal(response, 400, "too_deep") == TOO_DEEP


def test_deeply_nested_json_is_a_400_for_token_callers(token_client: Client) -> None:
    body = '{"record_type":"XZCF","rows":[' + "[" * 5000 + "]" * 5000 + "]}"
    response = _post(token_client, "/api/v1/collection/batches", body)
    assert _refusal(response, 400, "too_deep") == TOO_DEEP


def test_nesting_is_refused_beyond_64_levels_not_before(token_client: Client) -> None:
    def nested(levels: int) -> str:
        # The body object is level 1, "codes" level 2.
        inner = levels - 2
        return '{"codes":[' + "[" * inner + "]" * inner + "]}"

    at_limit = _post(token_client, "/api/v1/identifiers/check", nested(64))
    # Parsed; refused by the serializer (a list is not a code), not as too deep.
    assert at_limit.status_code == 400 and at_limit.json()["code"] == "invalid"
    over = _post(token_client, "/api/v1/identifiers/check", nested(65))
    assert _refusal(over, 400, "too_deep") == TOO_DEEP


def test_deep_json_to_a_view_naming_its_own_parsers_is_a_400_too(actors: Actors) -> None:
    """The report verification view names its parsers (multipart as well as JSON): its
    JSON parser is the project's, so deep nesting is the same refusal."""
    response = _post(_anonymous(), "/api/v1/reports/verify/", DEEP)
    assert _refusal(response, 400, "too_deep") == TOO_DEEP


# ---------------------------------------------------------------- 2. lone surrogates


SURROGATE_CASES = [
    # (role, url, body)
    ("token", "/api/v1/checks", '{"subject":"91410503MA44T3K1XK","matter":"\\ud800"}'),
    ("token", "/api/v1/checks", '{"subject":"x","matter":"M","unit":"\\udfff"}'),
    ("credit_admin", "/api/v1/list-entries", '{"list_type":"\\ud800"}'),
    ("token", "/api/v1/draws", '{"title":"抽查","unit":"\\ud800"}'),
    ("token", "/api/v1/inspectors", '{"name":"张三","badge_number":"1","unit":"\\ud800"}'),
    ("anonymous", "/api/v1/objections", '{"applicant_name":"\\ud800"}'),
]


@pytest.mark.parametrize(("role", "url", "body"), SURROGATE_CASES)
def test_a_lone_surrogate_is_refused_at_parsing(
    actors: Actors, token_client: Client, role: str, url: str, body: str
) -> None:
    """Was a 500 wherever a view read request.data without a serializer: the raw text
    reached SQLite, which cannot encode it (UnicodeEncodeError)."""
    if role == "token":
        client = token_client
    elif role == "anonymous":
        client = _anonymous()
    else:
        client = actors.client(role)
    detail = _refusal(_post(client, url, body), 400, "lone_surrogate")
    assert detail.startswith("请求内容无法解析：")
    assert "代理字符" in detail


def test_the_surrogate_refusal_names_where_it_is(actors: Actors, token_client: Client) -> None:
    body = '{"subject":"91410503MA44T3K1XK","matter":"抽查\\udc00事项"}'
    detail = _refusal(_post(token_client, "/api/v1/checks", body), 400, "lone_surrogate")
    assert detail == (
        "请求内容无法解析：matter 含有孤立的代理字符 U+DC00（不成对的 \\u 转义），"
        "请检查文本编码后重新提交。"
    )
    # In a key, and deep in a list: the place is named, the surrogate itself is not echoed
    # (it cannot be encoded in the answer either).
    key = '{"rows":[{"ok":1},{"名称\\ud800":"x"}]}'
    detail = _refusal(_post(token_client, "/api/v1/checks", key), 400, "lone_surrogate")
    assert "rows[1] 的键“名称\ufffd”" in detail and "U+D800" in detail
    top = _refusal(_post(token_client, "/api/v1/checks", '"\\ud800"'), 400, "lone_surrogate")
    assert top.startswith("请求内容无法解析：请求内容含有孤立的代理字符 U+D800")


def test_a_surrogate_pair_is_an_ordinary_character(actors: Actors) -> None:
    """\\ud83d\\ude00 is one character (😀), not a lone surrogate: it must pass."""
    client = actors.client("credit_admin")
    response = _post(client, "/api/v1/identifiers/check", '{"codes":["\\ud83d\\ude00"]}')
    assert response.status_code == 200, response.content


def test_the_list_entry_removal_reason_is_checked_too(actors: Actors) -> None:
    from xinyong.sanctions.models import ListEntry

    entry = ListEntry.objects.filter(status=ListEntry.Status.LISTED).order_by("pk").first()
    assert entry is not None, "the demo data holds listed entries"
    client = actors.client("credit_admin")
    url = f"/api/v1/list-entries/{entry.pk}/remove"
    response = _post(client, url, '{"reason":"\\ud800","on":"2026-11-02"}')
    assert _refusal(response, 400, "lone_surrogate").endswith("请检查文本编码后重新提交。")
    entry.refresh_from_db()
    assert entry.status == ListEntry.Status.LISTED


PENALTY_ROW = {
    "CF_XDR_MC": "安阳市北关区恒达商贸有限公司",
    "CF_XDR_LB": "法人及非法人组织",
    "CF_XDR_SHXYM": "91410503MA44T3K1XK",
    "CF_FRDB": "张三",
    "CF_WSH": "北关市监罚〔2026〕130号",
    "CF_WFXW": "未按规定公示年度报告",
    "CF_SY": "经查，当事人未按规定公示年度报告。",
    "CF_YJ": "《企业信息公示暂行条例》第十八条",
    "CF_CFLB": ["罚款"],
    "CF_NR": "罚款0.8万元",
    "CF_NR_FK": "0.8",
    "CF_JDRQ": "2026-11-24",
    "CF_CFJG": "安阳市北关区市场监督管理局",
    "CF_CFJGDM": "114105030058265904",
    "CF_SJLY": "安阳市北关区市场监督管理局",
    "CF_SJLYDM": "114105030058265904",
}


def test_the_batch_endpoint_rejects_only_the_row_with_a_surrogate(token_client: Client) -> None:
    """The real batch view opts in (no monkeypatch): one bad row is rejected as 乱码, the
    other row is stored, and the answer is the pipeline's 201."""
    from xinyong.collection.models import Batch
    from xinyong.records.models import CreditRecord

    second = dict(PENALTY_ROW, CF_WSH="北关市监罚〔2026〕131号")
    rows = json.dumps([PENALTY_ROW, second], ensure_ascii=False)
    body = '{"record_type":"XZCF","rows":' + rows.replace("恒达", "恒\\ud800达", 1) + "}"
    response = _post(token_client, "/api/v1/collection/batches", body)
    assert response.status_code == 201, response.content.decode()[:500]
    data = response.json()
    assert (data["rows"], data["accepted"], data["rejected"]) == (2, 1, 1), data
    assert [(e["row"], e["column"], e["code"]) for e in data["errors"]] == [
        (1, "CF_XDR_MC", "mojibake")
    ]
    batch = Batch.objects.get(pk=data["batch"])
    stored = CreditRecord.objects.filter(batch=batch)
    assert [r.document_number for r in stored] == ["北关市监罚〔2026〕131号"]
    assert not CreditRecord.objects.filter(document_number="北关市监罚〔2026〕130号").exists()
    assert list(batch.rejected_rows.values_list("row_number", flat=True)) == [1]


def test_only_the_batch_view_opts_in_to_replacing_surrogates() -> None:
    """Every other view refuses a lone surrogate whole: the opt-in is the batch view's
    alone (it reports bad text per row)."""
    from django.urls import get_resolver

    from xinyong.collection.api import BatchCreateView

    opted = set()
    for view in _api_views(get_resolver()):
        if getattr(view, "json_lone_surrogates", "") == "replace":
            opted.add(view)
    assert opted == {BatchCreateView}


def _api_views(resolver: Any) -> list[type]:
    from django.urls import URLResolver

    found: list[type] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            found += _api_views(pattern)
        else:
            cls = getattr(pattern.callback, "cls", None)
            if cls is not None:
                found.append(cls)
    return found


def test_every_api_view_reads_json_with_the_project_parser() -> None:
    """A view that named its own parser_classes read JSON with DRF's parser, which lets a
    lone surrogate through (docs/conventions.md, JSON bodies): the report verification
    and the ledger progress report."""
    from django.urls import get_resolver
    from rest_framework import parsers

    from xinyong.core.api import JSONParser

    views = _api_views(get_resolver())
    assert len(views) > 50
    for view in views:
        for parser in getattr(view, "parser_classes", []):
            if issubclass(parser, parsers.JSONParser):
                assert issubclass(parser, JSONParser), (view, parser)


def test_a_lone_surrogate_to_the_report_verification_is_refused(actors: Actors) -> None:
    body = '{"number":"XY\\ud800"}'
    detail = _refusal(_post(_anonymous(), "/api/v1/reports/verify/", body), 400, "lone_surrogate")
    assert detail.startswith("请求内容无法解析：number 含有孤立的代理字符 U+D800")


def test_a_lone_surrogate_in_a_ledger_progress_report_is_refused(actors: Actors) -> None:
    from xinyong.ledger.models import Assignment, ProgressReport

    client = actors.client("reporter_a")
    assignment = Assignment.objects.filter(unit__name=UNIT_A).order_by("pk").first()
    assert assignment is not None, "the demo ledger assigns rows to unit A"
    before = ProgressReport.objects.count()
    body = '{"claim":"in_progress","narrative":"已完成\\udc00部分"}'
    url = f"/api/v1/ledger/assignments/{assignment.pk}/reports/"
    detail = _refusal(_post(client, url, body), 400, "lone_surrogate")
    assert detail.startswith("请求内容无法解析：narrative 含有孤立的代理字符 U+DC00")
    assert ProgressReport.objects.count() == before


# ---------------------------------------------------------------- 3. error texts


def test_nested_serializer_errors_read_as_chinese(token_client: Client) -> None:
    """Was "数据行：{0: [ErrorDetail(string='期望是包含类目的字典…', code='not_a_dict')]}"."""
    response = _post(token_client, "/api/v1/collection/batches", '{"rows":["a", {"x": 1}, 3]}')
    detail = _refusal(response, 400, "invalid")
    assert detail.startswith("请求数据有误：")
    assert "信息类别：该字段是必填项。" in detail
    assert "数据行第1项：期望是包含类目的字典" in detail
    assert "数据行第3项：期望是包含类目的字典" in detail
    assert "第2项" not in detail


def test_identifier_check_names_the_bad_code_in_chinese(token_client: Client) -> None:
    """Was "codes：{0: [ErrorDetail(string='该字段不能为 null。', code='null')]}": the subjects
    API had its own copy of the helper that printed str() of the nested errors."""
    response = _post(token_client, "/api/v1/identifiers/check", '{"codes":["x", null, 5]}')
    detail = _refusal(response, 400, "invalid")
    assert detail == "请求数据有误：待校验代码第2项：该字段不能为 null。"


def test_subject_rename_refusal_has_the_shared_shape(actors: Actors) -> None:
    client = actors.client("credit_admin")
    response = _post(client, "/api/v1/subjects/1/rename/", '{"name":["甲"],"reason":{}}')
    detail = _refusal(response, 400, "invalid")
    assert detail == "请求数据有误：主体名称：不是有效的字符串。，修改理由：不是有效的字符串。"


def test_no_api_module_keeps_a_private_copy_of_the_validation_helper() -> None:
    """One helper (core.api.validated), not one per app with its own wording."""
    import ast
    from pathlib import Path

    import xinyong

    root = Path(xinyong.__file__).parent
    copies = []
    for module in sorted(root.glob("*/api*.py")):
        if module.parent.name == "core":
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "is_valid" in ast.unparse(node):
                copies.append(f"{module.relative_to(root)}:{node.name}")
    assert copies == []


def test_csrf_failure_says_so(actors: Actors) -> None:
    """Was "无权执行此操作。": the CSRF reason was overwritten."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.users["reporter_a"])
    body = '{"record_type":"XZCF","period":"2026-10","declared_count":3}'
    response = _post(client, "/api/v1/collection/declarations", body)
    assert _refusal(response, 403, "csrf_failed") == "CSRF 校验失败，请刷新页面后重试。"


def test_a_page_beyond_the_results_says_the_page_does_not_exist(actors: Actors) -> None:
    """Was "未找到请求的对象。"."""
    client = actors.client("credit_admin")
    response = client.get("/api/v1/records/", {"page": 9999})
    detail = _refusal(response, 404, "invalid_page")
    assert detail == "第 9999 页不存在：页码超出结果范围或无效，请从第 1 页起查询。"
    response = client.get("/api/v1/records/", {"page": "abc"})
    assert _refusal(response, 404, "invalid_page").startswith("第 abc 页不存在")


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token", "令牌格式错误：应为 “Token <令牌>”。"),
        ("Token a b", "令牌格式错误：应为 “Token <令牌>”。"),
        ("Token 0123456789abcdef", "令牌无效或已停用。"),
    ],
)
def test_the_token_authentication_message_is_shown(
    actors: Actors, header: str, detail: str
) -> None:
    """Was always "身份验证失败：令牌无效或已停用。"."""
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/me")
    assert _refusal(response, 401, "authentication_failed") == detail


def test_a_permission_class_message_is_kept(actors: Actors) -> None:
    """A permission's own Chinese message (IsUnitStaff) says who may; it was replaced by
    the bare "无权执行此操作。"."""
    client = actors.client("bank")
    response = _post(client, "/api/v1/checks", '{"subject":"x","matter":"y"}')
    detail = _refusal(response, 403, "permission_denied")
    assert detail == "只有责任单位的填报员、审核员或信用办管理员可以执行此操作。"


def test_drf_refusals_carry_a_code(actors: Actors, token_client: Client) -> None:
    anonymous = _refusal(_anonymous().get("/api/v1/me"), 401, "not_authenticated")
    assert anonymous == "未登录或令牌无效，请提供有效的身份凭证。"
    method = _refusal(token_client.delete("/api/v1/me"), 405, "method_not_allowed")
    assert method == "不支持该请求方法。"
    accept = token_client.get("/api/v1/me", HTTP_ACCEPT="application/xml")
    assert _refusal(accept, 406, "not_acceptable") == "无法提供所请求的格式。"
    media = token_client.post("/api/v1/identifiers/check", "codes", content_type="text/plain")
    assert _refusal(media, 415, "unsupported_media_type") == "不支持的请求内容类型。"
    broken = _post(token_client, "/api/v1/identifiers/check", "{not json")
    assert _refusal(broken, 400, "parse_error") == "请求内容无法解析，请检查 JSON 格式。"
    empty = _post(_anonymous(), "/api/v1/objections", "{not json")
    assert _refusal(empty, 400, "parse_error") == "请求内容无法解析，请检查 JSON 格式。"


def test_throttled_answer_says_how_long_to_wait_with_a_code() -> None:
    response = exception_handler(exceptions.Throttled(wait=2.4), {})
    assert response is not None and response.status_code == 429
    assert response.data == {"detail": "请求过于频繁，请 3 秒后再试。", "code": "throttled"}


def test_a_drf_validation_error_is_flattened_with_a_code() -> None:
    error = exceptions.ValidationError(
        {"rows": {0: ["期望是包含类目的字典。"]}, "unit": ["必填。"]}
    )
    response = exception_handler(error, {})
    assert response is not None and response.status_code == 400
    assert response.data == {
        "detail": "请求数据有误：rows第1项：期望是包含类目的字典。，unit：必填。",
        "code": "invalid",
    }


def test_a_chinese_http404_message_is_kept() -> None:
    response = exception_handler(Http404("未找到该预警。"), {})
    assert response is not None and response.status_code == 404
    assert response.data == {"detail": "未找到该预警。", "code": "not_found"}
    response = exception_handler(Http404("No CreditRecord matches the given query."), {})
    assert response is not None
    assert response.data == {"detail": "未找到请求的对象。", "code": "not_found"}
