"""JSON from outside (NHSO, MOPH, an SMS gateway) parsed without surprises.

``json.loads`` of ``[[[[...]]]]`` a few thousand levels deep raises ``RecursionError``,
which no ``except ValueError`` catches, and a document a few hundred levels deep parses
but then breaks whatever walks it (pydantic, ``json.dumps``, our own code). No answer
we read nests more than a handful of levels, so anything deeper than :data:`MAX_DEPTH`
is malformed: a ``ValueError``, like any other unreadable answer.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class TooDeep(ValueError):
    """The document nests deeper than we accept."""


def loads(data: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads``, but a ValueError for a document nested deeper than `max_depth`."""
    try:
        value = json.loads(data)
    except RecursionError:  # the C parser's own limit, about a thousand levels
        raise TooDeep("nested too deeply") from None
    if depth_exceeds(value, max_depth):
        raise TooDeep(f"nested deeper than {max_depth} levels")
    return value


def depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether lists and objects nest deeper than `max_depth` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
