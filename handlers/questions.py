"""What a message asks, read once per text: the status router's two question filters (one resolution's
status, then a list or a search) both read the message with :func:`council.queries.parse_query`."""

from __future__ import annotations

from council.queries import Query, parse_query

# The last text read and what it asks. parse_query depends on the text alone and its answers are frozen
# dataclasses, so handing the same answer to the second filter (or to the next update with the same text)
# is handing an equal one.
_last: tuple[str, Query] | None = None


def question_of(text: str) -> Query:
    """``parse_query(text)``, remembered for the last text asked."""
    global _last
    last = _last
    if last is not None and last[0] == text:
        return last[1]
    query = parse_query(text)
    _last = (text, query)
    return query
