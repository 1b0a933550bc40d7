"""Fuzz every operation of the API from its own OpenAPI document (issue 11 §1).

The schema comes from the app itself (`/api/schema/`, drf-spectacular) through
schemathesis' WSGI loader, and every generated request is sent in-process to
`xinyong.wsgi.application`, the real Django stack with its middleware, on top of the demo
installation. Each generated request is sent as one of five callers, drawn with the request:
anonymous, the credit office (session), a unit's reporter (session), the unit's system
account (API token) and a bank (session), so hostile input meets every permission path.

Properties: no response is a server error (5xx), and every refusal (4xx) says why in
Chinese: JSON `{"detail": "…中文…", "code": …}`.

Bounded for CI: `XINYONG_FUZZ_EXAMPLES` examples per operation (default 15), derandomised
so that a CI run is reproducible; `XINYONG_FUZZ_RANDOM=1` draws new examples each run.
Select with `-m fuzz`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from xinyong.wsgi import application

from .conftest import UNIT_A, Actors

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("XINYONG_FUZZ_EXAMPLES", "15"))
RANDOM = os.environ.get("XINYONG_FUZZ_RANDOM") == "1"
FUZZ_ROLES = ("anonymous", "credit_admin", "reporter_a", "unit_token", "bank")
CJK = re.compile(r"[\u4e00-\u9fff]")
# A fixed CSRF secret: the session roles send it as cookie and header, as a browser's
# JavaScript would, so that writes reach the views instead of stopping at the CSRF check.
CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half of the generated identifiers are replaced by small ones (1–40), where the
    demo installation has objects, so that detail and action endpoints are reached with
    real objects too and not only answered "not found"."""
    if not path_parameters:
        return st.just(path_parameters)
    numeric = [k for k, v in path_parameters.items() if isinstance(v, int)]
    if not numeric:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({k: st.integers(1, 40) for k in numeric}).map(
        lambda ids: {**path_parameters, **ids}
    )
    return st.one_of(st.just(path_parameters), real)


# Figures for docs/reliability.md: requests per status code and operations seen.
STATS: Counter[str] = Counter()
OPERATIONS: set[str] = set()
ROLES_SEEN: Counter[str] = Counter()


@pytest.fixture
def in_process_requests() -> Iterator[list[BaseException]]:
    """Requests run in the test's transaction: Django's WSGI handler must not close the
    connection at the end of a request (Django's own test client does the same), and an
    exception inside a view is kept for the failure message."""
    errors: list[BaseException] = []

    def keep(sender: Any, request: Any = None, **kwargs: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None:
            errors.append(exc)

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and record.exc_info[1] is not None:
                errors.append(record.exc_info[1])

    # The API's exception handler answers a crash with its own JSON 500 and logs it.
    handler = Keep(level=logging.ERROR)
    api_logger = logging.getLogger("xinyong.core.api")
    api_logger.addHandler(handler)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(keep)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(keep)
        api_logger.removeHandler(handler)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(actors: Actors) -> dict[str, dict[str, Any]]:
    """Headers and cookies per role."""
    from xinyong.orgs import services
    from xinyong.orgs.models import Unit

    creds: dict[str, dict[str, Any]] = {"anonymous": {"headers": {}, "cookies": {}}}
    for role in ("credit_admin", "reporter_a", "bank"):
        client = Client()
        client.force_login(actors.users[role])
        creds[role] = {
            "headers": {"X-CSRFToken": CSRF_SECRET},
            "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_SECRET},
        }
    _token, key = services.issue_unit_token(
        actor=actors.users["credit_admin"], unit=Unit.objects.get(name=UNIT_A), name="模糊测试"
    )
    creds["unit_token"] = {"headers": {"Authorization": f"Token {key}"}, "cookies": {}}
    return creds


def _body(response: Any) -> str:
    return bytes(response.content).decode("utf-8", "replace")


def refusal_problem(response: Any) -> str | None:
    """Why a 4xx response fails the property, or None when it is a proper refusal."""
    try:
        data = json.loads(_body(response))
    except ValueError:
        return "拒绝响应不是 JSON"
    if not isinstance(data, dict) or "detail" not in data:
        return "拒绝响应缺少 detail"
    if not CJK.search(str(data["detail"])):
        return f"detail 不含中文：{data['detail']!r}"
    return None


@schema.parametrize()
@schema.given(role=st.sampled_from(FUZZ_ROLES))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(
    case: Any,
    role: str,
    credentials: dict[str, dict[str, Any]],
    in_process_requests: list[BaseException],
) -> None:
    OPERATIONS.add(f"{case.method} {case.path}")
    ROLES_SEEN[role] += 1
    in_process_requests.clear()
    cred = credentials[role]
    response = case.call(headers=dict(cred["headers"]), cookies=dict(cred["cookies"]))
    status = response.status_code
    STATS[f"{status // 100}xx"] += 1
    STATS["requests"] += 1
    where = f"{role}: {case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"
    where = where[:600]
    if status >= 500:
        trace = "".join(
            traceback.format_exception(in_process_requests[0]) if in_process_requests else []
        )
        pytest.fail(f"服务器错误 {status}（{where}）\n{trace}")
    if status >= 400:
        problem = refusal_problem(response)
        assert problem is None, f"{problem}（{status}，{where}）：{_body(response)[:300]}"


@pytest.fixture(scope="module", autouse=True)
def _fuzz_figures() -> Iterator[None]:
    """The figures for docs/reliability.md, printed with `-s` once this module's cases
    have run in this process (a report, not a test: the cases above assert)."""
    yield
    if OPERATIONS:
        print(f"\nfuzz: {len(OPERATIONS)} operations, {dict(STATS)}, roles {dict(ROLES_SEEN)}")
