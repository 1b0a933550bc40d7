from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDATA = SHARED / "realdata"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the reference data that `xinyong init` loads
    (units, calendar …), exactly as a fresh installation has it."""
    from xinyong.core import bootstrap

    with django_db_blocker.unblock():
        bootstrap.run_reference_loaders()


def _flushes(item: pytest.Item) -> bool:
    """Transactional tests (live server, browser, `django_db(transaction=True)`) end by
    flushing every table."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Put the reference data back after a flush, so that later tests on the same worker
    see a normal installation. A hook, not a fixture: pytest-django's own autouse fixture
    flushes after every conftest fixture has been torn down."""
    yield
    if nextitem is not None and _flushes(item):
        from pytest_django.plugin import blocking_manager_key

        from xinyong.core import bootstrap

        with item.config.stash[blocking_manager_key].unblock():
            bootstrap.run_reference_loaders()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and caches live in the process-local cache: each test starts clean, so
    that a test's outcome never depends on how many requests earlier tests made."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher so
    the suite stays quick. Tests marked `argon2` keep the production setting."""
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = [
            "django.contrib.auth.hashers.MD5PasswordHasher",
            *settings.PASSWORD_HASHERS,
        ]


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.exists():
        pytest.fail(f"shared/realdata not found at {REALDATA}: CI lays shared/ beside the checkout")
    return REALDATA


@pytest.fixture
def next_year_calendar(request):
    """For tests whose workflow runs on today's date: near the year end their working-day
    deadlines fall in next year, whose official schedule may not be published yet. This
    loads next year as plain weekdays (clearly marked as a test assumption) so that those
    tests keep testing their workflow rather than the unknown-year refusal, which
    tests/core/test_calendar.py covers."""
    from django.utils import timezone

    from xinyong.core.models import CalendarYear

    request.getfixturevalue(
        "transactional_db" if "transactional_db" in request.fixturenames else "db"
    )
    year = timezone.localdate().year + 1
    if not CalendarYear.objects.filter(year=year).exists():
        CalendarYear.objects.create(year=year, source="测试假设：仅按周末计算（未公布）")


class Clock:
    def __init__(self) -> None:
        self.today: date = timezone.localdate()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Today (`timezone.localdate()`), settable: `clock.today = date(2026, 12, 30)`. For
    workflows that refuse a step dated after today or count from the day a thing is
    actually done. Conversions of a given datetime are left to Django."""
    state = Clock()
    real = timezone.localdate

    def localdate(value: Any = None, *args: Any, **kwargs: Any) -> date:
        return state.today if value is None else real(value, *args, **kwargs)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return state


@pytest.fixture
def console(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    """`xinyong …` through the console entry point in this process: (exit code, stdout,
    stderr). Django's run_from_argv closes every connection when a command ends, which on
    PostgreSQL would close the test's own transaction; here that is left to the test."""
    from django.db import connections

    from xinyong import cli

    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            cli.main(list(argv))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
