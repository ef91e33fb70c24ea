"""Korte Lijn's plumbing and entry points.

gateway/core/ is the bottom layer (settings, storage, outbox, timers, transport); flows/ sit on
it; gateway/http, gateway/cli, gateway/simulator and gateway/worker.py are the entry points on
top of both, put together by one composition point, gateway/factory.py. The layers are checked
by import-linter (pyproject.toml).
"""
