"""Issue 13 item 5: every destructive action of the back office asks first. A crawler signs in as admin and
opens every page of the demo registry; each form that deletes, archives, undoes or erases — by its target, its
action or its red button — carries a question (``data-confirm`` on the form or its button, read by
admin-behaviours.js) or asks the person to type a confirmation. The bulk actions that archive or delete ask a
question naming the kind of record."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask_login import login_user

from tests.conftest import AuthActions
from tests.crawler import Crawler
from tests.factories import make_user
from tests.test_admin_access import admin_requests
from tests.test_admin_french import demo  # noqa: F401  (fixture)

#: Hidden ``action`` values of Flask-Admin's action form that destroy or hide records.
DESTRUCTIVE_ACTIONS = {"delete", "archive"}
#: Words in a form's target that destroy or undo.
DESTRUCTIVE_TARGETS = ("/delete/", "/revert", "/retablir", "/erase", "/effacer")


class Forms(HTMLParser):
    """The POST forms of a page: their target, their hidden action, their buttons and whether they ask first."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._open = {"target": a.get("action") or "", "asks": "data-confirm" in a, "red": False, "action": ""}
            self.forms.append(self._open)
        elif self._open is not None and tag in ("button", "input"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind == "submit":
                self._open["red"] |= "danger" in (a.get("class") or "")
                self._open["asks"] |= "data-confirm" in a
            elif kind == "hidden" and a.get("name") == "action":
                self._open["action"] = a.get("value") or ""
            elif a.get("name") == "confirmation" and "required" in a:
                self._open["asks"] = True  # the person types a confirmation word

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def destructive(form: dict) -> bool:
    return form["red"] or form["action"] in DESTRUCTIVE_ACTIONS or any(t in form["target"] for t in DESTRUCTIVE_TARGETS)


def test_the_check_sees_a_form_that_does_not_ask():
    page = Forms()
    page.feed(
        '<form method="post" action="/admin/actor/delete/"><button type="submit">Supprimer</button></form>'
        '<form method="post" action="/x/" data-confirm="Sûr ?"><input type="hidden" name="action" value="archive">'
        '<button type="submit" class="btn btn-danger">Archiver</button></form>'
        '<form method="post" action="/y/"><button class="btn btn-primary">Enregistrer</button></form>'
    )
    assert [(destructive(f), f["asks"]) for f in page.forms] == [(True, False), (True, True), (False, False)]


def test_every_destructive_form_asks_first(app, demo):  # noqa: F811
    client = app.test_client()
    AuthActions(client, app).as_role("admin")
    seeds = [url for _v, _n, method, url in admin_requests(app, demo) if method == "GET"]
    silent, seen = {}, 0
    for url, response in Crawler(app, client, within="/admin/").walk(seeds):
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = Forms()
        page.feed(response.get_data(as_text=True))
        for form in filter(destructive, page.forms):
            seen += 1
            if not form["asks"]:
                silent.setdefault(form["action"] or form["target"], url)
    assert silent == {}, "\n".join(f"{what}   ({url})" for what, url in sorted(silent.items()))
    assert seen > 20  # row deletes, details pages' « Archiver » and « Supprimer », « Rétablir »…


@pytest.mark.parametrize("name", sorted(DESTRUCTIVE_ACTIONS))
def test_bulk_actions_that_destroy_name_the_kind_of_record(app, session, name):
    admin = app.extensions["registry_admin"]
    user = make_user(session, role="admin")
    session.commit()
    checked = 0
    with app.test_request_context("/admin/"):
        login_user(user)
        for view in admin._views:
            if not hasattr(view, "get_actions_list") or not hasattr(view, "noun"):
                continue
            _actions, confirmations = view.get_actions_list()
            if name in confirmations:
                checked += 1
                assert view.noun.plural in confirmations[name], (view.endpoint, confirmations[name])
    assert checked > 0
