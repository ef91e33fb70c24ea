"""The phone simulator in a real browser: Debian's Chromium, driven by Playwright.

It starts the README's `flask --app app embedded` on a free port, with its worker,
and plays the seed story through the page as a person would: clicks, typing, keys.
No browser is downloaded: without /usr/bin/chromium the test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"needs Debian's Chromium at {CHROMIUM} (apt-get install -y chromium)"
    ),
]


@pytest.fixture
def page(embedded):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("SIMULATOR_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nsimulator screenshots: {folder}")
    return folder


def send_event(page, label: str) -> None:
    from playwright.sync_api import expect

    page.get_by_label("Event", exact=True).select_option(label=label)
    page.get_by_role("button", name="Send event").click()
    expect(page.locator("#event-answer")).to_contain_text("the gateway answered 202")


def test_it_plays_the_seed_story_through_the_page(embedded, page, screenshots):
    from playwright.sync_api import expect

    base, _, log = embedded
    page.goto(base + "/simulator")
    anna, jan = page.locator("#phone-anna"), page.locator("#phone-jan")
    callbacks = page.locator("#callbacks")

    # The case system dispatches Jan; both phones get their texts from the masked number.
    send_event(page, "Seed story: dispatch crew Jan to Anna (C-1)")
    expect(anna.locator(".thread")).to_contain_text("uw melding MOR-1 (Kerkstraat 12) oplossen")
    expect(jan.locator(".thread")).to_contain_text("Twee paaltjes weggehaald en een gat voor mijn deur.")
    expect(anna.locator(".thread li").first).to_contain_text("from +3197010000001")

    # Jan texts Anna through the proxy number; she sees his words, from the proxy number.
    jan.get_by_label("Text message").fill("Ik ben er morgen om 10 uur.")
    jan.get_by_role("button", name="Send text").click()
    expect(anna.locator(".thread li").last).to_contain_text("ploeg: Ik ben er morgen om 10 uur.")
    expect(anna.locator(".thread li").last).to_contain_text("from +3197010000001")
    expect(anna.locator(".thread")).not_to_contain_text("+31687654321")

    # Jan calls the proxy number: the gateway would ring Anna, showing the proxy number.
    jan.get_by_role("button", name="Call the proxy number").click()
    expect(jan.locator(".call-steps")).to_contain_text(
        "Rings Anna, the resident (+31612345678), showing +3197010000001"
    )
    jan.get_by_role("button", name="Hang up").click()

    # Jan reports the job done; Anna is asked, and answers NEE, with the keyboard only.
    send_event(page, "Seed story: Jan reports the job done (C-1)")
    expect(anna.locator(".thread")).to_contain_text(
        "is het probleem van melding MOR-1 (Kerkstraat 12) opgelost? Antwoord met JA of NEE."
    )
    anna.get_by_label("Text message").focus()
    page.keyboard.type("Nee, het gat zit er nog")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(anna.locator(".thread")).to_contain_text("We gaan weer aan de slag met melding MOR-1.")
    expect(callbacks).to_contain_text('case.reopened C-1: "Nee, het gat zit er nog"')
    _shoot(page, screenshots / "desktop.png")

    # A landline resident is called, not texted; she presses 9 to hear it again.
    landline = page.locator("#phone-anna-landline")
    send_event(page, "Landline: dispatch Jan to Anna's landline (C-2)")
    landline.get_by_role("button", name="Answer", exact=True).click()
    steps = landline.locator(".call-steps")
    expect(steps).to_contain_text("het probleem oplossen.")
    landline.get_by_role("button", name="9", exact=True).click()
    expect(steps).to_contain_text("You press 9")
    # Heard twice: count the spoken lines, not the TwiML shown under them.
    expect(steps.locator("li").filter(has_text="het probleem oplossen.")).to_have_count(2)
    landline.get_by_role("button", name="Hang up").click()

    # The job is done; the question comes by phone, and key 2 reopens the case.
    send_event(page, "Landline: Jan reports the job done (C-2)")
    expect(landline.locator(".incoming")).to_be_visible()
    landline.get_by_role("button", name="Answer", exact=True).click()
    expect(steps).to_contain_text("Druk op 2 als het niet is opgelost.")
    landline.get_by_role("button", name="2", exact=True).click()
    expect(steps).to_contain_text("We gaan weer aan de slag met uw melding.")
    expect(callbacks).to_contain_text('case.reopened C-2: "toets 2"')

    # On a phone-sized screen the phones stack, one under the other.
    page.set_viewport_size({"width": 390, "height": 844})
    anna_box, jan_box = anna.bounding_box(), jan.bounding_box()
    assert abs(anna_box["x"] - jan_box["x"]) < 2 and jan_box["y"] >= anna_box["y"] + anna_box["height"]
    assert anna_box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    _shoot(page, screenshots / "phone.png")

    # The simulator never texts or calls anyone: the gateway printed, and the page showed.
    log.seek(0)
    printed = log.read()
    assert "TEXT NOT SENT" in printed
    assert f"phone simulator: {base}/simulator" in printed


def test_every_control_has_a_label_and_the_page_has_landmarks(embedded, page):
    base, _, _ = embedded
    page.goto(base + "/simulator")
    unlabelled = page.evaluate("""[...document.querySelectorAll('input, select, textarea')]
        .filter(control => control.labels.length === 0).map(control => control.id || control.outerHTML)""")
    assert unlabelled == []
    assert page.locator("header").count() == 1 and page.locator("main").count() == 1
    assert page.locator(".thread[aria-live=polite]").count() == 4
    assert page.locator("#callbacks[aria-live=polite]").count() == 1
    # Keyboard: the skip link is the first stop and leads to the phones.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the phones"


def _shoot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    print(f"screenshot: {path}")


def test_anna_on_whatsapp_taps_nee_on_the_questions_buttons(embedded, page, screenshots):
    """The embedded mode has WhatsApp on (printed): her phone switches to it, the question shows
    the JA and NEE buttons, and a tap answers through the gateway's signed /twilio/sms."""
    from playwright.sync_api import expect

    base, _, log = embedded
    page.goto(base + "/simulator")
    anna, jan = page.locator("#phone-anna"), page.locator("#phone-jan")
    send_event(page, "WhatsApp: dispatch Jan to Anna on WhatsApp (C-4)")
    expect(anna.locator(".thread li.whatsapp").first).to_contain_text("WhatsApp from +3197010000009 (template HX")
    expect(anna.get_by_label("Send on WhatsApp (to +3197010000009)")).to_be_checked()

    anna.get_by_label("Text message").fill("Ik ben de hele dag thuis.")
    anna.get_by_role("button", name="Send text").click()
    expect(jan.locator(".thread li").last).to_contain_text("Ik ben de hele dag thuis.")

    send_event(page, "WhatsApp: Jan reports the job done (C-4)")
    buttons = anna.get_by_role("group", name="Reply buttons")
    expect(buttons.get_by_role("button", name="JA")).to_be_visible()
    buttons.get_by_role("button", name="NEE").click()
    expect(page.locator("#callbacks")).to_contain_text('case.reopened C-4: "NEE"')
    expect(buttons.get_by_role("button", name="JA")).to_be_disabled()
    _shoot(page, screenshots / "whatsapp.png")
    log.seek(0)
    assert "WHATSAPP NOT SENT" in log.read()
