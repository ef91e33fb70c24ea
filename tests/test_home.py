"""GET /: a page pointing the way in the embedded mode; nothing but a JSON 404 where texts are sent for real."""

from __future__ import annotations

from html import unescape
from html.parser import HTMLParser

import pytest

from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from gateway.factory import create_app
from gateway.http.home import RUN, TEST
from tests.processes import ROOT


class Links(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


@pytest.fixture
def printing(settings, app):
    """`app` as the embedded mode builds it: no Twilio account, texts printed; `printing(SIMULATOR="0")` for more."""
    built = []

    def build(**extra: str):
        env = {key: value for key, value in settings.items() if key != "TWILIO_ACCOUNT_SID"}
        built.append(create_app({**env, "TWILIO_AUTH_TOKEN": EMBEDDED_TWILIO_TOKEN, **extra}))
        return built[-1]

    yield build
    for application in built:
        application.extensions["korte_lijn"].db.dispose()


def test_it_answers_a_page_whose_links_all_lead_somewhere_without_a_twilio_account(printing):
    client = printing().test_client()
    answer = client.get("/")
    assert answer.status_code == 200 and answer.mimetype == "text/html"
    links = Links(answer.get_data(as_text=True)).hrefs
    assert {"/simulator", "/openapi.json"} <= set(links)
    for href in links:
        assert client.get(href).status_code == 200, href


def test_it_names_the_readme_and_the_two_commands_the_readme_opens_with(printing):
    page = unescape(printing().test_client().get("/").get_data(as_text=True))
    assert "README.md" in page
    readme = (ROOT / "README.md").read_text()
    for command in (RUN, TEST):
        assert command in readme, command
        assert command in page, command


def test_it_does_not_point_to_a_simulator_that_is_off(printing):
    client = printing(SIMULATOR="0").test_client()
    assert "/simulator" not in Links(client.get("/").get_data(as_text=True)).hrefs
    assert client.get("/simulator").status_code == 404


def test_it_answers_a_json_404_in_the_apis_error_shape_when_sending_for_real(client):
    answer = client.get("/")
    assert answer.status_code == 404 and answer.is_json
    assert answer.json["error"]["code"] == "not_found"
    assert "/openapi.json" in answer.json["error"]["message"]
