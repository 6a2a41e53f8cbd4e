"""Helpers for back-office tests: read a form the way a browser would, and post it back changed."""

from __future__ import annotations

from contextlib import contextmanager
from html.parser import HTMLParser

import sqlalchemy as sa

from registry.extensions import db


class FormReader(HTMLParser):
    """Collects, per POST form of a page, the values a browser would submit: text inputs, checked boxes,
    selected options, textareas."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._select_multiple = False
        self._select_seen: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and not self._in_form:
            if (a.get("method") or "get").lower() == "post":
                self._in_form, self.fields = True, []
                self.forms.append((a.get("action") or "", self.fields))
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "y"))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_multiple, self._select_seen = name, "multiple" in a, []
        elif tag == "option" and self._select:
            self._select_seen.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._select_seen if selected]
            if not chosen and not self._select_multiple and self._select_seen:
                chosen = [self._select_seen[0][0]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the newline after <textarea> and submits line breaks as CRLF.
            text = self._text.replace("\r\n", "\n").removeprefix("\n").replace("\n", "\r\n")
            self.fields.append((self._textarea, text))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def read_form(html: str, action: str | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs of the page's form whose action contains ``action`` (default: its largest
    POST form, the record form), as a browser would submit them."""
    reader = FormReader()
    reader.feed(html)
    forms = [fields for url, fields in reader.forms if action is None or action in url]
    assert forms, "no such form in the page"
    return max(forms, key=len)


def changed(fields: list[tuple[str, str]], **values) -> list[tuple[str, str]]:
    """The form's pairs with some fields replaced (a list value replaces every pair of that name)."""
    out = [(k, v) for k, v in fields if k not in values]
    for key, value in values.items():
        if isinstance(value, list | tuple):
            out += [(key, str(v)) for v in value]
        elif value is not None:
            out.append((key, str(value)))
    return out


def post_form(client, url: str, fields: list[tuple[str, str]], **kwargs):
    """POST pairs (repeated names allowed) as a browser does."""
    from werkzeug.datastructures import MultiDict

    return client.post(url, data=MultiDict(fields), **kwargs)


@contextmanager
def database(app):
    """An application context of its own for setting up or reading records, committed on exit. HTTP tests
    use it instead of the ``session`` fixture so that each request works with its own session, as in
    production (and two test clients never share one)."""
    with app.app_context():
        yield db.session
        db.session.commit()


def fresh(app, model, ident):
    """A record as the database holds it now (attributes loaded, usable after the context closes)."""
    with app.app_context():
        record = db.session.get(model, ident)
        if record is not None:
            db.session.refresh(record)
            db.session.expunge(record)
        return record


def count(app, model, *where) -> int:
    """Rows of ``model`` matching ``where``."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
