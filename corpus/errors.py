"""Errors a user can act on. Their message is one line, in Swedish, saying what to do."""


class KompassError(Exception):
    """Base class: the CLI prints the message and exits non-zero, without a traceback."""


class InputError(KompassError):
    """A file or argument given by the user cannot be used."""


class NotAReportError(InputError):
    """The file is readable text but not a KommunKompassen report."""
