"""A municipality's own wording: TEMPLATES_DIR/<language>.toml overrides the default texts key by key.

Checked once at start-up, so a typo stops the deploy instead of reaching a resident as
"{adress}" or as a KeyError in the worker. Each override must use the placeholders of the
text it replaces (a few that only make a text longer may be left out) and no others.
Typographic look-alikes are replaced as in the defaults, with a warning; in Dutch and English
any other character outside GSM-7 is refused in a texted template, because one such character
makes every text cost double. Every texted override must fit its segment budget (flows/messages.py
BUDGETS) with long sample values, as the defaults do. Spoken (voice_*) texts may use any character.
"""

from __future__ import annotations

import difflib
import logging
import string
import tomllib
from pathlib import Path

from flows import messages
from gateway.core.gsm7 import is_gsm7, to_gsm7

log = logging.getLogger(__name__)

# These only make a text longer; a municipality that wants one segment may drop them.
OPTIONAL = {"address", "eta", "name"}
# Not a template: twelve month names, split on spaces, for spoken dates.
MONTHS = "months"


class TemplateError(ValueError):
    def __init__(self, path: Path, key: str | None, problem: str):
        super().__init__(f"{path}" + (f", key {key!r}" if key else "") + f": {problem}")
        self.path, self.key = path, key


def load(directory: Path) -> dict[str, dict[str, str]]:
    """The checked overrides per language; TemplateError naming the file and key otherwise."""
    overrides = {}
    for path in sorted(directory.glob("*.toml")):
        if path.stem not in messages.LANGUAGES:
            raise TemplateError(
                path,
                None,
                f"unknown language {path.stem!r}; name the files "
                + " or ".join(f"{language}.toml" for language in messages.LANGUAGES),
            )
        overrides[path.stem] = load_file(path, path.stem)
    _check_budgets(directory, overrides)
    return overrides


def _check_budgets(directory: Path, overrides: dict[str, dict[str, str]]) -> None:
    in_force = messages.Texts(overrides)
    for language, own in overrides.items():
        for cost in in_force.costs(language):
            # A default over its budget is the tests' business; only the municipality's own wording here.
            if cost.over and cost.key in own:
                raise TemplateError(
                    directory / f"{language}.toml",
                    cost.key,
                    f"costs {cost.segments} SMS segments with long sample values "
                    f"({cost.characters} characters, {'GSM-7' if cost.gsm7 else 'UCS-2'}); "
                    f"its budget is {cost.budget}. Shorten it; `flask --app app texts` shows every cost",
                )


def read_toml(path: Path) -> dict[str, object]:
    """A TOML file an operator wrote; ValueError saying, in words, why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValueError(f"cannot be read: {exc.strerror}") from None


def load_file(path: Path, language: str) -> dict[str, str]:
    try:
        raw = read_toml(path)
    except ValueError as exc:
        raise TemplateError(path, None, str(exc)) from None
    defaults = messages.defaults(language)
    checked = {}
    for key, value in raw.items():
        if key not in defaults:
            close = difflib.get_close_matches(key, defaults, n=1)
            raise TemplateError(path, key, "unknown template key" + (f"; did you mean {close[0]!r}?" if close else ""))
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(path, key, "must be a non-empty string in double quotes")
        checked[key] = check(path, key, value, defaults[key], language)
    return checked


def check(path: Path, key: str, text: str, default: str, language: str) -> str:
    """The override as it will be used (look-alikes replaced), or TemplateError."""
    converted = to_gsm7(text)
    if converted != text:
        log.warning("%s, key %r: typographic quotes, dashes or spaces replaced with GSM-7 ones", path, key)
    if key == MONTHS:
        if len(converted.split()) != 12:
            raise TemplateError(path, key, "must be the twelve month names separated by spaces")
        return converted
    used = _placeholders(path, key, converted)
    known = messages.placeholders(default)
    if unknown := used - known:
        raise TemplateError(
            path,
            key,
            f"unknown placeholder {_braced(unknown)}; this text knows " + (_braced(known) if known else "none"),
        )
    if missing := known - used - OPTIONAL:
        raise TemplateError(path, key, f"misses the required placeholder {_braced(missing)}")
    if not key.startswith("voice_") and language in messages.GSM7_LANGUAGES and not is_gsm7(converted):
        outside = "".join(sorted({ch for ch in converted if not is_gsm7(ch)}))
        raise TemplateError(
            path,
            key,
            f"uses characters outside GSM-7 ({outside!r}), which would make every "
            "text cost double; write them without accents or look-alikes",
        )
    return converted


def _placeholders(path: Path, key: str, text: str) -> set[str]:
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(path, key, f"has a stray brace ({exc}); write {{{{ or }}}} for a literal one") from None
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not name.isidentifier():
            raise TemplateError(path, key, f"placeholder {{{name}}} is not a name like {{org}}")
        if spec or conversion:
            raise TemplateError(path, key, f"placeholder {{{name}}} takes no format or conversion")
    return {name for _, name, _, _ in fields if name}


def _braced(names: set[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))
