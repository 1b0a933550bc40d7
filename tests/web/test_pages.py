from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from xinyong.core.audit import record_event, record_read
from xinyong.core.models import Event
from xinyong.orgs.models import Unit

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode("utf-8")


# ------------------------------------------------------------------ public portal


def test_portal_home_for_anonymous(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert settings.XINYONG_PLATFORM_NAME in body
    assert "北关区社会信用体系建设领导小组办公室" in body
    assert "国办发〔2020〕49号" in body
    assert "《河南省社会信用条例》" in body
    assert 'action="/credit/"' in body
    assert "工作人员登录" in body
    # The public services of the other modules are one click away.
    for url in (
        "/credit/reports/",
        "/credit/xinyidai/",
        "/credit/benefits/",
        "/credit/integrity/commitments/",
        "/credit/personnel/",
    ):
        assert f'href="{url}' in body, url
    # Public pages carry no workspace navigation and load nothing from elsewhere.
    assert "操作日志" not in body
    assert "http://" not in body and "https://" not in body


def test_portal_home_for_signed_in_user_links_to_workspace(reporter_client: Client) -> None:
    body = text(reporter_client.get("/"))
    assert "进入工作台" in body


def test_unknown_page_is_chinese_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in text(response)


def test_favicon_redirects_to_local_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/web/favicon.svg"


# ------------------------------------------------------------------ login / logout


def test_login_page_is_chinese_with_csrf(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    body = text(response)
    assert "工作人员登录" in body
    assert "csrfmiddlewaretoken" in body
    assert "连续 5 次输入错误，账号将被锁定 30 分钟" in body


def test_wrong_password_shows_chinese_error(client: Client, reporter) -> None:
    response = client.post("/login/", {"username": "tianbao", "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in text(response)


def test_empty_login_form_shows_chinese_field_errors(client: Client) -> None:
    response = client.post("/login/", {"username": "", "password": ""})
    body = text(response)
    assert "请输入用户名。" in body and "请输入密码。" in body


def test_login_then_workspace_then_logout(client: Client, reporter) -> None:
    response = client.post("/login/", {"username": "tianbao", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/workspace/"
    assert client.get("/workspace/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/workspace/").status_code == 302


def test_signed_in_user_skips_login_page(reporter_client: Client) -> None:
    response = reporter_client.get("/login/")
    assert response.status_code == 302 and response["Location"] == "/workspace/"


def test_repeated_failures_lock_the_account(client: Client, reporter) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": "tianbao", "password": "wrong-password"})
    response = client.post("/login/", {"username": "tianbao", "password": PASSWORD})
    assert response.status_code == 429
    body = text(response)
    assert "账号已临时锁定" in body
    assert "请 30 分钟后再试" in body


def test_csrf_failure_is_chinese(reporter) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "tianbao", "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期，请刷新后重试" in text(response)


# ------------------------------------------------------------------ workspace


def test_workspace_requires_login(client: Client) -> None:
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/workspace/"


def _today_count() -> int:
    return Event.objects.filter(occurred_at__date=timezone.localdate()).count()


def test_workspace_home_for_reporter(reporter_client: Client, reporter, unit) -> None:
    # The reference loaders of the test database setup wrote events today as well.
    before = _today_count()
    record_event(actor=reporter, action="test.create", target_type="thing", target_id=1)
    record_event(actor=reporter, action="test.update", target_type="thing", target_id=1)
    response = reporter_client.get("/workspace/")
    assert response.status_code == 200
    body = text(response)
    assert "王填报" in body
    assert "北关区测试局" in body
    assert "部门填报员" in body
    stats = {s.label: s.value for s in response.context["stats"]}
    assert stats["今日操作"] == before + 2
    assert stats["责任单位"] == Unit.objects.filter(active=True).count()
    assert stats["责任单位"] >= 1
    # Reporters see the workspace entry, not the audit pages.
    assert 'href="/workspace/events/"' not in body
    assert 'href="/workspace/reads/"' not in body
    assert 'action="/logout/"' in body


def test_events_from_another_day_are_not_counted_today(reporter_client: Client, reporter) -> None:
    before = _today_count()
    event = record_event(actor=reporter, action="test.create", target_type="thing", target_id=1)
    Event.objects.filter(pk=event.pk).update(
        occurred_at=timezone.make_aware(timezone.datetime(2020, 1, 2, 10, 0))
    )
    response = reporter_client.get("/workspace/")
    stats = {s.label: s.value for s in response.context["stats"]}
    assert stats["今日操作"] == before


def test_workspace_navigation_for_credit_admin(admin_client_: Client) -> None:
    body = text(admin_client_.get("/workspace/"))
    assert 'href="/workspace/events/"' in body
    assert 'href="/workspace/reads/"' in body
    # Not staff in the admin sense? This credit admin is staff, so 配置管理 shows.
    assert 'href="/admin/"' in body
    assert "信用办管理员" in body


def test_platform_modules_overview_is_generated_from_registry(reporter_client: Client) -> None:
    body = text(reporter_client.get("/workspace/"))
    overview = body[body.index('id="platform-modules"') :]
    assert "审计与安全" in overview
    assert "操作日志" in overview
    assert "个人信息查阅记录" in overview


def test_calendar_banner_when_next_year_missing(reporter_client: Client, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 16))
    body = text(reporter_client.get("/workspace/"))
    assert "尚未导入 2027 年节假日安排，涉及 2027 年的工作日期限无法计算，" in body
    # A reporter cannot use the configuration admin: told whom to ask, not sent to a 403.
    assert "请联系信用办导入" in body
    assert 'href="/admin/' not in body


def test_no_calendar_banner_early_in_the_year(reporter_client: Client, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 6, 1))
    body = text(reporter_client.get("/workspace/"))
    assert "尚未导入" not in body


def test_no_calendar_banner_on_public_pages(client: Client, monkeypatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 11, 16))
    assert "尚未导入" not in text(client.get("/"))


# ------------------------------------------------------------------ event log


def test_event_log_anonymous_goes_to_login(client: Client) -> None:
    response = client.get("/workspace/events/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/workspace/events/"


def test_event_log_forbidden_for_reporter(reporter_client: Client) -> None:
    response = reporter_client.get("/workspace/events/")
    assert response.status_code == 403
    body = text(response)
    assert "无权访问" in body
    assert "操作日志仅供信用办管理员查看。" in body


def test_event_log_lists_changes_with_old_and_new_values(admin_client_: Client, reporter) -> None:
    record_event(
        actor=reporter,
        action="orgs.unit_renamed",
        target_type="unit",
        target_id=7,
        target_repr="区市场监管局",
        old={"name": "区市场局", "active": True},
        new={"name": "区市场监督管理局", "active": True},
    )
    response = admin_client_.get("/workspace/events/")
    assert response.status_code == 200
    body = text(response)
    assert "orgs.unit_renamed" in body
    assert "区市场监管局" in body
    assert "区市场局" in body and "区市场监督管理局" in body
    # Newest first: the reference loaders' own events come after it.
    assert response.context["page"].object_list[0].action == "orgs.unit_renamed"


def test_event_log_filters(admin_client_: Client) -> None:
    for i in range(3):
        record_event(actor=None, action="test.alpha", target_type="alpha", target_id=i)
    record_event(actor=None, action="test.beta", target_type="beta", target_id=9, target_repr="乙")
    old = record_event(actor=None, action="test.beta", target_type="beta", target_id=10)
    Event.objects.filter(pk=old.pk).update(
        occurred_at=timezone.make_aware(timezone.datetime(2024, 3, 1, 9, 0))
    )

    def actions(query: str) -> list[str]:
        response = admin_client_.get("/workspace/events/" + query)
        assert response.status_code == 200
        return [(e.action, e.target_id) for e in response.context["page"].object_list]

    assert actions("?action=test.alpha") == [
        ("test.alpha", "2"),
        ("test.alpha", "1"),
        ("test.alpha", "0"),
    ]
    assert actions("?target_type=beta") == [("test.beta", "10"), ("test.beta", "9")]
    assert actions("?target=乙") == [("test.beta", "9")]
    assert actions("?date_from=2024-03-01&date_to=2024-03-01") == [("test.beta", "10")]
    assert actions("?actor=系统&date_to=2024-12-31") == [("test.beta", "10")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?date_from=2024-13-45", "日期格式不正确"),
        ("?date_from=2024-05-01&date_to=2024-04-01", "起始日期不能晚于截止日期"),
        ("?action=no.such.action", "没有这种动作的记录"),
        ("?actor=a%00b", "筛选条件不能包含控制字符"),
    ],
)
def test_event_log_bad_filters_explain_in_chinese(admin_client_: Client, query, message) -> None:
    record_event(actor=None, action="test.alpha", target_type="alpha", target_id=1)
    response = admin_client_.get("/workspace/events/" + query)
    assert response.status_code == 200
    assert message in text(response)
    assert list(response.context["page"].object_list) == []


def test_event_log_paginates(admin_client_: Client) -> None:
    for i in range(35):
        record_event(actor=None, action="test.many", target_type="thing", target_id=i)
    first = admin_client_.get("/workspace/events/?action=test.many")
    assert len(first.context["page"].object_list) == 30
    body = text(first)
    assert "共 35 条，第 1 / 2 页" in body
    assert 'href="?action=test.many&amp;page=2"' in body
    second = admin_client_.get("/workspace/events/?action=test.many&page=2")
    assert [e.target_id for e in second.context["page"].object_list] == [
        str(i) for i in range(4, -1, -1)
    ]
    # A nonsense page number shows a valid page instead of failing.
    assert admin_client_.get("/workspace/events/?page=abc").status_code == 200
    assert (
        admin_client_.get("/workspace/events/?action=test.many&page=999").context["page"].number
        == 2
    )


# ------------------------------------------------------------------ read log


def test_read_log_access(client: Client, reporter_client: Client, admin_client_: Client) -> None:
    assert client.get("/workspace/reads/")["Location"] == "/login/?next=/workspace/reads/"
    forbidden = reporter_client.get("/workspace/reads/")
    assert forbidden.status_code == 403
    assert "个人信息查阅记录仅供信用办管理员查看。" in text(forbidden)
    assert admin_client_.get("/workspace/reads/").status_code == 200


def test_read_log_lists_and_filters(admin_client_: Client, reporter) -> None:
    record_read(
        reader=reporter,
        subject_type="person",
        subject_id=1,
        subject_repr="张*",
        purpose="行政审批核查",
    )
    record_read(
        reader=None, subject_type="person", subject_id=2, subject_repr="李*", purpose="信用修复审核"
    )
    response = admin_client_.get("/workspace/reads/")
    body = text(response)
    assert "行政审批核查" in body and "北关区测试局" in body
    filtered = admin_client_.get("/workspace/reads/?reader=测试局")
    assert [r.subject_repr for r in filtered.context["page"].object_list] == ["张*"]
    by_purpose = admin_client_.get("/workspace/reads/?purpose=修复")
    assert [r.subject_repr for r in by_purpose.context["page"].object_list] == ["李*"]


# ------------------------------------------------------------------ assets, API docs, admin


def test_workspace_loads_local_htmx(reporter_client: Client) -> None:
    body = text(reporter_client.get("/workspace/"))
    assert 'src="/static/vendor/htmx.min.js"' in body
    response = reporter_client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200


def test_api_docs_served_without_cdn(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = text(response)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in body
    assert "cdn" not in body.lower()


def test_admin_index_and_read_only_event_admin(client: Client, superuser) -> None:
    client.force_login(superuser)
    record_event(actor=None, action="test.alpha", target_type="alpha", target_id=1)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "信用平台 · 配置管理" in text(index)
    listing = client.get("/admin/core/event/?action=test.alpha")
    assert listing.status_code == 200
    assert "test.alpha" in text(listing)
    record_event(
        actor=None, action="collection.ingest", target_type="collection.Batch", target_id=20
    )
    labelled = text(client.get("/admin/core/event/?action=collection.ingest"))
    assert "归集批次入库" in labelled and "报送批次 20" in labelled
    assert client.get("/admin/core/event/add/").status_code == 403
    event = Event.objects.get(action="test.alpha")
    detail = client.get(f"/admin/core/event/{event.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in text(detail)
    assert client.post(f"/admin/core/event/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/core/readlog/").status_code == 200


def test_admin_is_closed_to_reporters(reporter_client: Client) -> None:
    response = reporter_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# ------------------------------------------------------------------ 500


def test_server_error_page_is_chinese(rf) -> None:
    from xinyong.web.views import error_500

    response = error_500(rf.get("/"))
    assert response.status_code == 500
    body = text(response)
    assert "服务器内部错误" in body and "错误已记录" in body
    assert "Traceback" not in body


def test_server_error_page_survives_a_broken_template(rf, monkeypatch) -> None:
    from xinyong.web import views

    def broken(name: str):
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr(views.loader, "get_template", broken)
    response = views.error_500(rf.get("/"))
    assert response.status_code == 500
    assert "服务器内部错误" in text(response)


def test_unhandled_error_in_a_view_gives_the_chinese_500(client: Client, monkeypatch) -> None:
    from xinyong.publicity import views

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "find_public_subjects", explode)
    client.raise_request_exception = False
    response = client.get("/credit/", {"q": "诚信"})
    assert response.status_code == 500
    assert "服务器内部错误" in text(response)
