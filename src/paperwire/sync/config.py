"""What the sync jobs need to know, apart from the store: one small frozen dataclass.

The service builds it from Settings (``make_sync_config``); tests build it directly, pointing
the base URLs at a local replay server and shrinking delays and budgets.
"""

from __future__ import annotations

from dataclasses import dataclass

ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
ARXIV_API_URL = "https://export.arxiv.org/api/query"
HF_API_URL = "https://huggingface.co/api"


@dataclass(frozen=True, slots=True)
class SyncConfig:
    arxiv_oai_url: str = ARXIV_OAI_URL
    arxiv_api_url: str = ARXIV_API_URL
    hf_api_url: str = HF_API_URL
    # Goes into the User-Agent: arXiv asks harvesters for a way to reach them.
    contact_email: str = ""
    # OAI-PMH sets ("cs", "cs:cs:AI", "physics:hep-th"); empty: the whole repository.
    sets: tuple[str, ...] = ()
    metadata_prefix: str = "arXivRaw"
    # arXiv's rule: at most one request every 3 s, one connection at a time, across the API,
    # OAI-PMH and RSS, and across all of our processes.
    arxiv_delay: float = 3.0
    hf_delay: float = 1.0
    http_timeout: float = 60.0
    # Wall-clock budget of one job, retries and politeness waits included.
    budget_seconds: float = 3600.0
    max_retries: int = 6
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    # How often a damaged page (truncated XML, an HTML error page) is fetched again.
    page_retries: int = 2
    # Without a checkpoint or --since, the first OAI-PMH window starts this many days back
    # (a harvest without `from` would be all of arXiv: use the bulk snapshot for that).
    arxiv_first_days: int = 3
    # HF: days fetched again each run, because upvotes keep changing after the day.
    hf_refresh_days: int = 3
    lock_ttl_seconds: float = 300.0
    batch_size: int = 2000
