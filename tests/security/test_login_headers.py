"""Login, sessions, CSRF, secure headers, error pages, secrets and the admin's audit trail
(issue 11 §3). Lockout on the portal login and the CSRF check of the login form are in
tests/orgs/test_security.py; this module adds what that one does not cover."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from xinyong.core.middleware import CONTENT_SECURITY_POLICY
from xinyong.core.models import Event
from xinyong.orgs.loaders import DEMO_PASSWORD

from .conftest import Actors
from .test_access_matrix import allowed_urls

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ lockout, session


def test_admin_login_locks_out_after_five_failures(actors: Actors):
    client = Client()
    for _ in range(4):
        page = client.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert page.status_code == 200
    assert (
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}).status_code == 429
    )
    locked = client.post("/admin/login/", {"username": "admin", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "账号已临时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_session_expires_on_the_server(actors: Actors):
    client = actors.client("reporter_a")
    assert client.get("/workspace/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # SESSION_COOKIE_AGE: 8 working hours.
    remaining = session.expire_date - timezone.now()
    assert timedelta(hours=7, minutes=59) < remaining <= timedelta(hours=8)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = client.get("/workspace/")
    assert expired.status_code == 302 and expired["Location"].startswith("/login/")
    api = client.get("/api/v1/me")
    assert api.status_code in (401, 403)


def test_logout_ends_the_session(actors: Actors):
    client = actors.client("credit_admin")
    key = client.session.session_key
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/workspace/").status_code == 302


# ------------------------------------------------------------------ CSRF on every form


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.actions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and (values.get("method") or "get").lower() == "post":
            self.actions.append(values.get("action") or "")


FORM_ROLES = ("anonymous", "credit_admin", "reporter_a", "org_dept", "bank")


def test_every_post_form_is_refused_without_a_csrf_token(actors: Actors):
    """Every page of the matrix that a role may open is searched for POST forms; each
    form's action is posted to without the token by a client that enforces CSRF."""
    checked: set[str] = set()
    pages = 0
    for role in FORM_ROLES:
        reader = actors.client(role)
        poster = actors.client(role, enforce_csrf_checks=True)
        for url in allowed_urls(role):
            if "export" in url:
                continue
            cache.clear()
            page = reader.get(url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            pages += 1
            parser = _Forms()
            parser.feed(page.content.decode("utf-8", "replace"))
            for action in parser.actions:
                target = action if action.startswith("/") else url.split("?")[0]
                key = f"{role} {target}"
                if key in checked:
                    continue
                checked.add(key)
                cache.clear()
                refused = poster.post(target, {"x": "1"})
                assert refused.status_code == 403, f"{key}: {refused.status_code}"
                assert "页面已过期" in refused.content.decode(), key
    # Figures for docs/reliability.md: pages read and distinct (role, form) pairs posted.
    print(f"\ncsrf: {pages} pages, {len(checked)} forms")
    assert pages > 150 and len(checked) > 60


# ------------------------------------------------------------------ headers


def test_security_headers_on_pages_api_and_admin(actors: Actors):
    client = actors.client("credit_admin")
    for url in ("/", "/credit/", "/workspace/", "/api/v1/me", "/admin/", "/api/docs/", "/no-such/"):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        # Without TLS (the embedded set-up) no HSTS: it would lock browsers out of http.
        assert "Strict-Transport-Security" not in response, url
    policy = dict(p.split(" ", 1) for p in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' data:"


def test_no_inline_script_in_any_page(actors: Actors):
    """The CSP forbids inline scripts, so no page may contain one (it would not run)."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+=", re.I)
    for role in ("anonymous", "credit_admin", "leader"):
        client = actors.client(role)
        for url in allowed_urls(role, admin=True):
            cache.clear()
            page = client.get(url)
            if "text/html" not in page.get("Content-Type", ""):
                continue
            body = page.content.decode("utf-8", "replace")
            assert not inline.search(body), f"{role} {url}: inline <script>"
            assert not handler.search(body), f"{role} {url}: inline event handler"


def _settings_in_subprocess(env: dict[str, str], expr: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_DEBUG")}
    clean.update(env)
    code = f"import django; django.setup(); from django.conf import settings as s; print({expr})"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "xinyong.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def test_tls_settings_and_debug_default():
    assert _settings_in_subprocess({}, "s.DEBUG, s.SECURE_HSTS_SECONDS") == "False 0"
    tls = _settings_in_subprocess(
        {"XINYONG_TLS": "1"},
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER",
    )
    assert tls == "31536000 True True ('HTTP_X_FORWARDED_PROTO', 'https')"


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_header_behind_tls():
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000"


# ------------------------------------------------------------------ error pages


def _boom(request: Any) -> Any:
    raise RuntimeError("forced failure for the error page test")


urlpatterns = [path("boom/", _boom), path("api/boom/", _boom)]
handler500 = "xinyong.web.views.error_500"  # the platform's handler, as in xinyong.urls


@override_settings(ROOT_URLCONF=__name__)
def test_forced_error_shows_the_chinese_page_without_a_traceback():
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    body = page.content.decode()
    assert page.status_code == 500
    assert "服务器内部错误" in body
    assert "Traceback" not in body and "RuntimeError" not in body and "forced failure" not in body
    api = client.get("/api/boom/")
    assert api.status_code == 500
    assert api.json() == {
        "detail": "服务器内部错误，已记录，请稍后重试或联系信用办。",
        "code": "server_error",
    }


def test_not_found_and_bad_request_pages_are_chinese():
    page = Client().get("/credit/subject/999999/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
    assert "Traceback" not in page.content.decode()
    bad_host = Client().get("/", HTTP_HOST="evil.example")
    assert bad_host.status_code == 400
    assert "请求有误" in bad_host.content.decode()
    assert "DisallowedHost" not in bad_host.content.decode()


# ------------------------------------------------------------------ secrets in the repository

SKIP_DIRS = {
    ".git",
    ".venv",
    "node_modules",
    "var",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "dist",
}
SECRET_PATTERNS = {
    "私钥": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "AWS 密钥": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub 令牌": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack 令牌": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "固定的 SECRET_KEY": re.compile(r"SECRET_KEY\s*=\s*['\"][^'\"]{8,}['\"]"),
    "连接串中的口令": re.compile(
        r"\b(?:postgres|postgresql|mysql|redis|amqp)://[^:/\s'\"]+:(?!<)[^@/\s'\"]+@"
    ),
}
# Passwords written as literals are allowed only in tests and as the documented demo
# password (README: 演示账号，密码均为 Xinyong@2026).
PASSWORD_LITERAL = re.compile(
    r"(?i)\b(?:password|passwd|pwd|口令|密码)\w*\s*[:=]\s*['\"]([^'\"]{6,})['\"]"
)


def _repository_files() -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            file = Path(dirpath) / name
            if file.suffix.lower() in {
                ".png",
                ".jpg",
                ".pdf",
                ".xlsx",
                ".ico",
                ".woff2",
                ".otf",
                ".ttf",
                ".zip",
                ".gz",
                ".sqlite3",
            }:
                continue
            if file.stat().st_size < 2_000_000:
                files.append(file)
    return files


def test_no_secrets_in_the_repository():
    problems = []
    files = _repository_files()
    for file in files:
        text = file.read_text("utf-8", errors="ignore")
        rel = file.relative_to(ROOT).as_posix()
        for label, pattern in SECRET_PATTERNS.items():
            if pattern.search(text) and rel != "tests/security/test_login_headers.py":
                problems.append(f"{rel}: {label}")
        if not rel.startswith("tests/"):
            for match in PASSWORD_LITERAL.finditer(text):
                if match.group(1) != DEMO_PASSWORD:
                    problems.append(f"{rel}: 口令字面量 {match.group(0)[:40]}")
    assert len(files) > 300
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ admin audit


def test_admin_saves_and_bulk_deletes_are_events(actors: Actors):
    from django.contrib.auth.models import Group

    from xinyong.rights.models import RightsPolicy

    client = actors.client("credit_admin")
    before = Event.objects.count()
    response = client.post("/admin/auth/group/add/", {"name": "审计测试组"})
    assert response.status_code == 302
    group = Group.objects.get(name="审计测试组")
    event = Event.objects.filter(action="admin.add", target_type="auth.Group").get()
    assert (event.target_id, event.target_repr, event.actor_label) == (
        str(group.pk),
        "审计测试组",
        "admin（区发改委·信用办管理员）",
    )
    Group.objects.create(name="审计测试组二")
    ids = list(Group.objects.filter(name__startswith="审计测试组").values_list("pk", flat=True))
    response = client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert Event.objects.filter(action="admin.delete", target_type="auth.Group").count() == 2
    policy = RightsPolicy.objects.order_by("pk").first()
    if policy is not None:
        page = client.get(f"/admin/rights/rightspolicy/{policy.pk}/change/")
        assert page.status_code == 200
    assert Event.objects.count() == before + 3
