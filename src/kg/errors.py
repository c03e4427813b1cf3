"""The errors kg raises: each says what went wrong and, where it can, what to do next."""

from __future__ import annotations

#: ``typing.TYPE_CHECKING`` without importing typing: kg's modules on ``kg query``'s path import
#: typing only for type checkers (``if TYPE_CHECKING:``, which mypy reads whatever the name's
#: value), since importing it, with what it imports, was a twentieth of ``kg query``'s cold start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class KgError(Exception):
    """Base class of every error kg reports to its user as a one-line message."""

    exit_code = 2


class InputError(KgError):
    """A file the user gave (Turtle, a query, a notebook) is missing or malformed."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        location = path if line is None else f"{path}:{line}"
        super().__init__(f"{location}: {message}" if location else message)
        self.path = path
        self.line = line


class QuerySyntaxError(InputError):
    """A SPARQL query does not parse."""


class StoreMissingError(KgError):
    """There is no built store where one was expected."""


class EndpointError(KgError):
    """A remote SPARQL endpoint could not be reached or refused the request."""


class ValidationFailed(KgError):
    """The graph does not conform to the shapes; ``report`` lists the violations."""

    exit_code = 1

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report
