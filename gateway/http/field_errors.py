"""A field's validation error in the words the case system reads in a 422's message.

pydantic prefixes our own validators' words ("Value error, ", "Assertion failed, ") and
names our classes ("a valid dictionary or instance of Party"); neither means anything to
the people who read a refused event in the case system's log.
"""

from __future__ import annotations

from pydantic_core import ErrorDetails

# Our validators raise these; the exception's own words are the reason.
_OURS = {"value_error", "assertion_error"}
_OBJECT = {"model_type", "model_attributes_type", "dict_type"}


def reason(error: ErrorDetails) -> str:
    """'is not a valid phone number', 'is required', 'expected a JSON object', or pydantic's plain words."""
    kind = error["type"]
    if kind in _OURS:
        raised = (error.get("ctx") or {}).get("error")
        return str(raised) if raised is not None and str(raised) else "is not valid"
    if kind == "missing":
        return "is required"
    if kind in _OBJECT:
        return "expected a JSON object"
    return error["msg"]
