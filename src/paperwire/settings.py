"""Settings: one table, read from ``PAPERWIRE_*`` environment variables and an optional TOML file.

Precedence: environment variable > TOML file (``PAPERWIRE_CONFIG`` or ``--config``) > default.
Every setting is documented in docs/settings.md; a test fails when one is missing there.

Every value is checked when the settings are loaded (its type, and the choices or range its
field declares), so a wrong one stops the program at start-up with a message naming the
environment variable or file key it came from, not at the first request that uses it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperwire.errors import ConfigError

ENV_PREFIX = "PAPERWIRE_"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "paperwire"


# A time of day as `paperwire serve` schedules it (service.jobs.parse_time_of_day): H, HH:MM.
_TIME_OF_DAY = (r"(?:[01]?\d|2[0-3])(?::[0-5]\d)?|", "a UTC time as HH:MM, or empty")
_WEB_ADDRESS = (r"(https?://[^\s/]+\S*)?", "an http:// or https:// address (or empty)")
_MAIL_ADDRESS = (r".*[^@\s<>]+@[^@\s<>]+.*", "an address, e.g. paperwire <digest@example.org>")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Addresses and CIDR blocks separated by commas or spaces (``10.0.0.0/8, ::1``); a bare
    address is a block of one. ValueError names the first entry that is neither."""
    networks = []
    for entry in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR block") from None
    return tuple(networks)


def _networks_problem(value: Any) -> str | None:
    try:
        parse_networks(str(value))
    except ValueError as exc:
        return str(exc)
    return None


def _setting(
    default: Any,
    help: str,
    *,
    secret: bool = False,
    choices: tuple[str, ...] = (),
    at_least: float | None = None,
    at_most: float | None = None,
    above: float | None = None,
    pattern: tuple[str, str] | None = None,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A field with its help text and the rule its value must follow (checked at load);
    ``check`` is a rule no declaration above can say: it returns the problem, or None."""
    rule = {"choices": choices, "at_least": at_least, "at_most": at_most, "above": above}
    metadata = {"help": help, "secret": secret, "pattern": pattern, "check": check, **rule}
    return field(default=default, metadata=metadata)


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
        2000,
        "Papers written per transaction during an import (one batch is all or nothing).",
        at_least=1,
    )
    hnsw_threshold: int = _setting(
        20_000,
        "Above this many embedded papers, semantic search uses an HNSW graph (usearch) "
        "instead of an exact scan.",
        at_least=1,
    )
    search_candidates: int = _setting(
        100, "Candidates taken from each engine (lexical, semantic) before fusing them.", at_least=1
    )
    embed_batch_size: int = _setting(
        64,
        "Papers per batch in `paperwire embed` (each batch is stored in one transaction).",
        at_least=1,
    )
    embed_in_background: bool = _setting(
        True,
        "`paperwire serve` embeds papers that lack vectors in a background thread (resumable), "
        "so semantic search fills in while the site serves.",
    )
    index_catch_up_seconds: float = _setting(
        30.0,
        "Every process applies papers and vectors stored by others (importers, other nodes) "
        "to its own search index this often.",
        at_least=1,
    )
    model_dir: str = _setting(
        "",
        "Folder with the embedding model (model.onnx or model-int8.onnx and tokenizer.json). "
        "Empty: the model bundled with paperwire.",
    )
    trending_window_days: int = _setting(
        7, "Trending ranks the papers of this many days before the newest listing.", at_least=1
    )
    trending_gravity: float = _setting(
        1.8,
        "Trending score = votes / (age in hours + 2) ** gravity; higher favours newer.",
        at_least=0,
    )
    session_days: int = _setting(30, "A log-in lasts this many days.", at_least=1)
    password_hash_time_cost: int = _setting(
        3,
        "Argon2id passes over memory per password hash (argon2-cffi's default). Existing hashes "
        "keep verifying after a change: each carries its own parameters.",
        at_least=1,
        at_most=100,
    )
    password_hash_memory_kib: int = _setting(
        65536,
        "Argon2id memory per password hash, in KiB (64 MiB, argon2-cffi's default).",
        at_least=1024,
        at_most=4 * 1024 * 1024,
    )
    secret_key: str = _setting(
        "",
        "Secret for signed links and CSRF tokens. Empty: a random one kept in data_dir "
        "(fine for one machine; set it for several).",
        secret=True,
    )
    base_url: str = _setting(
        "",
        "Public address of the site (links in feeds and e-mails). Empty: the address "
        "`paperwire serve` listens on (host and port).",
        pattern=_WEB_ADDRESS,
    )
    trusted_proxies: str = _setting(
        "",
        "Reverse proxies whose X-Forwarded-For is believed: IP addresses or CIDR blocks, "
        "separated by commas or spaces. Empty: none (the client is the connection's peer).",
        check=_networks_problem,
    )
    max_request_bytes: int = _setting(
        1024 * 1024,
        "Largest request body accepted, forms and JSON alike; a larger one is answered 413.",
        at_least=1024,
    )
    metrics_token: str = _setting(
        "",
        "Bearer token that /metrics (Prometheus text format) asks for. Empty: /metrics is off.",
        secret=True,
    )
    library_max_bytes: int = _setting(
        20 * 1024 * 1024,
        "Largest library file (BibTeX, RIS, CSL-JSON) imported, by the CLI or the upload form.",
        at_least=1024,
    )
    library_fetch_limit: int = _setting(
        20,
        "At most this many papers of one library import are fetched from arXiv (0: none).",
        at_least=0,
    )
    host: str = _setting("127.0.0.1", "Address `paperwire serve` listens on.")
    port: int = _setting(8000, "Port `paperwire serve` listens on.", at_least=1, at_most=65535)
    workers: int = _setting(1, "Web worker processes for `paperwire serve`.", at_least=1)
    new_window_days: int = _setting(
        3,
        "A paper first seen within this many days of the newest listing carries a 'new' badge.",
        at_least=0,
    )

    # -- live sync (docs/sync.md) --
    arxiv_oai_url: str = _setting(
        "https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint (a mirror, or a test server)."
    )
    arxiv_api_url: str = _setting(
        "https://export.arxiv.org/api/query", "arXiv API endpoint for lookups by id and queries."
    )
    hf_api_url: str = _setting(
        "https://huggingface.co/api", "Hugging Face API base (daily papers: <base>/daily_papers)."
    )
    contact_email: str = _setting(
        "", "Contact address sent in the User-Agent of every request to arXiv and Hugging Face."
    )
    sync_sets: str = _setting(
        "",
        "OAI-PMH sets to harvest, separated by commas or spaces (cs, cs:cs:AI, physics:hep-th). "
        "Empty: all of arXiv.",
    )
    sync_metadata_prefix: str = _setting(
        "arXivRaw",
        "OAI-PMH metadata format: arXivRaw (every version with its date) or arXiv.",
        choices=("arXivRaw", "arXiv"),
    )
    arxiv_delay_seconds: float = _setting(
        3.0,
        "Seconds between the end of one request to arXiv and the start of the next, across all "
        "processes sharing the store (arXiv's rule: 3).",
        at_least=0,
    )
    hf_delay_seconds: float = _setting(1.0, "Seconds between requests to Hugging Face.", at_least=0)
    http_timeout: float = _setting(
        60.0, "Seconds to wait for a source's answer before retrying.", above=0
    )
    http_max_retries: int = _setting(
        6, "Retries after a timeout, a dropped connection, 429 or 5xx, with backoff.", at_least=0
    )
    job_budget_seconds: float = _setting(
        3600.0,
        "Wall-clock budget of one sync job, waits and retries included; the job stops with a "
        "message when the next wait would not fit (the next run resumes).",
        above=0,
    )
    arxiv_first_days: int = _setting(
        3, "Without a checkpoint, the first arXiv harvest starts this many days back.", at_least=0
    )
    hf_refresh_days: int = _setting(
        3, "Hugging Face days fetched again on every sync (upvotes keep changing).", at_least=0
    )
    sync_lock_ttl_seconds: float = _setting(
        300.0,
        "A sync job's lock expires this long after its last heartbeat (taken over after a crash).",
        above=0,
    )
    sync_arxiv_at: str = _setting(
        "01:30",
        "`paperwire serve` runs the arXiv sync daily at this UTC time (after arXiv's 20:00 US "
        "Eastern announcement). Empty: never.",
        pattern=_TIME_OF_DAY,
    )
    job_lease_seconds: float = _setting(
        120.0,
        "The scheduled jobs that run once across processes (embedding, submissions, session "
        "clean-up) hold a lease this long past its last heartbeat; a process that dies mid-job "
        "hands the job over to another once it expires.",
        above=0,
    )
    sync_hf_hours: float = _setting(
        4.0,
        "`paperwire serve` runs the Hugging Face sync every this many hours. 0: never.",
        at_least=0,
    )

    # -- e-mail digests --
    mail_transport: str = _setting(
        "smtp",
        "How mail leaves: smtp (through smtp_host), outbox (kept in the store and shown to "
        "admins on /admin/outbox; `make run` uses it) or none (no mail, and the subscribe page "
        "says so).",
        choices=("smtp", "outbox", "none"),
    )
    smtp_host: str = _setting(
        "",
        "SMTP server for digests and confirmation mails (mail_transport = smtp). Empty: no mail "
        "is sent and `paperwire serve` runs no digest job.",
    )
    smtp_port: int = _setting(
        25, "SMTP port (587 for STARTTLS, 465 for TLS).", at_least=1, at_most=65535
    )
    smtp_security: str = _setting(
        "none",
        "none, starttls (upgrade after connecting) or tls (TLS from the start).",
        choices=("none", "starttls", "tls"),
    )
    smtp_username: str = _setting("", "Log in to the SMTP server with this name (empty: no login).")
    smtp_password: str = _setting("", "Password for smtp_username.", secret=True)
    smtp_timeout: float = _setting(
        30.0,
        "Seconds to wait for the SMTP server before a try counts as failed (and is retried).",
        above=0,
    )
    smtp_rate_per_second: float = _setting(
        10.0, "Send at most this many messages a second (0: no limit).", at_least=0
    )
    mail_from: str = _setting(
        "paperwire <digest@localhost>",
        "From header and envelope sender of every mail.",
        pattern=_MAIL_ADDRESS,
    )
    digest_top_n: int = _setting(
        10, "Papers in a digest unless the subscriber chooses (1-50).", at_least=1, at_most=50
    )
    digest_hour: int = _setting(
        7, "Default send hour, in the subscriber's time zone.", at_least=0, at_most=23
    )
    digest_grace_days: int = _setting(
        3,
        "A digest also looks this many days back for papers that reached the store late "
        "(never one already sent).",
        at_least=0,
    )
    topic_min_similarity: float = _setting(
        0.35,
        "Topic digests: a paper matches by meaning at this cosine similarity or more "
        "(else it must contain every word).",
        at_least=-1,
        at_most=1,
    )
    digest_retry_seconds: float = _setting(
        1.0,
        "First wait before retrying a deferred mail within a run (doubles; 3 tries, then a "
        "later run).",
        at_least=0,
    )
    digest_max_failures: int = _setting(
        3,
        "Permanent SMTP refusals in a row before an address is marked failing and mailed no more.",
        at_least=1,
    )
    digest_lock_ttl: float = _setting(
        120.0, "Seconds after which the lock of a crashed digest run expires.", above=0
    )
    digest_every_minutes: float = _setting(
        5.0, "`paperwire serve` runs the digest job this often.", above=0
    )
    digest_notices_per_hour: int = _setting(
        3, "Confirmation or preferences mails one address can be sent per hour.", at_least=1
    )

    def __post_init__(self) -> None:
        # Settings built in code (tests, benchmarks) follow the same rules as loaded ones.
        for f in dataclasses.fields(self):
            problem = _problem(f, getattr(self, f.name))
            if problem:
                raise ConfigError(f"setting {f.name}: {problem}")

    @property
    def trusted_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def index_dir(self) -> Path:
        """Derived search indexes; safe to delete (rebuilt from the store)."""
        return self.data_dir / "index"

    @property
    def public_url(self) -> str:
        """The site's address for absolute links, without a trailing slash: ``base_url``, or
        else the address `paperwire serve` is bound to (so a site started with --port 8765
        never links to 8000). A wildcard host (0.0.0.0, ::) is reached as 127.0.0.1 on this
        machine; a site others reach sets base_url."""
        if self.base_url.strip():
            return self.base_url.strip().rstrip("/")
        host = self.host.strip()
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

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


def _problem(f: dataclasses.Field[Any], value: Any) -> str | None:
    """What is wrong with a value of field ``f`` by the rule it declares; None when nothing."""
    # Fields redeclared without _setting (a test's subclass) have no rule.
    rule = f.metadata
    if rule.get("check") and (problem := rule["check"](value)):
        return str(problem)
    if rule.get("choices") and value not in rule["choices"]:
        return f"{value!r} is not one of {', '.join(rule['choices'])}"
    if rule.get("pattern"):
        regex, meaning = rule["pattern"]
        if not isinstance(value, str) or not re.fullmatch(regex, value.strip()):
            return f"{value!r} is not {meaning}"
    low, high, above = rule.get("at_least"), rule.get("at_most"), rule.get("above")
    if low is None and high is None and above is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number"
    # Each comparison is true inside the range, so that NaN fails them all.
    if low is not None and not value >= low:
        return f"{value!r} is out of range (must be at least {low:g})"
    if high is not None and not value <= high:
        return f"{value!r} is out of range (must be at most {high:g})"
    if above is not None and not value > above:
        return f"{value!r} is out of range (must be more than {above:g})"
    return None


def _convert(name: str, default: Any, raw: Any, where: str) -> Any:
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
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError("expected a whole number")
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(str(raw)).expanduser()
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: invalid value {raw!r} ({exc}); from {where}") from exc


def load_settings(
    env: dict[str, str] | None = None, config_file: Path | None = None, **overrides: Any
) -> Settings:
    """Build Settings from defaults, a TOML file, the environment and explicit overrides."""
    import tomllib

    env = dict(os.environ) if env is None else env
    values: dict[str, Any] = {}
    where: dict[str, str] = {}  # where each value came from, for the error messages
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
            where[key] = f"config file {path}, key {key}"
    for name in known:
        if ENV_PREFIX + name.upper() in env:
            values[name] = env[ENV_PREFIX + name.upper()]
            where[name] = f"environment variable {ENV_PREFIX}{name.upper()}"
    for name, raw in overrides.items():
        if raw is not None:
            values[name] = raw
            where[name] = "the command line"
    converted = {}
    for name, raw in values.items():
        f = known.get(name)
        if f is None:
            raise ConfigError(f"unknown setting {name!r}")
        converted[name] = _convert(name, f.default, raw, where[name])
        problem = _problem(f, converted[name])
        if problem:
            raise ConfigError(f"setting {name}: {problem}; from {where[name]}")
    return Settings(**converted)
