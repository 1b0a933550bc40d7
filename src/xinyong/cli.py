"""The `xinyong` console command: the platform's management commands under one name.

`xinyong --help` lists the platform's own commands with their Chinese descriptions;
any other Django management command (migrate, runserver, …) passes through unchanged.
Every command honours DATABASE_URL through the settings.

Errors are one Chinese line on stderr starting with 错误： and a non-zero exit, for every
command, in this one place: an unknown command, missing or invalid arguments (argparse's
own messages, translated below) and a command's CommandError (which Django would print as
"CommandError: …"). `call_command` in tests and code is untouched and still raises.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

# argparse takes every message through gettext; these are the ones an operator can meet.
_ARGPARSE_MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本说明并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必填参数：%s",
    "one of the arguments %s is required": "须指定以下参数之一：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid %(type)s value: %(value)r": "“%(value)s”无效，应为%(type)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "“%(value)s”不是可选值（可选：%(choices)s）"
    ),
    "expected one argument": "缺少取值",
    "expected at most one argument": "最多只能有一个取值",
    "expected at least one argument": "至少需要一个取值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是：%(matches)s"
    ),
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "此选项不接受取值 %r",
    "can't open '%(filename)s': %(error)s": "无法打开文件“%(filename)s”：%(error)s",
}
_ARGPARSE_PLURALS = {"expected %s argument": "需要 %s 个取值"}
# The type in "invalid int value" is the converter's Python name.
_TYPE_NAMES = {"int": "整数", "float": "数字"}
_MISSING = _ARGPARSE_MESSAGES["the following arguments are required: %s"].removesuffix("%s")

# Bytes that are not UTF-8 (a GBK terminal, a file name from Windows) reach Python as lone
# surrogates (PEP 383), which no database, JSON or UTF-8 output can carry; GB18030, the
# superset of GBK, is what such bytes are in practice. Some GBK byte pairs happen to be
# valid UTF-8 (C7F8 CAD0 is "区市", but its D0B3 decodes as "г"), so in a message the
# characters UTF-8 can make of two bytes (ASCII, Latin, Cyrillic … below U+0800, never
# the Chinese of the message) count as part of the surrounding name.
# A run of such characters is decoded whole if it holds a surrogate. Matched as runs of
# one character class (linear): a pattern requiring a surrogate inside optional runs
# backtracks quadratically over a long output without one (a --json report of megabytes).
_UNDECODED_RUN = re.compile("[\x00-\u07ff\udc80-\udcff]+")
_SURROGATE = re.compile("[\udc80-\udcff]")


def _as_gbk(text: str) -> str:
    return os.fsencode(text).decode("gb18030", errors="replace")


def _displayable(text: str) -> str:
    if not _SURROGATE.search(text):
        return text
    return _UNDECODED_RUN.sub(lambda m: _as_gbk(m[0]) if _SURROGATE.search(m[0]) else m[0], text)


def _fail(message: str, code: int = 1) -> NoReturn:
    # A refusal can quote a file's or a library's multi-line text; it stays one line.
    text = _displayable(" ".join(message.strip().splitlines())).removeprefix("错误：")
    sys.stderr.write(f"错误：{text}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def _load_settings() -> None:
    """Read the settings before anything else, so that a bad environment variable (e.g. an
    inline comment in /etc/xinyong.env) is one line, not a traceback or a misleading
    "unknown command"."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reading it imports the settings module
    except ImproperlyConfigured as exc:
        _fail(str(exc))


def _refuse_undecoded(args: list[str]) -> None:
    """An argument that is not UTF-8 text is refused here, before any command compares it
    with stored names. A file that exists under such a name is still opened by it."""
    for arg in args:
        if not _SURROGATE.search(arg):
            continue
        value = arg.partition("=")[2] if arg.startswith("-") and "=" in arg else arg
        if not os.path.exists(value):
            _fail(
                f"参数“{_as_gbk(arg)}”不是有效的 UTF-8 文本（终端可能使用 GBK 编码），"
                "请改用 UTF-8 输入。",
                2,
            )


def _name_subcommand(parser: argparse.ArgumentParser, message: str) -> str:
    """argparse names a missing subcommand by its dest ("action"), a field the operator
    never sees: name the choices instead."""
    if not message.startswith(_MISSING):
        return message
    missing = message.removeprefix(_MISSING).split(", ")
    for action in parser._actions:
        name = argparse._get_action_name(action)
        if isinstance(action, argparse._SubParsersAction) and name in missing:
            others = [m for m in missing if m != name]
            rest = f"；{_MISSING}{', '.join(others)}" if others else ""
            return f"缺少子命令（可选：{'、'.join(action.choices)}）{rest}"
    return message


def _translate(message: str) -> str:
    return _ARGPARSE_MESSAGES.get(message, message)


def _translate_plural(singular: str, plural: str, n: int) -> str:
    return _ARGPARSE_PLURALS.get(singular, singular if n == 1 else plural)


@contextlib.contextmanager
def _chinese_console() -> Iterator[None]:
    """Chinese argparse messages and a one-line error instead of usage + "error:", for
    the duration of one console command (restored after, for in-process callers)."""
    from django.core.management.base import CommandParser

    original_error = CommandParser.error

    def error(parser: CommandParser, message: str) -> NoReturn:
        if not parser.called_from_command_line:
            original_error(parser, message)  # call_command: raises CommandError
            raise AssertionError("unreachable")
        message = re.sub(
            r"应为([A-Za-z_]\w*)", lambda m: "应为" + _TYPE_NAMES.get(m[1], m[1]), message
        )
        message = _name_subcommand(parser, message)
        _fail(f"{message}（用法：{parser.prog} --help）", 2)

    # argparse imports gettext's functions under these names; they are not in its stubs.
    replacements = {"_": _translate, "ngettext": _translate_plural}
    saved = {name: getattr(argparse, name) for name in replacements}
    for name, function in replacements.items():
        setattr(argparse, name, function)
    CommandParser.error = error  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(argparse, name, value)
        CommandParser.error = original_error  # type: ignore[method-assign]


def _chinese_command_errors(command: Any) -> None:
    """A command's CommandError as 错误：…; Django's run_from_argv would print the class
    name. --traceback and system-check reports keep Django's own handling. Its output
    may quote a file name that is not UTF-8, which a UTF-8 stdout cannot encode."""
    from django.core.management.base import CommandError, SystemCheckError

    for stream in (command.stdout, command.stderr):
        stream.write = _displayable_writes(stream.write)

    execute: Callable[..., Any] = command.execute

    def execute_in_chinese(*args: Any, **options: Any) -> Any:
        try:
            return execute(*args, **options)
        except CommandError as exc:
            if options.get("traceback") or isinstance(exc, SystemCheckError):
                raise
            _fail(str(exc), exc.returncode)

    command.execute = execute_in_chinese


def _displayable_writes(write: Callable[..., Any]) -> Callable[..., Any]:
    def write_displayable(msg: str = "", *args: Any, **kwargs: Any) -> Any:
        return write(_displayable(msg), *args, **kwargs)

    return write_displayable


def _utility(argv: list[str]) -> Any:
    from django.core.management import ManagementUtility, get_commands

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand: str) -> Any:
            commands = get_commands()
            if subcommand not in commands:
                close = difflib.get_close_matches(subcommand, list(commands), n=1)
                hint = f"，是否要运行 {close[0]}？" if close else "。"
                _fail(f"没有“{subcommand}”这个命令{hint}运行 xinyong help 查看全部命令。")
            command = super().fetch_command(subcommand)
            _chinese_command_errors(command)
            return command

    return Utility(argv)


def _platform_commands() -> dict[str, str]:
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    found = {}
    for name, app in sorted(get_commands().items()):
        if isinstance(app, str) and app.startswith("xinyong."):
            command = load_command_class(app, name)
            found[name] = str(command.help).strip().splitlines()[0] if command.help else ""
    return found


def _print_help() -> None:
    commands = _platform_commands()
    width = max((len(n) for n in commands), default=10) + 2
    lines = [
        "用法：xinyong <命令> [参数…]      每个命令的详细说明：xinyong <命令> --help",
        "",
        "平台命令：",
        *[f"  {name.ljust(width)}{text}" for name, text in commands.items()],
        "",
        "其他 Django 管理命令（migrate、runserver、createsuperuser 等）同样可用。",
        "数据库由环境变量 DATABASE_URL 指定，默认使用内置 SQLite 文件 var/xinyong.sqlite3。",
    ]
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyong.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    _refuse_undecoded(args)
    _load_settings()
    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help()
        return
    with _chinese_console():
        _utility(["xinyong", *args]).execute()


if __name__ == "__main__":
    main()
