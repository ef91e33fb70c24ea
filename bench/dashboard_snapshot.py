"""The README's picture: Prometheus's graphs of the dashboard's expressions after a few minutes of the seed story.

Run from the project root (needs PostgreSQL on 127.0.0.1:5432, and Debian's prometheus and chromium):

    .venv/bin/python bench/dashboard_snapshot.py [--minutes 4] [--out deploy/grafana/dashboard.png]

Grafana is not packaged in Debian or on npm, so the picture is Prometheus's own (classic) graph
page, drawn in Chromium, of the expressions deploy/grafana/korte-lijn.json shows. The story: the
Procfile's web and worker against the fake Twilio and the fake case system, with a real
Prometheus scraping every second. Every 3 s a crew (team-noord, team-zuid or another) is
dispatched to a new resident; 20 s later the job is done, and after CONFIRMATION_DELAY (5 s) she
is asked. Of every ten residents six answer "Ja", two "Nee", one "misschien" and one not at all.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

from tests.live_prometheus import LivePrometheus  # noqa: E402
from tests.metric_samples import METRICS_TOKEN  # noqa: E402
from tests.tools import require  # noqa: E402

DB = "kl_bench_dashboard_snapshot"
DASHBOARD = c.ROOT / "deploy" / "grafana" / "korte-lijn.json"
CREWS = ["team-noord", "team-zuid", "aannemer-8"]  # the last is not in METRICS_CREWS: crew="other"
ANSWERS = ["Ja", "Ja hoor, netjes", "ja", "Ja, dank u", "Ja!", "Jazeker", "Nee, het gat zit er nog", "nee", "misschien"]
PANELS = [  # (title, panel target index): the dashboard's panels that move in a few minutes
    ("Reopen rate (7 days)", 0),
    ("Residents who answer (7 days)", 0),
    ("Reopen rate per crew team (7 days)", 0),
    ("Replies by reading", 0),
    ("Texts and calls by outcome", 0),
    ("Outbox depth", 0),
    ("Time from 'done' to her answer (7 days)", 0),
    ("Timer lateness", 0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--out", type=Path, default=c.ROOT / "deploy" / "grafana" / "dashboard.png")
    args = parser.parse_args()
    binary, chromium = require_tools()
    with c.fakes_and_database(DB, keep_database=False) as (fake, case_system):
        env = c.base_settings(
            c.recreate_database(DB),
            **c.sending_settings(fake, case_system),
            METRICS_TOKEN=METRICS_TOKEN,
            METRICS_CREWS="team-noord,team-zuid",
            CONFIRMATION_DELAY="5s",
            PROXY_NUMBERS=",".join(c.proxy_numbers(20)),
        )
        procs = c.Processes(env)
        procs.release()
        try:
            base = procs.start_web()
            procs.start_worker()
            port = base.rsplit(":", 1)[1]
            prometheus = LivePrometheus(
                procs, binary, Path(procs.logs) / "prometheus", f"127.0.0.1:{port}", METRICS_TOKEN
            )
            prometheus.wait_for(lambda: prometheus.query('up{job="korte_lijn"} == 1'), "the first scrape")
            story(base, fake, args.minutes * 60)
            draw(prometheus.base, chromium, args.out, args.minutes)
            print(f"wrote {args.out}")
        finally:
            procs.stop_all()


def require_tools() -> tuple[str, str]:
    import pytest

    try:
        return require("prometheus", "prometheus"), require("chromium", "chromium")
    except pytest.skip.Exception as missing:
        raise SystemExit(str(missing)) from None


def story(base: str, fake, seconds: float) -> None:
    """Dispatch a case every 3 s; complete each 20 s later; her answer once she has the question."""
    started, i, workers = time.monotonic(), 0, []
    while time.monotonic() - started < seconds:
        worker = threading.Thread(target=one_case, args=(base, fake, i), daemon=True)
        worker.start()
        workers.append(worker)
        i += 1
        time.sleep(3)
    for worker in workers:
        worker.join(timeout=60)


def one_case(base: str, fake, i: int) -> None:
    case_id = f"SNAP-{i}"
    data = c.dispatched_data(i)
    data["crew"]["id"] = CREWS[i % len(CREWS)]
    answer = c.send_events(base, [(case_id, "case.dispatched", data)], concurrency=1)[0]
    proxy, phone = answer["proxy_number"], data["citizen"]["phone"]
    time.sleep(20)
    c.send_events(base, [(case_id, "case.completed", {})], concurrency=1)
    deadline = time.monotonic() + 60
    while not any(m["To"] == phone and "JA" in m["Body"] for m in list(fake.messages)):
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)
    if i % 10 == 9:
        return  # she does not answer
    time.sleep(2 + i % 7)
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": phone, "To": proxy, "Body": ANSWERS[i % 10 % 9]}
    body, signature = c.signed_form("/twilio/sms", form)
    c.post(base, "/twilio/sms", body, c.twilio_headers(signature))


LAYOUT = """
nav, .navbar, .query-history, #add_graph, .add_graph { display: none !important; }
body { padding-top: 0 !important; }
.graph_wrapper { width: 50%; float: left; padding: 0 12px; box-sizing: border-box; }
h4 { margin: 14px 0 4px; font-weight: 600; }
"""


def draw(prometheus: str, chromium: str, out: Path, minutes: float) -> None:
    from playwright.sync_api import sync_playwright

    targets = {
        panel["title"]: panel["targets"] for panel in json.loads(DASHBOARD.read_text())["panels"] if "targets" in panel
    }
    params: dict[str, str] = {}
    for n, (title, index) in enumerate(PANELS):
        params |= {
            f"g{n}.expr": targets[title][index]["expr"],
            f"g{n}.tab": "0",
            f"g{n}.range_input": f"{minutes + 1:g}m",
        }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(f"{prometheus}/classic/graph?{urlencode(params)}")
        page.wait_for_timeout(4000)  # each graph queries and draws
        # Two columns, each graph under its dashboard panel's title; no navigation bar.
        page.add_style_tag(content=LAYOUT)
        page.evaluate(
            "titles => document.querySelectorAll('.graph_wrapper').forEach((graph, n) => {"
            " const h = document.createElement('h4'); h.textContent = titles[n]; graph.prepend(h); })",
            [title for title, _ in PANELS],
        )
        page.wait_for_timeout(500)
        page.screenshot(path=str(out), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
