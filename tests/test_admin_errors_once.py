"""Issue 13 item 3: a refused form shows every message at the first submit (the typed values Flask-Admin could
not read and the record's service rules together), in a summary at the top linking to each field, in French that
echoes what was typed."""

from __future__ import annotations

import re

from registry.models import LegalForm
from tests.admin_support import changed, database, post_form, read_form
from tests.factories import luhn_siret, make_actor, ref


def test_typing_errors_and_service_errors_show_together_with_a_summary(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        make_actor(session, name="Ressourcerie Existante", siret=(siret := luhn_siret()))
        association = str(ref(session, LegalForm, "association").id)
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    typed = changed(fields, name="Nouvelle structure", legal_form=association, latitude="cinquante",
                    siret=siret, employees="-3", postcode="5900")  # fmt: skip
    page = post_form(client, "/admin/actor/new/", typed).get_data(as_text=True)
    summary = re.search(r'<section class="alert alert-danger error-summary".*?</section>', page, re.S)
    assert summary, "no error summary"
    text = summary.group(0)
    assert 'href="#latitude"' in text  # Flask-Admin's own check (the number could not be read)
    assert "cinquante" in text  # the message echoes what was typed
    assert 'href="#siret"' in text and "Ressourcerie Existante" in text  # the service's, in the same pass
    assert 'href="#postcode"' in text and "5900" in text
    assert "(e)" not in page


def test_range_messages_echo_the_value_without_template_agreement(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        association = str(ref(session, LegalForm, "association").id)
    fields = read_form(client.get("/admin/actor/new/").get_data(as_text=True))
    page = post_form(client, "/admin/actor/new/", changed(fields, name="Essai", legal_form=association,
                                                          founding_year="1700")).get_data(as_text=True)  # fmt: skip
    assert "« 1700 » est en dessous du minimum (1800)" in page


def test_a_form_just_opened_shows_no_error(app, client, auth):
    auth.as_role("officer")
    page = client.get("/admin/actor/new/").get_data(as_text=True)
    assert "error-summary" not in page and "obligatoire." not in page
