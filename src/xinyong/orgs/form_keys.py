"""One-time form keys, for forms whose submission must act once (a progress report, an
activity, a 督办 item): the page puts a random key in the form and in the session; the
submission consumes it in the database (`UsedFormKey`, unique) in the transaction that
does the work. A second submission of the same form — the browser sending it again, or a
double click whose two requests each read the session before the other saved it — is
refused; a refused submission rolls the key back, so the corrected form can be sent.

The API token pages (views_tokens) require the key: their form must never issue a
second token."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from xinyong.core.errors import DomainError

from .models import UsedFormKey

T = TypeVar("T")

FIELD = "once"
SESSION_KEY = "orgs.form_keys"
# Keys of forms a person may have open at once, across tabs; older ones lapse.
KEEP = 50
# A key is random; keeping used ones a day outlasts any open form.
RETENTION = timedelta(days=1)
ALREADY_USED = "此表单已提交过或已失效：为避免重复提交，未作处理。请刷新页面核对是否已保存，如需再次提交请重新填写。"


class FormAlreadyUsed(DomainError):
    code = "form_already_used"

    def __init__(self) -> None:
        super().__init__(ALREADY_USED)


def issue(request: HttpRequest) -> str:
    """A new key for one form on the page being rendered."""
    key = secrets.token_urlsafe(16)
    kept = [str(v) for v in request.session.get(SESSION_KEY, [])]
    request.session[SESSION_KEY] = [*kept, key][-KEEP:]
    return key


def _forget(request: HttpRequest, key: str) -> None:
    request.session[SESSION_KEY] = [v for v in request.session.get(SESSION_KEY, []) if v != key]


def submit_once(request: HttpRequest, action: Callable[[], T], *, required: bool = False) -> T:
    """Run `action` (a service call) for the form posted in `request`, at most once per
    form key. A DomainError from `action` leaves the key unused. A post without a key
    (a script, not the page) runs as it is, the services refusing an identical record —
    unless the key is `required`."""
    key = str(request.POST.get(FIELD) or "")
    if not key:
        if required:
            raise FormAlreadyUsed
        return action()
    if key not in request.session.get(SESSION_KEY, []):
        raise FormAlreadyUsed
    UsedFormKey.objects.filter(used_at__lt=timezone.now() - RETENTION).delete()
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsedFormKey.objects.create(key_hash=hashlib.sha256(key.encode()).hexdigest())
        except IntegrityError:
            raise FormAlreadyUsed from None
        result = action()
    _forget(request, key)
    return result
