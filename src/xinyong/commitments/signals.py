"""Signals through which `commitments` tells later consumers (the exchange with the city
platform, …) that commitments changed, without importing them (ARCHITECTURE: dependencies
point one way). Sent inside the writing transaction, so a receiver's writes commit or roll
back with the change."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: commitments (list[Commitment]), change, actor. `change` is what happened to each:
#   "recorded"                  a commitment made (form, API, file, confirmed on the public
#                               window, 信用修复型 with a repair application) — never an
#                               unconfirmed public-window attempt;
#   "kept" | "partly" | "broken" its fulfilment recorded (全部履行 / 部分履行 / 全部未履行);
#   "overdue"                   flagged 逾期未补正 (check_overdue).
# A list, so that the daily overdue check announces its flags with one set-based send.
commitments_changed = Signal()
