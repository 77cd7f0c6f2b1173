"""Static files: the site's own (``web/static``) and Swagger UI's, which the ``fastapi-offline``
package ships, served under ``/static`` from the package, so the API reference works offline and
under the site's CSP (no CDN).

Every URL a page writes carries the file's fingerprint (``/static/style.css?v=<sha256 prefix>``,
from ``static_url``), and a request naming the current fingerprint is cached for a year as
immutable: a changed file gets a new URL, so browsers never keep a stale one. A request without
the fingerprint, or with an old one, is answered with ``no-cache`` (revalidated each time).
Starlette's StaticFiles serves the bytes (ranges, ETags, 304s); only the header and the
fingerprint table are ours, because no static-file library for ASGI fingerprints URLs without a
build step that renames the files (ServeStatic and WhiteNoise expect a Django-style manifest)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
PREFIX = "/static"
# Swagger UI's bundle and stylesheet, from the fastapi-offline package (docs/design.md says why).
SWAGGER_UI = ("fastapi_offline", "static")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class Assets(StaticFiles):
    def __init__(self) -> None:
        super().__init__(directory=STATIC, packages=[SWAGGER_UI])
        self.fingerprints: dict[str, str] = {}
        # The first directory wins for a name, as it does when StaticFiles serves it.
        for root in reversed(self.all_directories):
            for path in Path(root).rglob("*"):
                if path.is_file():
                    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                    self.fingerprints[path.relative_to(root).as_posix()] = digest

    def url(self, name: str) -> str:
        """The fingerprinted URL of a static file (a KeyError for a file that is not there:
        a template naming a missing file fails its first render, in the tests)."""
        return f"{PREFIX}/{name}?v={self.fingerprints[name]}"

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        current = self.fingerprints.get(self.get_path(scope).replace(os.sep, "/"))
        response.headers["Cache-Control"] = (
            IMMUTABLE if current is not None and asked == current else REVALIDATE
        )
        return response


ASSETS = Assets()


def static_url(name: str) -> str:
    return ASSETS.url(name)
