"""One error hierarchy. The library raises; only the CLI prints and picks the exit code.

Every message is a single line a coordinator or operator can act on (Dutch for what a
coordinator sees, English for operator-facing setup errors is acceptable but we keep
Dutch where the coordinator may read it).
"""

from __future__ import annotations


class IntervisieError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class ConfigError(IntervisieError):
    """The operator's config file is missing, unreadable or invalid."""


class WorkbookError(IntervisieError):
    """The workbook cannot be opened, read or written."""


class WorkbookNotFound(WorkbookError):
    pass


class WorkbookLocked(WorkbookError):
    pass


class WorkbookInvalid(WorkbookError):
    """Not an xlsx file, or a required tab is missing."""


class BackendError(WorkbookError):
    """A remote backend (Google Sheets) failed or is unreachable."""


class TemplateError(IntervisieError):
    """A Word template is broken (syntax error, undeclared variable)."""

    exit_code = 1


class TimetableError(IntervisieError):
    """A meeting is too short for its method."""

    exit_code = 1


class MailError(IntervisieError):
    pass
