"""Message texts per language, loaded from flows/texts/<language>.toml."""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources

from gateway.gsm7 import to_gsm7

LANGUAGES = ("nl", "en")
VOICE_LANGUAGES = {"nl": "nl-NL", "en": "en-GB"}


class MissingPlaceholder(KeyError):
    pass


@cache
def catalogue(language: str) -> dict[str, str]:
    source = resources.files("flows") / "texts" / f"{language}.toml"
    return parse(source.read_text(encoding="utf-8"))


def parse(toml: str) -> dict[str, str]:
    # A curly quote pasted in by an editor would make every text two segments: replace it here.
    return {key: to_gsm7(value) for key, value in tomllib.loads(toml).items()}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(language: str, key: str, **values: str) -> str:
    """Fill a template. Values from the case system are cleaned of typographic look-alikes,
    except `description` and `text`: those are a person's own words and pass verbatim."""
    template = catalogue(language)[key]
    missing = placeholders(template) - values.keys()
    if missing:
        raise MissingPlaceholder(f"{language}.{key} needs {', '.join(sorted(missing))}")
    cleaned = {k: v if k in ("description", "text") else to_gsm7(v) for k, v in values.items()}
    return template.format_map(cleaned)
