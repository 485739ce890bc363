"""The widget's demo page, served from an origin of its own (as a site embedding it would be).

python -m emulator.demo_site --port 4562 --api-url http://127.0.0.1:4561/<api>/v1

GET /            the demo page with the widget (?slug=/some/page picks the page's slug)
GET /comments.js the widget, exactly as widget/comments.js
"""

from __future__ import annotations

import argparse
import html
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from emulator import environment

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
DEFAULT_SLUG = "/blog/hello-world"  # the slug of the examples in README.md and docs/
DEFAULT_PORT = 4562
PORT_VARIABLE = "COMMENTS_DEMO_PORT"
PORT = environment.PortSetting("demo site", PORT_VARIABLE, DEFAULT_PORT)


def page(api_url: str, slug: str) -> bytes:
    """The demo page with the API's URL and the slug in the widget's script tag."""
    text = (WIDGET_DIR / "demo.html").read_text(encoding="utf-8")
    text = text.replace("{{API_URL}}", html.escape(api_url, quote=True))
    return text.replace("{{SLUG}}", html.escape(slug, quote=True)).encode("utf-8")


def handler(api_url: str) -> type[BaseHTTPRequestHandler]:
    class DemoHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/":
                slug = parse_qs(url.query).get("slug", [DEFAULT_SLUG])[0]
                self._send(200, "text/html; charset=utf-8", page(api_url, slug))
            elif url.path == "/comments.js":
                body = (WIDGET_DIR / "comments.js").read_bytes()
                self._send(200, "text/javascript; charset=utf-8", body)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return DemoHandler


def _answers(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((environment.HOST, port)) == 0


def record(paths: environment.Paths) -> Path:
    return paths.root / "demo.json"


def ensure(paths: environment.Paths, api_url: str) -> environment.Process:
    """The running demo site for `api_url`, (re)started if needed (`make down` stops it)."""
    process = environment.running(record(paths), "demo")
    if process and process.instance == api_url:
        return PORT.keep(process)
    if process:
        environment.stop(record(paths))
    port = PORT.requested() or environment.free_port()
    if _answers(port):
        raise PORT.in_use(port)
    paths.root.mkdir(parents=True, exist_ok=True)
    log = paths.log("demo").open("ab")
    command = [
        sys.executable,
        "-m",
        "emulator.demo_site",
        "--port",
        str(port),
        "--api-url",
        api_url,
    ]
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command,
        cwd=environment.REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + environment.START_TIMEOUT_SECONDS
    while not _answers(port):
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise environment.LocalEnvironmentError(
                f"the demo site did not start on port {port}; see {paths.log('demo')}"
            )
        time.sleep(environment.START_POLL_SECONDS)
    # The record's instance is the API the page talks to: another API means a restart.
    environment.write_json(record(paths), {"pid": child.pid, "port": port, "instance": api_url})
    return environment.Process("demo", child.pid, port, api_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    ThreadingHTTPServer((args.host, args.port), handler(args.api_url)).serve_forever()


if __name__ == "__main__":
    main()
