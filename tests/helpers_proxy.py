"""A TCP proxy between the program and the test's PostgreSQL server that a test can cut
(every connection closed, new ones refused, as when the server restarts or the network
drops) and restore. Threads, no asyncio: the program under test is synchronous."""

from __future__ import annotations

import contextlib
import socket
import threading

from sqlalchemy.engine import make_url


class CutProxy:
    """``with CutProxy("127.0.0.1", 5432) as proxy: proxy.url(db_url)`` is the same
    database through the proxy; ``proxy.cut()`` and ``proxy.restore()`` drop and bring
    back the server."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.port = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self.connections = 0  # accepted so far (tests count reconnects with it)

    # ---- the test's side

    def url(self, db_url: str) -> str:
        """``db_url`` with the proxy's address in place of the server's."""
        return make_url(db_url).set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def start(self) -> CutProxy:
        self._listen()
        return self

    def cut(self) -> None:
        """Refuse new connections and close every open one (both ends), at once."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        if self._accepting is not None:
            self._accepting.join(5)
            self._accepting = None
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            _close(sock)

    @property
    def is_cut(self) -> bool:
        return self._listener is None

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self.cut()

    def __enter__(self) -> CutProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the proxy itself

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept, args=(listener,),
                                           name="test-proxy-accept", daemon=True)
        self._accepting.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut: the listener was shut down
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(client)
                    _close(server)
                    return
                self._open.update((client, server))
                self.connections += 1
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target),
                                 name="test-proxy-pump", daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(source)
                self._open.discard(target)
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def pg_upstream(db_url: str) -> tuple[str, int]:
    """The host and port of the test's server."""
    url = make_url(db_url)
    return url.host or "127.0.0.1", url.port or 5432
