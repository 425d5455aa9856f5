"""Sortable table columns: read `?sort=` and `?dir=`, sort rows, label headers.

A column has a key (the query value), a heading, the function that reads its
value from a row and the direction it sorts in first (scores and performance
descending, costs ascending). Clicking the active column's heading flips the
direction. Unknown keys and directions fall back to the table's default, so
a stale or edited link still renders the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from elue_site.leaderboards.ranking import sort_rows

Row = TypeVar("Row")
ASCENDING = "asc"
DESCENDING = "desc"


@dataclass(frozen=True)
class Column(Generic[Row]):
    """A sortable column of a table."""

    key: str
    heading: str
    value: Callable[[Row], Any]
    first_direction: str = DESCENDING


@dataclass(frozen=True)
class Heading:
    """Link, arrow and ARIA state of one column heading."""

    key: str
    heading: str
    url: str
    aria_sort: str  # "ascending", "descending" or "none", as ARIA defines it
    arrow: str


@dataclass(frozen=True)
class SortOrder:
    """The column and direction a request asked for, after validation."""

    key: str
    direction: str

    @property
    def descending(self) -> bool:
        return self.direction == DESCENDING


def sort_order(query: Mapping[str, str], columns: Sequence[Column[Any]], default: str) -> SortOrder:
    """Read the sort column and direction from the query string."""
    by_key = {column.key: column for column in columns}
    key = query.get("sort", default)
    if key not in by_key:
        key = default
    direction = query.get("dir", by_key[key].first_direction)
    if direction not in (ASCENDING, DESCENDING):
        direction = by_key[key].first_direction
    return SortOrder(key, direction)


def apply_sort(
    rows: Sequence[Row], columns: Sequence[Column[Row]], order: SortOrder, tie_break: Callable[[Row], Any]
) -> list[Row]:
    """Sort rows by the requested column, missing values last, ties by `tie_break`."""
    column = next(column for column in columns if column.key == order.key)
    return sort_rows(rows, column.value, descending=order.descending, tie_break=tie_break)


def headings(columns: Sequence[Column[Any]], order: SortOrder, extra: Mapping[str, str] | None = None) -> list[Heading]:
    """Build the heading links: the active column shows its arrow and flips on click."""
    result = []
    for column in columns:
        if column.key == order.key:
            next_direction = ASCENDING if order.descending else DESCENDING
            aria_sort = "descending" if order.descending else "ascending"
            arrow = "\u25bc" if order.descending else "\u25b2"
        else:
            next_direction, aria_sort, arrow = column.first_direction, "none", ""
        query = urlencode({**(extra or {}), "sort": column.key, "dir": next_direction})
        result.append(Heading(column.key, column.heading, f"?{query}", aria_sort, arrow))
    return result
