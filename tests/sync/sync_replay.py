"""A small HTTP server on 127.0.0.1 that replays recorded source responses, by request.

Real sockets and a real HTTP/1.1 server (keep-alive), in a thread of the test process:

- ``/oai``: OAI-PMH. ``resumptionToken=T`` answers ``oai_pages[T]`` (arXiv's real
  badResumptionToken document for an unknown token); a first request (no token) answers
  ``oai_first(params)``, by default ``oai_pages[None]``.
- ``/api/query``: the arXiv API recordings (``arxiv-api/recorded_2026``), matched on the
  non-empty values of search_query, id_list, start and max_results; status and body as
  recorded (the HTTP 400 error feed included).
- ``/hf/api/daily_papers?date=D``: ``hf_days[D]`` (``[]`` for other days), with an ETag and
  Last-Modified, answering 304 to a matching ``If-None-Match``.

Every request is logged with the server's arrival time (``time.monotonic``, one clock for
every process on the machine) and the client's port. ``fault(...)`` makes the next matching
request(s) misbehave: 503 with Retry-After, a slow answer (the client times out), a connection
reset in the middle of the body, a truncated body, an HTML error page, any status and body.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from paperwire.sync import SyncConfig

# What the ``make_config`` fixture returns: SyncConfig(**overrides) aimed at the replay server.
MakeConfig = Callable[..., SyncConfig]
API_KEYS = ("search_query", "id_list", "start", "max_results")
HTML_ERROR = b"<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"


@dataclass(frozen=True)
class Hit:
    at: float
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    port: int


@dataclass
class Fault:
    kind: str  # "status", "slow", "reset", "truncate", "html", "body"
    path: str = "/"
    when: Callable[[dict[str, str]], bool] = lambda _params: True
    times: int | None = 1  # None: every matching request, until cleared
    status: int = 503
    body: bytes = b""
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def api_key(params: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((k, params[k]) for k in API_KEYS if params.get(k))


def load_api_recordings(folder: Path) -> dict[frozenset[tuple[str, str]], tuple[int, bytes]]:
    table = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        params = dict(parse_qsl(urlsplit(data["url"]).query, keep_blank_values=True))
        table[api_key(params)] = (int(data["status_code"]), data["body"].encode("utf-8"))
    return table


class ReplayServer:
    def __init__(self, shared_data: Path) -> None:
        oai = shared_data / "arxiv-oai" / "mikesaelim_arXivOAIHarvester"
        self.bad_token_doc = (oai / "ErrorResponseBadResumptionToken.xml").read_bytes()
        self.no_records_doc = (oai / "ErrorResponseNoRecordsMatch.xml").read_bytes()
        self.oai_pages: dict[str | None, bytes] = {}
        self.oai_first: Callable[[dict[str, str]], bytes] = lambda _p: self.oai_pages[None]
        self.api = load_api_recordings(shared_data / "arxiv-api" / "recorded_2026")
        self.hf_days: dict[str, bytes] = {}
        self.hits: list[Hit] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.replay = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def oai_url(self) -> str:
        return self.base + "/oai"

    @property
    def api_url(self) -> str:
        return self.base + "/api/query"

    @property
    def hf_url(self) -> str:
        return self.base + "/hf/api"

    # -- test controls -------------------------------------------------------------------
    def fault(self, kind: str, **kwargs: object) -> None:
        with self._lock:
            self._faults.append(Fault(kind, **kwargs))  # type: ignore[arg-type]

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def hits_on(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path.startswith(path)]

    def gaps(self, path: str = "/") -> list[float]:
        times = [h.at for h in self.hits_on(path)]
        return [b - a for a, b in itertools.pairwise(times)]

    # -- serving -------------------------------------------------------------------------
    def _take_fault(self, path: str, params: dict[str, str]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path) and fault.when(params):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def answer(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Answer:
        if path == "/oai":
            token = params.get("resumptionToken")
            if token is None:
                body = self.oai_first(params)
            else:
                body = self.oai_pages.get(token, self.bad_token_doc)
            return Answer(200, body, "text/xml; charset=utf-8")
        if path == "/api/query":
            status, body = self.api.get(api_key(params), (404, b"no recording"))
            return Answer(status, body, "application/atom+xml; charset=utf-8")
        if path == "/hf/api/daily_papers":
            body = self.hf_days.get(params.get("date", ""), b"[]")
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            extra = {"ETag": etag, "Last-Modified": "Mon, 02 Mar 2026 12:00:00 GMT"}
            if headers.get("if-none-match") == etag:
                return Answer(304, b"", "application/json", extra)
            return Answer(200, body, "application/json; charset=utf-8", extra)
        return Answer(404, b"not found", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    replay: ReplayServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection ends after this
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return None

    def handle(self) -> None:
        # A client that timed out or went away: nothing to answer.
        with contextlib.suppress(OSError):
            super().handle()

    def do_GET(self) -> None:
        at = time.monotonic()
        replay = self.server.replay
        split = urlsplit(self.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with replay._lock:
            replay.hits.append(Hit(at, split.path, params, headers, self.client_address[1]))
        answer = replay.answer(split.path, params, headers)
        fault = replay._take_fault(split.path, params)
        if fault is None:
            self._send(answer)
        else:
            self._misbehave(fault, answer)

    def _send(self, answer: Answer, body: bytes | None = None) -> None:
        body = answer.body if body is None else body
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _misbehave(self, fault: Fault, answer: Answer) -> None:
        if fault.kind == "status":
            extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(Answer(fault.status, fault.body, "text/plain", extra))
        elif fault.kind == "slow":
            time.sleep(fault.seconds)
            self._send(answer)
        elif fault.kind == "truncate":
            # Valid HTTP (the length matches), broken document.
            self._send(answer, answer.body[: len(answer.body) // 2])
        elif fault.kind == "html":
            self._send(Answer(200, HTML_ERROR, "text/html"))
        elif fault.kind == "body":
            self._send(answer, fault.body)
        elif fault.kind == "reset":
            self.send_response(200)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.wfile.flush()
            # SO_LINGER 0: close with a TCP reset, in the middle of the promised body.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
        else:
            raise ValueError(f"unknown fault {fault.kind!r}")


# -- page sequences built from the recordings (copies, changed in memory) -------------------
TOKEN_A = "726959|1001"  # the real token of mikesaelim's ListRecordsResponse.xml
TOKEN_B = "726959|2002"
IDS_A = ["0704.0471", "0704.0716", "0704.0874", "0704.1109", "0704.1114", "0704.1586"]
IDS_B = ["1706.05371", "1706.09418", "1707.00874"]
IDS_C = ["1412.8323", "1507.07790", "1607.01710"]


def add_token(doc: bytes, token: str, cursor: int = 0, size: int = 12) -> bytes:
    tag = f'<resumptionToken cursor="{cursor}" completeListSize="{size}">{token}</resumptionToken>'
    return doc.replace(b"</ListRecords>", tag.encode() + b"\n</ListRecords>", 1)


def three_pages(shared_data: Path) -> dict[str | None, bytes]:
    """A three-page ListRecords window: arXivRaw page with its real token, then the two
    inspirehep arXiv-format pages (the first given a token), 12 records in all."""
    oai = shared_data / "arxiv-oai"
    page_a = (oai / "mikesaelim_arXivOAIHarvester" / "ListRecordsResponse.xml").read_bytes()
    functional = oai / "inspirehep_hepcrawl" / "functional"
    page_b = add_token((functional / "arxiv-physics-hep-ex.xml").read_bytes(), TOKEN_B, 6)
    page_c = (functional / "arxiv-physics-hep-th.xml").read_bytes()
    return {None: page_a, TOKEN_A: page_b, TOKEN_B: page_c}


def delete_first_record(doc: bytes) -> bytes:
    """The page with its first record turned into an OAI-PMH deletion of the same id."""
    start = doc.index(b"<record>")
    end = doc.index(b"</record>", start) + len(b"</record>")
    record = doc[start:end]
    ident = record[record.index(b"<identifier>") : record.index(b"</identifier>") + 13]
    deleted = (
        b'<record><header status="deleted">' + ident + b"<datestamp>2017-12-15</datestamp>"
        b"</header></record>"
    )
    return doc[:start] + deleted + doc[end:]
