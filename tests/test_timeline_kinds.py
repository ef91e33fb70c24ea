"""The timeline's kinds: one list (gateway/core/timeline_kinds.py) that recording obeys and that
/openapi.json describes, so a case system's generated client gets every entry's `data` typed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.timeline_kinds import KINDS
from tests.conftest import ANNA, JAN, fetch_case

ROOT = Path(__file__).resolve().parent.parent


def recorded_in_code() -> list[tuple[str, ast.expr, set[str]]]:
    """Every `.record(case, kind, summary, **data)` call in flows/ and gateway/: (where, kind, keys)."""
    found = []
    for path in [*ROOT.glob("flows/**/*.py"), *ROOT.glob("gateway/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and len(node.args) >= 2:
                keys = {k.arg for k in node.keywords if k.arg}
                if "about" in keys:  # the outbox row, named in data as outbox_id
                    keys = keys - {"about"} | {"outbox_id"}
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[1], keys))
    return found


def kinds_ending_as(kind: ast.expr) -> list[str]:
    """For f"{row.channel}.sent", every listed kind ending in ".sent"."""
    end = kind.values[-1] if isinstance(kind, ast.JoinedStr) else None
    return [name for name in KINDS if isinstance(end, ast.Constant) and name.endswith(end.value)]


def test_every_kind_and_key_the_code_records_is_listed():
    calls = [call for call in recorded_in_code() if not call[0].startswith("gateway/simulator/")]
    assert len(calls) > 35
    for where, kind, keys in calls:
        if isinstance(kind, ast.Name | ast.Attribute):
            continue
        if isinstance(kind, ast.Constant):
            assert kind.value in KINDS, f"{where}: {kind.value!r} is not listed"
            assert keys <= KINDS[kind.value].keys, f"{where}: {kind.value!r} has no {keys - KINDS[kind.value].keys}"
        else:  # f"{row.channel}.sent": some listed kind of that ending takes these keys
            fitting = [name for name in kinds_ending_as(kind) if keys <= KINDS[name].keys]
            assert fitting, f"{where}: no listed kind of this ending takes {keys}"


@pytest.mark.parametrize(
    "kind, data",
    [
        ("case.fixed", {}),  # not a kind
        ("status", {"old": "new", "new": "dispatched"}),  # reason missing
        ("status", {"old": "new", "new": "dispatched", "reason": "x", "why": "y"}),  # an undeclared key
        ("text.received", {"body": "Ja", "media": "0", "outcome": "confirmed"}),  # media is a number
        ("opted_in", {"role": "stranger"}),  # neither citizen nor crew
    ],
    ids=["unknown-kind", "missing-key", "extra-key", "wrong-type", "wrong-value"],
)
def test_it_refuses_to_record_what_the_list_does_not_allow(case_api, runtime, kind, data):
    case_api.dispatch()
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case))
        with pytest.raises(ValueError):
            Effects(session, runtime.config).record(case, kind, "a summary", **data)


def test_the_document_names_every_kind_with_its_own_entry_schema(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    entry = schemas["TimelineEntry"]
    assert entry["discriminator"]["propertyName"] == "kind"
    assert set(entry["discriminator"]["mapping"]) == set(KINDS)
    assert len(entry["oneOf"]) == len(KINDS)
    for kind, ref in entry["discriminator"]["mapping"].items():
        one = schemas[ref.rsplit("/", 1)[1]]
        assert one["properties"]["kind"]["const"] == kind and one["description"] == KINDS[kind].description
        data = schemas[one["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
        assert data["additionalProperties"] is True  # a key added later breaks no client


def test_a_long_storys_timeline_fits_the_served_schema_entry_by_entry(
    client, case_api, twilio, run_worker, fast_forward, fake_twilio, runtime
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    sid = next(m["sid"] for m in fake_twilio.messages if m["To"] == ANNA.phone)
    twilio.status(sid, "delivered")
    twilio.text(JAN, "Waar zit het gat precies?", to=proxy)
    twilio.text(ANNA, "Recht voor mijn deur.", to=proxy)
    twilio.call(JAN, to=proxy)
    run_worker()
    case_api.complete()
    fast_forward(1801)
    run_worker()
    twilio.call(ANNA, to=proxy)
    twilio.text(ANNA, "Nee, het gat zit er nog", to=proxy)
    run_worker()
    case_api.dispatch()  # its texts still unsent when the case is called off: withdrawn
    twilio.text(ANNA, "STOP", to=proxy)
    twilio.text(ANNA, "START", to=proxy)
    case_api.cancel()
    run_worker()

    document = client.get("/openapi.json").json
    validator = Draft202012Validator({"$ref": "#/components/schemas/TimelineEntry", **document})
    timeline = fetch_case(client)["timeline"]
    for entry in timeline:
        errors = [error.message for error in validator.iter_errors(entry)]
        assert errors == [], f"{entry['kind']}: {errors}"
    with runtime.db.transaction() as session:  # typed, but shown as stored: the same keys and values
        stored = [(row.kind, row.summary, row.data) for row in session.scalar(select(Case)).timeline]
    assert [(entry["kind"], entry["summary"], entry["data"]) for entry in timeline] == stored
    seen = {entry["kind"] for entry in timeline}
    assert {"text.status", "call.connected", "call.question", "reply.read", "opted_out"} <= seen
    assert {"opted_in", "text.cancelled", "timer.fired", "callback.sent"} <= seen
