"""The spec browser in a real browser: headless Chromium follows links from the index to a
transition page, reads the proof status there, and searches."""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.docs.browser import CHROMIUM, Browser

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def server(built_site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1; its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile."""
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def test_index_links_to_a_transition_page_with_its_proof_status(server: str, browser: Browser, tmp_path: Path) -> None:
    browser.navigate(server + "index.html")
    assert "spec browser" in browser.evaluate("document.title")
    assert browser.follow("Transitions").endswith("/spec/transitions/index.html")
    assert browser.follow("tick").endswith("/spec/transitions/tick.html")
    rows = browser.evaluate(
        "Array.from(document.querySelectorAll('table.mlk-proofs tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.innerText.trim()))"
    )
    statuses = {row[0]: row[1] for row in rows}
    assert statuses == {
        "preserve/tick/ready_queues": "proved",
        "preserve/tick/current_highest": "refuted",
        "preserve/tick/cur_tcb": "unknown",
    }
    assert browser.evaluate("getComputedStyle(document.querySelector('.mlk-refuted')).color") == "rgb(138, 17, 17)"
    shot = tmp_path / "tick.png"
    browser.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_search_finds_a_transition(server: str, browser: Browser) -> None:
    browser.navigate(server + "search.html?q=retype")
    # Sphinx lists hits one by one; the summary line says when the list is complete.
    found: list[str] = browser.evaluate(
        "new Promise(done => { const t0 = Date.now(); (function poll() {"
        " const summary = document.querySelector('#search-results .search-summary');"
        " const finished = summary && /^(Search finished|Your search did not match)/.test(summary.textContent);"
        " const hits = Array.from(document.querySelectorAll('#search-results li a')).map(a => a.textContent);"
        " if (finished || Date.now() - t0 > 20000) done(hits); else setTimeout(poll, 100); })(); })"
    )
    assert any("untyped_retype" in hit for hit in found), found
