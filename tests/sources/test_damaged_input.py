"""Damaged copies of the real files: the good records still come out, each bad one is a Problem
that says where (``name:LINE`` or ``name record N``), which field, and why."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from paperwire.models import Item, Paper, Problem
from paperwire.sources import read_path

SNAPSHOT = "arxiv-snapshot/arxiv-metadata-oai-snapshot.head200.jsonl"
CORPUS = "corpus/papers-200k.jsonl.gz"
ATOM = "arxiv-api/recorded_2026_body_xml/q_testing_s0_m10_bc5a6c384fe9.http200.xml"
OAI = "arxiv-oai/mikesaelim_arXivOAIHarvester/ListRecordsResponse.xml"
DAY = "hf-daily/sample_days/2025-06-16.json"
LONG_TITLE = "T" * 2_000_000


def read(path: Path) -> list[Item]:
    return [item for _, item in read_path(path)]


def kinds(items: list[Item]) -> str:
    """``"PP!P"``: one letter per item, ``!`` for a Problem."""
    return "".join("!" if isinstance(i, Problem) else "P" for i in items)


def problems(items: list[Item]) -> list[Problem]:
    return [i for i in items if isinstance(i, Problem)]


# --- JSON lines: snapshot, corpus, export -----------------------------------------------------


def snapshot_records(shared_data: Path) -> list[dict[str, Any]]:
    lines = (shared_data / SNAPSHOT).read_bytes().splitlines()[:8]
    return [json.loads(line) for line in lines]


def corpus_records(shared_data: Path) -> list[dict[str, Any]]:
    with gzip.open(shared_data / CORPUS, "rb") as lines:
        return [json.loads(line) for line in itertools.islice(lines, 8)]


def export_records(shared_data: Path) -> list[dict[str, Any]]:
    return [p.to_dict() for p in read(shared_data / SNAPSHOT)[:8] if isinstance(p, Paper)]


def many_authors(fmt: str, count: int) -> tuple[str, object]:
    if fmt == "snapshot":
        return "authors_parsed", [[f"Last{i}", "First", ""] for i in range(count)]
    return "authors", [f"First Last{i}" for i in range(count)]


JSON_LINES: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "snapshot": snapshot_records,
    "corpus": corpus_records,
    "export": export_records,
}


@pytest.fixture(params=sorted(JSON_LINES))
def jsonl(request: pytest.FixtureRequest, shared_data: Path) -> tuple[str, list[dict[str, Any]]]:
    fmt: str = request.param
    return fmt, JSON_LINES[fmt](shared_data)


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def dump(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def test_jsonl_truncated_mid_record(
    jsonl: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    _, records = jsonl
    lines = [dump(r) for r in records]
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b"\n".join(lines[:5]) + b"\n" + lines[5][: len(lines[5]) // 2])
    items = read(path)
    assert kinds(items) == "PPPPP!"
    last = items[-1]
    assert isinstance(last, Problem) and last.where == "cut.jsonl:6"
    assert last.reason.startswith("invalid JSON")


def test_jsonl_bad_lines(jsonl: tuple[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    fmt, records = jsonl
    no_id = {k: v for k, v in records[3].items() if k != "id"}
    no_title = {**records[4], "title": "  "}
    bad_id = {**records[5], "id": "0704.001x"}
    key, value = many_authors(fmt, 5_001)
    lines = [
        dump(records[0]),
        dump(records[1]).replace(b'"title": "', b'"title": "\xff\xfe', 1),  # invalid UTF-8
        b'{"id": "0704.0003", "title": oops}',  # malformed JSON
        dump(no_id),
        dump(no_title),
        dump(bad_id),
        dump({**records[6], "title": LONG_TITLE}),
        dump({**records[6], "abstract": "a" * 100_001}),
        dump({**records[6], key: value}),
        b"[1, 2, 3]",
        b"",
        dump(records[7]),
        dump(records[7]),  # a duplicate: yielded twice, the store merges
    ]
    items = read(write_lines(tmp_path / "bad.jsonl", lines))
    assert kinds(items) == "P!!!!!!!!!PP"
    found = [(p.where, p.field) for p in problems(items)]
    assert found == [
        ("bad.jsonl:2", None),
        ("bad.jsonl:3", None),
        ("bad.jsonl:4", "id"),
        ("bad.jsonl:5", "title"),
        ("bad.jsonl:6", "id"),
        ("bad.jsonl:7", "title"),
        ("bad.jsonl:8", "abstract"),
        ("bad.jsonl:9", "authors"),
        ("bad.jsonl:10", None),
    ]
    reasons = [p.reason for p in problems(items)]
    assert reasons[0].startswith("invalid JSON") and "UTF-8" in reasons[0]
    assert reasons[1].startswith("invalid JSON")
    assert reasons[2:6] == [
        "missing id",
        "missing title",
        "not an arXiv id: '0704.001x'",
        "title longer than 2,000 characters (2,000,000)",
    ]
    assert reasons[6] == "abstract longer than 100,000 characters (100,001)"
    assert reasons[7] == "more than 5,000 authors (5,001)"
    assert reasons[8] == "expected a JSON object"
    assert items[-1] == items[-2]


# --- XML: Atom and OAI-PMH -------------------------------------------------------------------


def split_records(data: bytes, tag: bytes) -> tuple[bytes, list[bytes], bytes]:
    """Head, the records (``<tag>...</tag>``) and tail of a document."""
    starts = [m.start() for m in re.finditer(b"<" + tag + b">", data)]
    end_tag = b"</" + tag + b">"
    ends = [data.index(end_tag, start) + len(end_tag) for start in starts]
    records = [data[s:e] for s, e in zip(starts, ends, strict=True)]
    return data[: starts[0]], records, data[ends[-1] :]


XML = {"atom": (ATOM, b"entry"), "oai": (OAI, b"record")}


@pytest.fixture(params=sorted(XML))
def xml(request: pytest.FixtureRequest, shared_data: Path) -> tuple[str, bytes, list[bytes], bytes]:
    rel, tag = XML[request.param]
    head, records, tail = split_records((shared_data / rel).read_bytes(), tag)
    return request.param, head, records, tail


def test_xml_truncated_mid_record(
    xml: tuple[str, bytes, list[bytes], bytes], tmp_path: Path
) -> None:
    _, head, records, _ = xml
    path = tmp_path / "cut.xml"
    path.write_bytes(head + b"\n".join(records[:2]) + b"\n" + records[2][:300])
    items = read(path)
    assert kinds(items) == "PP!"
    [problem] = problems(items)
    line = path.read_bytes().count(b"\n") + 1  # the cut is on the last line
    assert problem.where == f"cut.xml:{line}"
    assert problem.reason.startswith("malformed XML: ")
    assert f": line {line}, column " in problem.reason


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda r: r.replace(b"<title>", b"<title>\xff\xfe", 1), "not well-formed (invalid token)"),
        (lambda r: r.replace(b"</title>", b"</titel>", 1), "mismatched tag"),
    ],
)
def test_xml_damage_stops_at_the_error(
    xml: tuple[str, bytes, list[bytes], bytes],
    tmp_path: Path,
    damage: Callable[[bytes], bytes],
    reason: str,
) -> None:
    _, head, records, tail = xml
    path = tmp_path / "bad.xml"
    path.write_bytes(head + b"\n".join([records[0], damage(records[1]), *records[2:]]) + tail)
    items = read(path)
    assert kinds(items) == "P!"
    [problem] = problems(items)
    assert problem.where.startswith("bad.xml:")
    assert problem.reason.startswith(f"malformed XML: {reason}: line ")


def drop(record: bytes, tag: bytes) -> bytes:
    return re.sub(b"<" + tag + b">.*?</" + tag + b">", b"", record, count=1, flags=re.S)


def set_text(record: bytes, tag: bytes, text: bytes) -> bytes:
    return re.sub(
        b"<" + tag + b">.*?</" + tag + b">",
        lambda _: b"<" + tag + b">" + text + b"</" + tag + b">",
        record,
        count=1,
        flags=re.S,
    )


def test_xml_bad_records(xml: tuple[str, bytes, list[bytes], bytes], tmp_path: Path) -> None:
    fmt, head, records, tail = xml
    r = records
    if fmt == "atom":
        no_id = drop(r[1], b"id")
        bad_id = set_text(r[3], b"id", b"http://arxiv.org/abs/hello")
        authors = b"".join(b"<author><name>A%d</name></author>" % i for i in range(5_001))
        many = r[4].replace(b"</entry>", authors + b"</entry>")
    else:  # the arXivRaw id falls back to the header's identifier: remove both
        no_id = drop(drop(r[1], b"id"), b"identifier")
        bad_id = set_text(drop(r[3], b"identifier"), b"id", b"hello")
        names = b", ".join(b"A. Person%d" % i for i in range(5_001))
        many = set_text(r[4], b"authors", names)
    damaged = [
        r[0],
        no_id,
        drop(r[2], b"title"),
        bad_id,
        many,
        set_text(r[5], b"title", LONG_TITLE.encode()),
        r[0],  # duplicate
    ]
    path = tmp_path / "bad.xml"
    path.write_bytes(head + b"\n".join(damaged) + tail)
    items = read(path)
    assert kinds(items) == "P!!!!!P"
    assert [(p.where, p.field) for p in problems(items)] == [
        ("bad.xml record 2", "id"),
        ("bad.xml record 3", "title"),
        ("bad.xml record 4", "id"),
        ("bad.xml record 5", "authors"),
        ("bad.xml record 6", "title"),
    ]
    reasons = [p.reason for p in problems(items)]
    assert reasons[0] == "missing id"
    assert reasons[1] == "missing title"
    assert reasons[2].startswith("not an arXiv id:")
    assert reasons[3].startswith("more than 5,000 authors (5,0")
    assert reasons[4] == "title longer than 2,000 characters (2,000,000)"
    assert items[0] == items[-1]


def test_oai_empty_record(shared_data: Path, tmp_path: Path) -> None:
    head, records, tail = split_records((shared_data / OAI).read_bytes(), b"record")
    path = tmp_path / "empty-record.xml"
    path.write_bytes(head + b"\n".join([records[0], b"<record></record>", records[1]]) + tail)
    items = read(path)
    assert kinds(items) == "P!P"
    assert items[1] == Problem("empty-record.xml record 2", "record without header")


# --- hf-daily: one JSON document --------------------------------------------------------------


@pytest.fixture
def day(shared_data: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((shared_data / DAY).read_bytes())
    assert len(records) == 9
    return records


def write_day(path: Path, records: list[Any]) -> Path:
    path.write_text(json.dumps(records, indent=4, ensure_ascii=False), encoding="utf-8")
    return path


def test_day_truncated_mid_record(day: list[dict[str, Any]], tmp_path: Path) -> None:
    data = write_day(tmp_path / "day.json", day).read_bytes()
    start = data.index(b'"id": "' + day[3]["paper"]["id"].encode())
    (tmp_path / "day.json").write_bytes(data[:start])
    items = read(tmp_path / "day.json")
    assert kinds(items) == "PPP!"
    last = items[-1]
    assert isinstance(last, Problem) and last.where == "day.json record 4"
    assert last.reason.startswith("invalid JSON at line ")


def test_day_invalid_utf8_and_malformed(day: list[dict[str, Any]], tmp_path: Path) -> None:
    data = write_day(tmp_path / "day.json", day).read_bytes()
    title = day[1]["paper"]["title"].encode()
    bad = data.replace(title, b"\xff" + title, 1)
    (tmp_path / "day.json").write_bytes(bad)
    items = read(tmp_path / "day.json")
    assert kinds(items) == "P!PPPPPPP"
    assert items[1] == Problem("day.json record 2", "invalid UTF-8")
    # A missing comma between records 5 and 6: the first five still come out.
    fifth_end = data.index(b'"id": "' + day[5]["paper"]["id"].encode())
    comma = data.rindex(b"},", 0, fifth_end)
    (tmp_path / "day.json").write_bytes(data[: comma + 1] + data[comma + 2 :])
    bad_line = data.count(b"\n", 0, comma) + 2  # where the next record starts
    items = read(tmp_path / "day.json")
    assert kinds(items) == "PPPPP!"
    assert items[-1] == Problem(
        "day.json record 6", f"invalid JSON at line {bad_line}: expected ',' or ']' after an item"
    )


def test_day_bad_records(day: list[dict[str, Any]], tmp_path: Path) -> None:
    d = day
    no_id = {**d[1], "paper": {k: v for k, v in d[1]["paper"].items() if k != "id"}}
    no_title = {**d[2], "title": "", "paper": {**d[2]["paper"], "title": ""}}
    bad_id = {**d[3], "paper": {**d[3]["paper"], "id": "2513.11924"}}
    long_title = {**d[4], "paper": {**d[4]["paper"], "title": LONG_TITLE}}
    authors = [{"name": f"A{i}"} for i in range(5_001)]
    many = {**d[5], "paper": {**d[5]["paper"], "authors": authors}}
    records: list[Any] = [
        d[0],
        no_id,
        no_title,
        bad_id,
        long_title,
        many,
        "{'paper': {'id': oops",  # a repr-quirk string that is not a literal
        {**d[6], "paper": {**d[6]["paper"], "upvotes": "many"}},
        repr(d[7]),  # a good repr-quirk string
        d[0],  # duplicate
    ]
    items = read(write_day(tmp_path / "day.json", records))
    assert kinds(items) == "P!!!!!!!PP"
    assert [(p.where, p.field, p.reason) for p in problems(items)] == [
        ("day.json record 2", "id", "missing id"),
        ("day.json record 3", "title", "missing title"),
        ("day.json record 4", "id", "not an arXiv id (month 13 out of range): '2513.11924'"),
        ("day.json record 5", "title", "title longer than 2,000 characters (2,000,000)"),
        ("day.json record 6", "authors", "more than 5,000 authors (5,001)"),
        ("day.json record 7", None, "item is a string but not a Python literal"),
        ("day.json record 8", "upvotes", "upvotes is not an integer: 'many'"),
    ]
    assert items[0] == items[-1]


def test_hf_page_truncated_mid_abstract(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / "seed/hf-papers-page.txt").read_bytes()
    path = tmp_path / "page.txt"
    path.write_bytes(data[: len(data) // 2])
    items = read(path)
    assert all(isinstance(i, Paper) for i in items)
    assert 40 < len(items) < 60
