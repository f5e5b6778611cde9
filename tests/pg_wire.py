"""A TCP relay in front of the machine's PostgreSQL that reads what clients send, so a
test can count round trips as the server sees them: each query message (``Q``, the
simple query protocol psycopg2 uses) is one, answered before the client sends the next.
SSL is asked off in the relayed URL so that the messages can be read."""
from __future__ import annotations

import re
import socket
import struct
import threading

from sqlalchemy import make_url


_PREPARE = re.compile(r"PREPARE (\w+) AS (.*)", re.S)
_EXECUTE = re.compile(r"EXECUTE (\w+)(?:\((?:[^()']|'(?:[^']|'')*')*\))?")


class QueryRelay:
    def __init__(self, upstream_url: str):
        url = make_url(upstream_url)
        self._upstream = (url.host or "127.0.0.1", url.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self.queries: list[tuple[int, str]] = []  # (connection number, query text), in order
        # every statement prepared, as (connection number, name) -> its text, kept across taken()
        self.prepared: dict[tuple[int, str], str] = {}
        self.preparations: list[tuple[int, str]] = []  # (connection number, text), each PREPARE seen
        self._sockets: list[socket.socket] = []
        self._connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, upstream_url: str) -> str:
        url = make_url(upstream_url).set(host="127.0.0.1", port=self.port)
        return url.update_query_dict({"sslmode": "disable", "gssencmode": "disable"}).render_as_string(hide_password=False)

    def taken(self) -> list[str]:
        """The queries seen since the last call."""
        return [query for _connection, query in self.taken_by_connection()]

    def taken_by_connection(self) -> list[tuple[int, str]]:
        """The queries seen since the last call, each with the number of the client
        connection that sent it (work of the pool's other connections, such as the
        ROLLBACK that resets one returned by a background task, interleaves)."""
        with self._lock:
            seen, self.queries = self.queries, []
        return seen

    def resolved(self, connection: int, query: str) -> str:
        """``query`` with each ``EXECUTE name(...)`` of a statement prepared on the same
        connection shown as that statement's text (its values left out)."""
        def text(match: re.Match) -> str:
            return self.prepared.get((connection, match.group(1)), match.group(0))

        with self._lock:
            return _EXECUTE.sub(text, query)

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            self._sockets += [client, server]
            self._connections += 1
            threading.Thread(target=self._from_client, args=(client, server, self._connections), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            target.close()

    def _from_client(self, client: socket.socket, server: socket.socket, connection: int) -> None:
        buffer = b""
        started = False  # the startup message has a length but no type byte
        try:
            while data := client.recv(65536):
                server.sendall(data)
                buffer += data
                while True:
                    head = 4 if not started else 5
                    if len(buffer) < head:
                        break
                    kind = buffer[:1] if started else b""
                    length = struct.unpack("!i", buffer[head - 4:head])[0]
                    end = head - 4 + length
                    if len(buffer) < end:
                        break
                    if kind == b"Q":
                        query = buffer[5:end].rstrip(b"\0").decode()
                        with self._lock:
                            self.queries.append((connection, query))
                            prepare = _PREPARE.match(query)
                            if prepare:
                                self.prepared[(connection, prepare.group(1))] = prepare.group(2)
                                self.preparations.append((connection, prepare.group(2)))
                    if not started and length >= 8 and struct.unpack("!i", buffer[4:8])[0] == 196608:
                        started = True  # protocol 3.0: typed messages from here on
                    buffer = buffer[end:]
        except OSError:
            pass
        finally:
            server.close()
