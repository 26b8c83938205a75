"""Small named exceptions; the CLI turns each into a one-line message and an exit code."""
from __future__ import annotations


class PipelineError(Exception):
    """Base class: a problem the user can fix; the message says how."""

    exit_code = 1


class ConfigError(PipelineError):
    """Bad configuration, missing input file or unknown option value."""

    exit_code = 3


class StorageError(PipelineError):
    """The database cannot be opened, is locked, newer than this code, or cannot be written."""

    exit_code = 5


class LockError(StorageError):
    """Another run holds the writer lock of the database."""

    exit_code = 6
