"""A WSGI app served on loopback from a thread, for the fakes."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LoopbackServer:
    def __init__(self, wsgi_app):
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
