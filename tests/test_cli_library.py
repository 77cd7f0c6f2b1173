"""`paperwire library import` and `export` as a user runs them: real subprocesses on a real
SQLite file holding the snapshot's first 200 papers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import rispy

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")

LIBRARY = r"""@comment{jabref-meta: databaseType:bibtex;}
@article{balazs2007,
  author = {Bal{\'a}zs, C. and Berger, E. L.},
  title = {Calculation of prompt diphoton production cross sections at {Tevatron} and {LHC}
           energies},
  eprint = {0704.0001v2}, archivePrefix = {arXiv},
}
@article{cooper, title = {Some title that differs}, doi = {10.1103/physreva.75.043613}}
@article{graph, title = {Sparsity-certifying Graph Decompositions}, year = {2007}}
@article{elsewhere, title = {A paper that this store has never seen at all}}
@article{broken, title = {Braces {never close, year = {2020}}
"""


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PAPERWIRE_DATA_DIR": str(data_dir), "PAPERWIRE_DATABASE_URL": ""}
    return subprocess.run(
        [PAPERWIRE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_import_a_library_report_it_and_export_it(tmp_path: Path, shared_data: Path) -> None:
    data = tmp_path / "d"
    snapshot = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    assert cli(data, "init").returncode == 0
    assert cli(data, "import", "--no-index", str(snapshot)).returncode == 0
    assert cli(data, "user", "add", "alice", "--password", "correct horse battery").returncode == 0
    bib = tmp_path / "library.bib"
    bib.write_text(LIBRARY, encoding="utf-8")

    shown = cli(data, "library", "import", "alice", str(bib))
    assert shown.returncode == 0, shown.stderr
    assert "library.bib: 4 entries (bibtex)" in shown.stdout
    assert "3 papers added to My library (/u/alice/c/my-library)" in shown.stdout
    assert "library.bib:10: A paper that this store has never seen at all" in shown.stdout
    assert "library.bib:11: could not be read" in shown.stdout

    report = json.loads(cli(data, "library", "import", "alice", str(bib), "--json").stdout)
    assert report["matched"] == {"arxiv id": 1, "doi": 1, "title": 1, "fetched": 0}
    assert [p["paper_id"] for p in report["papers"]] == ["0704.0001", "0704.0006", "0704.0002"]
    assert report["added"] == 0  # already there
    assert report["unmatched"][0]["where"] == "library.bib:10"

    exported = cli(data, "library", "export", "alice", "my-library", "--format", "ris")
    assert exported.returncode == 0, exported.stderr
    titles = sorted(r["title"] for r in rispy.loads(exported.stdout))
    assert titles[0].startswith("Bosonic characters of atomic Cooper pairs")
    assert len(titles) == 3

    wrong = tmp_path / "notes.txt"
    wrong.write_text("just some notes\n", encoding="utf-8")
    refused = cli(data, "library", "import", "alice", str(wrong))
    assert refused.returncode == 5 and "not a library file" in refused.stderr
    nobody = cli(data, "library", "import", "nobody", str(bib))
    assert nobody.returncode == 3 and "no user nobody" in nobody.stderr
