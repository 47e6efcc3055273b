"""One exception hierarchy: every error a user can cause is a ``DeriveError``.

The CLI turns a ``DeriveError`` into one line on stderr and the exit code named by ``exit_code``.
"""

from __future__ import annotations


class DeriveError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code: int = 2


class UsageError(DeriveError):
    """A command-line option or argument has a value we do not accept."""


class ParseError(DeriveError):
    """Claim text that could not be understood; the message names the construct and where it is."""


class NotationError(DeriveError):
    """A parsed symbol that cannot be mapped to the canonical notation (the message suggests a --let)."""


class DefinitionNotClaimError(NotationError):
    """The text defines a symbol derive does not know: a definition to give with --define, not a claim."""


class InputTooLargeError(ParseError):
    """Claim text over the size or nesting limits."""


class CheckTimeoutError(DeriveError):
    """Symbolic work ran past its wall-clock limit."""

    exit_code = 3


class EmitError(DeriveError):
    """Rendering or writing the generated artifacts failed."""

    exit_code = 1
