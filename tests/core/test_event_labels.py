"""Every action code the code base writes has a Chinese label, and the pages that list
events show the label, never the raw code (ARCHITECTURE.md: every page is in Chinese)."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from xinyong.core.event_labels import ACTION_LABELS

SRC = Path(__file__).resolve().parents[2] / "src" / "xinyong"
CODE = re.compile(r"^[a-z]+(\.[a-z0-9_]+)+$")

# Action codes built with an f-string from something other than a wrapper's `action`
# argument, keyed by (file under src/xinyong, the f-string's leading literal): every code
# the f-string can produce. A new f-string site fails the scan until it is listed here.
F_STRING_EXPANSIONS: dict[tuple[str, str], set[str]] = {
    # integrity.admin.AuditedAdmin: IndicatorSystem, its Indicator inline, GovernmentBody.
    ("integrity/evaluation.py", "integrity."): {
        f"integrity.{model}_{verb}"
        for model in ("indicatorsystem", "indicator", "governmentbody")
        for verb in ("save", "delete")
    },
    # orgs.admin._AliasNormalisingMixin: UnitAdmin, UnitGroupAdmin.
    ("orgs/admin.py", "orgs."): {
        f"orgs.{model}_{verb}" for model in ("unit", "unitgroup") for verb in ("create", "change")
    },
    # personnel.admin._ThroughService: FileCategoryAdmin, HonourKindAdmin.
    ("personnel/services.py", "personnel."): {
        f"personnel.{model}.{verb}"
        for model in ("filecategory", "honourkind")
        for verb in ("create", "update")
    },
}


# ---------------------------------------------------------------- the scan


@dataclass(frozen=True)
class Sink:
    """A function that ends in `record_event`: where its action argument sits and what
    it wraps around it (`_event(actor, "verdict", …)` → "collection.spot_check.verdict")."""

    position: int | None
    prefix: str = ""


@dataclass
class Scan:
    codes: dict[str, list[str]] = field(default_factory=dict)
    f_strings: set[tuple[str, str]] = field(default_factory=set)
    unresolved: list[str] = field(default_factory=list)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.FunctionDef | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node  # type: ignore[return-value]
    return None


def _action_position(fn: ast.FunctionDef) -> tuple[bool, int | None]:
    positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if "action" in positional:
        return True, positional.index("action")
    return "action" in [a.arg for a in fn.args.kwonlyargs], None


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _action_expr(call: ast.Call, sink: Sink) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "action":
            return keyword.value
    if sink.position is not None and len(call.args) > sink.position:
        return call.args[sink.position]
    return None


def _wrapped_prefix(expr: ast.expr) -> str | None:
    """ "x.{action}" or bare `action`: the prefix a wrapper puts before its argument."""
    if isinstance(expr, ast.Name) and expr.id == "action":
        return ""
    if isinstance(expr, ast.JoinedStr) and len(expr.values) == 2:
        head, tail = expr.values
        if (
            isinstance(head, ast.Constant)
            and isinstance(tail, ast.FormattedValue)
            and isinstance(tail.value, ast.Name)
            and tail.value.id == "action"
        ):
            return str(head.value)
    return None


def _assigned(name: str, scope: ast.AST) -> list[ast.expr]:
    values: list[ast.expr] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                values.append(node.value)
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id == name
            and node.value is not None
        ):
            values.append(node.value)
    return values


def _strings(expr: ast.expr, fn: ast.AST | None, module: ast.Module) -> list[str]:
    """The string literals an action expression can evaluate to: literals in it (both
    branches of a conditional, a dict.get default) and those assigned to the names it
    uses, in the function or at module level."""
    found: list[str] = []
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.Name):
            values = (_assigned(node.id, fn) if fn is not None else []) or [
                n.value
                for n in module.body
                if isinstance(n, ast.Assign | ast.AnnAssign)
                and n.value is not None
                and node.id in [t.id for t in _targets(n) if isinstance(t, ast.Name)]
            ]
            for value in values:
                found.extend(
                    n.value
                    for n in ast.walk(value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                )
    return found


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


@functools.cache
def scan() -> Scan:
    texts = {
        path.relative_to(SRC).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    }
    # A file that never says "action" can neither write nor wrap an action.
    trees = {name: ast.parse(text) for name, text in texts.items() if "action" in text}
    parents: dict[str, dict[ast.AST, ast.AST]] = {}
    local: dict[tuple[str, str], Sink] = {}
    shared: dict[str, Sink] = {"record_event": Sink(None)}

    def resolve(module: str, call: ast.Call) -> Sink | None:
        name = _callee(call)
        if name is None:
            return None
        return local.get((module, name)) or shared.get(name)

    # Functions taking an `action`, with the calls they make.
    candidates = []
    for module, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                takes_action, position = _action_position(node)
                if takes_action:
                    calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
                    candidates.append((module, node.name, position, calls))
    # Wrappers of record_event, and wrappers of those, until nothing new turns up.
    changed = True
    while changed:
        changed = False
        for module, name, position, calls in candidates:
            if (module, name) in local:
                continue
            for inner in calls:
                sink = resolve(module, inner)
                expr = _action_expr(inner, sink) if sink else None
                prefix = _wrapped_prefix(expr) if expr is not None else None
                if sink is not None and prefix is not None:
                    wrapper = Sink(position, sink.prefix + prefix)
                    local[(module, name)] = wrapper
                    shared.setdefault(name, wrapper)
                    changed = True
                    break

    result = Scan()
    for module, tree in trees.items():
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            sink = resolve(module, call)
            expr = _action_expr(call, sink) if sink else None
            if sink is None or expr is None:
                continue
            if module not in parents:
                parents[module] = _parents(tree)
            fn = _enclosing(call, parents[module])
            where = f"{module}:{call.lineno}"
            if fn is not None and (module, fn.name) in local and _wrapped_prefix(expr) is not None:
                continue  # a wrapper passing its own argument on: its callers are scanned
            if isinstance(expr, ast.JoinedStr):
                head = expr.values[0]
                lead = str(head.value) if isinstance(head, ast.Constant) else ""
                result.f_strings.add((module, lead))
                for code in F_STRING_EXPANSIONS.get((module, lead), ()):
                    result.codes.setdefault(code, []).append(where)
                continue
            strings = _strings(expr, fn, tree)
            if not strings:
                result.unresolved.append(where)
            for text in strings:
                result.codes.setdefault(sink.prefix + text, []).append(where)
    return result


# ---------------------------------------------------------------- the label table


def test_the_scan_finds_the_known_call_styles() -> None:
    found = scan()
    assert not found.unresolved, f"动作代码无法静态确定：{found.unresolved}"
    codes = found.codes
    assert "collection.ingest" in codes  # a literal
    assert "sanctions.measure_created" in codes and "sanctions.measure_saved" in codes  # a ? b
    assert "collection.spot_check.verdict" in codes  # f"collection.spot_check.{action}" wrapper
    assert "sanctions.event_registered" in codes  # f"sanctions.{action}" wrapper
    assert "sanctions.entry_propose" in codes  # positional argument to a wrapper
    assert "sanctions.feedback_reminded" in codes  # a module constant
    assert "integrity.sxbzxr_listed" in codes  # a local variable
    assert "admin.change" in codes and "admin.action" in codes  # a dict and its default
    assert "publicity.batch_computed" in codes  # keyword to a wrapper
    assert "finance.authorise_revoke" in codes  # keyword-only wrapper argument
    assert "benefits.scenario_update" in codes  # a wrapper in another module
    assert "integrity.indicator_delete" in codes  # a listed f-string expansion
    assert len(codes) > 170


def test_every_f_string_action_is_listed() -> None:
    assert scan().f_strings == set(F_STRING_EXPANSIONS)


def test_every_action_code_written_has_a_chinese_label() -> None:
    codes = scan().codes
    malformed = sorted(c for c in codes if not CODE.match(c))
    assert not malformed, f"不像动作代码（扫描有误？）：{malformed}"
    missing = {c: codes[c][0] for c in sorted(codes) if c not in ACTION_LABELS}
    assert not missing, f"以下动作代码没有中文名称，请在 core/event_labels.py 中补上：{missing}"


@pytest.mark.parametrize("code", sorted(ACTION_LABELS))
def test_labels_are_short_chinese_phrases(code: str) -> None:
    label = ACTION_LABELS[code]
    assert re.search(r"[\u4e00-\u9fff]", label), code
    assert not re.search(r"[a-z_]{3,}", label), code
    assert 2 <= len(label) <= 16, code


# ---------------------------------------------------------------- the filters


def test_unknown_action_shows_a_chinese_fallback_with_the_code() -> None:
    from xinyong.web.templatetags.web_extras import action_label

    assert action_label("collection.ingest") == "归集批次入库"
    assert action_label("rights.notice.issue") == "发出信用修复告知书"
    assert action_label("legacy.thing") == "其他操作（legacy.thing）"
    assert action_label("") == "其他操作"
    assert action_label(None) == "其他操作"


@dataclass
class _Event:
    target_type: str
    target_id: str
    target_repr: str


def test_the_technical_target_shows_the_models_chinese_name() -> None:
    from xinyong.web.templatetags.web_extras import event_target, target_type_label

    # publicity.services._compute_for writes "collection.Batch 20" as the description.
    assert event_target(_Event("collection.Batch", "20", "collection.Batch 20")) == "报送批次 20"
    assert event_target(_Event("records.CreditRecord", "7", "")) == "信用记录 7"
    # A description written for people, or naming no model, is shown as stored.
    assert event_target(_Event("orgs.Unit", "3", "北关区市场监管局")) == "北关区市场监管局"
    assert event_target(_Event("publicity", "refresh", "publicity refresh")) == "publicity refresh"
    assert event_target(_Event("x", "1", "nosuch.Model 1")) == "nosuch.Model 1"
    assert target_type_label("collection.Batch") == "报送批次"
    assert target_type_label("calendar_year") == "日历年度"
    assert target_type_label("thing") == "thing"


# ---------------------------------------------------------------- the pages


def _credit_admin():  # type: ignore[no-untyped-def]
    from xinyong.orgs.models import Role, User

    return User.objects.create_user(
        username="xyb", password="Xinyong@Test2026", role=Role.CREDIT_ADMIN, is_staff=True
    )


def _section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


RAW = ("collection.ingest", "rights.notice.issue", "publicity.batch_computed", "collection.Batch")


@pytest.mark.django_db
def test_record_page_lists_its_events_in_chinese() -> None:
    from django.test import Client

    from tests.collection.ingest_helpers import org_row
    from tests.publicity.helpers import ingest
    from xinyong.publicity import services as publicity

    record = ingest("区市场监管局", "XZCF", [org_row(41, CF_JDRQ="2026-03-02")])[0]
    publicity.compute_window(record)
    client = Client()
    client.force_login(_credit_admin())
    html = client.get(f"/workspace/collection/records/{record.pk}/").content.decode()

    events = _section(html, 'id="record-events"')
    assert "归集批次入库" in events
    assert "发出信用修复告知书" in events
    assert "计算批次公示期限" in events
    assert f"报送批次 {record.batch_id}" in events
    for raw in RAW:
        assert raw not in events, raw
    history = _section(html, 'id="publicity-window"')
    assert "计算公示期限" in history
    assert "publicity.window_computed" not in history


@pytest.mark.django_db
def test_event_log_shows_labels_and_still_filters_by_action() -> None:
    from django.test import Client

    from tests.collection.ingest_helpers import org_row
    from tests.publicity.helpers import ingest

    record = ingest("区市场监管局", "XZCF", [org_row(42, CF_JDRQ="2026-03-02")])[0]
    client = Client()
    client.force_login(_credit_admin())

    html = client.get("/workspace/events/").content.decode()
    table = html[html.index('id="event-table"') :]
    assert "归集批次入库" in table and "发出信用修复告知书" in table
    assert f"报送批次 {record.batch_id}" in table
    for raw in RAW:
        assert f"<code>{raw}</code>" not in table
        assert f">{raw}<" not in table, raw
    # The filter's options keep the code as value and show the label.
    assert '<option value="collection.ingest">归集批次入库</option>' in html
    assert '<option value="collection.Batch">报送批次</option>' in html

    filtered = client.get("/workspace/events/?action=collection.ingest").content.decode()
    rows = filtered[filtered.index('id="event-table"') :]
    assert "归集批次入库" in rows
    assert "发出信用修复告知书" not in rows
