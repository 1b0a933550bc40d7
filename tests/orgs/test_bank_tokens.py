"""API tokens for a bank's own system (ARCHITECTURE "token auth for units and banks").

The credit office issues a token for a bank registered on the platform (a bank with a
银行用户 account); the token authenticates as that bank's system account, which holds
exactly a bank user's permissions: its own bank's white-list reads, report requests and
loan outcomes, and nothing unit-scoped."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from tests.finance.helpers import bank_user, finance_reviewer, firm, publish
from xinyong.core.errors import DomainError, NotPermitted
from xinyong.core.models import Event
from xinyong.finance.models import LoanOutcome
from xinyong.orgs import services
from xinyong.orgs.models import ApiToken, Role, User

pytestmark = pytest.mark.django_db

BANK = "中国银行安阳北关支行"
OTHER_BANK = "中国工商银行安阳北关支行"
ON = date(2026, 10, 9)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


# ---------------------------------------------------------------- services


def test_issue_bank_token_creates_a_bank_system_account(admin_user, bank):
    token, key = services.issue_bank_token(actor=admin_user, bank=BANK, name="信易贷对接")
    account = token.user
    assert account.is_system_account and not account.has_usable_password()
    assert account.role == Role.BANK and account.organisation == BANK
    assert account.unit_id is None
    assert account.username == "sys_bank_" + hashlib.sha256(BANK.encode()).hexdigest()[:10]
    assert account.audit_label() == f"{account.username}（{BANK}·系统接口）"
    # Only the hash and the first 8 characters are stored; the key is in no event.
    assert token.prefix == key[:8] and token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    actions = list(Event.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["orgs.system_account_create", "orgs.token_issue"]
    for e in Event.objects.all():
        assert key not in json.dumps([e.new_values, e.old_values, e.target_repr])
    # A second token reuses the account.
    second, _ = services.issue_bank_token(actor=admin_user, bank=BANK, name="第二个系统")
    assert second.user == account
    assert User.objects.filter(organisation=BANK, is_system_account=True).count() == 1


def test_bank_names_resolve_to_the_registered_spelling(admin_user, bank):
    token, _ = services.issue_bank_token(
        actor=admin_user, bank=" 中国银行 安阳北关支行\u3000", name="x"
    )
    assert token.user.organisation == BANK
    with pytest.raises(DomainError, match="未知银行名称：中国农业银行安阳分行") as exc:
        services.issue_bank_token(actor=admin_user, bank="中国农业银行安阳分行", name="x")
    assert exc.value.code == "unknown_bank"
    with pytest.raises(DomainError, match="银行名称为空"):
        services.issue_bank_token(actor=admin_user, bank="  ", name="x")
    # A deactivated bank user no longer registers its bank.
    other = bank_user("icbc", OTHER_BANK)
    services.deactivate(actor=admin_user, user=other)
    with pytest.raises(DomainError, match="未知银行名称"):
        services.issue_bank_token(actor=admin_user, bank=OTHER_BANK, name="x")


def test_only_the_credit_office_issues_and_revokes_bank_tokens(
    admin_user, bank, reviewer_a, reporter_a, leader
):
    for actor in (reviewer_a, reporter_a, leader, bank):
        with pytest.raises(NotPermitted, match="只有信用办管理员"):
            services.issue_bank_token(actor=actor, bank=BANK, name="越权")
    assert not ApiToken.objects.exists()
    token, _ = services.issue_bank_token(actor=admin_user, bank=BANK, name="信易贷对接")
    with pytest.raises(NotPermitted):
        services.revoke_token(actor=reviewer_a, token=token)
    services.revoke_token(actor=admin_user, token=token, reason="系统下线")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Event.objects.latest("id").action == "orgs.token_revoke"


# ---------------------------------------------------------------- CLI


def test_tokens_cli_for_a_bank(capsys, bank):
    call_command("tokens", "issue", "--bank", BANK, "--name", "信易贷对接")
    out = capsys.readouterr().out
    assert f"已为银行“{BANK}”的接口账号" in out
    key = next(line.split("：", 1)[1] for line in out.splitlines() if line.startswith("令牌："))
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.user.organisation == BANK and token.user.role == Role.BANK
    assert Event.objects.filter(action="orgs.token_issue").latest("id").channel == "cli"
    # A bank's name given as a unit: say which option is meant.
    with pytest.raises(CommandError, match="请改用 --bank"):
        call_command("tokens", "issue", "--unit", BANK, "--name", "x")
    with pytest.raises(CommandError, match="未知银行名称"):
        call_command("tokens", "issue", "--bank", "不存在的银行", "--name", "x")
    with pytest.raises(CommandError):
        call_command("tokens", "issue", "--unit", "区市场局", "--bank", BANK, "--name", "x")
    call_command("tokens", "revoke", token.prefix, "--reason", "更换")
    token.refresh_from_db()
    assert token.revoked_at is not None


# ---------------------------------------------------------------- API management


def test_tokens_api_issues_lists_and_revokes_bank_tokens(admin_user, bank, reviewer_a, scj):
    admin = client_for(admin_user)
    issued = admin.post("/api/v1/tokens/", {"name": "信易贷对接", "bank": BANK}, format="json")
    assert issued.status_code == 201
    body = issued.json()
    assert body["bank"] == BANK and body["unit"] is None and body["unit_name"] is None
    assert body["prefix"] == body["key"][:8] and "只显示这一次" in body["notice"]
    unit_token, _ = services.issue_unit_token(actor=admin_user, unit=scj, name="市场监管报送")

    listed = admin.get("/api/v1/tokens/", {"bank": BANK}).json()["results"]
    assert [(t["name"], t["bank"]) for t in listed] == [("信易贷对接", BANK)]
    by_unit = admin.get("/api/v1/tokens/", {"unit": scj.pk}).json()["results"]
    assert [(t["name"], t["bank"]) for t in by_unit] == [("市场监管报送", None)]
    assert {t["name"] for t in admin.get("/api/v1/tokens/").json()["results"]} == {
        "信易贷对接",
        "市场监管报送",
    }
    unknown = admin.get("/api/v1/tokens/", {"bank": "不存在的银行"})
    assert unknown.status_code == 400 and "未知银行名称" in unknown.json()["detail"]

    # A unit's reviewer neither sees nor issues nor revokes a bank's token.
    a = client_for(reviewer_a)
    assert [t["name"] for t in a.get("/api/v1/tokens/").json()["results"]] == ["市场监管报送"]
    assert a.get("/api/v1/tokens/", {"bank": BANK}).status_code == 403
    refused = a.post("/api/v1/tokens/", {"name": "越权", "bank": BANK}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有信用办管理员可以执行此操作。"
    hidden = a.post(f"/api/v1/tokens/{body['id']}/revoke")
    assert hidden.status_code == 404 and BANK not in hidden.content.decode()

    both = admin.post("/api/v1/tokens/", {"name": "x", "unit": scj.pk, "bank": BANK}, format="json")
    assert both.status_code == 400
    assert both.json()["detail"] == "请只指定责任单位（unit）或银行（bank）中的一个。"
    neither = admin.post("/api/v1/tokens/", {"name": "x"}, format="json")
    assert neither.status_code == 400
    assert neither.json()["detail"] == "请指定责任单位（unit）或银行（bank）。"
    assert ApiToken.objects.count() == 2

    too_long = admin.post(
        f"/api/v1/tokens/{body['id']}/revoke", {"reason": "长" * 201}, format="json"
    )
    assert too_long.status_code == 400 and "停用原因" in too_long.json()["detail"]
    revoked = admin.post(f"/api/v1/tokens/{body['id']}/revoke", {"reason": ""}, format="json")
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False and revoked.json()["bank"] == BANK
    assert unit_token.user.organisation == ""


# ---------------------------------------------------------------- what the token may do


@pytest.fixture
def world(admin_user, bank):
    reviewer = finance_reviewer()
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    run = publish(ON, admin_user, reviewer)
    _token, key = services.issue_bank_token(actor=admin_user, bank=BANK, name="信易贷对接")
    return {"good": good, "run": run, "key": key, "admin": admin_user}


def _outcome(subject_pk: int, day: str) -> dict[str, object]:
    return {
        "subject": subject_pk,
        "applied_on": day,
        "status": "granted",
        "granted_on": day,
        "amount_wan": "300",
        "loan_type": "credit",
        "rate_percent": "3.5",
    }


def test_bank_token_acts_as_its_bank(world):
    api = token_client(world["key"])
    me = api.get("/api/v1/me").json()
    assert me["role"] == "bank" and me["organisation"] == BANK
    assert me["is_system_account"] is True and me["auth"] == "token"
    assert me["effective_role"] == "bank" and me["unit"] is None

    whitelist = api.get("/api/v1/xinyidai/whitelist/")
    assert whitelist.status_code == 200
    assert "安阳市北关区恒达商贸有限公司" in {i["name"] for i in whitelist.json()["results"]}

    day = timezone.localtime(world["run"].published_at).date().isoformat()
    reported = api.post(
        "/api/v1/xinyidai/outcomes/", _outcome(world["good"].pk, day), format="json"
    )
    assert reported.status_code == 201
    assert reported.json()["bank"] == BANK and reported.json()["recommended"] is True
    outcome = LoanOutcome.objects.get(pk=reported.json()["id"])
    assert outcome.reported_by.is_system_account and outcome.reported_by.organisation == BANK

    # Its own bank's outcomes only: another bank's report is not listed.
    other = bank_user("icbc", OTHER_BANK)
    client_for(other).post(
        "/api/v1/xinyidai/outcomes/", _outcome(world["good"].pk, day), format="json"
    )
    assert LoanOutcome.objects.count() == 2
    mine = api.get("/api/v1/xinyidai/outcomes/").json()["results"]
    assert [o["bank"] for o in mine] == [BANK]

    # Without the enterprise's authorisation the credit report is refused (and logged).
    report = api.get(f"/api/v1/xinyidai/subjects/{world['good'].pk}/report/")
    assert report.status_code == 403 and report.json()["code"] == "forbidden"
    assert Event.objects.filter(action="finance.report_refused").count() == 1


def test_bank_token_reaches_no_unit_endpoint(world, scj):
    api = token_client(world["key"])
    batch = api.post(
        "/api/v1/collection/batches", {"record_type": "XZCF", "rows": [{}]}, format="json"
    )
    assert batch.status_code == 403
    # Chinese refusal (its wording is the shared API error handler's).
    assert re.search(r"[\u4e00-\u9fff]", batch.json()["detail"])
    users = api.get(f"/api/v1/units/{scj.pk}/users/")
    assert users.status_code == 403
    assert api.get("/api/v1/tokens/").status_code == 403
    assert (
        api.post("/api/v1/tokens/", {"name": "x", "bank": BANK}, format="json").status_code == 403
    )
    # Statistics of 信易贷 are for staff, not for banks.
    assert api.get("/api/v1/xinyidai/statistics/").status_code == 403


def test_revoked_bank_token_gets_chinese_401(world):
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(world["key"]))
    admin = client_for(world["admin"])
    assert admin.post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 200
    response = token_client(world["key"]).get("/api/v1/xinyidai/whitelist/")
    assert response.status_code == 401
    assert "令牌无效或已停用" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_back_office_token_list_shows_and_revokes_bank_tokens(client, admin_user, bank, scj):
    bank_token, _ = services.issue_bank_token(actor=admin_user, bank=BANK, name="信易贷对接")
    services.issue_unit_token(actor=admin_user, unit=scj, name="市场监管报送")
    root = User.objects.create_superuser("root_x", password="Xinyong@2026", role=Role.CREDIT_ADMIN)
    client.force_login(root)
    page = client.get("/admin/orgs/apitoken/").content.decode()
    assert f"{BANK}（银行）" in page and "区市场监管局" in page
    filtered = client.get("/admin/orgs/apitoken/", {"bank": BANK}).content.decode()
    assert "信易贷对接" in filtered and "市场监管报送" not in filtered
    response = client.post(
        "/admin/orgs/apitoken/",
        {"action": "revoke_selected", "_selected_action": [bank_token.pk]},
    )
    assert response.status_code == 302
    bank_token.refresh_from_db()
    assert bank_token.revoked_at is not None
