"""The `xinyong` console command: the platform's management commands under one name.

`xinyong --help` lists the platform's own commands with their Chinese descriptions;
any other Django management command (migrate, runserver, …) passes through unchanged.
Every command honours DATABASE_URL through the settings.
"""

from __future__ import annotations

import os
import sys


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
    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xinyong", *args])


if __name__ == "__main__":
    main()
