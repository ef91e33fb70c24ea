"""The app of gunicorn (`app:app`) and of `flask --app app ...`; built by gateway/factory.py."""

from gateway.factory import create_app

app = create_app()
