"""The newcomer check: what a new user meets, from the checkout, exactly as the README says.

Runs ``make run`` in the background (its own data folder and a free port, bounded in time),
waits until it serves, walks home -> paper -> search (a typo, a query in another script) ->
sign-up -> upvote -> subscribe -> confirm from the outbox -> digest, then crawls the demo
site's internal links. It fails on any error page, any link to a port the site is not
serving on, any broken internal link and any page without its expected content. Exit status 0
when all is well, 1 with a list of what was wrong.

    python scripts/newcomer_check.py              # from the checkout; CI runs it (.ci/run)
    python scripts/newcomer_check.py --keep-log   # leave make run's output for a look

The crawl visits every distinct internal URL it finds (fragments and the ``next`` of log-in
links aside) up to ``--per-kind`` URLs of each kind (a kind is a route: every paper page is
one kind, every author page another), so every kind of link is followed and the demo's
thousands of author pages do not make it take minutes; every link on every visited page is
checked for its port."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

REPO = Path(__file__).resolve().parents[1]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "0.0.0.0", "::1"}
PASSWORD = "a newcomer's password 1"
PAPER_LISTS = {"trending", "week", "month", "date"}  # /papers/<these> are lists, not papers


class Failed(Exception):
    pass


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    visited: Counter[str] = field(default_factory=Counter)
    # (page, wrong port) -> (how many links, the first of them): one line per page.
    wrong_ports: dict[tuple[str, int | None], tuple[int, str]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)

    def fail(self, message: str) -> None:
        self.problems.append(message)


class Links(HTMLParser):
    """Every URL in a page: links, scripts, stylesheets, form actions, and URLs written in
    attribute values (og:url, the share box), which must not name another port either."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.follow: list[str] = []
        self.mentioned: list[str] = []
        self.h1 = 0
        self.title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "h1":
            self.h1 += 1
        if tag == "title":
            self.title = True
        if tag == "a" and values.get("href"):
            self.follow.append(values["href"])
        if tag in ("link", "script") and (values.get("href") or values.get("src")):
            self.follow.append(values.get("href") or values.get("src", ""))
        for value in values.values():
            if re.match(r"https?://", value):
                self.mentioned.append(value)


# -- running `make run` ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def make_run(make: str, port: int, data_dir: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "PAPERWIRE_PORT": str(port)}
    env.pop("PAPERWIRE_BASE_URL", None)  # a newcomer has not set one
    with log.open("wb") as out:
        process = subprocess.Popen(
            [make, "run", f"RUN_DATA_DIR={data_dir}"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: make, paperwire and uvicorn
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wait_until_serving(
    process: subprocess.Popen[bytes], base: str, deadline: float, log: Path
) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(
                f"`make run` exited with {process.returncode} before serving:\n" + tail(log)
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise Failed("`make run` did not serve within the time allowed:\n" + tail(log))


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# -- the walk --------------------------------------------------------------------------------
def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise Failed("a form has no CSRF field")
    return match.group(1)


def page(client: httpx.Client, path: str, *expected: str) -> str:
    response = client.get(path)
    if response.status_code != 200:
        raise Failed(f"GET {path} answered {response.status_code}")
    for text in expected:
        if text not in response.text:
            raise Failed(f"GET {path} lacks {text!r}")
    return response.text


def walk(client: httpx.Client, store: Path, report: Report) -> None:
    """The newcomer's path through the site, each step checked."""
    home = page(client, "/", '<article class="card"', "<h1>")
    cards = re.findall(r'<a href="(/papers/[^"#]+)">([^<]+)</a>', home)
    if not cards:
        raise Failed("the home page shows no paper")
    with_authors = re.search(r'<p class="authors"><a href="/authors/', home)
    if not with_authors:
        report.fail("home: no card names its authors (the demo should open on a real day)")
    paper_path, title = cards[0]
    paper = page(client, paper_path, '<h2 id="abstract-h">Abstract</h2>', title.strip()[:40])

    words = " ".join(re.findall(r"[A-Za-z]{4,}", title)[:3]) or "language"
    results = page(client, f"/search?q={words}", 'class="result-count"')
    if paper_path not in results:
        report.fail(f"search for {words!r} (words of its title) does not find {paper_path}")
    search_tells_the_truth(client, report)

    username = f"newcomer{os.getpid()}"
    signup = page(client, "/signup", "<h1>Sign up</h1>")
    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf(signup),
            "username": username,
            "email": f"{username}@example.org",
            "password": PASSWORD,
            "next": paper_path,
        },
    )
    if response.status_code != 303 or response.headers.get("location") != paper_path:
        raise Failed(f"sign-up answered {response.status_code}, not a redirect to the paper")
    paper = page(client, paper_path, f'<a href="/account">{username}</a>')

    count = re.search(r'<span class="count" data-count>(\d+)</span>', paper)
    if not count:
        raise Failed(f"{paper_path} has no upvote count")
    voted = client.post(
        f"{paper_path}/vote",
        data={"csrf_token": csrf(paper)},
        headers={"Accept": "application/json"},
    )
    if voted.status_code != 200 or voted.json().get("upvotes") != int(count.group(1)) + 1:
        raise Failed(f"upvoting {paper_path} answered {voted.status_code} {voted.text[:200]}")
    page(client, paper_path, f'<span class="count" data-count>{int(count.group(1)) + 1}</span>')

    form = page(client, "/subscribe", "<h1>")
    subscribed = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf(form),
            "email": f"{username}@example.org",
            "kind": "trending",
            "value": "",
            "frequency": "daily",
            "timezone": "UTC",
            "send_hour": "7",
        },
    )
    if subscribed.status_code != 303:
        raise Failed(f"subscribing answered {subscribed.status_code}")
    page(client, subscribed.headers["location"], 'role="status"')
    confirm_from_outbox_and_read_digest(client, f"{username}@example.org", store, report)


# A typo every newcomer makes, and a query in a script the demo's papers are not written in.
TYPO_QUERY = "retreival augmentd generaton"
OTHER_SCRIPT_QUERY = "检索增强生成"


def search_tells_the_truth(client: httpx.Client, report: Report) -> None:
    """Bad queries must not look like good ones (issue 13, item 7): a misspelled query is
    searched as corrected and says so; a query with no keyword match never shows a count of
    results of the whole store, only that nothing matched (or that the list is by meaning)."""
    typo = page(client, f"/search?q={TYPO_QUERY}", 'class="result-count"')
    if "Showing results for" not in typo or "retrieval augmented generation" not in typo:
        report.fail(f"search for {TYPO_QUERY!r} does not say which correction it searched")
    if '<article class="card"' not in typo:
        report.fail(f"search for {TYPO_QUERY!r} found nothing after correcting it")
    other = page(client, f"/search?q={OTHER_SCRIPT_QUERY}", 'class="result-count"')
    count = re.search(r'<p class="result-count">\s*([^<·]*)', other)
    said = count.group(1).strip() if count else ""
    honest = said.startswith(("No paper has these words", "0 keyword matches", "Ranked by meaning"))
    if not honest:
        report.fail(f"search for {OTHER_SCRIPT_QUERY!r} claims matches: {said!r}")


def confirm_from_outbox_and_read_digest(
    client: httpx.Client, email: str, store: Path, report: Report
) -> None:
    """The subscriber's mail, end to end: an admin (made with `paperwire user add --admin`, as
    the README tells a newcomer) opens /admin/outbox, the confirmation link of the mail sent to
    ``email`` is followed and confirmed, `paperwire digest run` composes the digest as the
    scheduled job would have the morning after the demo's newest listing, and the digest must
    be in the outbox with links to papers on this site."""
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(store),
        "PAPERWIRE_PASSWORD": PASSWORD,
        "PAPERWIRE_MAIL_TRANSPORT": "outbox",  # as `make run` serves (RUN_MAIL_TRANSPORT)
    }
    paperwire = str(REPO / ".venv" / "bin" / "paperwire")
    made = subprocess.run(
        [paperwire, "user", "add", "outbox-admin", "--admin"], env=env, capture_output=True
    )
    if made.returncode != 0:
        raise Failed(f"`paperwire user add --admin` failed: {made.stderr.decode()[-300:]}")
    base = str(client.base_url).rstrip("/")
    with httpx.Client(base_url=base, timeout=30) as admin:
        login = page(admin, "/login", "<h1>")
        logged_in = admin.post(
            "/login",
            data={
                "csrf_token": csrf(login),
                "username": "outbox-admin",
                "password": PASSWORD,
                "next": "/admin/outbox",
            },
        )
        if logged_in.status_code != 303:
            raise Failed(f"the admin's log-in answered {logged_in.status_code}")
        confirm = _mail_link(admin, email, "Confirm", "/digest/confirm?")
        confirm_page = page(client, confirm, "<form")
        confirmed = client.post(confirm, data={"csrf_token": csrf(confirm_page)})
        if confirmed.status_code != 303 or "confirmed" not in confirmed.headers.get("location", ""):
            raise Failed(f"confirming from the outbox mail answered {confirmed.status_code}")
        tomorrow = time.strftime("%Y-%m-%dT08:00+00:00", time.gmtime(time.time() + 86_400))
        ran = subprocess.run(
            [paperwire, "digest", "run", "--now", tomorrow, "--only", email, "--json"],
            env=env,
            capture_output=True,
        )
        summary = json.loads(ran.stdout or b"{}") if ran.returncode == 0 else {}
        if summary.get("due") != 1 or summary.get("errors"):
            said = (ran.stdout + ran.stderr).decode(errors="replace")[-400:]
            raise Failed(f"`paperwire digest run` did not handle the digest: {said}")
        if summary.get("sent") == 1:
            paper_link = _mail_link(admin, email, "Trending papers", "/papers/")
            page(client, paper_link, '<h2 id="abstract-h">Abstract</h2>')
        elif summary.get("empty") == 1:
            # The demo's papers are older than the digest's window: nothing new to mail, and
            # the run says so rather than send an empty digest.
            print("note: the digest was due and had no new papers (the demo data is old)")
        else:
            raise Failed(f"the digest was neither sent nor found empty: {summary}")


def _mail_link(admin: httpx.Client, email: str, subject: str, wanted: str) -> str:
    """The path of the first link containing ``wanted`` in the newest outbox mail to
    ``email`` whose subject starts with ``subject``; every link must point at this site."""
    listing = page(admin, "/admin/outbox", "<h1>Outbox</h1>")
    mails = re.findall(r'<a href="(/admin/outbox/\d+)">([^<]*)</a><br><small>to ([^ <]+)', listing)
    found = [path for path, title, to in mails if to == email and title.startswith(subject)]
    if not found:
        raise Failed(f"no mail {subject!r}... to {email} on /admin/outbox")
    mail = page(admin, found[0], email)
    base = str(admin.base_url).rstrip("/")
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="(https?://[^"]+)"', mail)]
    elsewhere = [link for link in links if link != base and not link.startswith(base + "/")]
    if elsewhere:
        raise Failed(f"the mail {found[0]} links off this site: {elsewhere[:3]}")
    chosen = [link for link in links if wanted in link]
    if not chosen:
        raise Failed(f"the mail {found[0]} has no link with {wanted!r}")
    return chosen[0].removeprefix(base)


# -- the crawl -------------------------------------------------------------------------------
def kind_of(path: str) -> str:
    """The route a path belongs to, by its fixed parts: /papers/2401.00001 and
    /papers/2401.00002 are one kind, /papers/trending another."""
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    head = parts[0]
    if head == "papers" and len(parts) > 1 and parts[1] in PAPER_LISTS:
        return f"/papers/{parts[1]}" + ("/*" if len(parts) > 2 else "")
    if head in ("feeds", "static", "sitemap") and len(parts) > 2:
        return f"/{head}/{parts[1]}/*"
    return f"/{head}" + ("/*" if len(parts) > 1 else "")


def normalise(url: str) -> str:
    """Without the fragment, and without the ``next`` of log-in and sign-up links (every page
    writes its own)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "next"])
    return urlunsplit(("", "", parts.path, query, ""))


def crawl(base: str, port: int, per_kind: int, report: Report) -> None:
    ours = urlsplit(base)
    queue: deque[tuple[str, str]] = deque([("/", "start")])
    seen = {"/"}
    with httpx.Client(base_url=base, timeout=30) as client:
        while queue:
            path, found_on = queue.popleft()
            kind = kind_of(urlsplit(path).path)
            if report.visited[kind] >= per_kind:
                report.skipped[kind] += 1
                continue
            report.visited[kind] += 1
            response = client.get(path)
            if response.status_code >= 400:
                report.fail(f"{path} (linked from {found_on}) answered {response.status_code}")
                continue
            if response.is_redirect:
                target = response.headers["location"]
                check_port(target, path, ours.port or port, report)
                enqueue(urljoin(path, target), path, ours.netloc, seen, queue)
                continue
            check_content(path, response, ours.port or port, report)
            if not response.headers.get("content-type", "").startswith("text/html"):
                continue
            links = Links()
            links.feed(response.text)
            for url in links.mentioned:
                check_port(url, path, ours.port or port, report)
            for href in links.follow:
                check_port(href, path, ours.port or port, report)
                enqueue(urljoin(path, href), path, ours.netloc, seen, queue)


def enqueue(
    url: str, found_on: str, netloc: str, seen: set[str], queue: deque[tuple[str, str]]
) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != netloc):
        return  # another site (arXiv, GitHub), a mailto: link
    key = normalise(url)
    if key not in seen:
        seen.add(key)
        queue.append((key, found_on))


def check_port(url: str, found_on: str, port: int, report: Report) -> None:
    parts = urlsplit(url)
    if parts.hostname in LOCAL_HOSTS and parts.port != port:
        count, first = report.wrong_ports.get((found_on, parts.port), (0, url))
        report.wrong_ports[found_on, parts.port] = (count + 1, first)


def check_content(path: str, response: httpx.Response, port: int, report: Report) -> None:
    kind = response.headers.get("content-type", "")
    text = response.text
    if kind.startswith("text/html"):
        links = Links()
        links.feed(text)
        if not links.title or links.h1 != 1:
            report.fail(f"{path}: a page needs a <title> and one <h1> (has {links.h1})")
        if "error-page" in text:
            report.fail(f"{path}: an error page with status {response.status_code}")
        if kind_of(urlsplit(path).path) == "/papers/*" and "Abstract</h2>" not in text:
            report.fail(f"{path}: a paper page without its abstract")
    elif "xml" in kind:
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError as exc:
            report.fail(f"{path}: not well-formed XML ({exc})")
            return
        # Feed items' links (RSS <link>text</link>, Atom <link href=...>) name the site too.
        for element in root.iter():
            url = element.text or element.get("href") if element.tag.endswith("link") else None
            if url:
                check_port(url, path, port, report)
    elif "json" in kind:
        try:
            response.json()
        except ValueError:
            report.fail(f"{path}: not JSON")


# -- main ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=240, help="seconds for all of it")
    parser.add_argument("--per-kind", type=int, default=25, help="URLs crawled per route")
    parser.add_argument("--make", default=shutil.which("make") or "make")
    parser.add_argument("--keep-log", action="store_true")
    args = parser.parse_args(argv)

    started = time.monotonic()
    deadline = started + args.timeout
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="paperwire-newcomer-"))
    log = data_dir / "make-run.log"
    report = Report()
    try:
        with make_run(args.make, port, data_dir / "store", log) as process:
            wait_until_serving(process, base, deadline, log)
            print(f"serving on {base} after {time.monotonic() - started:.0f} s")
            with httpx.Client(base_url=base, timeout=30) as client:
                try:
                    walk(client, data_dir / "store", report)
                except Failed as exc:
                    report.fail(f"walk: {exc}")
            crawl(base, port, args.per_kind, report)
    except Failed as exc:
        report.fail(str(exc))
    finally:
        if args.keep_log:
            print(f"make run's output: {log}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    for (found_on, wrong), (count, first) in report.wrong_ports.items():
        report.fail(
            f"{found_on} links {count} time(s) to port {wrong} (e.g. {first}), "
            f"but the site serves on port {port}"
        )
    crawled = sum(report.visited.values())
    print(
        f"crawled {crawled} URLs of {len(report.visited)} kinds in "
        f"{time.monotonic() - started:.0f} s; {sum(report.skipped.values())} more of kinds "
        f"already crawled {args.per_kind} times"
    )
    if report.problems:
        print(f"{len(report.problems)} problem(s):")
        for problem in report.problems[:200]:
            print(f"  - {problem}")
        return 1
    print("the newcomer check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
