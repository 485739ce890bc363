"""Clients for the AWS backend (moto): boto3 for IAM and Logs, signed raw calls for DynamoDB."""

from __future__ import annotations

import functools
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import boto3
from botocore.config import Config

# moto accepts any credentials; these only make SigV4 signing possible.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"  # noqa: S105 - moto's dummy credentials
# A role read from IAM is reused until the next deploy (the deployer rewrites the state file,
# which starts a new state generation) or for this long, for changes made to IAM by other means:
# AWS's own IAM takes seconds to propagate a change. Re-reading the role (several IAM calls) on
# every request would cost more than the DynamoDB call the request is for.
CACHE_SECONDS = 5.0
# The services the gateway makes boto3 clients for.
CLIENT_SERVICES = ("iam", "logs")
T = TypeVar("T")
# Every client comes from one boto3 session: botocore reads its endpoint and service files once
# per session, so a session of its own for each client read them again (~0.3 s on the first
# request). Sessions are not thread-safe: clients are made under the lock.
_SESSION_LOCK = threading.Lock()
_SESSIONS: list[boto3.session.Session] = []


def _session() -> boto3.session.Session:
    """The shared session (the caller holds _SESSION_LOCK)."""
    if not _SESSIONS:
        _SESSIONS.append(boto3.session.Session())
    return _SESSIONS[0]


def _new_client(service: str, endpoint: str, region: str) -> Any:
    with _SESSION_LOCK:
        return _session().client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            # The gateway builds every request itself: validating each log event's
            # parameters again only costs CPU.
            config=Config(
                retries={"max_attempts": 1},
                max_pool_connections=64,
                parameter_validation=False,
            ),
        )


def preload(region: str) -> None:
    """Read botocore's files for the clients the gateway makes, before it serves (a client
    made now and dropped: it connects to nothing)."""
    for service in CLIENT_SERVICES:
        _new_client(service, "http://127.0.0.1:9", region)


@dataclass(frozen=True)
class BackendResponse:
    """A backend's HTTP answer as the integration response phase sees it."""

    status: int
    headers: dict[str, str]
    body: str


class AwsBackend:
    """The moto endpoint standing in for every AWS service the gateway calls."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, int, Any]] = {}
        self._loading: dict[str, threading.Lock] = {}  # one per cache key
        parts = urlsplit(self.endpoint)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or 80
        self._netloc = parts.netloc
        # Connections the backend kept open, for the next call (moto's server closes each one
        # today; a backend that keeps them saves a TCP handshake per call).
        self._idle: list[socket.socket] = []
        self._addresses: list[tuple[Any, ...]] = []  # the endpoint's, resolved on first use

    def _connect(self, timeout: float) -> socket.socket:
        """A new connection to the endpoint, resolving its name only once (a lookup on every
        call costs as much as the rest of the connection)."""
        if not self._addresses:
            self._addresses = socket.getaddrinfo(self._host, self._port, type=socket.SOCK_STREAM)
        error: OSError | None = None
        for family, kind, proto, _, address in self._addresses:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"{self._host} has no address")

    def cached(self, key: str, load: Callable[[], T], generation: int) -> T:
        """`load()`'s result, reused within one state `generation` for CACHE_SECONDS (errors
        are not cached). One caller loads a key at a time: the others wait for its result
        rather than all reading IAM at once when the copy expires under load."""
        with self._lock:
            key_lock = self._loading.setdefault(key, threading.Lock())
        with key_lock:
            now = time.monotonic()
            with self._lock:
                hit = self._cache.get(key)
            if hit and hit[1] == generation and now - hit[0] < CACHE_SECONDS:
                value: T = hit[2]
                return value
            value = load()
            with self._lock:
                self._cache[key] = (now, generation, value)
            return value

    def client(self, service: str) -> Any:
        """A shared boto3 client for ``service`` (clients are thread-safe; sessions are not)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = _new_client(service, self.endpoint, self.region)
            return self._clients[service]

    def get(self, path: str, params: dict[str, str], timeout: float = 10.0) -> tuple[int, bytes]:
        """GET one of moto's own endpoints (e.g. the credentials lookup); (status, body)."""
        message = f"GET {path}?{urlencode(params)} HTTP/1.1\r\nHost: {self._netloc}\r\n\r\n"
        status, _, data = self._exchange(message.encode(), timeout)
        return status, data

    def call_json_service(
        self, *, service: str, region: str, target: str, body: str, timeout: float
    ) -> BackendResponse:
        """POST an AWS JSON-protocol request (X-Amz-Target) signed with SigV4. Raises
        TimeoutError when the backend takes longer than `timeout`, OSError when it cannot be
        reached."""
        payload = body.encode("utf-8")
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "Host": self._netloc,
            "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
            "X-Amz-Target": target,
        }
        headers["Authorization"] = sigv4_authorization(
            "POST", "/", headers, payload, service=service, region=region
        )
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        message = (
            f"POST / HTTP/1.1\r\n{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload
        )
        status, response_headers, data = self._exchange(message, timeout)
        return BackendResponse(status, response_headers, data.decode("utf-8", "replace"))

    def _exchange(self, message: bytes, timeout: float) -> tuple[int, dict[str, str], bytes]:
        """Send one HTTP/1.1 request on a kept-alive connection (or a new one); its response."""
        with self._lock:
            sock = self._idle.pop() if self._idle else None
        while True:
            reused = sock is not None
            if sock is None:
                sock = self._connect(timeout)
            try:
                sock.settimeout(timeout)
                sock.sendall(message)
                status, response_headers, data, keep_open = _read_response(sock)
                break
            except _IdleConnectionClosedError:
                sock.close()
                sock = None
                if not reused:
                    raise ConnectionResetError("the backend closed the connection") from None
                # The backend closed a kept-alive connection while it was idle: a new one.
            except BaseException:
                sock.close()
                raise
        if keep_open:
            with self._lock:
                self._idle.append(sock)
        else:
            sock.close()
        return status, response_headers, data


class _IdleConnectionClosedError(Exception):
    """The backend closed the connection before answering (a stale kept-alive connection)."""


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """One HTTP/1.1 response: status, headers, body, and whether the connection stays open.
    (http.client parses headers with the email package: several times the cost.)"""
    buffer = bytearray()
    while (end := buffer.find(b"\r\n\r\n")) < 0:
        data = sock.recv(65_536)
        if not data:
            if buffer:
                raise ConnectionResetError("the backend closed the connection mid-response")
            raise _IdleConnectionClosedError
        buffer += data
    lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    body = bytearray(buffer[end + 4 :])
    version, _, rest = lines[0].partition(" ")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    lowered = {k.lower(): v.lower() for k, v in headers.items()}
    keep_open = version == "HTTP/1.1" and lowered.get("connection") != "close"
    if "chunked" in lowered.get("transfer-encoding", ""):
        return status, headers, _dechunk(sock, body), keep_open
    if "content-length" in lowered:
        length = int(lowered["content-length"])
        while len(body) < length:
            data = sock.recv(65_536)
            if not data:
                raise ConnectionResetError("the backend closed the connection mid-response")
            body += data
        return status, headers, bytes(body[:length]), keep_open
    while data := sock.recv(65_536):  # no length: the body ends with the connection
        body += data
    return status, headers, bytes(body), False


def _dechunk(sock: socket.socket, buffer: bytearray) -> bytes:
    body = bytearray()

    def line() -> bytes:
        while (end := buffer.find(b"\r\n")) < 0:
            data = sock.recv(65_536)
            if not data:
                raise ConnectionResetError("the backend closed the connection mid-response")
            buffer.extend(data)
        taken = bytes(buffer[:end])
        del buffer[: end + 2]
        return taken

    while size := int(line().split(b";", 1)[0], 16):
        while len(buffer) < size + 2:
            data = sock.recv(65_536)
            if not data:
                raise ConnectionResetError("the backend closed the connection mid-response")
            buffer.extend(data)
        body += buffer[:size]
        del buffer[: size + 2]
    while line():  # trailer fields, up to the empty line
        pass
    return bytes(body)


SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"


@functools.lru_cache(maxsize=256)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sigv4_signature(
    secret: str, *, amz_date: str, scope_date: str, region: str, service: str, canonical: str
) -> str:
    """SigV4's signature of a canonical request, with the key of its credential scope (derived
    once per secret, day, region and service)."""
    scope = f"{scope_date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        [SIGV4_ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()]
    )
    key = _signing_key(secret, scope_date, region, service)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sigv4_authorization(
    method: str,
    path: str,
    headers: dict[str, str],
    payload: bytes,
    *,
    service: str,
    region: str,
) -> str:
    """The SigV4 Authorization header for a request without a query string, signing every
    header given (which must include Host and X-Amz-Date). botocore's signer gives the same
    value, at several times the cost per request."""
    canonical_headers = sorted((k.lower(), " ".join(v.split())) for k, v in headers.items())
    signed = ";".join(name for name, _ in canonical_headers)
    canonical = "\n".join(
        [
            method,
            path,
            "",
            *(f"{name}:{value}" for name, value in canonical_headers),
            "",
            signed,
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    amz_date = headers.get("X-Amz-Date") or dict(canonical_headers)["x-amz-date"]
    date = amz_date[:8]
    signature = sigv4_signature(
        SECRET_ACCESS_KEY,
        amz_date=amz_date,
        scope_date=date,
        region=region,
        service=service,
        canonical=canonical,
    )
    return (
        f"{SIGV4_ALGORITHM} Credential={ACCESS_KEY_ID}/{date}/{region}/{service}/aws4_request, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
