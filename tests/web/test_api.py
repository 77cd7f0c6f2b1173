"""The JSON API: Hugging Face Papers' shapes checked against recorded Hugging Face responses,
every parameter and error, our extras (related, collections, log-in, votes), and a running
server driven by the real ``huggingface_hub`` client."""

from __future__ import annotations

import copy
import dataclasses
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from paperwire.service import Service
from paperwire.tex import decode_accents
from paperwire.web.app import create_app

RECORDED_DAYS = ["2024-05-29", "2025-06-16", "2025-09-30", "2026-03-02", "2026-08-21"]
# Fields a recorded Hugging Face item carries that paperwire has no data for.
NOT_OURS = {
    "thumbnail",
    "mediaUrl",
    "mediaUrls",
    "organization",
    "submitterOrganization",
    "discussionId",
    "githubRepoAddedBy",
    "ai_summary_model",
    "withdrawnAt",
}
# Fields whose values must equal the recorded ones.
SAME = (
    "id",
    "upvotes",
    "publishedAt",
    "githubRepo",
    "githubStars",
    "projectPage",
    "ai_summary",
    "ai_keywords",
)
# PaperInfo attributes that must equal what huggingface_hub parses from the recorded response.
SAME_INFO = (
    "id",
    "upvotes",
    "published_at",
    "github_repo",
    "github_stars",
    "project_page",
    "ai_summary",
    "ai_keywords",
)


def _recorded(shared_data: Path, day: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        (shared_data / "hf-daily" / "sample_days" / f"{day}.json").read_text()
    )
    return items


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["paper"]["id"] for item in items]


def _error(client: TestClient, url: str, status: int, method: str = "GET") -> str:
    response = client.request(method, url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    message: str = body["error"]
    return message


def _token(client: TestClient, username: str, password: str) -> str:
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


# -- /api/daily_papers -----------------------------------------------------------------------
@pytest.mark.parametrize("day", RECORDED_DAYS)
def test_daily_papers_have_hugging_face_shapes(
    client: TestClient, shared_data: Path, day: str
) -> None:
    recorded = _recorded(shared_data, day)
    response = client.get("/api/daily_papers", params={"date": day})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    ours = response.json()
    assert sorted(_ids(ours)) == sorted(_ids(recorded))
    assert response.headers["X-Total-Count"] == str(len(recorded))
    by_id = {item["paper"]["id"]: item for item in ours}
    for theirs in recorded:
        mine = by_id[theirs["paper"]["id"]]
        # Every field Hugging Face sent, with the same JSON type, bar those we have no data for.
        assert set(theirs) - NOT_OURS <= set(mine)
        assert set(theirs["paper"]) - NOT_OURS <= set(mine["paper"])
        for outer, inner in ((theirs, mine), (theirs["paper"], mine["paper"])):
            for key in set(outer) & set(inner):
                assert type(inner[key]) is type(outer[key]), key
        paper, hf = mine["paper"], theirs["paper"]
        for key in SAME:
            if key in hf:
                assert paper[key] == hf[key], key
            else:
                assert key not in paper, key
        # The day it was listed (we keep the day, not the time of day), which early records lack.
        listed = hf.get("submittedOnDailyAt", theirs["publishedAt"])
        assert paper["submittedOnDailyAt"][:10] == listed[:10] == day
        # Titles and abstracts come with arXiv's line wrapping collapsed and the accents it
        # spells in TeX outside math as letters (``Bolet\'{\i}n`` is ``Boletín``).
        assert paper["title"] == " ".join(decode_accents(hf["title"]).split())
        assert paper["summary"] == " ".join(decode_accents(hf["summary"]).split())
        assert [a["name"] for a in paper["authors"]] == [a["name"] for a in hf["authors"]]
        for author in paper["authors"]:
            assert set(author) == {"_id", "name", "hidden"}
            assert len(author["_id"]) == 24
        if "submittedOnDailyBy" in hf:
            assert paper["submittedOnDailyBy"]["user"] == hf["submittedOnDailyBy"]["user"]
            assert mine["submittedBy"]["user"] == hf["submittedOnDailyBy"]["user"]
        assert mine["title"] == paper["title"]
        assert mine["numComments"] == 0
        assert mine["isAuthorParticipating"] is False
        assert mine["publishedAt"] == paper["submittedOnDailyAt"]


def test_daily_papers_are_most_upvoted_first_as_on_hugging_face(
    client: TestClient, shared_data: Path
) -> None:
    upvotes = [
        i["paper"]["upvotes"] for i in client.get("/api/daily_papers?date=2025-09-30").json()
    ]
    assert upvotes == sorted(upvotes, reverse=True)
    recorded = [i["paper"]["upvotes"] for i in _recorded(shared_data, "2025-09-30")]
    assert upvotes == recorded


def test_daily_papers_default_to_the_latest_day(client: TestClient, web_data: Any) -> None:
    items = client.get("/api/daily_papers").json()
    assert len(items) == 17
    assert {i["paper"]["submittedOnDailyAt"][:10] for i in items} == {str(web_data.newest_day)}


def test_daily_papers_page_with_p_and_limit(client: TestClient) -> None:
    whole = _ids(client.get("/api/daily_papers?date=2025-09-30").json())
    assert len(whole) == 50
    pages = [
        _ids(client.get(f"/api/daily_papers?date=2025-09-30&limit=20&p={p}").json())
        for p in range(4)
    ]
    assert [len(page) for page in pages] == [20, 20, 10, 0]
    assert [i for page in pages for i in page] == whole


def test_daily_papers_by_week_and_month(client: TestClient, web_data: Any) -> None:
    newest = web_data.newest_day
    day_ids = set(_ids(client.get(f"/api/daily_papers?date={newest}").json()))
    iso = newest.isocalendar()
    week = client.get(f"/api/daily_papers?week={iso.year}-W{iso.week:02d}&limit=100")
    assert week.status_code == 200
    assert day_ids <= set(_ids(week.json()))
    month = client.get(f"/api/daily_papers?month={newest:%Y-%m}&limit=100").json()
    assert day_ids <= set(_ids(month))
    assert all(i["paper"]["submittedOnDailyAt"][:7] == f"{newest:%Y-%m}" for i in month)
    september = _ids(client.get("/api/daily_papers?month=2025-09&limit=100").json())
    assert set(_ids(client.get("/api/daily_papers?date=2025-09-30").json())) <= set(september)
    assert client.get("/api/daily_papers?date=2030-01-01").json() == []


def test_daily_papers_by_submitter(client: TestClient) -> None:
    items = client.get("/api/daily_papers?submitter=taesiri&limit=100").json()
    assert "2608.19880" in _ids(items)
    assert {i["paper"]["submittedOnDailyBy"]["user"] for i in items} == {"taesiri"}
    assert client.get("/api/daily_papers?submitter=nobody-at-all").json() == []


def test_daily_papers_sorted_by_trending(client: TestClient, web_service: Service) -> None:
    items = client.get("/api/daily_papers?sort=trending&limit=10").json()
    expected = [card.paper.id for card in web_service.feeds.trending(limit=10).cards]
    assert _ids(items) == expected
    assert items[0]["paper"]["id"] == "2608.19880"  # 163 upvotes, on the latest day
    second = client.get("/api/daily_papers?sort=trending&limit=5&p=1").json()
    assert _ids(second) == expected[5:10]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("p=-1", "p"),
        ("p=first", "p"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("date=2026-13-01", "date"),
        ("date=yesterday", "date"),
        ("week=2026-W60", "week"),
        ("week=26-W01", "week"),
        ("month=2026-13", "month"),
        ("month=August", "month"),
        ("sort=hot", "sort"),
        ("date=2026-08-21&week=2026-W34", "date, week"),
        ("sort=trending&date=2026-08-21", "sort"),
    ],
)
def test_daily_papers_refuse_bad_parameters(client: TestClient, query: str, named: str) -> None:
    assert _error(client, f"/api/daily_papers?{query}", 400).startswith(named)


# -- /api/papers/{id}, /api/papers/search, /api/papers ---------------------------------------
def test_paper_has_hugging_face_shape(client: TestClient, shared_data: Path) -> None:
    recorded = next(
        i for i in _recorded(shared_data, "2026-08-21") if i["paper"]["id"] == "2608.19880"
    )
    paper = client.get("/api/papers/2608.19880").json()
    assert set(recorded["paper"]) - NOT_OURS <= set(paper)
    for key in SAME:
        assert paper.get(key) == recorded["paper"].get(key), key
    assert paper["submittedOnDailyAt"] == "2026-08-21T00:00:00.000Z"
    assert paper["submittedOnDailyBy"]["user"] == "taesiri"
    assert paper["numComments"] == 0


def test_paper_without_curated_fields_leaves_them_out(client: TestClient) -> None:
    paper = client.get("/api/papers/0704.0001").json()
    assert paper["publishedAt"] == "2007-04-02T19:18:42.000Z"
    assert paper["submittedOnDailyAt"] == "2024-05-20T00:00:00.000Z"
    assert paper["upvotes"] == 0
    assert not {"githubRepo", "githubStars", "ai_summary", "ai_keywords"} & set(paper)


def test_paper_id_with_a_slash(client: TestClient, web_data: Any) -> None:
    response = client.get(f"/api/papers/{web_data.old_style_id}")
    assert response.status_code == 200
    assert response.json()["id"] == web_data.old_style_id


def test_json_carries_hostile_text_exactly(client: TestClient, web_data: Any) -> None:
    hostile = web_data.hostile[0]
    paper = client.get(f"/api/papers/{hostile.id}").json()
    assert (paper["title"], paper["summary"]) == (hostile.title, hostile.abstract)
    assert [a["name"] for a in paper["authors"]] == hostile.authors


def test_unknown_or_malformed_paper_id(client: TestClient) -> None:
    assert "2608.99999" in _error(client, "/api/papers/2608.99999", 404)
    _error(client, "/api/papers/not-an-id", 400)


def test_search_answers_like_hugging_face(client: TestClient) -> None:
    items = client.get("/api/papers/search?q=EnvHarness&limit=5").json()
    assert items[0]["paper"]["id"] == "2608.19880"
    assert items[0]["title"] == items[0]["paper"]["title"]
    assert len(client.get("/api/papers/search?q=learning&limit=3").json()) == 3
    assert client.get("/api/papers/search?q=").json() == []
    assert client.get("/api/papers/search").json() == []
    lexical = client.get("/api/papers/search?q=EnvHarness&mode=lexical").json()
    assert _ids(lexical)[0] == "2608.19880"


def test_search_refuses_bad_queries(client: TestClient) -> None:
    assert "since:" in _error(client, "/api/papers/search?q=agents%20since:2026-99-99", 400)
    assert _error(client, "/api/papers/search?q=x&limit=500", 400).startswith("limit")
    assert _error(client, "/api/papers/search?q=x&mode=psychic", 400).startswith("mode")


def test_list_papers_follows_link_headers_through_every_paper(
    client: TestClient, web_service: Service
) -> None:
    seen: list[str] = []
    url: str | None = "/api/papers?limit=64"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        seen += [paper["id"] for paper in response.json()]
        url = response.links.get("next", {}).get("url")
        pages += 1
    expected = sorted(p.id for p in web_service.papers.iter_papers())
    assert seen == expected
    assert pages == -(-len(expected) // 64)


def test_list_papers_from_a_cursor(client: TestClient) -> None:
    papers = client.get("/api/papers?cursor=2608.19880&limit=3").json()
    assert len(papers) == 3
    assert all(p["id"] > "2608.19880" for p in papers)
    assert set(papers[0]) >= {"id", "title", "authors", "upvotes", "numComments"}
    last = client.get("/api/papers?cursor=zzz")
    assert last.json() == []
    assert "link" not in last.headers
    _error(client, "/api/papers?limit=0", 400)


# -- extras: related, collections, log-in, votes ----------------------------------------------
def test_related_papers(client: TestClient, web_data: Any) -> None:
    related = client.get("/api/papers/2608.19880/related?limit=3").json()
    assert 0 < len(related) <= 3
    assert "2608.19880" not in [p["id"] for p in related]
    assert {"id", "title", "authors", "upvotes"} <= set(related[0])
    slash = client.get(f"/api/papers/{web_data.old_style_id}/related?limit=2")
    assert slash.status_code == 200
    _error(client, "/api/papers/2608.99999/related", 404)
    _error(client, "/api/papers/2608.19880/related?limit=51", 400)


def test_public_collection(client: TestClient, web_data: Any) -> None:
    response = client.get(f"/api/collections/{web_data.owner}/{web_data.public_slug}")
    assert response.status_code == 200
    body = response.json()
    assert (body["owner"], body["name"], body["public"]) == ("alice", "Reading list", True)
    assert body["description"] == "Agents & <worlds>"
    assert sorted(p["id"] for p in body["papers"]) == sorted(web_data.public_ids)
    assert body["numPapers"] == 2
    assert body["createdAt"].endswith("Z")


def test_private_collection_needs_its_owners_token(client: TestClient, web_data: Any) -> None:
    url = f"/api/collections/{web_data.owner}/{web_data.private_slug}"
    _error(client, url, 404)
    token = _token(client, web_data.owner, web_data.password)
    mine = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    assert mine.json()["public"] is False
    response = client.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    _error(client, "/api/collections/alice/no-such-thing", 404)
    _error(client, "/api/collections/nobody-here/reading-list", 404)


def test_vote_with_a_bearer_token(client: TestClient, web_service: Service, web_data: Any) -> None:
    web_service.accounts.sign_up("voter-one", None, "a long enough password")
    token = _token(client, "voter-one", "a long enough password")
    auth = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/papers/2608.19880").json()["upvotes"]
    # No CSRF token: none is needed with a bearer token.
    voted = client.post("/api/papers/2608.19880/vote", headers=auth)
    assert voted.status_code == 200
    assert voted.json() == {"id": "2608.19880", "upvotes": before + 1, "voted": True}
    assert client.get("/api/papers/2608.19880").json()["upvotes"] == before + 1
    daily = client.get("/api/daily_papers?date=2026-08-21").json()
    assert next(i for i in daily if i["paper"]["id"] == "2608.19880")["paper"]["upvotes"] == (
        before + 1
    )
    undone = client.post("/api/papers/2608.19880/vote", headers=auth).json()
    assert undone == {"id": "2608.19880", "upvotes": before, "voted": False}
    slash = client.post(f"/api/papers/{web_data.old_style_id}/vote", headers=auth).json()
    assert slash["voted"] is True
    client.post(f"/api/papers/{web_data.old_style_id}/vote", headers=auth)
    missing = client.post("/api/papers/2608.99999/vote", headers=auth)
    assert missing.status_code == 404


def test_vote_without_a_valid_token_is_refused(client: TestClient, web_data: Any) -> None:
    response = client.post("/api/papers/2608.19880/vote")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Bearer" in response.json()["error"]
    for header in ("Bearer nonsense", "Basic YWxpY2U6c2VjcmV0", "Bearer "):
        refused = client.post("/api/papers/2608.19880/vote", headers={"Authorization": header})
        assert refused.status_code == 401
    # A site session cookie is not a credential here: cookies ride along on forged requests.
    token = _token(client, web_data.owner, web_data.password)
    client.cookies.set("pw_session", token)
    try:
        assert client.post("/api/papers/2608.19880/vote").status_code == 401
    finally:
        client.cookies.delete("pw_session")


def test_login(client: TestClient, web_data: Any) -> None:
    response = client.post(
        "/api/login", json={"username": web_data.owner, "password": web_data.password}
    )
    assert response.status_code == 200
    assert response.json()["username"] == web_data.owner
    assert len(response.json()["token"]) > 20
    wrong = client.post("/api/login", json={"username": web_data.owner, "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "wrong username or password"
    assert client.post("/api/login", json={"username": "x"}).status_code == 400
    assert client.post("/api/login", content=b"not json").status_code == 400


def test_login_is_rate_limited(client: TestClient, web_data: Any) -> None:
    limiter = client.app.state.limiter  # type: ignore[attr-defined]
    limiter.reset()
    try:
        allowed, _window = limiter.limits["login"]
        wrong = {"username": web_data.owner, "password": "guess-guess-guess"}
        assert client.post("/api/login", json=wrong).status_code == 401
        # The other attempts of the window, spent without hashing passwords (slow on purpose).
        for _ in range(allowed - 1):
            assert limiter.allow("login", "testclient")  # the test client's address
        refused = client.post("/api/login", json=wrong)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "300"
        right = {"username": web_data.owner, "password": web_data.password}
        assert client.post("/api/login", json=right).status_code == 429
    finally:
        limiter.reset()


# -- documentation and the Markdown page ------------------------------------------------------
def test_openapi_documents_the_api_only(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/api/daily_papers",
        "/api/papers",
        "/api/papers/search",
        "/api/papers/{paper_id}",
        "/api/papers/{paper_id}/related",
        "/api/papers/{paper_id}/vote",
        "/api/collections/{username}/{slug}",
        "/api/login",
    } <= paths
    assert all(path.startswith("/api/") for path in paths)
    params = schema["paths"]["/api/daily_papers"]["get"]["parameters"]
    names = {p["name"] for p in params}
    assert names == {"p", "limit", "date", "week", "month", "submitter", "sort"}
    assert all(p.get("description") for p in params)


def test_paper_markdown(client: TestClient, web_data: Any) -> None:
    response = client.get("/papers/2608.19880.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.text.startswith("# EnvHarness: Awakening Static Worlds for Agent Learning")
    assert f"{web_data.base_url}/papers/2608.19880" in response.text
    slash = client.get(f"/papers/{web_data.old_style_id}.md")
    assert slash.status_code == 200
    assert slash.text.startswith("# Branes")


# -- the real huggingface_hub client against a running server -------------------------------
@pytest.fixture(scope="module")
def live_url(web_service: Service) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # A deployment whose base_url is its own address: the Link headers point at it.
    settings = dataclasses.replace(web_service.settings, base_url=f"http://127.0.0.1:{port}")
    app = create_app(settings, web_service)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def hf_loopback_only() -> Iterator[None]:
    """huggingface_hub's shared HTTP client replaced by one that refuses any host but the
    loopback test server (and ignores proxy variables), so nothing reaches the internet.
    It also leaves out the hub's request hook, which refuses every request, loopback
    included, when HF_HUB_OFFLINE is set."""
    import httpx2
    from huggingface_hub.utils import _http

    def loopback(request: httpx2.Request) -> None:
        if request.url.host != "127.0.0.1":
            raise AssertionError(f"huggingface_hub tried to reach {request.url}")

    _http.set_client_factory(
        lambda: httpx2.Client(event_hooks={"request": [loopback]}, trust_env=False)
    )
    try:
        yield
    finally:
        _http.set_client_factory(_http.default_client_factory)


@pytest.mark.usefixtures("hf_loopback_only")
def test_huggingface_hub_client_reads_a_paperwire_server(
    live_url: str, shared_data: Path, web_data: Any, web_service: Service
) -> None:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.hf_api import PaperInfo
    from huggingface_hub.utils import paginate  # type: ignore[attr-defined]

    with pytest.raises(AssertionError, match=r"huggingface\.co"):  # the guard holds
        HfApi(token=False).paper_info("2608.19880")
    api = HfApi(endpoint=live_url, token=False)
    recorded = {i["paper"]["id"]: i["paper"] for i in _recorded(shared_data, "2026-08-21")}

    # What the client makes of our answer equals what it makes of Hugging Face's own.
    day = list(api.list_daily_papers(date="2026-08-21"))
    assert sorted(p.id for p in day) == sorted(recorded)
    ours = {p.id: p for p in day}
    for item in _recorded(shared_data, "2026-08-21"):
        theirs = PaperInfo(**copy.deepcopy(item))
        mine = ours[theirs.id]
        for field in SAME_INFO:
            assert getattr(mine, field) == getattr(theirs, field), field
        assert mine.title == " ".join((theirs.title or "").split())
        assert mine.summary == " ".join((theirs.summary or "").split())
        assert [a.name for a in mine.authors or []] == [a.name for a in theirs.authors or []]
        assert mine.submitted_at == datetime(2026, 8, 21, tzinfo=UTC)  # the day it was listed
        assert mine.comments == 0  # comments are this site's own
    first = day[0]
    assert first.id == "2608.19880"
    assert first.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert first.authors is not None and first.authors[0].name == "Chengsong Huang"
    assert first.authors[0].hidden is False
    assert first.upvotes == 163
    assert first.published_at == datetime(2026, 8, 20, tzinfo=UTC)
    # Hugging Face's top-level submittedBy has no "user" handle; ours does.
    assert first.submitted_by is not None and first.submitted_by.username == "taesiri"

    latest = list(api.list_daily_papers())
    assert [p.id for p in latest] == [p.id for p in day]
    page = list(api.list_daily_papers(date="2025-09-30", p=1, limit=20))
    assert len(page) == 20
    assert len(list(api.list_daily_papers(sort="trending", limit=5))) == 5
    iso = web_data.newest_day.isocalendar()
    week = list(api.list_daily_papers(week=f"{iso.year}-W{iso.week:02d}", limit=100))
    assert first.id in [p.id for p in week]
    assert first.id in [p.id for p in api.list_daily_papers(submitter="taesiri", limit=100)]
    with pytest.raises(HfHubHTTPError) as bad:
        list(api.list_daily_papers(date="2026-02-30"))
    assert bad.value.response.status_code == 400

    info = api.paper_info("2608.19880")
    assert (info.id, info.title, info.upvotes) == (first.id, first.title, 163)
    # The paper on its own carries the curated fields at the top, where the client reads them.
    assert info.github_repo == "https://github.com/google-research/envharness"
    assert info.github_stars == 8
    assert info.project_page == "https://envharness.com/"
    assert info.ai_keywords is not None and "EnvHarness" in info.ai_keywords
    assert info.ai_summary is not None and info.ai_summary.startswith("EnvHarness and")
    assert info.submitted_by is not None and info.submitted_by.username == "taesiri"
    assert info.published_at == datetime(2026, 8, 20, tzinfo=UTC)
    assert info.submitted_at == datetime(2026, 8, 21, tzinfo=UTC)
    assert info.authors is not None and info.authors[0].name == "Chengsong Huang"
    assert info.comments == 0
    old = api.paper_info("0704.0001")
    assert old.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert old.authors is not None and old.authors[0].name == "C. Balázs"
    assert api.paper_info(web_data.old_style_id).id == web_data.old_style_id
    with pytest.raises(HfHubHTTPError) as missing:
        api.paper_info("2608.99999")
    assert missing.value.response.status_code == 404

    found = list(api.list_papers(query="EnvHarness", limit=5))
    assert found[0].id == "2608.19880"
    assert found[0].upvotes == 163
    assert api.read_paper("2608.19880").startswith("# EnvHarness")

    # huggingface_hub's own paginator follows our Link headers through /api/papers.
    everything = [p["id"] for p in paginate(f"{live_url}/api/papers", {"limit": 100}, {})]
    assert everything == sorted(p.id for p in web_service.papers.iter_papers())


def test_list_papers_links_from_base_url_not_the_host_header(client: TestClient) -> None:
    response = client.get("/api/papers?limit=2&x=1", headers={"host": "evil.example"})
    following = response.links["next"]["url"]
    assert following.startswith("https://papers.example.org/api/papers?cursor=")
    assert "evil.example" not in response.headers["link"]


def test_a_nul_in_a_name_finds_nothing_on_both_databases(client: TestClient) -> None:
    """Found by schemathesis: PostgreSQL refuses a NUL in a query (a 5xx before)."""
    login = client.post("/api/login", json={"username": "al\x00ice", "password": "x" * 12})
    assert login.status_code == 401
    assert client.get("/api/daily_papers?submitter=a%00b").json() == []
    assert client.get("/api/collections/al%00ice/reading-list").status_code == 404


def test_recommendations_for_the_token_owner(
    client: TestClient, web_service: Service, web_data: Any
) -> None:
    assert client.get("/api/recommendations").status_code == 401
    web_service.accounts.sign_up("reader-r", None, "a long enough password")
    auth = {"Authorization": f"Bearer {_token(client, 'reader-r', 'a long enough password')}"}
    cold = client.get("/api/recommendations", headers=auth).json()
    assert cold["coldStart"] is True and cold["end"] == web_data.newest_day.isoformat()
    # Three papers of earlier recorded days become the reader's upvotes.
    earlier = client.get("/api/daily_papers?date=2026-03-02").json()[:3]
    liked = [item["paper"]["id"] for item in earlier]
    for paper_id in liked:
        assert client.post(f"/api/papers/{paper_id}/vote", headers=auth).json()["voted"]
    try:
        found = client.get("/api/recommendations?limit=5", headers=auth)
        assert found.status_code == 200
        body = found.json()
        assert body["coldStart"] is False and len(body["papers"]) == 5
        assert all(p["why"] for p in body["papers"]) and not set(liked) & {
            p["id"] for p in body["papers"]
        }
        # Private: another token sees its own (cold) list.
        web_service.accounts.sign_up("reader-s", None, "a long enough password")
        other = {"Authorization": f"Bearer {_token(client, 'reader-s', 'a long enough password')}"}
        assert client.get("/api/recommendations", headers=other).json()["coldStart"] is True
    finally:
        for paper_id in liked:
            client.post(f"/api/papers/{paper_id}/vote", headers=auth)
