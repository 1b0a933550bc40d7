"""Per-request context (source IP, channel) that services read when they write an event.

Services take the actor explicitly; the IP and the channel (web, API, CLI) are ambient
facts of the request, carried in a context variable so that no service signature needs them.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    source_ip: str | None = None
    channel: str = "system"


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "xinyong_request_context",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, safe to share
)


def current() -> RequestContext:
    return _current.get()


@contextmanager
def use(context: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
