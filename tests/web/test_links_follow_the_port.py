"""Issue 13: with no base_url set, every absolute link names the address the server is bound
to (a real uvicorn on a loopback port other than 8000), never a port it is not serving on."""

from __future__ import annotations

import dataclasses
import re
import socket
import threading
import time
from pathlib import Path

import httpx

from paperwire.cli.serve import uvicorn_options
from paperwire.service import Service
from paperwire.settings import Settings
from paperwire.web.app import create_app

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"


def test_public_url_follows_host_and_port_unless_set() -> None:
    assert Settings(port=8765).public_url == "http://127.0.0.1:8765"
    assert Settings(host="0.0.0.0", port=9000).public_url == "http://127.0.0.1:9000"
    assert Settings(host="::1", port=9000).public_url == "http://[::1]:9000"
    chosen = Settings(port=8765, base_url="https://papers.example.org/")
    assert chosen.public_url == "https://papers.example.org"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_links_name_the_port_being_served(
    service: Service, settings: Settings, shared_data: Path
) -> None:
    service.papers.import_files([shared_data / SNAPSHOT])
    port = _free_port()
    live = dataclasses.replace(settings, host="127.0.0.1", port=port, base_url="")
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(live), **uvicorn_options(live)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base) as http:
            feed = http.get("/feeds/daily.xml").text
            paper = http.get("/papers/0704.0001").text
            listing = http.get("/api/papers", params={"limit": 1})
    finally:
        server.should_exit = True
        thread.join(10)
    items = re.findall(r"<link>([^<]+)</link>", feed)
    assert items and all(link.startswith(base + "/") for link in items), items[:3]
    assert f'<meta property="og:url" content="{base}/papers/0704.0001">' in paper
    assert f'value="{base}/papers/0704.0001"' in paper  # the share link
    assert listing.headers["link"].startswith(f"<{base}/api/papers?")
    for text in (feed, paper):
        ports = set(re.findall(r"https?://(?:127\.0\.0\.1|localhost):(\d+)", text))
        assert ports == {str(port)}, ports
