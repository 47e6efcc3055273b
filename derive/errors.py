"""One exception hierarchy, and the exit codes: every error a user can cause is a ``DeriveError``.

The CLI turns a ``DeriveError`` into one line on stderr and the exit code named by ``exit_code``. The exit
codes are defined here and nowhere else (the CLI, the verdicts and the batch mode import them).
"""

from __future__ import annotations

#: The claim holds / every step is proved / the command succeeded.
EXIT_OK = 0
#: The claim fails / a step is refuted / the build could not write its output.
EXIT_FAILS = 1
#: Bad input or usage (one line on stderr names what was not understood).
EXIT_USAGE = 2
#: Undecided (numbers agree, no symbolic proof) or a time limit was hit.
EXIT_UNDECIDED = 3
#: The claim holds only under a condition (the targets sum to 1, are one-hot, ...).
EXIT_CONDITIONAL = 4
#: Reserved: the claim can be read in more than one way (not produced yet).
EXIT_AMBIGUOUS = 5
#: A resource error in the main process: out of memory, a permission or other system error that is not
#: about the user's input (one line on stderr).
EXIT_RESOURCE = 6
#: An internal error: a bug of ours, not the user's input (EX_SOFTWARE).
EXIT_INTERNAL = 70
#: Interrupted by SIGINT, SIGTERM or SIGHUP.
EXIT_INTERRUPTED = 130

#: Every exit code with its meaning, for ``--help`` and the README.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "holds / every step proved / success"),
    (EXIT_FAILS, "fails / a step refuted / the build could not write its output"),
    (EXIT_USAGE, "bad input or usage (one line on stderr)"),
    (EXIT_UNDECIDED, "undecided, or the time limit was hit"),
    (EXIT_CONDITIONAL, "holds only under a condition"),
    (EXIT_AMBIGUOUS, "ambiguous: the text has several plausible readings and they disagree"),
    (EXIT_RESOURCE, "out of memory, or a system error that is not about the input"),
    (EXIT_INTERNAL, "internal error (a bug of derive: please report it)"),
    (EXIT_INTERRUPTED, "interrupted (SIGINT, SIGTERM or SIGHUP)"),
)


def message(error: object) -> str:
    """The one line the CLI prints for an error: ``derive: <message>`` (never doubled, never multi-line)."""
    text = " ".join(str(error).split())
    while text.startswith("derive: "):
        text = text.removeprefix("derive: ")
    return f"derive: {text[:500] or type(error).__name__}"


def exit_codes_help() -> str:
    """The exit-code table as plain text lines (for ``--help``)."""
    return "exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES)


class DeriveError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code: int = EXIT_USAGE


class UsageError(DeriveError):
    """A command-line option or argument has a value we do not accept."""


class ParseError(DeriveError):
    """Claim text that could not be understood; the message names the construct and where it is."""


class NotationError(DeriveError):
    """A parsed symbol that cannot be mapped to the canonical notation (the message suggests a --let)."""


class UnappliedConditionError(NotationError):
    """A formula with a condition in words that is not read (``when sum(y) = 1, ...``): refused unless the
    formula holds without the condition (then it holds under it too)."""


class NotationHintError(NotationError):
    """A notation error with readings that would resolve it: ``lets`` (``x=z``: the name holds the logits),
    ``together`` (lets read as one reading: ``y=a`` and ``a=z``), ``conventions`` (``W_x``) and ``losses``
    (``sigmoid-bce``). The checker tries each as a reading and shows the choice it made."""

    def __init__(
        self,
        message: str,
        lets: tuple[str, ...] = (),
        conventions: tuple[str, ...] = (),
        losses: tuple[str, ...] = (),
        together: tuple[tuple[str, ...], ...] = (),
    ) -> None:
        super().__init__(message)
        self.lets = lets
        self.conventions = conventions
        self.losses = losses
        self.together = together


class IndexConflictError(NotationHintError):
    """One index runs over classes in one place and over features in another: the claim needs the other
    convention (z = W x + b), or a name read as the input x holds the logits (``lets`` says which)."""

    def __init__(self, message: str, lets: tuple[str, ...] = ()) -> None:
        super().__init__(message, lets, ("W_x",))


class UnstatedMeaningError(NotationError):
    """The text does not say what it means, and no other reading of it can (``dZ`` of a batch inside a
    formula: Ng's per-example gradients beside a mean's): the whole text is refused, whatever its other
    readings."""


class UnstatedGradientError(NotationError):
    """A gradient that does not say what it is by (``\nabla L = p - y``): --means, --wrt or the page's words
    say."""


class DefinitionNotClaimError(NotationError):
    """The text defines a symbol derive does not know: a definition to give with --define, not a claim."""


class ExpressionNotClaimError(NotationError):
    """The text is one expression with no left side (a loss written on its own): usable with --define, or
    checked with --means, not a claim as it stands."""


class InputTooLargeError(ParseError):
    """Claim text over the size or nesting limits."""


class MeaninglessClaimError(DeriveError):
    """A claim with no value to check: a condition no index satisfies, an index out of range, a division by
    zero, a side that cannot be evaluated anywhere."""


class CheckTimeoutError(DeriveError):
    """Symbolic work ran past its wall-clock limit."""

    exit_code = EXIT_UNDECIDED


class CheckResourceError(DeriveError):
    """A worker ran out of its memory limit (like a time limit: no verdict)."""

    exit_code = EXIT_UNDECIDED


class EmitError(DeriveError):
    """Rendering or writing the generated artifacts failed."""

    exit_code = EXIT_FAILS


class InternalError(DeriveError):
    """A bug of ours (an unexpected exception in a worker), reported in one line."""

    exit_code = EXIT_INTERNAL
