"""Dependencies point one way (DESIGN.md, "Layers point one way"); this test keeps them so."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperwire"

# layer -> paperwire layers it must never import
_TOP = {"service", "cli", "web"}
FORBIDDEN: dict[str, set[str]] = {
    "models": _TOP | {"store", "sources", "ingest", "search", "settings", "sync", "digest"},
    "ids": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
    "errors": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
    "settings": _TOP | {"store", "sources", "ingest", "search", "sync", "digest"},
    "sources": _TOP | {"store", "ingest", "search", "sync", "digest"},
    "store": _TOP | {"sources", "ingest", "search", "sync", "digest"},
    "ingest": _TOP | {"sync", "digest", "search"},
    "search": _TOP | {"ingest", "sync", "digest"},
    "sync": _TOP | {"search", "digest"},
    "digest": _TOP | {"sync", "ingest"},
    "ranking": _TOP | {"store", "search", "sync", "digest"},
    "accounts": _TOP | {"store", "search", "sync", "digest"},
    "citations": _TOP | {"store", "search", "sync", "digest"},
    "service": {"cli", "web"},
    "demo": _TOP | {"store"},
}
# Modules a forbidden layer may still import: the store persists the digest's plain records
# and follows its state table (both pure, importing nothing but ``models``).
ALLOWED = {"store": {"paperwire.digest.model", "paperwire.digest.delivery_states"}}
# Third-party frameworks that belong to one layer only.
FRAMEWORKS = {
    "typer": {"cli"},
    "click": {"cli"},
    "fastapi": {"web"},
    "starlette": {"web"},
    "jinja2": {"web", "digest"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_layers_point_one_way() -> None:
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "paperwire" and len(parts) > 1:
                target = parts[1]
                if target in FORBIDDEN.get(layer, set()) and name not in ALLOWED.get(layer, ()):
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
            elif parts[0] in FRAMEWORKS and layer not in FRAMEWORKS[parts[0]]:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []


def _connection_uses(path: Path) -> list[str]:
    """Places where ``path`` reaches for a database connection or for SQLAlchemy."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            if any(n and n.split(".")[0] == "sqlalchemy" for n in names):
                found.append(f"{line}: imports sqlalchemy")
        elif isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            if (
                node.attr in {"_connect", "_db"}
                or (
                    node.attr in {"db", "engine", "_engine", "connect", "begin"}
                    and "store" in owner.lower()
                )
                or (node.attr in {"connect", "begin"} and owner.split(".")[-1] in {"engine", "db"})
            ):
                found.append(f"{line}: {owner}.{node.attr}")
    return found


def test_only_the_store_touches_connections() -> None:
    """Connections, transactions and SQL are the store's (``store/base.py``); every other
    module goes through a domain store's methods."""
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if _layer(path) == "store":
            continue
        violations += [f"{path.relative_to(PACKAGE)}:{use}" for use in _connection_uses(path)]
    assert violations == []
