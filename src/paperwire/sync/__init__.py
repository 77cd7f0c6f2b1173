"""Live sync: polite, incremental, crash-safe harvesting of arXiv and Hugging Face.

- ``http``: the polite client (pacing across processes, retries, Retry-After, time budget);
- ``oai``: arXiv OAI-PMH ``ListRecords`` by window and resumption token, checkpointed per page;
- ``arxiv_api``: lookups by id and search queries on the arXiv API;
- ``hf``: Hugging Face daily papers, day by day, with conditional requests;
- ``jobs``: the runner (``run_sync``, ``fetch_arxiv_paper``) with locks and reports;
- ``schedule``: the same jobs on a timetable inside ``paperwire serve``;
- ``bulk``: where OAI-PMH takes over from the bulk snapshot.

Parsing is the pure parsers' job (``paperwire.sources``); writing papers is ``ingest``'s.
"""

from paperwire.sync.config import SyncConfig
from paperwire.sync.jobs import JOBS, fetch_arxiv_paper, run_sync
from paperwire.sync.report import EXIT_CHANGED, EXIT_ERRORS, EXIT_UNCHANGED, JobReport, SyncReport

__all__ = [
    "EXIT_CHANGED",
    "EXIT_ERRORS",
    "EXIT_UNCHANGED",
    "JOBS",
    "JobReport",
    "SyncConfig",
    "SyncReport",
    "fetch_arxiv_paper",
    "run_sync",
]
