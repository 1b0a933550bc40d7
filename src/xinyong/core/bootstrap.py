"""Reference and demo data loaders, registered by each app and run by `xinyong init`.

Each loader must be idempotent: `xinyong init` may run any number of times and must never
duplicate or lose data. Loaders run in ascending `order` (units before subjects before
records …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Loader = Callable[[], str]


@dataclass(order=True)
class _Entry:
    order: int
    name: str = field(compare=False)
    func: Loader = field(compare=False)


_reference: list[_Entry] = []
_demo: list[_Entry] = []


def reference_loader(order: int, name: str) -> Callable[[Loader], Loader]:
    """Register a function returning a one-line Chinese summary of what it loaded."""

    def wrap(func: Loader) -> Loader:
        if not any(e.name == name for e in _reference):
            _reference.append(_Entry(order, name, func))
        return func

    return wrap


def demo_loader(order: int, name: str) -> Callable[[Loader], Loader]:
    def wrap(func: Loader) -> Loader:
        if not any(e.name == name for e in _demo):
            _demo.append(_Entry(order, name, func))
        return func

    return wrap


def run_reference_loaders() -> list[tuple[str, str]]:
    return [(e.name, e.func()) for e in sorted(_reference)]


def run_demo_loaders() -> list[tuple[str, str]]:
    return [(e.name, e.func()) for e in sorted(_demo)]
