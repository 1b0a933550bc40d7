"""Identity confirmation for the public commitment window, behind a small interface so
that a real identity provider (e.g. the provincial 统一身份认证 or an e-licence check) can
replace the demo later: set XINYONG_IDENTITY_CONFIRMER to the dotted path of a class with
the two methods of `IdentityConfirmer`.

The demo (`OnScreenCodeConfirmer`) shows a one-time code on screen and asks the applicant
to type it back: it proves a deliberate second step, not who the applicant is."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class IdentityConfirmer(Protocol):
    name: str

    def start(self, commitment: Any) -> str:
        """Begin confirming; may set `commitment.confirmation_code` (saved by the caller).
        Returns the Chinese text shown to the applicant."""
        ...

    def verify(self, commitment: Any, response: str) -> bool:
        """Whether `response` completes the confirmation."""
        ...


class OnScreenCodeConfirmer:
    name = "demo_on_screen_code"

    def start(self, commitment: Any) -> str:
        code = f"{secrets.randbelow(1_000_000):06d}"
        commitment.confirmation_code = code
        return code

    def verify(self, commitment: Any, response: str) -> bool:
        expected = str(commitment.confirmation_code or "")
        return bool(expected) and hmac.compare_digest(expected, response)


DEFAULT_CONFIRMER = "xinyong.commitments.identity.OnScreenCodeConfirmer"


def confirmer() -> IdentityConfirmer:
    path = str(getattr(settings, "XINYONG_IDENTITY_CONFIRMER", "") or DEFAULT_CONFIRMER)
    cls = import_string(path)
    instance: IdentityConfirmer = cls()
    return instance
