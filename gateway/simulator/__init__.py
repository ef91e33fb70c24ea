"""The phone simulator at /simulator: three phones and a case-system panel in a web page.

It is the embedded default's face. It talks to the gateway only through the endpoints
Twilio and the case system use, signed the way they sign, so nothing in the gateway
knows it is there. What the gateway sends comes back to the page through the sink
(sink.py), which stands where the Twilio adapter and the callback sender stand.
It is on only without a Twilio account (gateway/core/config.py refuses SIMULATOR=1 with one).
"""
