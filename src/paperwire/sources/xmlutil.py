"""Streaming XML for the Atom and OAI-PMH parsers: records one at a time, in constant memory.

Elements are matched by local name (the part after ``}``): the 2016 and 2026 arXiv feeds declare
their namespaces differently, and some OAI-PMH responses put the ``arXiv`` metadata in the OAI
namespace by omitting its ``xmlns`` (inspirehep's sample records do).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from paperwire.models import Problem


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def iter_elements(
    stream: BinaryIO, name: str, wanted: frozenset[str]
) -> Iterator[ET.Element | Problem]:
    """Yield each complete element whose local name is in ``wanted``, then drop it from the tree.

    Malformed XML (truncated, invalid UTF-8, ...) ends the stream with one Problem at
    ``name:LINE`` naming the position; the elements completed before it have been yielded.
    """
    parents: list[ET.Element] = []
    try:
        for event, elem in ET.iterparse(stream, events=("start", "end")):
            if event == "start":
                parents.append(elem)
                continue
            parents.pop()
            if local(elem.tag) in wanted:
                yield elem
                # Clearing alone would leave an empty shell per record under the root.
                elem.clear()
                if parents:
                    parents[-1].remove(elem)
    except ET.ParseError as exc:
        line = exc.position[0]
        yield Problem(f"{name}:{line}", f"malformed XML: {exc}")


def child(elem: ET.Element, name: str) -> ET.Element | None:
    for sub in elem:
        if local(sub.tag) == name:
            return sub
    return None


def children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [sub for sub in elem if local(sub.tag) == name]


def child_text(elem: ET.Element, name: str) -> str | None:
    """All text inside the first child called ``name`` (None when there is no such child)."""
    sub = child(elem, name)
    return None if sub is None else "".join(sub.itertext())


def children_text(elem: ET.Element, name: str) -> list[str]:
    return ["".join(sub.itertext()) for sub in children(elem, name)]
