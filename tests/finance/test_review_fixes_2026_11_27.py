"""Review of 信易贷 on 2026-11-27 (issue 7): a removal counts from its own day
(`services.listed_on`), so a rescreen may not date a removal before the published list
it removes from existed, and a firm removed on 1 January was not on the list in force
that day, so it is not a recommended firm of that year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from xinyong.core.errors import DomainError
from xinyong.finance import selectors, services
from xinyong.finance.models import WhitelistItem
from xinyong.supervision.models import GradeChange

from .helpers import admin, finance_reviewer, firm, publish

pytestmark = pytest.mark.django_db


def _graded_firm() -> object:
    good = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    GradeChange.objects.create(
        subject=good,
        old_grade="",
        new_grade="A",
        reason="评价",
        changed_at=timezone.now() - timedelta(days=20),
    )
    return good


# ---------------------------------------------------------------- rescreen before publication


def test_rescreen_on_a_day_before_publication_is_refused(console) -> None:
    credit, reviewer = admin(), finance_reviewer()
    today = timezone.localdate()
    good = _graded_firm()
    publish(today, credit, reviewer)
    code, out, err = console(
        "xinyidai", "rescreen", "--on", (today - timedelta(days=30)).isoformat()
    )
    item = WhitelistItem.objects.get(subject=good, run=services.current_run())
    assert code != 0 and item.status == WhitelistItem.Status.LISTED, (code, out, err)
    assert "早于" in err and "发布" in err


def test_the_service_refuses_it_for_every_caller() -> None:
    credit, reviewer = admin(), finance_reviewer()
    today = timezone.localdate()
    good = _graded_firm()
    publish(today, credit, reviewer)
    with pytest.raises(DomainError, match="早于"):
        services.rescreen(actor=credit, on=today - timedelta(days=1))
    item = WhitelistItem.objects.get(subject=good, run=services.current_run())
    assert item.status == WhitelistItem.Status.LISTED and item.removed_on is None
    # On the publication day itself (and without a day) the rescreen runs as before.
    assert services.rescreen(actor=credit, on=today) == []
    assert services.rescreen(actor=credit) == []


# ---------------------------------------------------------------- statistics


def test_firm_removed_on_1_january_is_not_recommended_that_year() -> None:
    credit, reviewer = admin(), finance_reviewer()
    stays = firm("MA44T3K1", "安阳市北关区恒达商贸有限公司", grade="A")
    leaves = firm("MA44T3K2", "安阳市北关区顺达商贸有限公司", grade="A")
    run = publish(date(2026, 10, 9), credit, reviewer)
    run.published_at = timezone.make_aware(datetime(2025, 12, 1, 10, 0))
    run.save(update_fields=["published_at"])
    WhitelistItem.objects.filter(run=run, subject=leaves).update(
        status=WhitelistItem.Status.REMOVED, removed_on=date(2026, 1, 1)
    )
    assert not services.listed_on(date(2026, 1, 1)).filter(subject=leaves).exists()
    assert services.listed_on(date(2026, 1, 1)).filter(subject=stays).exists()
    assert selectors.statistics(2026).recommended == 1
    # Removed on 2 January: on the list in force on 1 January, so recommended.
    WhitelistItem.objects.filter(run=run, subject=leaves).update(removed_on=date(2026, 1, 2))
    assert selectors.statistics(2026).recommended == 2
    # In its own year (published 2025) both firms count.
    assert selectors.statistics(2025).recommended == 2
