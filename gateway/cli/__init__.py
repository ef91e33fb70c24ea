"""Commands for `flask --app app ...`, one module per reason to change:

run.py        db-upgrade, worker, embedded, twilio-signature
texts.py      texts, send-test-text
pool.py       pool list, pool check
cases.py      case show
callbacks.py  callbacks-enable, callbacks redeliver
retention.py  purge
twilio.py     twilio check
signalen.py   signalen run, signalen check

Phone numbers in their output are masked, like in the logs.
"""

from __future__ import annotations

from flask import Flask

from gateway.cli import callbacks, cases, pool, retention, run, signalen, texts, twilio


def register(app: Flask) -> None:
    for group in (run, texts, pool, cases, callbacks, retention, twilio, signalen):
        group.register(app)
