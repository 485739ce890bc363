"""The data plane's HTTP client for DynamoDB calls: whatever framing the backend answers with
(a length, chunks, or the end of the connection), and connections reused only while the backend
keeps them open."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from emulator.gateway.aws import AwsBackend

pytestmark = pytest.mark.server


class _Backend(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers  # one per request, in order
        self.connections = 0
        self.requests: list[bytes] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(socketserver.BaseRequestHandler):
    server: _Backend

    def handle(self) -> None:
        self.server.connections += 1
        sock: socket.socket = self.request
        buffer = b""
        while self.server.answers:
            while b"\r\n\r\n" not in buffer:
                data = sock.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(buffer) < length:
                buffer += sock.recv(65536)
            self.server.requests.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            answer = self.server.answers.pop(0)
            if answer == b"CLOSE":  # drop the connection without answering
                return
            sock.sendall(answer)
            if b"Connection: close" in answer or (
                b"Content-Length" not in answer and b"chunked" not in answer
            ):
                return


@pytest.fixture
def backend() -> Iterator[_Backend]:
    server = _Backend([])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _call(backend: _Backend) -> tuple[int, str]:
    client = AwsBackend(f"http://127.0.0.1:{backend.server_address[1]}", "us-east-1")
    answer = client.call_json_service(
        service="dynamodb",
        region="us-east-1",
        target="DynamoDB_20120810.Query",
        body="{}",
        timeout=30,
    )
    return answer.status, answer.body


def test_a_body_with_a_length(backend: _Backend) -> None:
    backend.answers = [b'HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{"a":1}']
    assert _call(backend) == (200, '{"a":1}')
    request = backend.requests[0]
    assert request.startswith(b"POST / HTTP/1.1\r\n")
    assert b"X-Amz-Target: DynamoDB_20120810.Query\r\n" in request
    assert b"Authorization: AWS4-HMAC-SHA256 Credential=" in request


def test_a_chunked_body(backend: _Backend) -> None:
    backend.answers = [
        b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'4\r\n{"__\r\n9;ext=1\r\ntype":"x"\r\n1\r\n}\r\n0\r\nTrailer: t\r\n\r\n'
    ]
    assert _call(backend) == (400, '{"__type":"x"}')


def test_a_body_that_ends_with_the_connection(backend: _Backend) -> None:
    backend.answers = [b"HTTP/1.0 200 OK\r\n\r\n{}"]
    assert _call(backend) == (200, "{}")


def test_a_kept_alive_connection_is_reused_and_a_stale_one_replaced(backend: _Backend) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    backend.answers = [ok, ok, b"CLOSE", ok]
    client = AwsBackend(f"http://127.0.0.1:{backend.server_address[1]}", "us-east-1")

    def call() -> int:
        return client.call_json_service(
            service="dynamodb", region="us-east-1", target="T", body="{}", timeout=30
        ).status

    assert [call(), call()] == [200, 200]
    assert backend.connections == 1
    # The backend drops the kept connection: the call is sent again on a new one.
    assert call() == 200
    assert backend.connections == 2


def test_a_backend_that_cannot_be_reached_is_an_os_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = AwsBackend(f"http://127.0.0.1:{port}", "us-east-1")
    with pytest.raises(OSError):
        client.call_json_service(
            service="dynamodb", region="us-east-1", target="T", body="{}", timeout=5
        )


def test_one_caller_loads_an_expired_entry_while_the_others_wait_for_it() -> None:
    """Under load, the role's cached copy expiring must cost one read of IAM, not one per
    request in flight."""
    client = AwsBackend("http://127.0.0.1:9", "us-east-1")
    callers = 8
    loads: list[int] = []
    start = threading.Barrier(callers)

    def load() -> str:
        loads.append(1)
        # Long enough for every other caller to arrive while this load is still running.
        time.sleep(0.3)
        return "role"

    def call() -> None:
        start.wait()
        assert client.cached("role:x", load, generation=1) == "role"

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    # A new state generation (a deploy) reads it again.
    assert client.cached("role:x", load, generation=2) == "role"
    assert len(loads) == 2
