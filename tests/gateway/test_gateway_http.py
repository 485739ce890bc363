"""API Gateway's HTTP-level behaviour: payload and header limits, timeouts, keep-alive, methods
and paths, each answered in API Gateway's JSON shape with the stage's CORS headers, and each
request that reached the gateway written to the access log.

Requests go over raw sockets, so each test controls exactly what is sent and when.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.gateway import GatewayServer, serve
from emulator.gateway.http_server import MAX_HEAD_BYTES, MAX_PAYLOAD_BYTES, Limits
from tests.gateway.apis import ACCESS_LOG_GROUP, ACCOUNT, REGION
from tests.gateway.conftest import Aws, Deployer

pytestmark = pytest.mark.server

ORIGIN = "https://site.example"
# Generous for the client, short for the server: a test waits for the server's timeout to fire,
# never for a fixed time, so neither a slow nor a fast machine changes the outcome.
CLIENT_TIMEOUT = 60.0
LIMITS = Limits(idle_timeout=0.5, request_timeout=1.0, linger=5.0)
LOG_FORMAT = (
    '{"requestId":"$context.requestId","httpMethod":"$context.httpMethod",'
    '"status":"$context.status","responseType":"$context.error.responseType"}'
)


def _api() -> dict[str, Any]:
    """GET and POST /comments answered by a mock; errors carry the stage's CORS origin."""
    responses = {
        "default": {
            "statusCode": "200",
            "responseTemplates": {"application/json": '{"route":"$context.httpMethod"}'},
        }
    }
    operation = {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "passthroughBehavior": "when_no_templates",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": responses,
        },
    }
    cors = {
        "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": f"'{ORIGIN}'"},
        "responseTemplates": {"application/json": '{"message":$context.error.messageString}'},
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "http", "version": "1"},
        "paths": {"/comments": {"get": operation, "post": operation}},
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": cors,
            "DEFAULT_5XX": cors,
            # API Gateway ignores this: its 413 cannot be customised.
            "REQUEST_TOO_LARGE": {**cors, "statusCode": "400"},
        },
    }


class LogLines(io.StringIO):
    """The access log as the gateway writes it, read back as JSON objects."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            return super().write(text)

    def entries(self) -> list[dict[str, str]]:
        with self._lock:
            return [json.loads(line) for line in self.getvalue().splitlines()]


@pytest.fixture(scope="module")
def log_lines() -> LogLines:
    return LogLines()


@pytest.fixture(scope="module")
def server(aws: Aws, deployer: Deployer, log_lines: LogLines) -> Iterator[GatewayServer]:
    running = serve(
        deployer.path,
        aws.endpoint,
        region=REGION,
        access_log_out=log_lines,
        limits=LIMITS,
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api_id(deployer: Deployer) -> str:
    return deployer.deploy(
        _api(),
        access_log={
            "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{ACCESS_LOG_GROUP}",
            "format": LOG_FORMAT,
        },
    )


def connect(server: GatewayServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_TIMEOUT)
    return sock


def read_response(sock: socket.socket) -> http.client.HTTPResponse:
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response


def exchange(server: GatewayServer, data: bytes) -> tuple[http.client.HTTPResponse, bytes]:
    with connect(server) as sock:
        sock.sendall(data)
        response = read_response(sock)
        return response, response.read()


def head(method: str, target: str, *headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: gateway.test", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (reads end), waiting up to CLIENT_TIMEOUT."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def assert_json_error(
    response: http.client.HTTPResponse, body: bytes, status: int, message: str, cors: bool = True
) -> None:
    assert response.status == status, body
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {"message": message}
    assert response.getheader("Access-Control-Allow-Origin") == (ORIGIN if cors else None)
    assert response.getheader("x-amzn-RequestId")


def logged(server: GatewayServer, log_lines: LogLines, request_id: str | None) -> dict[str, str]:
    """The one access-log line of a request."""
    server.flush_logs()
    lines = [e for e in log_lines.entries() if e["requestId"] == request_id]
    assert len(lines) == 1, (request_id, log_lines.entries()[-5:])
    return lines[0]


# --- payload size -------------------------------------------------------------------------


def test_a_payload_over_10_mb_is_refused_with_413_before_it_is_read(
    server: GatewayServer, api_id: str, log_lines: LogLines
) -> None:
    """The announced length is enough: nothing of the body is sent, and the 413 arrives."""
    response, body = exchange(
        server,
        head(
            "POST",
            f"/{api_id}/test/comments",
            f"Content-Length: {MAX_PAYLOAD_BYTES + 1}",
            "Content-Type: application/json",
        ),
    )
    # API Gateway's own answer: not customisable, so neither the 400 nor the CORS header above.
    assert_json_error(response, body, 413, "Request Too Long", cors=False)
    assert response.getheader("x-amzn-ErrorType") == "RequestTooLargeException"
    assert response.getheader("Connection") == "close"
    line = logged(server, log_lines, response.getheader("x-amzn-RequestId"))
    assert (line["status"], line["responseType"]) == ("413", "REQUEST_TOO_LARGE")


def test_a_payload_of_exactly_10_mb_is_accepted(server: GatewayServer, api_id: str) -> None:
    payload = b"x" * MAX_PAYLOAD_BYTES
    response, body = exchange(
        server,
        head(
            "POST",
            f"/{api_id}/test/comments",
            f"Content-Length: {len(payload)}",
            "Content-Type: application/json",
        )
        + payload,
    )
    assert (response.status, json.loads(body)) == (200, {"route": "POST"})


def _send_chunked(sock: socket.socket, target: str, total: int, chunk: int = 1 << 20) -> None:
    """Stream `total` bytes as a chunked body; stops quietly when the server closes."""
    try:
        sock.sendall(
            head("POST", target, "Transfer-Encoding: chunked", "Content-Type: application/json")
        )
        piece = f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n"
        for _ in range(total // chunk):
            sock.sendall(piece)
        sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass


def test_a_chunked_payload_over_10_mb_is_refused_while_it_streams(
    server: GatewayServer, api_id: str
) -> None:
    with connect(server) as sock:
        sender = threading.Thread(
            target=_send_chunked, args=(sock, f"/{api_id}/test/comments", 30 << 20)
        )
        sender.start()
        response = read_response(sock)
        body = response.read()
        sender.join()
    assert_json_error(response, body, 413, "Request Too Long", cors=False)


def test_a_chunked_payload_within_the_limit_is_accepted(server: GatewayServer, api_id: str) -> None:
    with connect(server) as sock:
        _send_chunked(sock, f"/{api_id}/test/comments", 3 << 20)
        response = read_response(sock)
        assert (response.status, json.loads(response.read())) == (200, {"route": "POST"})


@pytest.mark.parametrize("trailers", [[], ["X-Checksum: 1"], ["X-One: 1", "X-Two: 2"]])
def test_a_chunked_body_with_trailers_leaves_the_next_request_intact(
    server: GatewayServer, api_id: str, trailers: list[str]
) -> None:
    """RFC 9112 7.1: the last chunk, any trailer field lines, then one empty line. The request
    after it on the same connection is read as a request of its own, never swallowed."""
    target = f"/{api_id}/test/comments"
    body = b"2\r\n{}\r\n0\r\n" + b"".join(f"{t}\r\n".encode() for t in trailers) + b"\r\n"
    with connect(server) as sock:
        sock.settimeout(5.0)  # far below the server's request timeout: a hang fails here
        chunked = head(
            "POST", target, "Transfer-Encoding: chunked", "Content-Type: application/json"
        )
        sock.sendall(chunked + body + head("GET", target, "Content-Length: 0"))
        # Both answers from one buffered reader: a second one would lose what the first read ahead.
        stream = sock.makefile("rb")
        answers = []
        for _ in range(2):
            response = http.client.HTTPResponse(_Reader(stream))  # type: ignore[arg-type]
            response.begin()
            answers.append((response.status, json.loads(response.read())))
        assert answers == [(200, {"route": "POST"}), (200, {"route": "GET"})]


class _Reader:
    """What http.client.HTTPResponse needs of a socket: one shared buffered reader, which a
    response that has read its body may not close (the next answer is in it)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def makefile(self, mode: str) -> Any:
        return self

    def readline(self, limit: int = -1) -> bytes:
        return bytes(self.stream.readline(limit))

    def read(self, size: int = -1) -> bytes:
        return bytes(self.stream.read(size))

    def readinto(self, buffer: Any) -> int:
        return int(self.stream.readinto(buffer))

    def close(self) -> None:
        pass


# --- request line and headers -------------------------------------------------------------


def test_a_request_line_over_the_quota_is_414_json_with_cors(
    server: GatewayServer, api_id: str, log_lines: LogLines
) -> None:
    target = f"/{api_id}/test/comments?slug=" + "a" * MAX_HEAD_BYTES
    response, body = exchange(server, head("GET", target))
    assert_json_error(response, body, 414, "Request-URI Too Long")
    line = logged(server, log_lines, response.getheader("x-amzn-RequestId"))
    assert line["status"] == "414"


def test_headers_over_the_quota_are_431_json_with_cors(server: GatewayServer, api_id: str) -> None:
    headers = [f"X-Filler-{n}: {'v' * 1000}" for n in range(11)]
    response, body = exchange(server, head("GET", f"/{api_id}/test/comments", *headers))
    assert_json_error(response, body, 431, "Request Header Fields Too Large")


def test_headers_within_the_quota_are_served(server: GatewayServer, api_id: str) -> None:
    headers = [f"X-Filler-{n}: {'v' * 1000}" for n in range(9)]
    response, body = exchange(server, head("GET", f"/{api_id}/test/comments", *headers))
    assert (response.status, json.loads(body)) == (200, {"route": "GET"})


@pytest.mark.parametrize(
    "request_line",
    [
        "GET /{api}/test/comments HTTP/2.0",
        "GET /{api}/test/comments HTTP/1.1 extra",
        "GET /{api}/test/comments",
        "G(T /{api}/test/comments HTTP/1.1",
    ],
)
def test_a_malformed_request_line_is_400_json_with_the_stages_cors(
    server: GatewayServer, api_id: str, request_line: str
) -> None:
    data = (request_line.format(api=api_id) + "\r\nHost: gateway.test\r\n\r\n").encode()
    response, body = exchange(server, data)
    # The second word still names the stage, so its gateway responses (and CORS) apply.
    assert_json_error(response, body, 400, "Bad Request")


def test_a_request_line_naming_no_stage_is_400_json(server: GatewayServer) -> None:
    response, body = exchange(server, b"\x16\x03\x01 hello\r\n\r\n")
    assert_json_error(response, body, 400, "Bad Request", cors=False)


@pytest.mark.parametrize(
    "headers",
    [
        ("Content-Length: 2", "Transfer-Encoding: chunked"),  # both framings: smuggling
        ("Content-Length: 2", "Content-Length: 3"),
        ("Content-Length: -1",),
        ("Transfer-Encoding: gzip",),
        (" X-Folded: continued",),
        ("No-Colon",),
    ],
)
def test_ambiguous_framing_or_malformed_headers_are_400(
    server: GatewayServer, api_id: str, headers: tuple[str, ...]
) -> None:
    response, body = exchange(server, head("POST", f"/{api_id}/test/comments", *headers) + b"{}")
    assert_json_error(response, body, 400, "Bad Request")
    assert response.getheader("Connection") == "close"


# --- methods and paths --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "Get", "post", "GETS"])
def test_methods_are_matched_case_sensitively(
    server: GatewayServer, api_id: str, method: str
) -> None:
    response, body = exchange(server, head(method, f"/{api_id}/test/comments"))
    assert_json_error(response, body, 403, "Missing Authentication Token")


def test_a_path_is_decoded_once(server: GatewayServer, api_id: str) -> None:
    """%2563 is an encoded '%63', not a doubly encoded 'c'."""
    response, body = exchange(server, head("GET", f"/{api_id}/test/%2563omments"))
    assert_json_error(response, body, 403, "Missing Authentication Token")
    response, body = exchange(server, head("GET", f"/{api_id}/test/%63omments"))
    assert (response.status, json.loads(body)) == (200, {"route": "GET"})


def test_an_encoded_slash_stays_inside_its_segment(server: GatewayServer, api_id: str) -> None:
    response, body = exchange(server, head("GET", f"/{api_id}/test%2Fcomments"))
    assert_json_error(response, body, 403, "Missing Authentication Token", cors=False)


# --- connections and timeouts ----------------------------------------------------------------


def test_requests_share_a_kept_alive_connection(server: GatewayServer, api_id: str) -> None:
    with connect(server) as sock:
        for method in ("GET", "POST", "GET"):
            sock.sendall(head(method, f"/{api_id}/test/comments", "Content-Length: 0"))
            response = read_response(sock)
            assert (response.status, json.loads(response.read())) == (200, {"route": method})
            assert response.getheader("Connection") == "keep-alive"
        sock.sendall(head("GET", f"/{api_id}/test/comments", "Connection: close"))
        response = read_response(sock)
        response.read()
        assert response.getheader("Connection") == "close"
        assert closed_by_server(sock)


def test_an_idle_connection_is_closed(server: GatewayServer) -> None:
    with connect(server) as sock:
        assert closed_by_server(sock)


def test_an_idle_kept_alive_connection_is_closed(server: GatewayServer, api_id: str) -> None:
    with connect(server) as sock:
        sock.sendall(head("GET", f"/{api_id}/test/comments"))
        read_response(sock).read()
        assert closed_by_server(sock)


def test_a_request_trickled_byte_by_byte_is_cut_off(server: GatewayServer, api_id: str) -> None:
    """A slow client cannot hold a connection by sending a byte now and then."""
    data = head("GET", f"/{api_id}/test/comments", *[f"X-Slow-{n}: x" for n in range(1000)])
    started = time.monotonic()
    with connect(server) as sock:
        sock.settimeout(0.05)
        cut_off = False
        for byte in data:
            if time.monotonic() - started > CLIENT_TIMEOUT:
                break
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1) == b"":
                    cut_off = True
                    break
            except TimeoutError:
                continue  # nothing from the server yet: keep trickling
            except OSError:
                cut_off = True
                break
    assert cut_off, "the server kept reading a request that never ended"


def test_a_half_sent_body_is_answered_400_and_logged(
    server: GatewayServer, api_id: str, log_lines: LogLines
) -> None:
    """The client announces 100 bytes, sends 10 and stops sending."""
    with connect(server) as sock:
        sock.sendall(
            head("POST", f"/{api_id}/test/comments", "Content-Length: 100") + b"0123456789"
        )
        sock.shutdown(socket.SHUT_WR)
        response = read_response(sock)
        body = response.read()
    assert_json_error(response, body, 400, "Bad Request")
    line = logged(server, log_lines, response.getheader("x-amzn-RequestId"))
    assert (line["httpMethod"], line["status"]) == ("POST", "400")


def test_a_stalled_body_is_answered_408_logged_and_closed(
    server: GatewayServer, api_id: str, log_lines: LogLines
) -> None:
    with connect(server) as sock:
        sock.sendall(head("POST", f"/{api_id}/test/comments", "Content-Length: 100") + b"0123")
        response = read_response(sock)
        body = response.read()
        assert closed_by_server(sock)
    assert_json_error(response, body, 408, "Request Timeout")
    line = logged(server, log_lines, response.getheader("x-amzn-RequestId"))
    assert (line["httpMethod"], line["status"]) == ("POST", "408")


def test_a_client_that_vanishes_mid_body_leaves_the_gateway_serving(
    server: GatewayServer, api_id: str
) -> None:
    with connect(server) as sock:
        sock.sendall(head("POST", f"/{api_id}/test/comments", "Content-Length: 100") + b"01")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    response, body = exchange(server, head("GET", f"/{api_id}/test/comments"))
    assert (response.status, json.loads(body)) == (200, {"route": "GET"})


def test_every_answered_request_has_one_access_log_line(
    server: GatewayServer, api_id: str, log_lines: LogLines
) -> None:
    sent = [
        head("GET", f"/{api_id}/test/comments"),
        head("get", f"/{api_id}/test/comments"),
        head("POST", f"/{api_id}/test/comments", f"Content-Length: {MAX_PAYLOAD_BYTES + 1}"),
        head("GET", f"/{api_id}/test/comments?x=" + "a" * MAX_HEAD_BYTES),
        head("GET", f"/{api_id}/test/nowhere"),
    ]
    ids = [exchange(server, data)[0].getheader("x-amzn-RequestId") for data in sent]
    statuses = [logged(server, log_lines, request_id)["status"] for request_id in ids]
    assert statuses == ["200", "403", "413", "414", "403"]
