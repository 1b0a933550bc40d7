"""The 信易贷 figures the work ledger binds its rows to (finance/ledger_metrics.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyong.collection.selectors import Period
from xinyong.finance.ledger_metrics import credit_loan_amount
from xinyong.finance.models import LoanOutcome

from .helpers import firm

pytestmark = pytest.mark.django_db


def _loan(subject, granted_on, amount, loan_type) -> None:
    LoanOutcome.objects.create(
        bank="中原银行安阳分行",
        subject=subject,
        applied_on=granted_on,
        status=LoanOutcome.Status.GRANTED,
        granted_on=granted_on,
        amount_wan=Decimal(amount),
        loan_type=loan_type,
    )


def test_credit_loan_amount_counts_credit_loans_granted_in_the_period() -> None:
    a = firm("MA9L0AN1", "安阳市北关区鑫达商贸有限公司")
    _loan(a, date(2026, 3, 10), "120.5", LoanOutcome.LoanType.CREDIT)
    _loan(a, date(2026, 6, 30), "80", LoanOutcome.LoanType.CREDIT)
    _loan(a, date(2026, 4, 1), "300", LoanOutcome.LoanType.SECURED)  # secured: not counted
    _loan(a, date(2025, 12, 31), "50", LoanOutcome.LoanType.CREDIT)  # before the period
    first_half = Period.between(date(2026, 1, 1), date(2026, 6, 30))
    assert credit_loan_amount(None, first_half) == Decimal("200.50")
    march = Period.between(date(2026, 3, 1), date(2026, 3, 31))
    assert credit_loan_amount(None, march) == Decimal("120.50")
