"""Runs one digest job in its own process (the crash test kills it with SIGKILL).

python digest_runner.py SETTINGS_JSON NOW
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from digest_helpers import DigestSettings

from paperwire.service import make_service


def main() -> int:
    values = json.loads(sys.argv[1])
    values["data_dir"] = Path(values["data_dir"])
    settings = DigestSettings(**values)
    service = make_service(settings)
    report = service.digests.run_digests(datetime.fromisoformat(sys.argv[2]), lock_wait=60.0)
    print(report.summary(), flush=True)
    service.close()
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
