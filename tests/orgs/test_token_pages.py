"""The workspace pages for API tokens (/workspace/tokens/…).

Who may use them mirrors the token API exactly (orgs.api: IsReviewerOrCreditAdmin, then
selectors.tokens_for and the services): the credit office manages every unit's and every
bank's tokens; a unit's reviewer manages its own unit's system tokens and nothing else;
reporters, leaders, banks and the organisation department are refused, anonymous
visitors are sent to the login page. The key is shown once, on the answer to issuing,
and is never stored, logged or shown again."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.orgs.conftest import PASSWORD
from xinyong.core.errors import DomainError
from xinyong.core.models import Event
from xinyong.orgs import services
from xinyong.orgs.models import ApiToken, Role

pytestmark = pytest.mark.django_db

LIST = "/workspace/tokens/"
NEW = "/workspace/tokens/new/"
BANK = "中国银行安阳北关支行"
ONCE_WARNING = "此令牌只显示这一次"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def revoke_url(token: ApiToken) -> str:
    return f"/workspace/tokens/{token.pk}/revoke/"


def text(response: Any) -> str:
    return response.content.decode("utf-8")


def issue(client: Client, **data: Any) -> Any:
    """Open the issue form (which hands out a one-time form key) and submit it."""
    form = client.get(NEW)
    assert form.status_code == 200
    match = re.search(r'name="once" value="([^"]+)"', text(form))
    assert match, "the issue form carries a one-time key"
    return client.post(NEW, {"once": match.group(1), **data})


def api_me(key: str) -> Any:
    return APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")


def no_event_holds(key: str) -> None:
    for event in Event.objects.all():
        dumped = json.dumps(
            [event.new_values, event.old_values, event.target_repr], ensure_ascii=False
        )
        assert key not in dumped


# ---------------------------------------------------------------- the credit office


def test_credit_admin_issues_a_unit_token_shown_once_then_revokes_it(admin_user, scj):
    client = login(admin_user)
    page = client.get(LIST)
    assert page.status_code == 200
    assert "接口令牌" in text(page) and "没有符合条件的接口令牌" in text(page)

    answer = issue(client, kind="unit", unit=scj.pk, name="双公示数据报送")
    assert answer.status_code == 200
    key = answer.context["key"]
    body = text(answer)
    # Shown once, with the warning, and never cached by the browser or a proxy.
    assert body.count(key) == 1
    assert ONCE_WARNING in body and "无法再次查看" in body
    assert "Authorization: Token" in body
    assert "no-store" in answer["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.name == "双公示数据报送" and token.prefix == key[:8]
    assert token.user.unit == scj and token.user.is_system_account
    assert token.key_hash == ApiToken.hash_key(key)
    no_event_holds(key)
    issued = Event.objects.get(action="orgs.token_issue")
    assert issued.actor == admin_user and issued.channel == "web"
    assert key not in json.dumps(dict(client.session), ensure_ascii=False)

    # The token works against the API with the header the API expects.
    me = api_me(key)
    assert me.status_code == 200
    assert me.json()["username"] == token.user.username and me.json()["auth"] == "token"

    # Submitting the same form again (a browser refresh) issues nothing.
    again = client.post(
        NEW,
        {
            "once": answer.wsgi_request.POST["once"],
            "kind": "unit",
            "unit": scj.pk,
            "name": "双公示数据报送",
        },
    )
    assert again.status_code == 200
    assert "此签发表单已提交过" in text(again)
    assert ApiToken.objects.count() == 1

    # The list afterwards: the row, never the key.
    listed = client.get(LIST)
    body = text(listed)
    assert key not in body
    row = body[body.index(f'id="token-{token.pk}"') :]
    row = row[: row.index("</tr>")]
    for cell in ("双公示数据报送", "单位系统", "区市场监管局", "xyb_admin", "有效", token.prefix):
        assert cell in row
    assert revoke_url(token) in row
    assert "从未使用" not in row  # the API call above was recorded as its last use

    # Revoking needs a reason.
    confirm = client.get(revoke_url(token))
    assert confirm.status_code == 200 and "撤销原因" in text(confirm)
    empty = client.post(revoke_url(token), {"reason": "  "})
    assert empty.status_code == 200 and "请填写撤销原因。" in text(empty)
    too_long = client.post(revoke_url(token), {"reason": "长" * 201})
    assert "撤销原因不能超过 200 个字符。" in text(too_long)
    token.refresh_from_db()
    assert token.revoked_at is None

    done = client.post(revoke_url(token), {"reason": "系统更换"})
    assert done.status_code == 302 and done["Location"] == LIST
    token.refresh_from_db()
    assert token.revoked_at is not None
    revoked = Event.objects.get(action="orgs.token_revoke")
    assert revoked.new_values["reason"] == "系统更换" and revoked.actor == admin_user
    refused = api_me(key)
    assert refused.status_code == 401 and "令牌无效或已停用" in refused.json()["detail"]

    body = text(client.get(LIST))
    assert "已撤销。" in body  # the success message
    row = body[body.index(f'id="token-{token.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "已撤销" in row and "系统更换" in row
    assert revoke_url(token) not in row  # no button for a revoked token
    # Revoking twice: told so, nothing changes, no 500.
    twice = client.post(revoke_url(token), {"reason": "再次"}, follow=True)
    assert twice.status_code == 200 and "已撤销" in text(twice)
    assert Event.objects.filter(action="orgs.token_revoke").count() == 1
    revisit = text(client.get(revoke_url(token)))
    assert "该令牌已于" in revisit and 'id="revoke-form"' not in revisit


def test_status_filter(admin_user, scj, rsj):
    kept, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="在用系统")
    gone, _ = services.issue_unit_token(actor=admin_user, unit=rsj, name="下线系统")
    services.revoke_token(actor=admin_user, token=gone, reason="停止对接")
    client = login(admin_user)
    active = text(client.get(LIST, {"status": "active"}))
    assert f'id="token-{kept.pk}"' in active and f'id="token-{gone.pk}"' not in active
    revoked = text(client.get(LIST, {"status": "revoked"}))
    assert f'id="token-{gone.pk}"' in revoked and f'id="token-{kept.pk}"' not in revoked
    assert "停止对接" in revoked
    both = text(client.get(LIST))
    assert f'id="token-{kept.pk}"' in both and f'id="token-{gone.pk}"' in both
    # A made-up status is a Chinese error, not a 500 and not every token.
    odd = client.get(LIST, {"status": "deleted"})
    assert odd.status_code == 200 and "没有这种状态" in text(odd)
    assert f'id="token-{kept.pk}"' not in text(odd)


def test_credit_admin_issues_a_bank_token(admin_user, bank):
    client = login(admin_user)
    answer = issue(client, kind="bank", bank=" 中国银行 安阳北关支行", name="信易贷对接")
    assert answer.status_code == 200
    key = answer.context["key"]
    assert text(answer).count(key) == 1 and "no-store" in answer["Cache-Control"]
    token = ApiToken.objects.get()
    assert token.user.role == Role.BANK and token.user.organisation == BANK
    assert token.user.unit_id is None
    me = api_me(key)
    assert me.status_code == 200 and me.json()["organisation"] == BANK
    no_event_holds(key)
    body = text(client.get(LIST))
    assert key not in body
    row = body[body.index(f'id="token-{token.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "银行" in row and BANK in row and "单位系统" not in row
    assert "从未使用" not in row
    assert f'id="token-{token.pk}"' in text(client.get(LIST, {"kind": "bank"}))
    assert f'id="token-{token.pk}"' not in text(client.get(LIST, {"kind": "unit"}))


def test_never_used_token_says_so(admin_user, scj):
    token, _key = services.issue_unit_token(actor=admin_user, unit=scj, name="新系统")
    body = text(login(admin_user).get(LIST))
    row = body[body.index(f'id="token-{token.pk}"') :]
    assert "从未使用" in row[: row.index("</tr>")]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "unit", "name": "报送"}, "unit", "请选择责任单位。"),
        ({"kind": "unit", "unit": "999999", "name": "报送"}, "unit", "所选责任单位不存在"),
        ({"kind": "unit", "unit": "abc", "name": "报送"}, "unit", "所选责任单位不存在"),
        ({"kind": "unit", "unit": "SCJ", "name": ""}, "name", "请填写令牌用途。"),
        ({"kind": "unit", "unit": "SCJ", "name": "   "}, "name", "请填写令牌用途。"),
        (
            {"kind": "unit", "unit": "SCJ", "name": "长" * 101},
            "name",
            "令牌用途不能超过 100 个字符。",
        ),
        ({"kind": "unit", "unit": "SCJ", "name": "报\x0b送"}, "name", "含有无法识别的控制字符"),
        ({"kind": "bank", "name": "对接"}, "bank", "请填写银行名称。"),
        (
            {"kind": "bank", "bank": "不存在的银行", "name": "对接"},
            "bank",
            "未知银行名称：不存在的银行",
        ),
        (
            {"kind": "bank", "bank": "银" * 101, "name": "对接"},
            "bank",
            "银行名称不能超过 100 个字符。",
        ),
        ({"kind": "", "name": "对接"}, "kind", "请选择令牌类型。"),
        ({"kind": "other", "name": "对接"}, "kind", "令牌类型无效"),
    ],
)
def test_bad_input_gets_a_chinese_error_and_no_token(admin_user, bank, scj, data, field, message):
    if data.get("unit") == "SCJ":
        data = {**data, "unit": scj.pk}
    client = login(admin_user)
    answer = issue(client, **data)
    assert answer.status_code == 200
    assert message in text(answer)
    assert answer.context["form"].errors.get(field), answer.context["form"].errors
    assert "key" not in answer.context
    assert ApiToken.objects.count() == 0
    assert "no-store" not in answer.get("Cache-Control", "")


def test_a_post_without_the_form_key_issues_nothing(admin_user, scj):
    client = login(admin_user)
    answer = client.post(NEW, {"kind": "unit", "unit": scj.pk, "name": "报送"})
    assert answer.status_code == 200 and "此签发表单已提交过或已失效" in text(answer)
    assert ApiToken.objects.count() == 0
    # The re-shown form carries a fresh key: submitting it now works.
    match = re.search(r'name="once" value="([^"]+)"', text(answer))
    assert match
    done = client.post(
        NEW, {"once": match.group(1), "kind": "unit", "unit": scj.pk, "name": "报送"}
    )
    assert done.status_code == 200 and ApiToken.objects.count() == 1


def test_forms_need_csrf(admin_user, scj):
    token, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="系统")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(NEW, {"kind": "unit", "unit": scj.pk, "name": "x"}).status_code == 403
    assert client.post(revoke_url(token), {"reason": "x"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


# ---------------------------------------------------------------- a unit's reviewer


def test_reviewer_manages_its_own_units_tokens_as_the_api_allows(
    admin_user, reviewer_a, reviewer_b, bank, scj, rsj
):
    """The API lets a reviewer list, issue and revoke its own unit's system tokens
    (tests/orgs/test_api.py::test_tokens_api_scope); the pages allow exactly that."""
    theirs, _ = services.issue_unit_token(actor=admin_user, unit=rsj, name="人社报送")
    bank_token, _ = services.issue_bank_token(actor=admin_user, bank=BANK, name="信易贷对接")
    client = login(reviewer_a)

    body = text(client.get(LIST))
    assert f'id="token-{theirs.pk}"' not in body and f'id="token-{bank_token.pk}"' not in body
    # No bank choice and no other unit on the form.
    form = text(client.get(NEW))
    assert 'value="bank"' not in form
    assert f'value="{scj.pk}"' in form and f'value="{rsj.pk}"' not in form

    answer = issue(client, kind="unit", unit=scj.pk, name="市场监管报送")
    key = answer.context["key"]
    own = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert own.user.unit == scj
    body = text(client.get(LIST))
    assert f'id="token-{own.pk}"' in body and key not in body

    # Another unit, or a bank: no token.
    other = issue(client, kind="unit", unit=rsj.pk, name="越权")
    assert other.status_code == 200 and "所选责任单位不存在" in text(other)
    as_bank = issue(client, kind="bank", bank=BANK, name="越权")
    assert as_bank.status_code == 200 and "只有信用办管理员可以签发银行令牌" in text(as_bank)
    assert ApiToken.objects.count() == 3

    # Another unit's or a bank's token: not found, as in the API, and it stays active.
    for token in (theirs, bank_token):
        assert client.get(revoke_url(token)).status_code == 404
        assert client.post(revoke_url(token), {"reason": "越权"}).status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None

    assert client.post(revoke_url(own), {"reason": "更换"}).status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None

    # Unit B's reviewer does not see unit A's token.
    assert f'id="token-{own.pk}"' not in text(login(reviewer_b).get(LIST))


# ---------------------------------------------------------------- everyone else


def account_with(role: str, unit: Any) -> Any:
    """An active account of `role`, with whatever unit or organisation the role needs
    (so that a role added later is covered too)."""
    for where, organisation in ((unit, ""), (None, BANK), (None, "")):
        try:
            return services.create_user(
                actor=None,
                username=f"someone_{role}",
                password=PASSWORD,
                role=role,
                unit=where,
                organisation=organisation,
            )
        except DomainError:
            continue
    raise AssertionError(f"no account of role {role} could be made")


def test_every_other_role_is_refused_on_every_url(admin_user, bank, scj):
    token, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="系统")
    urls = [
        ("get", LIST, {}),
        ("get", NEW, {}),
        ("post", NEW, {"kind": "unit", "unit": scj.pk, "name": "越权"}),
        ("get", revoke_url(token), {}),
        ("post", revoke_url(token), {"reason": "越权"}),
    ]
    others = [r for r in Role.values if r not in (Role.CREDIT_ADMIN, Role.REVIEWER)]
    assert {Role.REPORTER, Role.LEADER, Role.BANK, Role.ORG_DEPT} <= set(others)
    for role in others:
        client = login(account_with(role, scj))
        for method, url, data in urls:
            response = getattr(client, method)(url, data)
            assert response.status_code == 403, (role, method, url)
            assert "接口令牌由信用办管理员管理" in text(response)
    # A unit's own system account (what a token authenticates as) is no manager either.
    client = login(token.user)
    assert client.get(LIST).status_code == 403
    for method, url, data in urls:
        response = getattr(Client(), method)(url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/login/?next=")
    token.refresh_from_db()
    assert token.revoked_at is None and ApiToken.objects.count() == 1


def test_menu_entry_only_for_those_the_page_admits(
    admin_user, reviewer_a, reporter_a, leader, bank
):
    for user in (admin_user, reviewer_a):
        assert f'href="{LIST}"' in text(login(user).get("/workspace/"))
    for user in (reporter_a, leader, bank):
        assert f'href="{LIST}"' not in text(login(user).get("/workspace/"))


def test_two_concurrent_submits_of_one_form_issue_one_token(admin_user, scj):
    """Concurrent requests each load the session before either saves it, so both see the
    form key unused. The key is consumed in the database, in the issuing transaction."""
    from xinyong.orgs.views_tokens import ONCE_SESSION

    client = Client()
    client.force_login(admin_user)
    form = client.get(NEW)
    once = re.search(r'name="once" value="([^"]+)"', text(form)).group(1)
    data = {"once": once, "kind": "unit", "unit": scj.pk, "name": "双击测试"}
    first = client.post(NEW, data)
    assert "令牌已签发" in text(first)
    # The second request read the session before the first one saved it.
    session = client.session
    session[ONCE_SESSION] = [*session.get(ONCE_SESSION, []), once]
    session.save()
    second = client.post(NEW, data)
    assert "此签发表单已提交过" in text(second)
    assert ApiToken.objects.filter(name="双击测试").count() == 1
