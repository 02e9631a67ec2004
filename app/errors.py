"""Expected failures, each with a message a person can act on."""

from __future__ import annotations


class AppError(Exception):
    """An expected failure: bad input, a refused action, a missing register. Nothing was changed."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(AppError):
    """Input that cannot be accepted; ``problems`` lists ``path: reason`` strings."""

    exit_code = 2

    def __init__(self, problems: list[str], heading: str | None = None) -> None:
        self.problems = problems
        text = "\n".join(problems)
        super().__init__(f"{heading}\n{text}" if heading else text)


class PermissionDenied(AppError):
    exit_code = 4


class AuthError(AppError):
    exit_code = 5


class NotFound(AppError):
    exit_code = 6


class RegisterError(AppError):
    """The register file is missing, from a newer version, damaged or of the wrong kind."""

    exit_code = 7


class WorkflowError(AppError):
    """An action that the case's current status does not allow."""

    exit_code = 8


class Cancelled(Exception):
    """Long work stopped at the user's request. Not an error."""
