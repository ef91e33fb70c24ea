"""Message texts per language, loaded from flows/texts/<language>.toml.

A municipality may override texts key by key (TEMPLATES_DIR, checked by flows/custom_texts.py):
the app's Texts holds the wording in force, and flows reach it as messages.texts(fx.config).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gateway.core.config import Config
from gateway.core.gsm7 import is_gsm7, segments, to_gsm7

LANGUAGES = ("nl", "en")
VOICE_LANGUAGES = {"nl": "nl-NL", "en": "en-GB"}


class MissingPlaceholder(KeyError):
    pass


@cache
def defaults(language: str) -> dict[str, str]:
    source = resources.files("flows") / "texts" / f"{language}.toml"
    return parse(source.read_text(encoding="utf-8"))


def parse(toml: str) -> dict[str, str]:
    # A curly quote pasted in by an editor would make every text two segments: replace it here.
    return {key: to_gsm7(value) for key, value in tomllib.loads(toml).items()}


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# Pieces spliced into another text; and voice_* texts are spoken, not texted.
FRAGMENTS = {"eta", "crew_name", "media_only", "which_case_option", "fallback_number", "fallback_generic", "months"}

# Long but real values, for measuring what a text costs: a 25-character organisation,
# a 40-character address and a 150-character description.
SAMPLE = {
    "org": "Gemeente 's-Hertogenbosch",
    "reference": "MOR-2026-004211",
    "code": "104",
    "address": "Burgemeester van Zuylenlaan 104, 5211 AB",
    "description": "Twee paaltjes zijn weggehaald en er zit nu een diep gat in de stoep voor mijn deur. "
    "Mijn moeder loopt met een rollator en is er gisteren bijna in gevallen.",
    "text": "We staan om 10 uur bij u, waar zit het gat precies?",
    "date": "28-11",
    "time": "10:00",
}


@dataclass(frozen=True)
class Cost:
    key: str
    characters: int
    gsm7: bool
    segments: int


class Texts:
    """The texts in force for one app: the defaults, with a municipality's own on top
    (TEMPLATES_DIR, checked by flows/custom_texts.py). The app factory builds one per app and
    hangs it on the app's Config; two apps in one process keep their own wording."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None):
        self._overridden = {language: dict(texts) for language, texts in (overrides or {}).items()}
        self._catalogues = {
            language: {**defaults(language), **self._overridden.get(language, {})} for language in LANGUAGES
        }

    def overridden(self, language: str) -> set[str]:
        return set(self._overridden.get(language, {}))

    def catalogue(self, language: str) -> dict[str, str]:
        return self._catalogues[language]

    def render(self, language: str, key: str, **values: str) -> str:
        """Fill a template. Values from the case system are cleaned of typographic look-alikes,
        except `description` and `text`: those are a person's own words and pass verbatim."""
        template = self.catalogue(language)[key]
        missing = placeholders(template) - values.keys()
        if missing:
            raise MissingPlaceholder(f"{language}.{key} needs {', '.join(sorted(missing))}")
        cleaned = {k: v if k in ("description", "text") else to_gsm7(v) for k, v in values.items()}
        return template.format_map(cleaned)

    def text_keys(self, language: str) -> list[str]:
        return sorted(k for k in self.catalogue(language) if k not in FRAGMENTS and not k.startswith("voice_"))

    def costs(self, language: str) -> list[Cost]:
        """What each text costs with the long SAMPLE values: for `flask texts` and the start-up log."""
        return [
            Cost(key, len(text), is_gsm7(text), segments(text))
            for key in self.text_keys(language)
            for text in [self.sample(language, key)]
        ]

    def sample(self, language: str, key: str) -> str:
        """A text as a resident or crew would get it with the SAMPLE values."""
        values = {
            **SAMPLE,
            "eta": self.render(language, "eta", date=SAMPLE["date"], time=SAMPLE["time"]),
            "name": self.render(language, "crew_name", name="Anna de Vries"),
            "options": ", ".join(
                self.render(
                    language,
                    "which_case_option",
                    index=str(i),
                    address=SAMPLE["address"],
                    reference=SAMPLE["reference"],
                )
                for i in (1, 2)
            ),
        }
        return self.render(
            language, key, **{k: v for k, v in values.items() if k in placeholders(self.catalogue(language)[key])}
        )


# The built-in wording, for an app without TEMPLATES_DIR and for tools that need no app.
DEFAULT_TEXTS = Texts()


def texts(config: Config) -> Texts:
    """The texts of the app this Config belongs to (gateway/factory.py puts them there)."""
    return config.texts if isinstance(config.texts, Texts) else DEFAULT_TEXTS
