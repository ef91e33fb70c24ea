"""The outbox: rows written in a flow's transaction, sent afterwards by the worker.

claim.py     which rows are due, and leasing them (FOR UPDATE SKIP LOCKED + a conditional UPDATE)
channels.py  how a row of each channel goes out: texts and calls through a Transport, callbacks
slots.py     sending slots (SEND_CONCURRENCY) and waiting out a database outage
turns.py     the row's turn at its number (SENDER_MPS), the send-time checks, the lease renewal
retry.py     the retry schedules
endpoint.py  the case system's endpoint on hold after a 410
results.py   recording what happened: sent, retry, failed
sender.py    OutboxWorker: drain and deliver, tying these together
"""
