"""The 信易贷 measures the work ledger binds its rows to (ledger.metrics autodiscovers this
module): credit loans granted in the period and the firms on the published white list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def credit_loan_amount(unit: Any, period: Any) -> Decimal:
    """Credit (not secured) loans granted by the partner banks in the period, 万元 — the
    statistics page's definition (selectors.granted_loans)."""
    from .models import LoanOutcome
    from .selectors import granted_amount

    return granted_amount(period.start, period.end, LoanOutcome.LoanType.CREDIT)


def white_list_pushed(unit: Any, period: Any) -> int:
    """Firms on the white list pushed to banks and the provincial 信易贷 platform, as it
    stood at the period's end (today for a period not yet over): the list then in force,
    less the firms removed by that day. A period before any publication counts 0."""
    from django.utils import timezone

    from .services import listed_on

    day = min(period.end, timezone.localdate())
    return listed_on(day).values("subject").distinct().count()


def register_metrics(register: Any) -> None:
    register(
        "finance.credit_loan_amount",
        "信用贷款发放额",
        credit_loan_amount,
        scope="district",
        unit_label="万元",
        comparison=">=",
        description="期间内合作银行向本区企业发放的信用贷款（不含抵押、担保贷款）金额",
        drill="finance:statistics",
    )
    register(
        "finance.white_list_pushed",
        "信易贷白名单在册企业数",
        white_list_pushed,
        scope="district",
        unit_label="家",
        comparison=">=",
        description="已发布（推送银行及省信易贷平台）的白名单中在册的企业数",
        drill="finance:home",
    )
