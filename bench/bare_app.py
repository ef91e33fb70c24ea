"""The floor for bench/http_paths.py: a bare Flask route that answers Twilio with empty TwiML.

No signature check, no database: what gunicorn + Flask cost per request on this machine.
Served exactly like the gateway (the Procfile's web line with bench.bare_app:app).
"""

from flask import Flask, Response

app = Flask(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'


@app.post("/twilio/sms")
def inbound_sms():
    return Response(EMPTY_TWIML, mimetype="text/xml")
