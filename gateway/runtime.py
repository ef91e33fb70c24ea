"""The long-lived parts of one app: configuration, database and worker."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from gateway.core.config import Config
from gateway.core.db import Database
from gateway.worker import Worker


@dataclass
class Runtime:
    config: Config
    db: Database
    worker: Worker


def runtime() -> Runtime:
    return current_app.extensions["korte_lijn"]
