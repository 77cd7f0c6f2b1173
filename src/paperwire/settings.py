"""Settings: one table, read from ``PAPERWIRE_*`` environment variables and an optional TOML file.

Precedence: environment variable > TOML file (``PAPERWIRE_CONFIG`` or ``--config``) > default.
Every setting is documented in docs/settings.md; a test fails when one is missing there.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.errors import ConfigError

ENV_PREFIX = "PAPERWIRE_"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paperwire"


def _setting(default: Any, help: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(
        _default_data_dir(),
        "Folder for the SQLite store and derived indexes. Created if missing.",
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy URL of the store, e.g. postgresql+psycopg://user@host/db. "
        "Empty: a SQLite file paperwire.db inside data_dir.",
    )
    import_batch_size: int = _setting(
        2000, "Papers written per transaction during an import (one batch is all or nothing)."
    )
    hnsw_threshold: int = _setting(
        20_000,
        "Above this many embedded papers, semantic search uses an HNSW graph (usearch) "
        "instead of an exact scan.",
    )
    search_candidates: int = _setting(
        100, "Candidates taken from each engine (lexical, semantic) before fusing them."
    )
    embed_batch_size: int = _setting(
        64, "Papers per batch in `paperwire embed` (each batch is stored in one transaction)."
    )
    model_dir: str = _setting(
        "",
        "Folder with the embedding model (model.onnx or model-int8.onnx and tokenizer.json). "
        "Empty: the model bundled with paperwire.",
    )
    trending_window_days: int = _setting(
        7, "Trending ranks the papers of this many days before the newest listing."
    )
    trending_gravity: float = _setting(
        1.8, "Trending score = votes / (age in hours + 2) ** gravity; higher favours newer."
    )
    session_days: int = _setting(30, "A log-in lasts this many days.")
    secret_key: str = _setting(
        "",
        "Secret for signed links and CSRF tokens. Empty: a random one kept in data_dir "
        "(fine for one machine; set it for several).",
        secret=True,
    )
    base_url: str = _setting(
        "http://127.0.0.1:8000", "Public address of the site (links in feeds and e-mails)."
    )
    host: str = _setting("127.0.0.1", "Address `paperwire serve` listens on.")
    port: int = _setting(8000, "Port `paperwire serve` listens on.")
    workers: int = _setting(1, "Web worker processes for `paperwire serve`.")
    new_window_days: int = _setting(
        3, "A paper first seen within this many days of the newest listing carries a 'new' badge."
    )

    @property
    def index_dir(self) -> Path:
        """Derived search indexes; safe to delete (rebuilt from the store)."""
        return self.data_dir / "index"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'paperwire.db'}"

    def describe(self) -> dict[str, str]:
        """Settings as text for display, secrets masked."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = "********" if f.metadata["secret"] and value else str(value)
        return out


def setting_fields() -> list[dataclasses.Field[Any]]:
    return list(dataclasses.fields(Settings))


def _convert(name: str, default: Any, raw: Any) -> Any:
    """Coerce a raw value (TOML or environment text) to the type of the setting's default."""
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError("expected true or false")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(str(raw)).expanduser()
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: invalid value {raw!r} ({exc})") from exc


def load_settings(
    env: dict[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Build Settings from defaults, a TOML file, the environment and explicit overrides."""
    import tomllib

    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    known = {f.name: f for f in setting_fields()}
    path = config_file
    if path is None and env.get(ENV_PREFIX + "CONFIG"):
        path = Path(env[ENV_PREFIX + "CONFIG"])
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path}: {exc}") from exc
        for key, raw in data.items():
            if key not in known:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[key] = raw
    for name in known:
        if ENV_PREFIX + name.upper() in env:
            values[name] = env[ENV_PREFIX + name.upper()]
    values.update({k: v for k, v in overrides.items() if v is not None})
    converted = {}
    for name, raw in values.items():
        f = known.get(name)
        if f is None:
            raise ConfigError(f"unknown setting {name!r}")
        converted[name] = _convert(name, f.default, raw)
    return Settings(**converted)
