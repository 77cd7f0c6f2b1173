"""Issue 16 on real arXiv papers: titles and their fragments first, quoted phrases exact,
typo recovery from the index's own words, honest counts, the one fusion, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperwire.errors import InvalidQueryError
from paperwire.search.fusion import Fusion
from paperwire.search.types import Hit
from paperwire.service import Service

DIPHOTON = "0704.0001"  # Calculation of prompt diphoton production cross sections at Tevatron
# and LHC energies
SPARSITY = "0704.0002"  # Sparsity-certifying Graph Decompositions


def first(service: Service, query: str, mode: str = "lexical") -> str | None:
    results = service.search.search(query, mode=mode).results
    return results[0].paper.id if results else None


def test_title_fragments_and_titles_rank_their_paper_first(snapshot_service: Service) -> None:
    assert first(snapshot_service, "prompt diphoton production") == DIPHOTON
    assert first(snapshot_service, "Sparsity-certifying Graph Decompositions") == SPARSITY
    # A title pasted from a PDF, with TeX and a line break, still finds it.
    pasted = "Calculation of prompt $\\gamma\\gamma$ diphoton production cross sections at\n  LHC"
    assert first(snapshot_service, pasted) == DIPHOTON
    assert first(snapshot_service, pasted, mode="hybrid") == DIPHOTON


def test_quoted_phrases_match_the_exact_words(snapshot_service: Service) -> None:
    def ids(query: str) -> list[str]:
        return [r.paper.id for r in snapshot_service.search.search(query, mode="lexical").results]

    assert DIPHOTON in ids('"diphoton production"')
    # Stemming would make "productions" match; quoted, only the words as written do.
    assert ids('"diphoton productions"') == []
    assert ids('"production diphoton"') == []  # order counts
    # A phrase with nothing indexable in it matches nothing, never every paper.
    assert ids(f'"{"q" * 45} {"z" * 41}"') == []


# Real misspellings of real title words of the sample: a dropped letter, a swap, a double.
def test_a_misspelled_query_is_searched_corrected_and_says_so(snapshot_service: Service) -> None:
    response = snapshot_service.search.search("diphotn prodcution", mode="lexical")
    assert response.corrected == "diphoton production"
    assert response.results[0].paper.id == DIPHOTON
    assert response.keyword_matches and response.keyword_matches > 0
    # "search instead for": the words as typed, which match nothing, with the spelling offered.
    typed = snapshot_service.search.search("diphotn prodcution", mode="lexical", spell=False)
    assert typed.results == [] and typed.keyword_matches == 0
    assert typed.corrected is None and typed.suggestion == "diphoton production"


def test_a_typo_beside_matching_words_is_only_suggested(snapshot_service: Service) -> None:
    response = snapshot_service.search.search("diphoton prodcution", mode="lexical")
    assert response.corrected is None
    assert response.suggestion == "diphoton production"
    assert response.results[0].paper.id == DIPHOTON
    # Filters and phrases survive the suggestion as written.
    filtered = snapshot_service.search.search("graph decompositons cat:math.CO", mode="lexical")
    assert filtered.suggestion == "graph decompositions cat:math.CO"
    # Words the index knows are never "corrected".
    assert snapshot_service.search.search("graph decompositions").suggestion is None


def test_counts_are_keyword_matches_not_the_store(snapshot_service: Service) -> None:
    lexical = snapshot_service.search.search("graph", mode="lexical")
    assert lexical.keyword_matches == lexical.total < 200
    # Semantic mode has no match count (every paper has some similarity).
    semantic = snapshot_service.search.search("graph", mode="semantic")
    assert semantic.keyword_matches is not None  # no embeddings here: it fell back to keywords
    assert any("paperwire embed" in w for w in semantic.warnings)


# (query, what must come back): "results" (some papers, never a crash), "refused" (a message
# saying there is nothing to search for: never every paper).
BAD_QUERIES = [
    ("the of and a", "results"),  # only stop words: they are words of titles too
    ("!!! ... ???", "refused"),  # only punctuation
    ("graph " * 2000, "results"),  # 12,000 characters: cut, with a warning
    ("graph 图 декомпозиция グラフ", "results"),  # mixed scripts
    ('"graph decompositions', "results"),  # unbalanced quote: closed at the end
    ("author:", "refused"),
    ("cat:", "refused"),
    ("since:", "refused"),
    ("until:", "refused"),
    ("graph cat: author:", "results"),  # operators with nothing after: ignored, said so
]


@pytest.mark.parametrize(("query", "expected"), BAD_QUERIES)
@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_bad_input_gives_results_or_a_clear_message(
    snapshot_service: Service, query: str, expected: str, mode: str
) -> None:
    if expected == "refused":
        with pytest.raises(InvalidQueryError, match="nothing to search for"):
            snapshot_service.search.search(query, mode=mode)
        return
    response = snapshot_service.search.search(query, mode=mode)
    assert response.results, query
    assert response.keyword_matches is not None and 0 < response.keyword_matches <= 200
    if len(query) > 1000:
        assert any("cut to its first" in w for w in response.warnings)
    if query.endswith(":"):
        assert sum("needs a value" in w for w in response.warnings) == 2
    if "decompositions" in query:
        assert response.results[0].paper.id == SPARSITY


def test_fusion_keeps_score_differences_that_rank_fusion_drops() -> None:
    lexical = [Hit("title-match", 30.0), Hit("weak", 3.0), Hit("weaker", 2.9)]
    semantic = [
        Hit("weak", 0.61),
        Hit("neighbour", 0.60),
        Hit("title-match", 0.59),
        Hit("far", 0.1),
    ]
    convex = Fusion("convex", 0.5).fuse(lexical, semantic)
    # Normalised: title-match 1.0 and 0.49/0.51; weak 0.1/27.1 and 1.0.
    assert convex[0].id == "title-match"
    assert convex[0].score == pytest.approx(0.5 + 0.5 * 0.49 / 0.51)
    rrf = Fusion("rrf", 0.5, 60).fuse(lexical, semantic)
    assert rrf[0].id == "weak"  # two good ranks beat one perfect match
    assert Fusion("convex", 1.0).fuse(lexical, semantic)[0].id == "title-match"
    assert Fusion("convex", 0.0).fuse(lexical, semantic)[0].id == "weak"
    assert Fusion().fuse([], []) == []
    with pytest.raises(ValueError, match="between 0 and 1"):
        Fusion("convex", 1.5)
    with pytest.raises(ValueError, match="unknown fusion"):
        Fusion("borda")


@pytest.fixture
def embedded_service(service: Service, shared_data: Path) -> Service:
    """The first 40 papers of the arXiv sample, indexed and embedded with the real model."""
    lines = shared_data / "arxiv-snapshot" / "arxiv-metadata-oai-snapshot.head200.jsonl"
    sample = service.settings.data_dir / "sample.jsonl"
    sample.write_text("".join(lines.read_text().splitlines(keepends=True)[:40]))
    service.papers.import_files([sample])
    service.search.embed()
    return service


def test_hybrid_pins_a_title_and_counts_honestly(embedded_service: Service) -> None:
    title = "Sparsity-certifying Graph Decompositions"
    response = embedded_service.search.search(title)
    assert response.by_meaning and not response.meaning_only
    assert response.results[0].paper.id == SPARSITY
    assert response.results[0].lexical_rank == 1
    lexical = embedded_service.search.search(title, mode="lexical")
    assert response.keyword_matches == lexical.keyword_matches
    # Meaning only: no paper has these words, and no spelling of them is in the index.
    vague = embedded_service.search.search("xylophone orchestras")
    assert vague.keyword_matches == 0 and vague.meaning_only and vague.results
    assert vague.corrected is None
    semantic = embedded_service.search.search("graph", mode="semantic")
    assert semantic.keyword_matches is None and semantic.by_meaning
