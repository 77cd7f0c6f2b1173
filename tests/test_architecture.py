"""Dependencies point one way (DESIGN.md, "Layers point one way"); this test keeps them so."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import paperwire
from paperwire.errors import PaperwireError

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "paperwire"

# layer -> paperwire layers it must never import
_TOP = {"service", "cli", "web", "assistant"}
FORBIDDEN: dict[str, set[str]] = {
    "models": _TOP | {"store", "sources", "ingest", "search", "settings", "sync", "digest"},
    "ids": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
    # TeX accents to letters (titles, abstracts, names, BibTeX): below models, which uses it.
    "tex": _TOP | {"store", "sources", "ingest", "search", "models", "settings", "sync", "digest"},
    "errors": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
    # The signing key is read by the web and the service alike: it sits below both.
    "secret_key": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
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
    "service": {"cli", "web", "assistant"},
    # The MCP server is a surface like the web: it reaches data through the service only.
    "assistant": {"cli", "web", "store"},
    # The recommender is pure (features and model); the service feeds it papers.
    "recommend": _TOP | {"store", "sources", "ingest", "search", "sync", "digest"},
    # The web reaches data through the service only; errors come from paperwire.errors.
    "web": {"cli", "store"},
    "demo": _TOP | {"store"},
    "lease": _TOP | {"sources", "ingest", "search", "sync", "digest"},
    # Forked workers run pure functions: the module knows nothing of the project.
    "forked": _TOP | {"store", "sources", "ingest", "search", "models", "sync", "digest"},
}
# Modules a forbidden layer may still import: the store persists the digest's plain records
# and follows its state table (both pure, importing nothing but ``models``).
ALLOWED = {"store": {"paperwire.digest.model", "paperwire.digest.delivery_states"}}
# Third-party frameworks that belong to one layer only.
FRAMEWORKS = {
    "click": {"cli"},
    "rich": {"cli"},
    "fastapi": {"web"},
    "starlette": {"web"},
    "prometheus_client": {"web"},
    "jinja2": {"web", "digest"},
    "mcp": {"assistant", "web"},  # the MCP SDK: the server and its HTTP mount
    "mcp_types": {"assistant"},
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


def test_web_errors_know_only_the_error_tree() -> None:
    """Statuses come from the errors themselves, so the renderer needs no domain module."""
    imported = _imports(PACKAGE / "web" / "errors.py")
    assert not {n for n in imported if n.startswith(("paperwire.store", "paperwire.service"))}


def _all_subclasses(cls: type[BaseException]) -> list[type[BaseException]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_every_error_says_its_exit_code_and_http_status() -> None:
    """One tree in one module, and no class inherits a status by accident."""
    for module in pkgutil.walk_packages(paperwire.__path__, "paperwire."):
        # __main__ runs the CLI; migrations run Alembic when imported.
        if module.name != "paperwire.__main__" and ".migrations" not in module.name:
            importlib.import_module(module.name)
    errors = [c for c in _all_subclasses(PaperwireError) if c.__module__.startswith("paperwire")]
    assert len(errors) > 10
    for cls in [PaperwireError, *errors]:
        assert cls.__module__ == "paperwire.errors", f"{cls.__qualname__} is not in errors.py"
        assert "exit_code" in vars(cls) and "http_status" in vars(cls), cls.__qualname__
        assert isinstance(cls.exit_code, int) and 100 <= cls.http_status <= 599


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_import_cycles_inside_paperwire() -> None:
    """Any import, at module level or inside a function, counts: a cycle hidden in a lazy
    import is still two modules that cannot be understood apart."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # ``from paperwire.x import y`` names the module paperwire.x.y, or a name in x.
                targets = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


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
