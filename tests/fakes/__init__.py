"""Fakes at the network edge: Twilio's REST API and the case system's callback receiver."""
