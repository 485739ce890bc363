"""The demo page `make deploy` serves: the widget on the slug the documentation's examples use."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest
import requests

from emulator import demo_site
from tooling.offline_runner import REPO_ROOT

API_URL = "http://127.0.0.1:4561/abcdef1234/v1"
DOCS_SLUG = "/blog/hello-world"


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), demo_site.handler(API_URL))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def widget_slug(html: str) -> str:
    found: list[str] = re.findall(r'<script src="/comments\.js"[^>]* data-slug="([^"]*)"', html)
    (slug,) = found
    return slug


def test_the_demo_page_shows_the_slug_of_the_documented_examples(page_url: str) -> None:
    page = requests.get(page_url + "/", timeout=10)
    assert page.status_code == 200
    assert widget_slug(page.text) == DOCS_SLUG
    # The curl examples post to and read that slug: the demo page shows what they wrote.
    examples = [REPO_ROOT / "README.md", REPO_ROOT / "docs" / "api.md"]
    assert any(f'"slug": "{DOCS_SLUG}"' in path.read_text(encoding="utf-8") for path in examples), (
        "the curl examples post to another slug: keep the demo page's DEFAULT_SLUG the same"
    )


def test_slug_picks_another_page(page_url: str) -> None:
    page = requests.get(page_url + "/", params={"slug": "/blog/other"}, timeout=10)
    assert widget_slug(page.text) == "/blog/other"
