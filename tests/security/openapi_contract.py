"""Checking live responses against the API's own OpenAPI document (drf-spectacular).

A client generated from the document (a unit's IT supplier, a bank) trusts it blindly, so
the document must describe what the API answers: the status code, the media type and the
shape of the body. The document is OpenAPI 3.0, whose schema dialect is JSON Schema draft 4
plus `nullable`; `json_schema` rewrites `nullable` into draft 4 so that `jsonschema` can
validate a body against it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema


@cache
def _generated() -> str:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return bytes(OpenApiJsonRenderer().render(document)).decode()


def openapi_document() -> dict[str, Any]:
    """The document as /api/schema/ serves it (a fresh copy: callers may change it)."""
    return json.loads(_generated())


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _nullable(v) for k, v in node.items()}
    if node.pop("nullable", False):
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def json_schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (a response schema of `document`) as a draft 4 JSON Schema whose $refs
    resolve inside it."""
    return {**_nullable(schema), "components": _nullable(document.get("components", {}))}


def find_operation(document: dict[str, Any], method: str, path: str) -> tuple[str, dict]:
    """The documented operation that serves `method` on the concrete `path` (a literal
    segment wins over a parameter, as in the URL configuration: checks/stats is not
    checks/{id})."""
    templates = sorted(document["paths"].items(), key=lambda item: item[0].count("{"))
    for template, operations in templates:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise LookupError(f"{method} {path} is not in the OpenAPI document")


def contract_problems(document: dict[str, Any], method: str, path: str, response: Any) -> list[str]:
    """Why `response` (a Django test response to `method path`) does not match the
    document; an empty list when it does."""
    template, operation = find_operation(document, method, path)
    where = f"{method.upper()} {template} → {response.status_code}"
    documented = operation["responses"]
    spec = documented.get(str(response.status_code)) or documented.get("default")
    if spec is None:
        return [f"{where}: status {response.status_code} not documented ({sorted(documented)})"]
    content = spec.get("content") or {}
    media = (response.get("Content-Type") or "").split(";")[0].strip()
    if not content:
        return [] if not response.content else [f"{where}: body not documented"]
    if media not in content:
        # "*/*" and the like: a documented wildcard accepts any media type.
        wild = [m for m in content if m.endswith("/*") and media.startswith(m[:-1])]
        if "*/*" not in content and not wild:
            return [f"{where}: media type {media!r} not documented ({sorted(content)})"]
        return []
    if media != "application/json":
        return []
    schema = content[media].get("schema")
    if schema is None:
        return [f"{where}: no response schema"]
    body = json.loads(response.content)
    validator = jsonschema.Draft4Validator(json_schema(document, schema))
    return [
        f"{where}: {'/'.join(str(p) for p in error.absolute_path)}: {error.message[:300]}"
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))[:5]
    ]
