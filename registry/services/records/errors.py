"""Validation errors carrying French messages, raised by services and shown by every writer."""

from __future__ import annotations


class ValidationError(ValueError):
    """One value is wrong; ``message`` is French and says how to fix it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationErrors(ValueError):
    """Several fields of one record are wrong: ``errors`` maps field name to French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class Collector:
    """Gathers the field errors of one record, so all of them are reported at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, field: str, func, *args, **kwargs):
        """Return ``func(*args)``; on ValidationError remember it for ``field`` and return None."""
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            self.errors.setdefault(field, exc.message)
            return None

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationErrors(self.errors)
