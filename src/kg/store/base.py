"""The contract every store backend fulfils."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import TracebackType

from kg.results import QueryResult, Term

_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_COMMENT = re.compile(r"(?m)#[^\n\"'<>]*$")


def is_ordered(query: str) -> bool:
    """Tell whether a query orders its solutions (ORDER BY outside comments)."""
    return bool(_ORDER_BY.search(_COMMENT.sub("", query)))


class SparqlStore(ABC):
    """A place that answers SPARQL 1.1 queries over the kg graph."""

    #: A short human description of where the store is, for messages.
    location: str = ""

    @abstractmethod
    def execute(
        self, query: str, *, bindings: Mapping[str, Term] | None = None, source: str | None = None
    ) -> QueryResult:
        """Run ``query`` with ``bindings`` (variable name → term) and return its result.

        ``source`` names where the query text came from (a file) for error messages.
        Raises :class:`~kg.errors.QuerySyntaxError` for a query that does not parse.
        """

    def close(self) -> None:  # noqa: B027 - backends without resources need no cleanup
        """Release the store's resources."""

    def __enter__(self) -> SparqlStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
