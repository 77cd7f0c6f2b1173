"""What a visitor meets when the database fails under a running site, and HEAD on every page
that answers GET."""

from __future__ import annotations

from fastapi.routing import APIRoute
from pages_helpers import PASSWORD, REAL_ID, Site, post_form
from sqlalchemy import create_engine, text

from paperwire.settings import Settings


def test_a_failing_database_is_a_clear_503(site: Site, settings: Settings) -> None:
    site.user("alice")
    # A real failure of the real database under the running app: its sessions table is gone
    # (as good as a full disk for the log-in, which must write a session).
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE sessions"))
    engine.dispose()
    page = post_form(site.new_client(), "/login", {"username": "alice", "password": PASSWORD})
    assert page.status_code == 503
    assert "the database is unavailable right now; try again in a moment" in page.text
    assert "sessions" not in page.text  # the driver's words go to the log only
    api = site.client.post("/api/login", json={"username": "alice", "password": PASSWORD})
    assert api.status_code == 503
    assert api.json() == {
        "error": "the database is unavailable right now; try again in a moment",
        "status": 503,
    }


def test_every_get_route_answers_head(site: Site) -> None:
    routes = [r for r in site.app.routes if isinstance(r, APIRoute)]
    get_paths = {r.path for r in routes if "GET" in r.methods}
    head_paths = {r.path for r in routes if "HEAD" in r.methods}
    assert get_paths and get_paths <= head_paths
    for url in (
        "/",
        "/healthz",
        f"/papers/{REAL_ID}",
        "/feeds/daily.xml",
        "/feeds/trending.atom",
        "/api/papers?limit=2",
        "/api/daily_papers",
    ):
        get = site.client.get(url)
        head = site.client.head(url)
        assert head.status_code == get.status_code == 200, url
        assert head.headers["content-type"] == get.headers["content-type"], url
        assert head.content == b"", url
    assert site.client.head("/papers/2601.99999").status_code == 404
    schema = site.client.get("/openapi.json").json()
    assert not any("head" in ops for ops in schema["paths"].values())
