"""Is the served OpenAPI document a compatible successor of the committed snapshot?

The compatibility policy (README "Compatibility", /openapi.json info.description): within a
major version the gateway may add optional request fields, answer and callback fields, paths,
callback types, timeline kinds, error codes and enum values. Breaking: removing a path, an
operation, a webhook, a schema, a property, an enum value or a security scheme; changing a
property's type; a new required request field; an answer or callback field no longer required.

No packaged tool does this for OpenAPI 3.1 webhooks here (oasdiff is not on PyPI or Debian),
so these are our own rules, tested on hand-made documents in tests/contract/test_compat.py.

Update the snapshot after raising info.version:
    .venv/bin/python -m tests.contract.compat --update
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")
# Set by the gateway's configuration, not by the contract.
PER_DEPLOYMENT = ("servers",)
PER_DEPLOYMENT_INFO = ("contact",)
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def contract_of(document: dict) -> dict:
    """The document without what each deployment sets for itself (its URL, its municipality)."""
    kept = {key: value for key, value in document.items() if key not in PER_DEPLOYMENT}
    kept["info"] = {key: value for key, value in document["info"].items() if key not in PER_DEPLOYMENT_INFO}
    return kept


def breaking_changes(old: dict, new: dict) -> list[str]:
    found: list[str] = []
    for kind in ("paths", "webhooks"):
        for name, item in old.get(kind, {}).items():
            for method in (m for m in item if m in METHODS):
                if method not in new.get(kind, {}).get(name, {}):
                    found.append(f"{kind} {name} {method.upper()} removed")
    for scheme in old.get("components", {}).get("securitySchemes", {}):
        if scheme not in new.get("components", {}).get("securitySchemes", {}):
            found.append(f"security scheme {scheme} removed")
    old_schemas, new_schemas = _schemas(old), _schemas(new)
    requests = _reachable(new, "requestBody")
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            found.append(f"schema {name} removed")
            continue
        found += [f"schema {name}: {change}" for change in _schema_changes(schema, new_schemas[name], name in requests)]
    return found


def version_problem(old: dict, new: dict) -> str | None:
    """What is wrong with new's info.version given its changes against old; None when it fits."""
    before, after = (_semver(doc["info"]["version"]) for doc in (old, new))
    breaking = breaking_changes(old, new)
    if breaking and after[0] <= before[0]:
        return "breaking changes need a new major version: " + "; ".join(breaking)
    changed = _without_version(contract_of(old)) != _without_version(contract_of(new))
    if changed and after <= before:
        return f"the contract changed compatibly: raise info.version above {old['info']['version']} (minor)"
    if not changed and after != before:
        return f"info.version changed to {new['info']['version']} but the contract did not"
    return None


def _schemas(document: dict) -> dict[str, dict]:
    return document.get("components", {}).get("schemas", {})


def _reachable(document: dict, where: str) -> set[str]:
    """Schemas a request body can reach, through $refs: the fields a case system sends."""
    names: set[str] = set()
    pending = [op[where] for item in document.get("paths", {}).values() for op in item.values() if where in op]
    while pending:
        node = pending.pop()
        for ref in _refs(node):
            name = ref.rsplit("/", 1)[-1]
            if name not in names:
                names.add(name)
                pending.append(_schemas(document).get(name, {}))
    return names


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _schema_changes(old: dict, new: dict, is_request: bool) -> Iterator[str]:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for prop, described in old_props.items():
        if prop not in new_props:
            yield f"property {prop} removed"
            continue
        if _types(described) != _types(new_props[prop]):
            yield f"property {prop} changed type {_types(described)} -> {_types(new_props[prop])}"
        gone = _values(described) - _values(new_props[prop])
        if _values(new_props[prop]) and gone:
            yield f"property {prop} lost enum values {sorted(gone)}"
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    if is_request:
        for prop in sorted(new_required - old_required):
            yield f"request property {prop} became required"
    else:
        for prop in sorted(old_required - new_required):
            yield f"property {prop} is no longer always there"
    gone = _values(old) - _values(new)
    if _values(new) and gone:
        yield f"lost enum values {sorted(gone)}"


def _types(schema: dict) -> tuple[str, ...]:
    if "$ref" in schema:
        return (schema["$ref"],)
    found = schema.get("type")
    if found is None and "anyOf" in schema:
        return tuple(sorted(t for option in schema["anyOf"] for t in _types(option)))
    return tuple(sorted(found)) if isinstance(found, list) else ((found,) if found else ())


def _values(schema: dict) -> set[str]:
    values = set(map(str, schema.get("enum", [])))
    if "const" in schema:
        values.add(str(schema["const"]))
    for option in schema.get("anyOf", []):
        values |= _values(option)
    return values


def _semver(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


def _without_version(document: dict) -> dict:
    info = {key: value for key, value in document["info"].items() if key != "version"}
    return {**document, "info": info}


def write_snapshot(document: dict) -> None:
    SNAPSHOT.write_text(json.dumps(contract_of(document), indent=1, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    from gateway.http.openapi import document as served

    write_snapshot(served("https://korte-lijn.example.org", "Gemeente Voorbeeldstad"))
    print(f"wrote {SNAPSHOT}")
