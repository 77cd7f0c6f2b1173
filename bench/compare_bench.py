"""Before/after comparison of two source trees in one run (issue 10, "Tests and numbers").

    /work/main/.venv/bin/python bench/compare_bench.py --before /work/wt-before/src \\
        --after /work/wt-X/src [--rounds 3] [--skip-hybrid] [--skip-postgres]

Every measurement runs for both trees interleaved (round 1: before, after; round 2: before,
after; ...), each tree as subprocesses of one interpreter (``--python``, default the shared
venv's) with ``PYTHONPATH=<tree>``, through the command line (``python -m paperwire init /
import / show / index / embed / serve``) and HTTP only, never Python internals, so the script
works across an internal redesign. ``init`` runs first on every store (it migrates a schema);
``serve`` gets ``--migrate`` when its ``--help`` offers it.

Sizes (chosen so that one full run takes about 7 minutes on the shared 2-core machine; the
first run also builds the cached 20k store: 9 minutes of embedding at load average 5):

1. import: ``import --no-index`` of the first 50,000 lines of the 200k corpus (a fixed slice:
   six imports of all 200,971 papers take 5 to 12 minutes here) into a fresh SQLite store;
   papers/s, one import per tree per round (``--import-papers 0``: the whole corpus).
2. show: ``python -m paperwire show ID`` wall time of the whole process, 20 runs per tree,
   alternating, on the 20k store; ``python -c pass`` alongside as the floor.
3. search: ``GET /search?mode=lexical`` (and ``mode=hybrid``) on ``paperwire serve`` (1
   worker) over the first 20,000 papers, all embedded; 200 queries per round, one client, one
   keep-alive connection, latency measured by the client; p50 and p95 per round. Each round has
   its own queries (the server keeps query embeddings), the same for both trees.
4. paper page: ``GET /papers/ID`` over 2,000 ids of the 20k store, wrk, 4 connections, 10 s
   per row after 3 s warm-up, SQLite, 1 worker; requests/s.
5. PostgreSQL, ``serve --workers 4``, one fresh database per tree (the first 2,000 papers;
   dropped at the end), 16 users signed up through ``POST /signup``: upvote toggles through the
   site's form (``POST /papers/ID/vote`` with CSRF) and through the API (``POST
   /api/papers/ID/vote``, bearer token), wrk, 8 connections, 10 s; and sign-in throughput
   (``POST /login``, 8 client threads, 10 s; argon2 dominates it). Sign-up and sign-in are
   rate-limited per client address, so those clients bind a fresh loopback source address
   (127.a.b.c) per request.

Medians over rounds are reported with the ratio after/before; the raw values are in the JSON.
Output: a Markdown table on stdout and ``--out-dir``/compare.md + compare.json. The 20k store
(built once by the *before* tree) and the slices are kept in ``--cache-dir``; each tree gets
its own copy of the store.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from _common import serving_env, varied_queries

BENCH = Path(__file__).resolve().parent
SHARED_DATA = Path(os.environ.get("PAPERWIRE_SHARED_DATA", BENCH.parents[1] / "shared" / "data"))
CORPUS = SHARED_DATA / "corpus" / "papers-200k.jsonl.gz"
PG_ADMIN = os.environ.get("PAPERWIRE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
STORE_PAPERS = 20_000
PG_PAPERS = 2_000
USERS = 16
PASSWORD = "compare-bench-password"
WRK_SCRIPT = """
local requests = {}
local counter = 0
setup = function(thread)
  counter = counter + 1
  thread:set("offset", counter * 7919)
end
-- Formatted in init, once wrk has set its Host header (a request without one gets a 400).
init = function(args)
  i = offset or 0
  for line in io.lines(os.getenv("WRK_REQUESTS")) do
    local fields = {}
    for value in (line .. "\\t"):gmatch("([^\\t]*)\\t") do fields[#fields + 1] = value end
    local headers = {Host = wrk.headers["Host"]}
    for k = 4, #fields do
      local name, value = fields[k]:match("^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
    local body = nil
    if fields[3] ~= "" then body = fields[3] end
    requests[#requests + 1] = wrk.format(fields[1], fields[2], headers, body)
  end
end
request = function()
  i = i + 1
  return requests[(i % #requests) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"errors":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def log(message: str) -> None:
    print(f"[compare {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# -- trees ---------------------------------------------------------------------------------------
@dataclass
class Tree:
    label: str  # "before" or "after"
    src: Path
    python: str

    def env(self, data_dir: Path, database_url: str = "") -> dict[str, str]:
        # One secret shared by the workers of a multi-worker server.
        env = serving_env(
            PYTHONPATH=str(self.src),
            PAPERWIRE_DATA_DIR=str(data_dir),
            PAPERWIRE_DATABASE_URL=database_url,
            PAPERWIRE_SECRET_KEY=f"compare-{self.label}",
        )
        return env

    def command(self, *args: str) -> list[str]:
        return [self.python, "-m", "paperwire", *args]

    def cli(self, env: dict[str, str], *args: str) -> float:
        """Run one command; its wall time in seconds."""
        start = time.perf_counter()
        subprocess.run(self.command(*args), env=env, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def describe(self) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.src), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        )
        return f"{self.src} @ {proc.stdout.strip() or 'not a git tree'}"

    def serve_args(self) -> list[str]:
        """``--migrate`` when this tree's serve offers it (after the redesign it may refuse an
        unmigrated store without it)."""
        helptext = subprocess.run(
            self.command("serve", "--help"),
            env={**self.env(Path(tempfile.gettempdir())), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return ["--migrate"] if "--migrate" in helptext else []


# -- results -------------------------------------------------------------------------------------
@dataclass
class Metric:
    name: str
    unit: str
    better: str  # "higher" or "lower"
    values: dict[str, list[float]] = field(default_factory=lambda: {"before": [], "after": []})
    errors: dict[str, int] = field(default_factory=lambda: {"before": 0, "after": 0})

    def median(self, label: str) -> float:
        return statistics.median(self.values[label]) if self.values[label] else float("nan")

    @property
    def ratio(self) -> float:
        before = self.median("before")
        return self.median("after") / before if before else float("nan")


class Results:
    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}

    def add(self, name: str, unit: str, better: str, label: str, value: float) -> None:
        metric = self.metrics.setdefault(name, Metric(name, unit, better))
        metric.values[label].append(value)
        log(f"{name} [{label}]: {value:,.2f} {unit}")

    def add_errors(self, name: str, label: str, count: int) -> None:
        self.metrics[name].errors[label] += count

    def markdown(self, meta: dict[str, str]) -> str:
        lines = [f"- {key}: {value}" for key, value in meta.items()]
        lines += [
            "",
            "| measurement | unit | better | before (median) | after (median) | after/before "
            "| runs | errors b/a |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for m in self.metrics.values():
            lines.append(
                f"| {m.name} | {m.unit} | {m.better} | {m.median('before'):,.2f} "
                f"| {m.median('after'):,.2f} | {m.ratio:.3f} | {len(m.values['before'])} "
                f"| {m.errors['before']}/{m.errors['after']} |"
            )
        return "\n".join(lines)

    def as_json(self, meta: dict[str, str]) -> str:
        metrics = [
            {
                **asdict(m),
                "median_before": m.median("before"),
                "median_after": m.median("after"),
                "ratio": m.ratio,
            }
            for m in self.metrics.values()
        ]
        return json.dumps({"meta": meta, "metrics": metrics}, indent=2)


# -- data ----------------------------------------------------------------------------------------
def corpus_slice(cache: Path, lines: int) -> Path:
    """The first ``lines`` records of the corpus (sorted by first_seen, id: deterministic)."""
    if lines <= 0:
        return CORPUS
    path = cache / f"papers-{lines}.jsonl.gz"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with gzip.open(CORPUS, "rb") as src, gzip.open(partial, "wb", compresslevel=1) as out:
            out.writelines(itertools.islice(src, lines))
        partial.rename(path)
    return path


def read_records(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def make_queries(records: list[dict[str, object]], n: int, seed: int) -> list[str]:
    """Varied queries drawn from the store's own papers: 2–3 title words, a quoted phrase, a word
    with a category filter, an author."""
    rng = random.Random(seed)
    titles = [" ".join(str(r.get("title", "")).split()) for r in records]
    authors = [str(a) for r in records for a in list(r.get("authors") or [])[:1]]  # type: ignore[call-overload]
    return varied_queries(titles, authors, n, rng)


def base_store(tree: Tree, cache: Path, embed: bool) -> Path:
    """The 20k SQLite store, imported, indexed (and embedded), built once by ``tree``."""
    store = cache / f"store-{STORE_PAPERS}"
    env = tree.env(store)
    if not (store / "imported").exists():
        shutil.rmtree(store, ignore_errors=True)
        log(f"building the {STORE_PAPERS:,}-paper store with the {tree.label} tree")
        tree.cli(env, "init")
        tree.cli(env, "import", str(corpus_slice(cache, STORE_PAPERS)))
        (store / "imported").touch()
    if embed and not (store / "embedded").exists():
        log(f"embedding {STORE_PAPERS:,} papers once (~90 papers/s; resumable)")
        took = tree.cli(env, "embed")
        tree.cli(env, "index")
        (store / "embedded").touch()
        log(f"embedded in {took:.0f} s")
    return store


def tree_store(tree: Tree, base: Path, work: Path) -> dict[str, str]:
    """This tree's copy of the base store, migrated and indexed by this tree."""
    data_dir = work / tree.label / "sqlite"
    shutil.copytree(base, data_dir)
    env = tree.env(data_dir)
    tree.cli(env, "init")
    tree.cli(env, "index")
    return env


# -- serving -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str = "",
        headers: dict[str, str] | None = None,
        source: str | None = None,
    ) -> tuple[int, dict[str, list[str]], bytes]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(source, 0) if source else None
        )
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            found: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                found.setdefault(name.lower(), []).append(value)
            return response.status, found, response.read()
        finally:
            conn.close()


@contextmanager
def serving(tree: Tree, env: dict[str, str], workers: int) -> Iterator[Server]:
    server = Server(free_port())
    args = ["serve", "--port", str(server.port), "--workers", str(workers), *tree.serve_args()]
    proc = subprocess.Popen(
        tree.command(*args),
        env={**env, "PAPERWIRE_BASE_URL": server.base},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise SystemExit(f"{tree.label}: serve exited ({proc.returncode}): {err[-2000:]}")
            try:
                if server.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{tree.label}: serve did not answer /healthz within 300 s")
            time.sleep(0.5)
        if workers > 1:
            time.sleep(5)  # /healthz answered from one worker; let the others finish starting
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk(
    server: Server, lines: list[str], seconds: float, connections: int, threads: int, work: Path
) -> tuple[float, int]:
    """Requests/s and error count (connect, read, write, timeout, status >= 400) of one wrk run
    over ``lines`` (method, path, body, headers..., tab-separated), rotating."""
    listing = work / f"requests-{uuid.uuid4().hex[:6]}.tsv"
    listing.write_text("\n".join(lines) + "\n")
    script = work / "requests.lua"
    script.write_text(WRK_SCRIPT)
    proc = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            server.base,
        ],
        env={**os.environ, "WRK_REQUESTS": str(listing)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in proc.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return data["requests"] / (data["duration_us"] / 1e6), int(data["errors"])


_addresses = itertools.count(1)


def fresh_source() -> str:
    """A loopback address no request of this run has come from (rate limits are per address)."""
    n = next(_addresses)
    return f"127.{1 + n // 65025}.{n // 255 % 255}.{n % 255 + 1}"


def cookies_of(headers: dict[str, list[str]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in headers.get("set-cookie", []):
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@dataclass
class Visitor:
    """A CSRF cookie and its form token, read from the log-in form as a browser would."""

    cookies: dict[str, str]
    token: str

    @classmethod
    def of(cls, server: Server) -> Visitor:
        status, headers, body = server.request("GET", "/login")
        found = re.search(rb'name="csrf_token" value="([^"]+)"', body)
        if status != 200 or found is None:
            raise SystemExit(f"GET /login answered {status} without a CSRF token")
        return cls(cookies_of(headers), found.group(1).decode())

    def post_form(
        self, server: Server, path: str, fields: dict[str, str], cookies: dict[str, str]
    ) -> tuple[int, dict[str, list[str]]]:
        status, headers, _ = server.request(
            "POST",
            path,
            body=urlencode({"csrf_token": self.token, **fields}),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie_header({**self.cookies, **cookies}),
            },
            source=fresh_source(),
        )
        return status, headers


# -- measurements --------------------------------------------------------------------------------
def measure_import(
    trees: list[Tree], results: Results, corpus: Path, papers: int, rounds: int
) -> None:
    name = f"import {papers:,} papers (SQLite, --no-index)"
    for _ in range(rounds):
        for tree in trees:
            with tempfile.TemporaryDirectory(prefix="compare-import-") as tmp:
                env = tree.env(Path(tmp))
                tree.cli(env, "init")
                took = tree.cli(env, "import", "--no-index", str(corpus))
            results.add(name, "papers/s", "higher", tree.label, papers / took)


def measure_show(
    trees: list[Tree], envs: dict[str, dict[str, str]], results: Results, paper_id: str, runs: int
) -> None:
    for _ in range(runs):
        for tree in trees:
            env = envs[tree.label]
            took = tree.cli(env, "show", paper_id) * 1000
            results.add("paperwire show (process wall)", "ms", "lower", tree.label, took)
            start = time.perf_counter()
            subprocess.run([tree.python, "-c", "pass"], env=env, check=True)
            took = (time.perf_counter() - start) * 1000
            results.add("python -c pass (floor)", "ms", "lower", tree.label, took)


def search_latencies(server: Server, queries: list[str], mode: str) -> tuple[list[float], int]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    times, errors = [], 0
    try:
        for query in queries:
            start = time.perf_counter()
            conn.request("GET", f"/search?q={quote(query)}&mode={mode}")
            response = conn.getresponse()
            response.read()
            times.append(time.perf_counter() - start)
            errors += response.status != 200
    finally:
        conn.close()
    return times, errors


def measure_search(
    trees: list[Tree],
    servers: dict[str, Server],
    results: Results,
    query_sets: list[list[str]],
    modes: list[str],
) -> None:
    for mode in modes:
        for label in servers:  # warm-up: index readers, vector index, page cache of the OS
            search_latencies(servers[label], query_sets[0][:10], mode)
        for queries in query_sets[1:]:
            for tree in trees:
                times, errors = search_latencies(servers[tree.label], queries, mode)
                ordered = sorted(times)
                p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
                for stat, value in (("p50", statistics.median(ordered)), ("p95", p95)):
                    name = f"search {mode} {stat} (SQLite, 1 worker)"
                    results.add(name, "ms", "lower", tree.label, value * 1000)
                    results.add_errors(name, tree.label, errors)


def measure_wrk(
    trees: list[Tree],
    servers: dict[str, Server],
    results: Results,
    name: str,
    lines: dict[str, list[str]],
    args: argparse.Namespace,
    connections: int,
    threads: int,
    work: Path,
) -> None:
    for label, server in servers.items():
        wrk(server, lines[label], args.warmup, connections, threads, work)
    for _ in range(args.rounds):
        for tree in trees:
            rps, errors = wrk(
                servers[tree.label], lines[tree.label], args.duration, connections, threads, work
            )
            results.add(name, "requests/s", "higher", tree.label, rps)
            results.add_errors(name, tree.label, errors)


def sign_ins(server: Server, visitor: Visitor, users: list[str], seconds: float) -> tuple[int, int]:
    """(successful, failed) form log-ins by 8 threads in ``seconds``."""
    deadline = time.monotonic() + seconds
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def client(offset: int) -> None:
        for n in itertools.count(offset):
            if time.monotonic() >= deadline:
                return
            fields = {"username": users[n % len(users)], "password": PASSWORD, "next": "/"}
            status, _ = visitor.post_form(server, "/login", fields, {})
            with lock:
                counts["ok" if status == 303 else "failed"] += 1

    threads = [threading.Thread(target=client, args=(k * 5,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["ok"], counts["failed"]


@dataclass
class Accounts:
    visitor: Visitor
    users: list[str]
    sessions: list[dict[str, str]]  # the cookies each user's sign-up left
    tokens: list[str]  # API bearer tokens


def sign_up(server: Server, label: str) -> Accounts:
    visitor = Visitor.of(server)
    users = [f"bench{label}{k:02d}" for k in range(USERS)]
    sessions, tokens = [], []
    for user in users:
        fields = {"username": user, "email": "", "password": PASSWORD, "next": "/"}
        status, headers = visitor.post_form(server, "/signup", fields, {})
        if status != 303:
            raise SystemExit(f"{label}: POST /signup answered {status}")
        sessions.append(cookies_of(headers))
        status, _, body = server.request(
            "POST",
            "/api/login",
            body=json.dumps({"username": user, "password": PASSWORD}),
            headers={"Content-Type": "application/json"},
            source=fresh_source(),
        )
        if status != 200:
            raise SystemExit(f"{label}: POST /api/login answered {status}")
        tokens.append(json.loads(body)["token"])
    return Accounts(visitor, users, sessions, tokens)


def vote_lines(accounts: Accounts, ids: list[str], api: bool) -> list[str]:
    """2,000 (user, paper) toggles, users round-robin, papers spread over the slice."""
    lines = []
    for k in range(2000):
        user, paper = k % USERS, ids[(k * 7) % len(ids)]
        if api:
            auth = f"Authorization: Bearer {accounts.tokens[user]}"
            lines.append(f"POST\t/api/papers/{paper}/vote\t\tAccept: application/json\t{auth}")
        else:
            cookie = cookie_header({**accounts.visitor.cookies, **accounts.sessions[user]})
            body = urlencode({"csrf_token": accounts.visitor.token, "next": "/"})
            lines.append(
                f"POST\t/papers/{paper}/vote\t{body}\t"
                "Content-Type: application/x-www-form-urlencoded\t"
                f"Cookie: {cookie}"
            )
    return lines


@contextmanager
def pg_database() -> Iterator[str]:
    import psycopg

    name = f"paperwire_compare_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield "postgresql+psycopg://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")


def measure_postgres(
    trees: list[Tree], results: Results, args: argparse.Namespace, work: Path
) -> None:
    pg_slice = corpus_slice(args.cache_dir, PG_PAPERS)
    ids = [str(r["id"]) for r in read_records(pg_slice)]
    workers = 4
    with ExitStack() as stack:
        servers: dict[str, Server] = {}
        accounts: dict[str, Accounts] = {}
        for tree in trees:
            url = stack.enter_context(pg_database())
            env = tree.env(work / tree.label / "pg", url)
            tree.cli(env, "init")
            tree.cli(env, "import", str(pg_slice))
            servers[tree.label] = stack.enter_context(serving(tree, env, workers))
            accounts[tree.label] = sign_up(servers[tree.label], tree.label)
        setup = f"PostgreSQL, {workers} workers"
        for name, api in ((f"vote via form ({setup})", False), (f"vote via API ({setup})", True)):
            lines = {label: vote_lines(a, ids, api) for label, a in accounts.items()}
            measure_wrk(trees, servers, results, name, lines, args, 8, 2, work)
        name = f"sign-in POST /login ({setup})"
        for label, server in servers.items():
            sign_ins(server, accounts[label].visitor, accounts[label].users, args.warmup)
        for _ in range(args.rounds):
            for tree in trees:
                acc = accounts[tree.label]
                ok, failed = sign_ins(servers[tree.label], acc.visitor, acc.users, args.duration)
                results.add(name, "sign-ins/s", "higher", tree.label, ok / args.duration)
                results.add_errors(name, tree.label, failed)


def measure_sqlite_serving(
    trees: list[Tree],
    envs: dict[str, dict[str, str]],
    results: Results,
    records: list[dict[str, object]],
    args: argparse.Namespace,
    work: Path,
) -> None:
    modes = ["lexical"] if args.skip_hybrid else ["lexical", "hybrid"]
    # One extra set for the warm-up; each round its own (the server caches query embeddings).
    query_sets = [make_queries(records, 200, seed) for seed in range(args.rounds + 1)]
    ids = [str(r["id"]) for r in records[::10]][:2000]
    paper_lines = [f"GET\t/papers/{i}\t\tAccept: text/html" for i in ids]
    with ExitStack() as stack:
        servers = {t.label: stack.enter_context(serving(t, envs[t.label], 1)) for t in trees}
        measure_search(trees, servers, results, query_sets, modes)
        lines = {label: paper_lines for label in servers}
        name = "paper page GET /papers/ID (SQLite, 1 worker)"
        measure_wrk(trees, servers, results, name, lines, args, 4, 1, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="source tree (…/src)")
    parser.add_argument("--after", type=Path, required=True, help="source tree (…/src)")
    parser.add_argument("--python", default="/work/main/.venv/bin/python")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--import-papers", type=int, default=50_000, help="0: the whole corpus")
    parser.add_argument("--show-runs", type=int, default=20)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk row")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--skip-hybrid", action="store_true", help="no embedding, lexical only")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--cache-dir", type=Path, default=BENCH / "out" / "compare-cache")
    parser.add_argument("--out-dir", type=Path, default=BENCH / "out")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if not CORPUS.exists():
        raise SystemExit(f"corpus missing: {CORPUS} (set PAPERWIRE_SHARED_DATA)")
    started = time.perf_counter()
    meta = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "load average at start": load_average()}
    trees = [Tree("before", args.before.resolve(), args.python)]
    trees.append(Tree("after", args.after.resolve(), args.python))
    for tree in trees:
        meta[tree.label] = tree.describe()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    results = Results()
    steps: list[tuple[str, Callable[[], None]]] = []
    with tempfile.TemporaryDirectory(prefix="paperwire-compare-") as tmp:
        work = Path(tmp)
        base = base_store(trees[0], args.cache_dir, embed=not args.skip_hybrid)
        records = read_records(corpus_slice(args.cache_dir, STORE_PAPERS))
        envs = {tree.label: tree_store(tree, base, work) for tree in trees}
        import_corpus = corpus_slice(args.cache_dir, args.import_papers)
        show_id = str(records[1000]["id"])
        papers = args.import_papers or len(read_records(import_corpus))
        steps += [
            ("import", lambda: measure_import(trees, results, import_corpus, papers, args.rounds)),
            ("show", lambda: measure_show(trees, envs, results, show_id, args.show_runs)),
            ("sqlite", lambda: measure_sqlite_serving(trees, envs, results, records, args, work)),
        ]
        if not args.skip_postgres:
            steps.append(("postgres", lambda: measure_postgres(trees, results, args, work)))
        for step, run in steps:
            log(f"{step} (load average {load_average()})")
            run()
    meta["load average at end"] = load_average()
    meta["runtime"] = f"{time.perf_counter() - started:.0f} s"
    meta["machine"] = f"{os.cpu_count()} cores, {args.rounds} rounds, interleaved before/after"
    report = results.markdown(meta)
    print(report)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "compare.md").write_text(report + "\n")
    (args.out_dir / "compare.json").write_text(results.as_json(meta) + "\n")


if __name__ == "__main__":
    main()
