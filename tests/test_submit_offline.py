"""Issue 13: submitting a paper the store lacks while arXiv cannot be reached answers at once,
in words (no URL, errno or retry budget), and submits nothing."""

from __future__ import annotations

import dataclasses
import socket
import time

import pytest

from paperwire.errors import OfflineError
from paperwire.service import make_service
from paperwire.settings import Settings


def test_submit_while_arxiv_is_unreachable(settings: Settings) -> None:
    with socket.socket() as sock:  # a port nobody listens on: arXiv "down"
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    offline = dataclasses.replace(
        settings, arxiv_api_url=f"http://127.0.0.1:{port}/api/query", contact_email="a@b.org"
    )
    service = make_service(offline)
    service.init()
    try:
        alice = service.accounts.sign_up("alice", None, "correct horse battery")
        started = time.monotonic()
        with pytest.raises(OfflineError) as err:
            service.community.submit_paper(alice, "2501.99999")
        assert time.monotonic() - started < 5  # not 46 s of retries
        message = str(err.value)
        assert message.startswith("arXiv cannot be reached from this server right now")
        assert "2501.99999" in message and "nothing was submitted" in message
        for internal in ("http", "127.0.0.1", "errno", "tries", "budget"):
            assert internal not in message.lower(), internal
        assert service.store.papers.get_paper("2501.99999") is None
    finally:
        service.close()
