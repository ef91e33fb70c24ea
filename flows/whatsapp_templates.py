"""WHATSAPP_TEMPLATES: the approved WhatsApp Content templates, one per business-initiated text.

WhatsApp lets a business write first only with a template Meta approved in advance. Outside her
24-hour window (she has not written to us in the last day) every text she did not just ask for
goes out as one: the dispatch notice, the question, the reminder and the crew's messages. The
answers to what she wrote (thanks, "forwarded", "which case?") go inside the window as plain text.

The file maps each such text and language to the template's ContentSid and the order of its
variables, named by the text's own placeholders, plus `proxy`: the case's proxy number. One
sender serves every case on WhatsApp, so the dispatch notice must name the number she and the
crew call each other on:

    [dispatch_citizen.nl]
    content_sid = "HX0123456789abcdef0123456789abcdef"
    variables = ["org", "reference", "address", "eta", "proxy", "code"]

Twilio fills {{1}}, {{2}}, ... with the values in that order. Checked once at start-up, like
TEMPLATES_DIR: a typo stops the deploy, and so does a missing template for DEFAULT_LANGUAGE.
A resident whose language has no template of its own gets DEFAULT_LANGUAGE's.
The question's template is a quick-reply template whose two buttons carry the payloads in
BUTTON_PAYLOADS. deploy/whatsapp_templates.toml is a complete file to start from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flows import messages
from flows.custom_texts import read_toml
from flows.purposes import PURPOSES
from gateway.core.config import Config
from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.phones import readable

# The texts she did not ask for: a template each. Keyed by the text's name in flows/texts/*.toml.
NEEDS_TEMPLATE = tuple(
    purpose.text_template for purpose in PURPOSES.values() if not purpose.automatic and purpose.name != "dispatch_crew"
)
# Always as their template, even inside her window: the notice names the proxy number, which the
# SMS wording ("call this number") cannot on WhatsApp; the question and reminder carry the buttons.
ALWAYS = frozenset({"dispatch_citizen", "question", "reminder"})
# The question's quick-reply buttons: the payload Twilio posts as ButtonPayload when she taps one.
BUTTON_PAYLOADS = {"yes": "yes", "no": "no"}
# The buttons' titles, per language: what she sees and what Twilio posts as ButtonText.
BUTTON_TITLES = {
    "nl": ("JA", "NEE"),
    "en": ("YES", "NO"),
    "tr": ("EVET", "HAYIR"),
    "ar": ("نعم", "لا"),
    "pl": ("TAK", "NIE"),
    "uk": ("ТАК", "НІ"),
}
WITH_BUTTONS = frozenset({"question", "reminder"})
# Beside each text's own placeholders: the number to call and text (WhatsApp's sender is not it).
PROXY = "proxy"
MUST_NAME = {"dispatch_citizen": PROXY}
CONTENT_SID = re.compile(r"HX[0-9a-f]{32}")


class WhatsAppTemplateError(ValueError):
    def __init__(self, path: Path, where: str | None, problem: str):
        super().__init__(f"{path}" + (f", [{where}]" if where else "") + f": {problem}")


@dataclass(frozen=True)
class Template:
    key: str
    language: str
    content_sid: str
    variables: tuple[str, ...]

    def content_variables(self, values: dict[str, str]) -> dict[str, str]:
        """{"1": ..., "2": ...}: Twilio's ContentVariables, in the template's own order.

        WhatsApp refuses an empty variable, so an empty value (no ETA) is sent as one space."""
        return {str(n): values.get(name, "") or " " for n, name in enumerate(self.variables, start=1)}


class Catalogue:
    """The checked templates; `for_text` picks one for a text and a resident's language."""

    def __init__(self, templates: dict[tuple[str, str], Template], default_language: str):
        self.templates, self.default_language = templates, default_language

    def for_text(self, key: str, language: str) -> Template | None:
        """Her language's template, else DEFAULT_LANGUAGE's; None for a text that needs none."""
        return self.templates.get((key, language)) or self.templates.get((key, self.default_language))

    def by_sid(self, content_sid: str) -> Template | None:
        return next((t for t in self.templates.values() if t.content_sid == content_sid), None)

    def buttons(self, content_sid: str) -> list[dict[str, str]]:
        """The quick-reply buttons a message with this template shows: payload and title."""
        template = self.by_sid(content_sid)
        if template is None or template.key not in WITH_BUTTONS:
            return []
        return [
            {"payload": payload, "title": title}
            for payload, title in zip(BUTTON_PAYLOADS, BUTTON_TITLES[template.language], strict=True)
        ]


def catalogue(config: Config) -> Catalogue | None:
    """The checked templates of the app this Config belongs to (gateway/factory.py puts them
    there); None without WhatsApp."""
    return config.whatsapp_templates if isinstance(config.whatsapp_templates, Catalogue) else None


def choose(fx: Effects, case: Case, key: str, values: dict[str, str]) -> dict[str, object] | None:
    """The template a WhatsApp message for text `key` goes as, for the outbox row's payload; None:
    free text. A text she did not ask for goes as its template outside her 24-hour window (and
    the notice, question and reminder always); an answer to what she wrote goes as free text."""
    if key not in NEEDS_TEMPLATE or catalogue(fx.config) is None:
        return None
    if key not in ALWAYS and fx.whatsapp_window_open(case.citizen_phone):
        return None
    return as_template(fx, case, key, values)


def as_template(fx: Effects, case: Case, key: str, values: dict[str, str]) -> dict[str, object] | None:
    """The template for `key` in her language (else DEFAULT_LANGUAGE's), with its variables filled."""
    templates = catalogue(fx.config)
    template = templates.for_text(key, case.citizen_language) if templates else None
    if template is None:
        return None
    filled = {**values, PROXY: readable(case.proxy_number or "")}
    return {"content_sid": template.content_sid, "variables": template.content_variables(filled)}


def load(path: Path, default_language: str) -> Catalogue:
    """The file, checked; WhatsAppTemplateError naming the file and the table otherwise."""
    try:
        raw = read_toml(path)
    except ValueError as exc:
        raise WhatsAppTemplateError(path, None, str(exc)) from None
    templates: dict[tuple[str, str], Template] = {}
    for key, languages in raw.items():
        if key not in NEEDS_TEMPLATE:
            raise WhatsAppTemplateError(
                path, key, f"is not a text that needs a template; these do: {', '.join(NEEDS_TEMPLATE)}"
            )
        if not isinstance(languages, dict):
            raise WhatsAppTemplateError(path, key, f"expected a table per language, like [{key}.nl]")
        for language, table in languages.items():
            templates[key, language] = _template(path, key, language, table)
    sids = [t.content_sid for t in templates.values()]
    for template in templates.values():
        if sids.count(template.content_sid) > 1:
            where = f"{template.key}.{template.language}"
            raise WhatsAppTemplateError(path, where, f"{template.content_sid} is named for more than one text")
    missing = [key for key in NEEDS_TEMPLATE if (key, default_language) not in templates]
    if missing:
        raise WhatsAppTemplateError(
            path,
            None,
            f"no template for {', '.join(missing)} in DEFAULT_LANGUAGE {default_language!r}: "
            "WhatsApp delivers nothing she did not ask for without one",
        )
    return Catalogue(templates, default_language)


def _template(path: Path, key: str, language: str, table: object) -> Template:
    where = f"{key}.{language}"
    if language not in messages.LANGUAGES:
        raise WhatsAppTemplateError(path, where, f"unknown language; use one of {', '.join(messages.LANGUAGES)}")
    if not isinstance(table, dict) or set(table) != {"content_sid", "variables"}:
        raise WhatsAppTemplateError(path, where, "expected exactly content_sid and variables")
    sid, variables = table["content_sid"], table["variables"]
    if not isinstance(sid, str) or not CONTENT_SID.fullmatch(sid):
        raise WhatsAppTemplateError(path, where, f"content_sid {sid!r} is not a Content template sid like HX + 32 hex")
    known = messages.placeholders(messages.defaults(language)[key]) | {PROXY}
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise WhatsAppTemplateError(path, where, "variables must be a list of placeholder names")
    unknown = [v for v in variables if v not in known]
    if unknown:
        raise WhatsAppTemplateError(
            path, where, f"unknown variable {unknown[0]!r}; the text's placeholders are {', '.join(sorted(known))}"
        )
    if len(set(variables)) != len(variables):
        raise WhatsAppTemplateError(path, where, "names a variable twice")
    if key in MUST_NAME and MUST_NAME[key] not in variables:
        raise WhatsAppTemplateError(
            path, where, f"must name {MUST_NAME[key]!r}: the proxy number she and the crew call each other on"
        )
    return Template(key, language, sid, tuple(variables))
