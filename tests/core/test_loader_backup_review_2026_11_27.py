"""Review 2026-11-27: loaders and `backup verify` against wrongly shaped input. A field of
the wrong type in a unit, plan or catalog file is one Chinese line naming the item and the
field, never a traceback or (for a group's aliases written as a string) a group reachable
under each single character. A backup manifest of the wrong shape, or one that does not
list the files `backup create` writes, is refused rather than reported complete."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from xinyong.orgs.models import UnitAlias

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "xinyong"
XINYONG = str(ROOT / ".venv" / "bin" / "xinyong")


def _ledger(groups: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SRC / "ledger" / "data" / "2023-beiguan.json").read_text(encoding="utf-8")
    )
    data["groups"] = groups
    return data


LOADER_CASES: dict[str, tuple[list[str], Any, str]] = {
    "units groups=5": (["units", "load"], {"units": [], "groups": 5}, "单位组"),
    "units group=5": (["units", "load"], {"units": [], "groups": [5]}, "第 1 个单位组"),
    "units group aliases=None": (
        ["units", "load"],
        {"units": [], "groups": [{"name": "新组", "aliases": None}]},
        "单位组“新组”的别名应为列表",
    ),
    "units group members=str": (
        ["units", "load"],
        {"units": [], "groups": [{"name": "新组", "members": "区发改委"}]},
        "单位组“新组”的成员应为列表",
    ),
    "units group member_kinds=str": (
        ["units", "load"],
        {"units": [], "groups": [{"name": "新组", "member_kinds": "town"}]},
        "单位组“新组”的成员类型应为列表",
    ),
    "units group member_kinds=[[]]": (
        ["units", "load"],
        {"units": [], "groups": [{"name": "新组", "member_kinds": [[]]}]},
        "单位组“新组”的成员类型",
    ),
    "units kind=[]": (
        ["units", "load"],
        {"units": [{"name": "区新局", "kind": []}]},
        "单位“区新局”的类型",
    ),
    "ledger groups=5": (["ledger", "load"], _ledger(5), "分组（groups）"),
    "ledger group=5": (["ledger", "load"], _ledger([5]), "分组（groups）"),
    "ledger group title=[]": (
        ["ledger", "load"],
        _ledger([{"number": "一", "title": []}]),
        "分组第 1 个",
    ),
    "catalog kind=[]": (["catalog", "load"], {"kind": [], "items": []}, "格式不对"),
    "catalog kind={}": (["catalog", "load"], {"kind": {}, "items": []}, "格式不对"),
}


@pytest.mark.parametrize("key", list(LOADER_CASES))
def test_a_wrongly_typed_field_is_one_chinese_line(console: Any, tmp_path: Path, key: str) -> None:
    argv, doc, words = LOADER_CASES[key]
    path = tmp_path / "f.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = console(*argv, str(path))
    assert code != 0 and err.startswith("错误："), (out, err)
    assert words in err, err
    assert "Traceback" not in err


def test_group_aliases_written_as_a_string_are_not_split_into_characters(
    console: Any, tmp_path: Path
) -> None:
    path = tmp_path / "u.json"
    doc = {"units": [], "groups": [{"name": "新组", "aliases": "ABC组"}]}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, _out, err = console("units", "load", str(path))
    assert code != 0 and "单位组“新组”的别名应为列表" in err, err
    assert not UnitAlias.objects.filter(alias__in=["A", "B", "C", "组", "新组"]).exists()


def test_the_shipped_unit_and_plan_files_still_load(console: Any) -> None:
    code, _out, err = console("units", "load", str(SRC / "orgs" / "data" / "units.json"))
    assert code == 0, err
    code, _out, err = console("ledger", "load", str(SRC / "ledger" / "data" / "2023-beiguan.json"))
    assert code == 0, err


SHA = "0" * 64
MANIFESTS: dict[str, Any] = {
    "list": [],
    "empty": {},
    "sha_int": {"vendor": "sqlite", "counts": {}, "sha256": 5},
    "counts_int": {"vendor": "sqlite", "counts": 5, "sha256": {}},
    "no_files": {"vendor": "sqlite", "counts": {}, "sha256": {}},
    "count_str": {
        "vendor": "sqlite",
        "database_file": "database.sqlite3",
        "counts": {"core_event": "3"},
        "sha256": {"database.sqlite3": SHA, "files.tar.gz": SHA},
    },
    "vendor_unknown": {
        "vendor": "oracle",
        "database_file": "database.sqlite3",
        "counts": {},
        "sha256": {"database.sqlite3": SHA, "files.tar.gz": SHA},
    },
    "database_file_of_other_vendor": {
        "vendor": "sqlite",
        "database_file": "database.dump",
        "counts": {},
        "sha256": {"database.dump": SHA, "files.tar.gz": SHA},
    },
    "no_archive_listed": {
        "vendor": "sqlite",
        "database_file": "database.sqlite3",
        "counts": {},
        "sha256": {"database.sqlite3": SHA},
    },
    "sha_not_hex": {
        "vendor": "sqlite",
        "database_file": "database.sqlite3",
        "counts": {},
        "sha256": {"database.sqlite3": 5, "files.tar.gz": SHA},
    },
    "name_outside": {
        "vendor": "sqlite",
        "database_file": "database.sqlite3",
        "counts": {},
        "sha256": {"database.sqlite3": SHA, "files.tar.gz": SHA, "../secret": SHA},
    },
    "chain_heads_list": {
        "vendor": "sqlite",
        "database_file": "database.sqlite3",
        "counts": {},
        "chain_heads": [],
        "sha256": {"database.sqlite3": SHA, "files.tar.gz": SHA},
    },
}


@pytest.mark.parametrize("key", list(MANIFESTS))
def test_backup_verify_refuses_a_malformed_or_incomplete_manifest(
    console: Any, tmp_path: Path, key: str
) -> None:
    backup = tmp_path / "xinyong-backup-20261127-000000"
    backup.mkdir()
    (backup / "manifest.json").write_text(json.dumps(MANIFESTS[key]), encoding="utf-8")
    code, out, err = console("backup", "verify", str(backup), "--json")
    assert code != 0 and err.startswith("错误："), (out, err)
    assert "Traceback" not in err


def test_restore_refuses_a_manifest_that_lists_no_files(tmp_path: Path) -> None:
    from xinyong.core.backup import restore_backup
    from xinyong.core.errors import DomainError

    backup = tmp_path / "xinyong-backup-20261127-000000"
    backup.mkdir()
    (backup / "manifest.json").write_text(json.dumps(MANIFESTS["no_files"]), encoding="utf-8")
    with pytest.raises(DomainError, match="备份清单"):
        restore_backup(backup)


@pytest.mark.own_sqlite
def test_a_real_backup_still_verifies(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "xinyong.settings"
    env["XINYONG_VAR"] = str(tmp_path / "var")

    def xinyong(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [XINYONG, *args], env=env, capture_output=True, text=True, check=False, timeout=600
        )

    init = xinyong("init")
    assert init.returncode == 0, init.stderr[-2000:]
    created = xinyong("backup", "create", "--out", str(tmp_path / "backups"), "--json")
    assert created.returncode == 0, created.stderr[-2000:]
    path = json.loads(created.stdout)["path"]
    verified = xinyong("backup", "verify", path, "--json")
    assert verified.returncode == 0, verified.stderr[-2000:]
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["vendor"] == "sqlite" and report["rows"] > 0
