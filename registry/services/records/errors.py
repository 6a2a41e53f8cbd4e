"""Validation errors carrying French messages, raised by services and shown by every writer."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup


class ValidationError(ValueError):
    """One value is wrong; ``message`` is French and says how to fix it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Mention(str):
    """A French message naming another record (« Ce SIRET est déjà celui de l'acteur « X ». »). It reads as plain
    text wherever text is wanted (importer reports, CLI, API); a screen that can show that record links its name
    with ``linked(url)``: safe HTML, the name and the words escaped by markupsafe."""

    template: str
    name: str
    entity: str
    record_id: int

    def __new__(cls, template: str, name, *, entity: str, record_id: int):
        text = super().__new__(cls, template.format(name=name))
        text.template, text.name, text.entity, text.record_id = template, str(name), entity, record_id
        return text

    def linked(self, url: str | None) -> Markup | str:
        """The message with the record's name as a link to ``url`` (the plain message when there is no url)."""
        if not url:
            return str(self)
        before, _, after = self.template.partition("{name}")
        return Markup('{}<a href="{}">{}</a>{}').format(before, url, self.name, after)


@dataclass(frozen=True)
class ChildErrors:
    """The wrong fields of one child edited with its record (a contact in the actor form)."""

    #: The record's relationship holding the child ("contacts").
    relation: str
    #: The child's id; None for a child being added.
    id: int | None
    #: Among the children being added to that relationship, this one's rank (0 for the first); None otherwise.
    position: int | None
    errors: dict[str, str] = field(default_factory=dict)


class ValidationErrors(ValueError):
    """Several fields of one record are wrong: ``errors`` maps field name to French message; ``children`` holds
    the wrong fields of children edited with it (their relationship then has a summary message in ``errors``)."""

    def __init__(self, errors: dict[str, str], children: list[ChildErrors] | None = None):
        super().__init__("; ".join(f"{k} : {v}" for k, v in errors.items()))
        self.errors = dict(errors)
        self.children = list(children or [])


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

    def required(self, field: str, missing: str, func, *args, **kwargs):
        """Like ``check``, and an empty result is the error ``missing`` (« Indiquez … »)."""
        value = self.check(field, func, *args, **kwargs)
        if value in (None, "") and field not in self.errors:
            self.add(field, missing)
        return value

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationErrors(self.errors)
