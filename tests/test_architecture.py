"""Dependencies point one way (DESIGN.md, "Layers point one way"); this test keeps them so."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperwire"

# layer -> paperwire layers it must never import
FORBIDDEN: dict[str, set[str]] = {
    "models": {"store", "sources", "ingest", "service", "cli", "web", "search", "settings"},
    "ids": {"store", "sources", "ingest", "service", "cli", "web", "search", "models"},
    "errors": {"store", "sources", "ingest", "service", "cli", "web", "search", "models"},
    "settings": {"store", "sources", "ingest", "service", "cli", "web", "search"},
    "sources": {"store", "ingest", "service", "cli", "web", "search"},
    "store": {"sources", "ingest", "service", "cli", "web", "search"},
    "ingest": {"service", "cli", "web"},
    "search": {"service", "cli", "web", "ingest"},
    "service": {"cli", "web"},
    "demo": {"service", "cli", "web", "store"},
}
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
                if target in FORBIDDEN.get(layer, set()):
                    violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
            elif parts[0] in FRAMEWORKS and layer not in FRAMEWORKS[parts[0]]:
                violations.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert violations == []
