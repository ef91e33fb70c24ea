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

from gateway.core.config import SUPPORTED_LANGUAGES, Config
from gateway.core.gsm7 import is_gsm7, segments, to_gsm7

LANGUAGES = SUPPORTED_LANGUAGES
# Languages whose texts stay GSM-7 (160 characters a segment). The others need UCS-2 (70).
GSM7_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Voice:
    """How Twilio speaks and hears a language: <Say voice=... language=...> and <Gather language=...>."""

    name: str  # a Twilio-supported Google voice; "man" and "woman" speak none of tr, ar or uk
    say: str  # the voice's locale
    hear: str  # speech recognition's locale: what residents here speak, not what the voice reads
    hints: str  # words <Gather> should expect


VOICES = {
    "nl": Voice("Google.nl-NL-Standard-A", "nl-NL", "nl-NL", "ja, nee, opgelost, niet opgelost"),
    "en": Voice("Google.en-GB-Standard-A", "en-GB", "en-GB", "yes, no, fixed, not fixed"),
    "tr": Voice("Google.tr-TR-Standard-A", "tr-TR", "tr-TR", "evet, hayır, düzeldi, düzelmedi"),
    # Modern Standard Arabic is read; most Arabic speakers here speak Moroccan Arabic.
    "ar": Voice("Google.ar-XA-Standard-A", "ar-XA", "ar-MA", "نعم, لا, تم الإصلاح, لم يتم الإصلاح"),
    "pl": Voice("Google.pl-PL-Standard-A", "pl-PL", "pl-PL", "tak, nie, naprawione, nie naprawione"),
    "uk": Voice("Google.uk-UA-Standard-A", "uk-UA", "uk-UA", "так, ні, полагодили, не полагодили"),
}


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
class Budget:
    """What a text may cost in segments with the SAMPLE values, in GSM-7 and in UCS-2 languages."""

    gsm7: int
    ucs2: int


# A new text needs a budget here. Texts to the resident are short on purpose: the notice at most
# 3 segments, the question and reminder 2, the answers 1 (the issue of plain language, #15).
BUDGETS = {
    "dispatch_citizen": Budget(3, 3),
    "question": Budget(1, 2),
    "reminder": Budget(1, 2),
    "reask": Budget(1, 2),
    "thanks_yes": Budget(1, 1),
    "thanks_no": Budget(1, 1),
    "forwarded": Budget(1, 1),
    "which_case": Budget(2, 3),  # two cases, each with a 40-character address
    "test_text": Budget(1, 1),
    # To the crew, or carrying someone's own words (the SAMPLE's), which take what they take.
    "dispatch_crew": Budget(3, 6),
    "relay_to_citizen": Budget(1, 2),
    "relay_to_crew": Budget(1, 2),
    "relay_closed": Budget(1, 2),
    "relay_opted_out": Budget(1, 3),
}


@dataclass(frozen=True)
class Cost:
    key: str
    characters: int
    gsm7: bool
    segments: int
    budget: int

    @property
    def over(self) -> bool:
        return self.segments > self.budget


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
            Cost(key, len(text), is_gsm7(text), segments(text), budget(language, key))
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


def budget(language: str, key: str) -> int:
    found = BUDGETS[key]
    return found.gsm7 if language in GSM7_LANGUAGES else found.ucs2


# The built-in wording, for an app without TEMPLATES_DIR and for tools that need no app.
DEFAULT_TEXTS = Texts()


def texts(config: Config) -> Texts:
    """The texts of the app this Config belongs to (gateway/factory.py puts them there)."""
    return config.texts if isinstance(config.texts, Texts) else DEFAULT_TEXTS
