"""The injection payload set (issue 11), imported the way an operator imports a file and then
shown through every surface: HTML, `javascript:` URLs (plain, mixed case, with a line break
inside), CR/LF (header and record forging), path tricks in ids, RTL overrides, NUL and
10,000-character fields.

- The import keeps every paper whose fields are only hostile, and reports each record whose
  id or length is refused (file, line, field) while importing the rest.
- Every page, RSS and Atom feed, BibTeX/RIS/Markdown export, API shape and composed digest
  mail that shows those papers answers, runs nothing (no element, attribute or URL that could
  run script), and parses: feeds with feedparser, exports back with bibtexparser and rispy
  (one record each, no forged field), mails with the stdlib parser (no forged header)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote

import bibtexparser
import feedparser
import rispy
from pages_helpers import IMG, NEWEST_DAY, SCRIPT, SVG, Site, assert_inert, post_form

from paperwire.digest.compose import compose_digest
from paperwire.digest.model import DigestItem, Links, Period, Subscription
from paperwire.digest.smtp import message_bytes
from paperwire.models import Paper, Version
from paperwire.web.routing import paper_url

RTL = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "txt.exe" shown as "exe.txt"
CRLF_HEADER = "\r\nBcc: victim@example.org\r\nX-Forged: 1"
JS_URLS = ("javascript:alert(1)", " JaVaScRiPt:alert(2)", "java\nscript:alert(3)")
LONG = 10_000  # the longest a single text field may be (sources/common.py MAX_FIELD)
TITLE = f"Evil {SCRIPT} title {RTL}fdp.exe{CRLF_HEADER}"
AUTHOR = f"Mallory {RTL}{SVG}\r\nInjected Author"
IDS = ("2603.99911", "2603.99912")


def _payload_papers() -> list[Paper]:
    long_text = (f"long {IMG} \r\n" * (LONG // 20))[:LONG]
    first = Paper(
        id=IDS[0],
        title=TITLE,
        abstract=f"An abstract with {IMG} there,\r\nUR  - {JS_URLS[0]}\r\n"
        "ER  - \r\nand a TeX $\\alpha$-divergence.",
        authors=[AUTHOR, "Eve } and {Forged}"],
        categories=["cs.CR"],
        comment=f"see </textarea>{SCRIPT}",
        journal_ref="J. Forged}, note = {forged note",
        doi="10.1/x}, note={forged",
        first_seen=NEWEST_DAY,
        versions=[Version(1)],
        upvotes=7,
        ai_summary=long_text,
        ai_keywords=[IMG, f"{RTL}keyword"],
        github_repo=JS_URLS[1],
        project_page=JS_URLS[2],
        sources=["test"],
    )
    second = Paper(
        id=IDS[1],
        title="A" * 1970 + SCRIPT,
        abstract=long_text,
        authors=[f"Author {i} {SCRIPT}" for i in range(30)],
        categories=["cs.CR"],
        comment=long_text,
        first_seen=NEWEST_DAY,
        versions=[Version(1)],
        upvotes=6,
        github_repo=JS_URLS[0],
        sources=["test"],
    )
    return [first, second]


REFUSED = [  # (id, field, why)
    ("x-/../../comments/2/hide?", "id", "a path trick in a derived id"),
    ("x-abc\x00def", "id", "a NUL in an id"),
    (f"x-abc{RTL}def", "id", "an RTL override in an id"),
    ("2603.99913", "comment", "one character over the longest field"),
    ("2603.99914", "abstract", "a NUL in the text (PostgreSQL refuses it)"),
]


def _import_payloads(site: Site, tmp_path: Path) -> None:
    good = _payload_papers()
    lines = [json.dumps(p.to_dict()) for p in good]
    base = good[1].to_dict()
    for raw, field, _ in REFUSED:
        record = {**base, "id": raw}
        if field == "comment":
            record["comment"] = "c" * (LONG + 1)
        if field == "abstract":
            record["abstract"] = "An abstract with a NUL \x00 inside."
        lines.append(json.dumps(record))
    path = tmp_path / "hostile-export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = site.service.papers.import_files([path])
    assert report.new == len(good), report.problems
    assert [(p.where, p.field) for _, p in report.problems] == [
        (f"hostile-export.jsonl:{n}", field) for n, (_, field, _) in enumerate(REFUSED, start=3)
    ]
    site.app_service.search.index()


def test_payloads_are_inert_on_every_page(site: Site, tmp_path: Path) -> None:
    _import_payloads(site, tmp_path)
    alice = site.logged_in("alice")
    bob = site.user("bob")
    listed = site.service.community.create_collection(bob, f"List {SCRIPT}", IMG, public=True)
    for paper_id in IDS:
        site.service.community.set_in_collection(bob, listed.id, paper_id, True)
    commented = post_form(alice, paper_url(IDS[0], "/comments"), {"body": TITLE}, page="/")
    assert commented.status_code == 303, commented.text
    pages = [
        "/",
        f"/papers/date/{NEWEST_DAY}",
        "/papers/week/2026-W10",
        "/papers/month/2026-03",
        "/papers/trending",
        "/categories/cs.CR",
        f"/authors/{quote(AUTHOR.replace(chr(13) + chr(10), ' '), safe='')}",
        "/search?q=evil&mode=lexical",
        "/search?q=evil",
        f"/u/bob/c/{listed.slug}",
        "/u/bob",
        *(paper_url(paper_id) for paper_id in IDS),
    ]
    for browser in (site.client, alice):
        for path in pages:
            response = browser.get(path)
            assert response.status_code == 200, path
            assert_inert(response.text)
    page = site.client.get(paper_url(IDS[0])).text
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt; title" in page  # shown, as text
    assert "$\\alpha$-divergence" in page


def test_payloads_leave_feeds_well_formed_and_inert(site: Site, tmp_path: Path) -> None:
    _import_payloads(site, tmp_path)
    author = quote(AUTHOR.replace("\r\n", " "), safe="")
    site_url = site.app.state.settings.base_url
    for path in (
        "/feeds/daily",
        "/feeds/trending",
        "/feeds/category/cs.CR",
        f"/feeds/author/{author}",
        "/feeds/search",
    ):
        for fmt in ("xml", "atom"):
            url = f"{path}.{fmt}" + ("?q=alert" if path.endswith("search") else "")
            response = site.client.get(url)
            assert response.status_code == 200, url
            parsed = feedparser.parse(response.content)
            assert not parsed.bozo, (url, parsed.get("bozo_exception"))
            entries = {e.link.rsplit("/", 1)[-1]: e for e in parsed.entries}
            expected = {IDS[0]} if "/author/" in path else set(IDS)  # only one has AUTHOR
            assert expected <= set(entries), url
            assert entries[IDS[0]].title.startswith(f"Evil {SCRIPT} title")  # text, whole
            for entry in parsed.entries:
                for link in entry.get("links", []):
                    # The site's pages, or the paper on arXiv: never a link from the data.
                    assert link["href"].startswith((site_url, "https://arxiv.org/")), link
            assert b"<script" not in response.content, url


def test_payloads_leave_exports_parseable_with_no_forged_field(site: Site, tmp_path: Path) -> None:
    _import_payloads(site, tmp_path)
    for paper_id in IDS:
        response = site.client.get(paper_url(paper_id, ".bib"))
        assert response.status_code == 200
        assert "\r" not in response.headers["content-disposition"]
        library = bibtexparser.parse_string(response.text)
        assert len(library.entries) == 1 and not library.failed_blocks, paper_id
        entry = library.entries[0]
        assert "note" not in entry.fields_dict, paper_id  # the braces forged nothing
        if paper_id == IDS[0]:
            assert "$\\alpha$-divergence" not in entry.fields_dict  # abstract is not exported
            assert "Evil" in entry.fields_dict["title"].value
        records = rispy.loads(site.client.get(paper_url(paper_id, ".ris")).text)
        assert len(records) == 1, paper_id
        for url in records[0].get("urls", []):
            assert url.startswith("https://"), (paper_id, url)
        markdown = site.client.get(paper_url(paper_id, ".md"))
        assert markdown.status_code == 200
        # The text may say "javascript:"; no Markdown link or autolink may point there.
        flat = re.sub(r"\s", "", markdown.text.lower())
        assert "](javascript:" not in flat and "<javascript:" not in flat, paper_id


def test_payloads_keep_the_api_shapes(site: Site, tmp_path: Path) -> None:
    _import_payloads(site, tmp_path)
    stored = {pid: site.service.papers.get(pid) for pid in IDS}
    for paper_id in IDS:
        shape = site.client.get(f"/api/papers/{paper_id}").json()
        assert shape["title"] == stored[paper_id].title  # the data, exactly, as JSON text
    daily = site.client.get("/api/daily_papers", params={"date": str(NEWEST_DAY)})
    assert daily.status_code == 200
    assert set(IDS) <= {item["paper"]["id"] for item in daily.json()}
    found = site.client.get("/api/papers/search", params={"q": "evil"})
    assert found.status_code == 200 and IDS[0] in found.text
    listing = site.client.get("/api/papers", params={"limit": 100})
    assert listing.status_code == 200 and "\r" not in listing.headers.get("link", "")


def test_payloads_compose_into_an_inert_mail_with_no_forged_header(
    site: Site, tmp_path: Path
) -> None:
    _import_payloads(site, tmp_path)
    papers = [site.service.papers.get(pid) for pid in IDS]
    subscription = Subscription(
        id=7,
        subscriber_id=3,
        kind="topic",
        value="evil",
        frequency="daily",
        send_hour=7,
        top_n=10,
        status="active",
        paused=False,
        covered_through=NEWEST_DAY,
        last_sent_through=NEWEST_DAY,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    links = Links(
        "https://papers.example.org",
        "https://papers.example.org/u?token=a",
        "https://papers.example.org/p?token=b",
        "https://papers.example.org/f/c.xml",
    )
    mail = compose_digest(
        to="reader@example.org",
        subscription=subscription,
        period=Period(NEWEST_DAY, NEWEST_DAY, "daily"),
        items=[DigestItem(p, 12, f"matched {TITLE}") for p in papers],
        links=links,
        mail_from="paperwire <digest@papers.example.org>",
        sent_at=datetime(2026, 3, 3, 7, tzinfo=UTC),
    )
    raw = message_bytes(mail)
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert message["Bcc"] is None and message["X-Forged"] is None
    html = message.get_body(("html",)).get_content()
    assert_inert(html, mail=True)  # mail clients need inline styles; nothing else is allowed
    assert "Evil &lt;script&gt;" in html
    assert f"Evil {SCRIPT} title" in message.get_body(("plain",)).get_content()  # not HTML
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
