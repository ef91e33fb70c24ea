"""GET /: where to start, for someone who just ran `flask --app app embedded` and opened the address.

Registered only while texts are printed, not sent (gateway/factory.py): a gateway that sends
for real has no page for strangers, and `/` answers 404 in the API's error shape there.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from gateway.runtime import runtime

bp = Blueprint("home", __name__, template_folder="templates")

# The two commands README.md opens with; the page names them because it cannot link to the file.
RUN = "pip install -e . && flask --app app embedded"
TEST = "pip install -e '.[test]' && pytest"


@bp.get("/")
def home() -> ResponseReturnValue:
    config = runtime().config
    return render_template(
        "home/index.html",
        organisation=config.organisation_name,
        simulator=config.simulator,
        run=RUN,
        test=TEST,
    )
