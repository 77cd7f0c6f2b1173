"""A user's private "For you" signals (issue 12) on a real SQLite file and the real
PostgreSQL server: "not interested", muted authors / categories / words, "this is me" names;
their rules, their bounds, their privacy, and their end with the account."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperwire.errors import AccountError, NotFoundError
from paperwire.ingest import import_items
from paperwire.models import Paper, SignalKind, User, UserSignals
from paperwire.recommend.signals import Mutes
from paperwire.service import Service
from paperwire.service import signals as rules
from paperwire.settings import Settings
from paperwire.store import Store

PAPERWIRE = str(Path(sys.executable).parent / "paperwire")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def paper(paper_id: str, authors: list[str], *, title: str = "A title", **fields: object) -> Paper:
    found = Paper(
        id=paper_id,
        title=title,
        abstract=str(fields.pop("abstract", "An abstract about agents.")),
        authors=authors,
        categories=list(fields.pop("categories", ["cs.AI"])),  # type: ignore[call-overload]
        first_seen=fields.pop("first_seen", date(2026, 11, 2)),  # type: ignore[arg-type]
        sources=["test"],
    )
    return found


def user(service: Service, name: str) -> User:
    return service.accounts.sign_up(name, None, "a long enough password")


def test_store_keeps_each_signal_per_user(store: Store, service: Service) -> None:
    alice, bob = user(service, "alice"), user(service, "bob")
    signals = store.signals
    assert signals.of_user(alice.id) == UserSignals()
    assert signals.mark_not_interested(alice.id, "2501.00001", NOW)
    assert not signals.mark_not_interested(alice.id, "2501.00001", NOW)  # again: no change
    assert signals.add_term(alice.id, SignalKind.MUTED_WORD, "llm", "LLM", NOW)
    assert not signals.add_term(alice.id, SignalKind.MUTED_WORD, "llm", "llm", NOW)
    signals.add_term(alice.id, SignalKind.MUTED_AUTHOR, "ann lee", "Ann Lee", NOW)
    signals.add_term(alice.id, SignalKind.MUTED_CATEGORY, "hep-th", "hep-th", NOW)
    signals.add_term(alice.id, SignalKind.OWN_NAME, "zoë müller", "Zoë Müller", NOW)
    mine = signals.of_user(alice.id)
    assert mine == UserSignals(
        frozenset({"2501.00001"}), ("Ann Lee",), ("hep-th",), ("LLM",), ("Zoë Müller",)
    )
    assert signals.counts(alice.id) == (1, 4)
    assert signals.of_user(bob.id) == UserSignals()  # another user sees none of them
    assert signals.unmark_not_interested(alice.id, "2501.00001")
    assert not signals.unmark_not_interested(alice.id, "2501.00001")
    assert signals.remove_term(alice.id, SignalKind.MUTED_WORD, "llm")
    assert not signals.remove_term(bob.id, SignalKind.MUTED_AUTHOR, "ann lee")  # not bob's
    assert signals.of_user(alice.id).muted_authors == ("Ann Lee",)


def test_papers_by_claimed_names(store: Store) -> None:
    import_items(
        store,
        [
            ("test", paper("2501.00001", ["Zoë Müller", "B. Other"])),
            ("test", paper("2501.00002", ["zoë müller"], first_seen=date(2026, 11, 3))),
            ("test", paper("2501.00003", ["Joanna Zoë Müller"])),  # another person
            ("test", paper("2501.00004", ['Odd "Quote" 100%_Name'])),
        ],
        today=date(2026, 11, 2),
    )
    found = store.signals.papers_by_names(["ZOË Müller"], 10)
    assert list(found) == ["2501.00002", "2501.00001"]  # newest first
    assert all(when.tzinfo is not None for when in found.values())
    assert list(store.signals.papers_by_names(["Zoë Müller"], 1)) == ["2501.00002"]
    assert list(store.signals.papers_by_names(['odd "quote" 100%_name'], 5)) == ["2501.00004"]
    assert store.signals.papers_by_names(["Nobody"], 5) == {}
    assert store.signals.papers_by_names([], 5) == {}


def test_a_claimed_name_keeps_its_papers_until_removed(
    store: Store, service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_items(
        store,
        [
            ("test", paper("2501.00001", ["Ann Lee"])),
            ("test", paper("2501.00002", ["A. Lee", "Ann Lee"])),
            ("test", paper("2501.00003", ["A. Lee"])),
        ],
        today=date(2026, 11, 2),
    )
    alice, bob = user(service, "alice"), user(service, "bob")
    service.signals.add(alice, SignalKind.OWN_NAME, "Ann Lee")
    service.signals.add(alice, SignalKind.OWN_NAME, "a. lee")
    own = store.signals.of_user(alice.id).own_papers
    assert set(own) == {"2501.00001", "2501.00002", "2501.00003"}
    assert all(when.tzinfo is not None for when in own.values())
    assert store.signals.own_paper_count(alice.id) == 3
    assert store.signals.of_user(bob.id).own_papers == {}
    # A paper of two claimed names stays while one of them does.
    service.signals.remove(alice, SignalKind.OWN_NAME, "A. LEE")
    assert set(store.signals.of_user(alice.id).own_papers) == {"2501.00001", "2501.00002"}
    service.signals.remove(alice, SignalKind.OWN_NAME, "ann lee")
    assert store.signals.of_user(alice.id) == UserSignals()
    # Bounded: at most MAX_OWN_TOTAL papers over all names.
    monkeypatch.setattr(rules, "MAX_OWN_TOTAL", 1)
    service.signals.add(bob, SignalKind.OWN_NAME, "Ann Lee")
    assert list(store.signals.of_user(bob.id).own_papers) == ["2501.00001"]  # one only


def test_the_account_takes_its_signals_with_it(store: Store, service: Service) -> None:
    import_items(store, [("test", paper("2501.00001", ["Ann Lee"]))], today=date(2026, 11, 2))
    alice = user(service, "alice")
    service.signals.not_interested(alice, "2501.00001")
    service.signals.add(alice, SignalKind.MUTED_WORD, "agents")
    service.signals.add(alice, SignalKind.OWN_NAME, "Ann Lee")
    assert list(store.signals.of_user(alice.id).own_papers) == ["2501.00001"]
    service.accounts.remove_user("alice")
    again = user(service, "alice")  # the name reused: nothing of the old account comes back
    assert store.signals.of_user(alice.id) == UserSignals()
    assert store.signals.of_user(again.id) == UserSignals()
    from sqlalchemy import func, select

    from paperwire.store.schema import not_interested, own_papers, signal_terms

    assert service.signals.of_user(alice) == UserSignals()
    with store.db.read() as conn:
        for table in (not_interested, signal_terms, own_papers):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (SignalKind.MUTED_WORD, "x" * 10_000, "at most 60 characters (10,000 given)"),
        (SignalKind.MUTED_WORD, "   ", "empty"),
        (SignalKind.MUTED_WORD, "bad\x00word", "control characters"),
        (SignalKind.MUTED_WORD, "<script>alert(1)</script>", "letters, digits and spaces"),
        (SignalKind.MUTED_AUTHOR, "<b>Ann</b>", "a person's name"),
        (SignalKind.OWN_NAME, "12345", "a person's name"),
        (SignalKind.MUTED_CATEGORY, "cs.LG; DROP TABLE", "an arXiv category"),
    ],
)
def test_hostile_terms_are_refused_with_a_message(
    service: Service, kind: SignalKind, raw: str, message: str
) -> None:
    alice = user(service, "alice")
    with pytest.raises(AccountError, match=re.escape(message)):
        service.signals.add(alice, kind, raw)
    assert service.signals.of_user(alice) == UserSignals()


def test_terms_are_cleaned_and_capped(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = user(service, "alice")
    assert service.signals.add(alice, SignalKind.MUTED_WORD, "  large   language model ") == (
        "large language model"
    )
    assert service.signals.add(alice, SignalKind.MUTED_WORD, "C++") == "C++"
    assert service.signals.add(alice, SignalKind.MUTED_CATEGORY, "cs.LG") == "cs.LG"
    monkeypatch.setattr(rules, "MAX_TERMS", 3)
    with pytest.raises(AccountError, match="at most 3 mutes and names"):
        service.signals.add(alice, SignalKind.MUTED_WORD, "one more")
    service.signals.remove(alice, SignalKind.MUTED_WORD, "LARGE LANGUAGE MODEL")
    assert service.signals.of_user(alice).muted_words == ("C++",)
    with pytest.raises(NotFoundError):
        service.signals.not_interested(alice, "2501.99999")


def test_mutes_are_whole_words_and_case_blind() -> None:
    mutes = Mutes.of(
        UserSignals(
            muted_authors=("ann lee",),
            muted_categories=("HEP-TH",),
            muted_words=("LLM", "C++", "large language model"),
        )
    )
    assert mutes.hides(paper("1", ["Ann Lee"]))
    assert not mutes.hides(paper("1", ["Joann Lee"]))
    assert mutes.hides(paper("1", ["X"], categories=["math.AG", "hep-th"]))
    assert mutes.hides(paper("1", ["X"], title="Agents with llm planners"))
    assert mutes.hides(paper("1", ["X"], abstract="We use c++ and Rust."))
    assert mutes.hides(paper("1", ["X"], abstract="A Large\nlanguage  model."))
    assert mutes.hides(paper("1", ["X"], title="An LLM-free method", abstract=""))
    assert not mutes.hides(paper("1", ["X"], title="Skills of LLMs", abstract="none"))
    assert not Mutes.of(UserSignals())


def test_export_user_gives_a_person_their_own_data(service: Service, settings: Settings) -> None:
    import_items(
        service.store,
        [("test", paper("2501.00001", ["Ann Lee"])), ("test", paper("2501.00002", ["B"]))],
        today=date(2026, 11, 2),
    )
    alice = user(service, "alice")
    user(service, "bob")
    service.community.toggle_vote(alice, "2501.00002")
    shelf = service.community.create_collection(alice, "Mine", "", public=False)
    service.community.set_in_collection(alice, shelf.id, "2501.00001", True)
    service.signals.not_interested(alice, "2501.00001")
    service.signals.add(alice, SignalKind.MUTED_WORD, "agents")
    service.signals.add(alice, SignalKind.MUTED_AUTHOR, "Zed Z")
    service.signals.add(alice, SignalKind.MUTED_CATEGORY, "hep-th")
    service.signals.add(alice, SignalKind.OWN_NAME, "Ann Lee")
    env = {
        **os.environ,
        "PAPERWIRE_DATA_DIR": str(settings.data_dir),
        "PAPERWIRE_DATABASE_URL": settings.database_url,
    }
    done = subprocess.run(
        [PAPERWIRE, "export", "--user", "alice"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["user"]["username"] == "alice"
    assert data["for_you"] == {
        "not_interested": ["2501.00001"],
        "muted_authors": ["Zed Z"],
        "muted_categories": ["hep-th"],
        "muted_words": ["agents"],
        "own_names": ["Ann Lee"],
        "own_papers": ["2501.00001"],
    }
    assert data["collections"][0]["papers"] == ["2501.00001"]
    assert set(data["liked"]) == {"2501.00001", "2501.00002"}
    assert "password" not in done.stdout
    bob = json.loads(
        subprocess.run(
            [PAPERWIRE, "export", "--user", "bob"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        ).stdout
    )
    assert bob["for_you"]["muted_words"] == [] and bob["liked"] == {}
    missing = subprocess.run(
        [PAPERWIRE, "export", "--user", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert missing.returncode == 3 and "no account named 'nobody'" in missing.stderr
