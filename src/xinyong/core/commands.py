"""The shape every operator command with sub-actions shares: `xinyong <command> <action>`
dispatches to `_<action>(options) -> (text, data)`, prints `text` or, with `--json`,
`data`; a refused request is one Chinese line on stderr and a non-zero exit (no
traceback), while `call_command` in tests still raises CommandError."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from . import context
from .errors import DomainError


class ActionCommand(BaseCommand):
    # Shown when the database is missing or unreachable.
    database_error = "无法读取数据：数据库未初始化或不可用，请先运行 xinyong init。"

    def execute(self, *args: Any, **options: Any) -> str | None:
        if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
            return super().execute(*args, **options)
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(exc.returncode)

    def run_action(self, options: dict[str, Any]) -> tuple[Any, ...]:
        """Call the action's method in the CLI request context, turning domain refusals and
        database failures into CommandError."""
        method = getattr(self, "_" + str(options["action"]).replace("-", "_"))
        try:
            with context.use(context.RequestContext(channel="cli")):
                return tuple(method(options))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except DatabaseError:
            raise CommandError(self.database_error) from None

    def emit(self, text: str, data: Any, options: dict[str, Any]) -> None:
        if options.get("json"):
            self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))
        else:
            self.stdout.write(text)

    def handle(self, *args: Any, **options: Any) -> None:
        text, data = self.run_action(options)
        self.emit(text, data, options)


def os_user() -> str:
    """The operating-system login that ran the command, for the record; "" when there is
    none (a container running under a uid without a passwd entry)."""
    try:
        return getpass.getuser()
    except Exception:  # KeyError/OSError from getpwuid: no login name
        return ""


def write_output(path: Path, content: bytes) -> None:
    """Write an output file whole or not at all: into a temporary file beside it, flushed
    to disk, then renamed over it, so a failed write (disk full) or a crash leaves no
    partial file and an existing file untouched (command outputs, the 前置机 file drop).
    Raises OSError."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
