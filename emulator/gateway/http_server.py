"""HTTP/1.1 as API Gateway's front end speaks it: limits, timeouts, keep-alive, JSON errors.

The data plane reads each request itself instead of through a WSGI server, because what API
Gateway promises happens here, before any phase runs (docs/reference/apigateway-http.md):

- a payload over 10 MB is answered 413 as soon as that is known (from Content-Length, or while a
  chunked body is read), holding at most the limit in memory;
- a request line over 10,240 bytes is 414, a request line and headers over 10,240 bytes 431, a
  request that is not HTTP/1.x or is framed ambiguously 400, all in API Gateway's JSON shape;
- a connection that sends nothing for ``idle_timeout`` seconds is closed, and a request must
  arrive whole within ``request_timeout`` seconds of its first byte (a slow or half-sent request
  is answered 408/400 and the connection closed, never a traceback);
- connections stay open between requests (HTTP/1.1 keep-alive, as API Gateway's are).
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

from emulator.gateway.errors import GatewayError, http_error, request_too_large
from emulator.gateway.method_response import HttpResponse

LOG = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # "Payload size: 10 MB", not adjustable
MAX_HEAD_BYTES = 10_240  # "Total combined size of request line and header values: 10240 bytes"
IDLE_TIMEOUT_SECONDS = 60.0
REQUEST_TIMEOUT_SECONDS = 30.0
# After refusing a body, what the client still sends is read and dropped for this long, so a
# client that writes its whole body before reading (most do) sees the 413 instead of a reset.
LINGER_SECONDS = 5.0
# What else of a refused request is read and dropped when its length is unknown.
_REFUSAL_DRAIN_BYTES = 1 << 20
_CHUNK_LINE_MAX = 1024
_RECV_BYTES = 65_536

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSION = re.compile(r"HTTP/1\.[01]")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LENGTH = re.compile(r"[0-9]{1,19}")


@dataclass
class RawRequest:
    """What arrived on the wire, before any API Gateway phase looks at it."""

    method: str
    target: str
    version: str
    client_ip: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The last value of a header, looked up case-insensitively."""
        lower = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lower:
                found = value
        return found


# The gateway's phases: a parsed request, or one refused at the HTTP level, in; the answer out.
Responder = Callable[[RawRequest, GatewayError | None], HttpResponse]


class _Refused(Exception):
    """The request cannot be read further; answer `error` and close the connection."""

    def __init__(
        self, error: GatewayError, *, drain: int = 0, request: RawRequest | None = None
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.drain = drain  # bytes the client announced and may still send
        self.request = request  # what could be read of the request, to name its stage


class _Reader:
    """Buffered reads from a socket, each bounded by an absolute deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def _fill(self, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self._sock.settimeout(remaining)
        data = self._sock.recv(_RECV_BYTES)
        if not data:
            return False
        self._buffer += data
        return True

    def wait_for_data(self, deadline: float) -> bool:
        """Whether a byte arrives before the deadline (False on EOF or timeout)."""
        if self._buffer:
            return True
        try:
            return self._fill(deadline)
        except (TimeoutError, OSError):
            return False

    def read_until(self, marker: bytes, limit: int, deadline: float) -> bytes | None:
        """Bytes up to and including `marker`; None when `limit` bytes came without it."""
        start = 0
        while True:
            found = self._buffer.find(marker, start, limit)
            if found >= 0:
                end = found + len(marker)
                data = bytes(self._buffer[:end])
                del self._buffer[:end]
                return data
            if len(self._buffer) >= limit:
                return None
            start = max(0, len(self._buffer) - len(marker) + 1)
            if not self._fill(deadline):
                raise EOFError

    def read_head(self, limit: int, deadline: float) -> bytes | None:
        """The request line and headers, through the empty line (CRLF or bare LF line ends);
        None when `limit` bytes came without it."""
        start = 0
        while True:
            end = _HEAD_END.search(self._buffer, start, limit)
            if end is not None:
                data = bytes(self._buffer[: end.end()])
                del self._buffer[: end.end()]
                return data
            if len(self._buffer) >= limit:
                return None
            start = max(0, len(self._buffer) - 3)
            if not self._fill(deadline):
                raise EOFError

    def read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            if not self._fill(deadline):
                raise EOFError
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def peek_head(self) -> bytes:
        """What has arrived of the request so far (for a refusal's request line)."""
        return bytes(self._buffer)

    def discard(self, size: int, deadline: float) -> None:
        """Read and drop up to `size` bytes until the deadline, holding little in memory."""
        dropped = min(size, len(self._buffer))
        del self._buffer[:dropped]
        while dropped < size and time.monotonic() < deadline:
            try:
                self._sock.settimeout(max(deadline - time.monotonic(), 0.001))
                data = self._sock.recv(_RECV_BYTES)
            except (TimeoutError, OSError):
                return
            if not data:
                return
            dropped += len(data)


@dataclass(frozen=True)
class Limits:
    """The front end's limits (tests shorten the timeouts)."""

    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    max_head_bytes: int = MAX_HEAD_BYTES
    idle_timeout: float = IDLE_TIMEOUT_SECONDS
    request_timeout: float = REQUEST_TIMEOUT_SECONDS
    linger: float = LINGER_SECONDS


def _request_line(line: str, client_ip: str) -> RawRequest:
    parts = line.split(" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1]:
        raise _Refused(http_error(400, "Bad Request"))
    method, target, version = parts
    if not _VERSION.fullmatch(version):
        raise _Refused(http_error(400, "Bad Request"))
    return RawRequest(method, target, version, client_ip)


def _partial_request(head: bytes, client_ip: str) -> RawRequest:
    """As much of a refused request as can be read, so its answer and log name its stage."""
    first = head.split(b"\n", 1)[0].decode("latin-1").rstrip("\r")
    parts = first.split(" ")
    method = parts[0] if parts and _TOKEN.fullmatch(parts[0]) else ""
    target = parts[1] if len(parts) > 1 and parts[1].startswith("/") else ""
    version = parts[2] if len(parts) > 2 and _VERSION.fullmatch(parts[2]) else "HTTP/1.1"
    return RawRequest(method, target, version, client_ip)


class _Connection:
    """One client connection: requests one after another until either side closes it."""

    def __init__(
        self, sock: socket.socket, client_ip: str, respond: Responder, limits: Limits
    ) -> None:
        self.sock = sock
        self.client_ip = client_ip
        self.respond = respond
        self.limits = limits
        self.reader = _Reader(sock)
        self.busy = False
        self.closing = False

    def serve(self) -> None:
        keep_alive = True
        while keep_alive and not self.closing:
            if not self.reader.wait_for_data(time.monotonic() + self.limits.idle_timeout):
                return
            self.busy = True
            try:
                keep_alive = self._one_request()
            finally:
                self.busy = False

    def close(self) -> None:
        """End the connection: now if it is idle, else once its request is answered."""
        self.closing = True
        if not self.busy:
            with contextlib.suppress(OSError):
                self.sock.shutdown(socket.SHUT_RD)

    def _one_request(self) -> bool:
        """Read, answer and log one request; whether the connection stays open."""
        deadline = time.monotonic() + self.limits.request_timeout
        request: RawRequest | None = None
        try:
            request = self._read_head(deadline)
            self._read_body(request, deadline)
        except _Refused as refused:
            request = (
                request
                or refused.request
                or _partial_request(self.reader.peek_head(), self.client_ip)
            )
            self._send(request, self.respond(request, refused.error), keep_alive=False)
            self._linger(refused.drain or _REFUSAL_DRAIN_BYTES)
            return False
        except TimeoutError:
            if request is not None:  # the head arrived: the request reached the gateway
                self._answer_quietly(request, http_error(408, "Request Timeout"))
            return False
        except EOFError:
            if request is not None:
                self._answer_quietly(request, http_error(400, "Bad Request"))
            return False
        keep_alive = self._keeps_alive(request) and not self.closing
        self._send(request, self.respond(request, None), keep_alive=keep_alive)
        return keep_alive

    def _read_head(self, deadline: float) -> RawRequest:
        limit = self.limits.max_head_bytes
        # The quota counts the request line and header values; line ends get room of their own.
        head = self.reader.read_head(2 * limit, deadline)
        if head is None:
            first_line = self.reader.peek_head().split(b"\n", 1)
            if len(first_line) == 1 or len(first_line[0].rstrip(b"\r")) > limit:
                raise _Refused(http_error(414, "Request-URI Too Long"))
            raise _Refused(http_error(431, "Request Header Fields Too Large"))
        lines = [line.rstrip("\r") for line in head.decode("latin-1").split("\n")][:-2]
        if len(lines[0]) > limit:
            raise _Refused(
                http_error(414, "Request-URI Too Long"),
                request=_partial_request(head, self.client_ip),
            )
        if sum(len(line) for line in lines) > limit:
            raise _Refused(
                http_error(431, "Request Header Fields Too Large"),
                request=_partial_request(head, self.client_ip),
            )
        try:
            request = _request_line(lines[0], self.client_ip)
        except _Refused as refused:
            refused.request = _partial_request(head, self.client_ip)
            raise
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            # No obsolete line folding, no space before the colon, no stray control bytes.
            if not colon or not _TOKEN.fullmatch(name) or any(c in value for c in "\r\0"):
                raise _Refused(http_error(400, "Bad Request"), request=request)
            request.headers.append((name, value.strip(" \t")))
        return request

    def _read_body(self, request: RawRequest, deadline: float) -> None:
        lengths = {v.strip() for k, v in request.headers if k.lower() == "content-length"}
        codings = [v for k, v in request.headers if k.lower() == "transfer-encoding"]
        if codings:
            # Both framings at once is how requests are smuggled past a proxy: refuse it.
            if lengths or [c.strip().lower() for c in codings] != ["chunked"]:
                raise _Refused(http_error(400, "Bad Request"))
            self._continue(request)
            request.body = self._read_chunked(deadline)
            return
        if not lengths:
            return
        if len(lengths) != 1 or not _LENGTH.fullmatch(next(iter(lengths))):
            raise _Refused(http_error(400, "Bad Request"))
        size = int(next(iter(lengths)))
        if size > self.limits.max_payload_bytes:
            raise _Refused(request_too_large(), drain=size)
        self._continue(request)
        request.body = self.reader.read_exactly(size, deadline)

    def _read_chunked(self, deadline: float) -> bytes:
        body = bytearray()
        while True:
            line = self.reader.read_until(b"\r\n", _CHUNK_LINE_MAX, deadline)
            size_text = (line or b"").split(b";", 1)[0].strip()
            if line is None or not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
                raise _Refused(http_error(400, "Bad Request"))
            size = int(size_text, 16)
            if size == 0:
                break
            if len(body) + size > self.limits.max_payload_bytes:
                raise _Refused(request_too_large(), drain=1 << 62)
            body += self.reader.read_exactly(size, deadline)
            if self.reader.read_exactly(2, deadline) != b"\r\n":
                raise _Refused(http_error(400, "Bad Request"))
        # Trailer fields (RFC 9112 7.1: field lines, then the empty line) are read one line at a
        # time and dropped, as API Gateway does not pass them on; together they may take no more
        # than a head may.
        budget = self.limits.max_head_bytes
        while True:
            line = self.reader.read_until(b"\r\n", budget, deadline)
            if line is None:
                raise _Refused(http_error(431, "Request Header Fields Too Large"))
            if line == b"\r\n":
                return bytes(body)
            budget -= len(line)

    def _continue(self, request: RawRequest) -> None:
        expect = request.header("Expect")
        if expect is not None and expect.lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    @staticmethod
    def _keeps_alive(request: RawRequest) -> bool:
        tokens = {
            t.strip().lower()
            for k, v in request.headers
            if k.lower() == "connection"
            for t in v.split(",")
        }
        if request.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def _answer_quietly(self, request: RawRequest, error: GatewayError) -> None:
        """Answer a request that could not be read whole; the client may be gone already."""
        response = self.respond(request, error)
        with contextlib.suppress(OSError):
            self._send(request, response, keep_alive=False)

    def _send(self, request: RawRequest, response: HttpResponse, *, keep_alive: bool) -> None:
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        lines = [f"HTTP/1.1 {response.status} {reason}", f"Date: {formatdate(usegmt=True)}"]
        lines += [
            f"{name}: {value}"
            for name, value in response.headers.items()
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date")
        ]
        lines.append(f"Content-Length: {len(response.body)}")
        lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        self.sock.settimeout(self.limits.request_timeout)
        self.sock.sendall(head if request.method == "HEAD" else head + response.body)

    def _linger(self, announced: int) -> None:
        """Close after a refusal: stop sending, then drop what the client still sends (closing
        with unread bytes would reset the connection and could destroy the answer in flight)."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.reader.discard(announced, time.monotonic() + self.limits.linger)


class _Handler(socketserver.BaseRequestHandler):
    server: GatewayHTTPServer

    def handle(self) -> None:
        connection = _Connection(
            self.request, str(self.client_address[0]), self.server.respond, self.server.limits
        )
        self.server.track(connection, True)
        try:
            connection.serve()
        except (ConnectionError, TimeoutError):
            pass  # the client reset or stopped reading: nothing left to answer
        except Exception:  # a defect of ours: log it, drop this connection, keep serving
            LOG.exception("connection from %s failed", self.client_address[0])
        finally:
            self.server.track(connection, False)


class GatewayHTTPServer(socketserver.ThreadingTCPServer):
    """A thread per connection; connections outlive requests (keep-alive)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, respond: Responder, limits: Limits) -> None:
        self.host = host
        self.respond = respond
        self.limits = limits
        self._open: set[_Connection] = set()
        self._open_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def track(self, connection: _Connection, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(connection)
            else:
                self._open.discard(connection)

    def close_connections(self, grace: float) -> None:
        """End every connection: idle ones now, busy ones once their request is answered (up to
        `grace` seconds), so no answered request misses its access-log line."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            connection.close()
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self._open_lock:
                if not any(c.busy for c in self._open):
                    return
            time.sleep(0.02)
