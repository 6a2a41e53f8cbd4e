"""The partner's profile form: a presentation is required (40 characters at least) and a postcode needs its
commune, for the organisation's own profile only; errors are summed up at the top of the form, each a link to
its field; what only the city may correct names whom to write to."""

from __future__ import annotations

import re

import pytest

from registry.models import Actor, LegalForm
from registry.services.records.actors import MIN_PRESENTATION_LENGTH, clean_actor
from registry.services.records.errors import ValidationErrors
from tests.admin_support import changed, database, fresh, post_form, read_form
from tests.factories import make_partnership, ref
from tests.workbook_helpers import actor, actors_sheet, run, xlsx

PROFILE = "/espace-partenaire/profil"
LONG_ENOUGH = "x" * MIN_PRESENTATION_LENGTH


def profile_fields(client):
    return read_form(client.get(PROFILE).get_data(as_text=True), PROFILE)


def summary_of(html: str) -> list[tuple[str, str]]:
    """(target, text) of each link of the form's error summary."""
    box = re.search(r'<div class="alert alert-danger error-summary".*?</div>', html, re.S)
    assert box, "no error summary"
    links = re.findall(r'<a href="#([^"]+)">(.*?)</a>', box.group())
    return [(target, re.sub(r"<[^>]+>", "", text).replace("&nbsp;", " ")) for target, text in links]


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("", "Présentez votre structure en quelques phrases (40 caractères au moins)"),
        ("   ", "Présentez votre structure en quelques phrases (40 caractères au moins)"),
        (
            "x" * (MIN_PRESENTATION_LENGTH - 1),
            "La présentation est trop courte (39 caractères) : 40 caractères au moins",
        ),
    ],
)
def test_partner_cannot_empty_or_shorten_the_presentation(app, client, mine, description, message):
    before = fresh(app, Actor, mine.actor_id).description
    page = post_form(client, PROFILE, changed(profile_fields(client), description=description)).get_data(as_text=True)
    [(target, text)] = [(t, x.replace("&#39;", "'")) for t, x in summary_of(page)]
    assert target == "description" and text.startswith(f"Présentation de la structure (obligatoire) : {message}")
    assert fresh(app, Actor, mine.actor_id).description == before  # nothing saved


def test_a_presentation_of_the_minimum_length_is_saved(app, client, mine):
    assert post_form(client, PROFILE, changed(profile_fields(client), description=LONG_ENOUGH)).status_code == 302
    assert fresh(app, Actor, mine.actor_id).description == LONG_ENOUGH


def test_postcode_needs_its_commune_in_the_partners_profile(app, client, mine):
    # A CEDEX code names no commune the registry can fill in (59800 would be filled: test_commune_from_postcode).
    fields = changed(profile_fields(client), postcode="59033", commune="")
    page = post_form(client, PROFILE, fields).get_data(as_text=True)
    assert ("commune", "Commune : Indiquez la commune du code postal 59033.") in summary_of(page)
    tag = re.search(r'<input[^>]*id="commune"[^>]*>', page).group()
    assert 'aria-invalid="true"' in tag and "commune-erreur" in tag
    assert post_form(client, PROFILE, changed(fields, commune="Lille")).status_code == 302


def test_summary_lists_every_error_with_a_link_to_its_field(client, mine):
    fields = changed(profile_fields(client), description="", website="ftp:/x", postcode="59033", commune="",
                     founding_year="3000")  # fmt: skip
    page = post_form(client, PROFILE, fields).get_data(as_text=True)
    targets = [target for target, _text in summary_of(page)]
    assert targets == ["description", "website", "commune", "founding_year"]  # in the order of the form
    assert "Rien n'a été enregistré : 4 erreurs sont à corriger" in page
    for target in targets:
        assert f'id="{target}"' in page, target  # each link leads somewhere
    assert page.index("error-summary") < page.index('<form method="post" action="/espace-partenaire/profil"')


def test_officers_and_the_importer_may_keep_a_bare_record(session):
    bare = Actor(name="Nouvelle structure", legal_form=ref(session, LegalForm, "association"), postcode="59033")
    session.add(bare)
    clean_actor(session, bare)  # the back office's and the importer's rule: nothing more
    with pytest.raises(ValidationErrors) as caught:
        clean_actor(session, bare, own_profile=True)
    assert set(caught.value.errors) == {"description", "commune"}
    session.rollback()
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Code postal": "59000"}))}))
    assert report.ok and report.applied, report.to_text()


def test_contact_form_errors_are_summed_up_too(client, mine):
    page = client.post(
        "/espace-partenaire/contacts/nouveau",
        data=dict(read_form(client.get("/espace-partenaire/contacts/nouveau").get_data(as_text=True)), full_name=""),
    ).get_data(as_text=True)
    assert ("full_name", "Nom et prénom : Indiquez le nom et le prénom.") in summary_of(page)


def test_city_contact_is_the_officer_or_the_configured_service(app, client, mine, monkeypatch):
    monkeypatch.setitem(app.config, "PARTNER_SERVICE_NAME", "service ESS")
    monkeypatch.setitem(app.config, "PARTNER_SERVICE_EMAIL", "service-ess@ville.example")
    mail = '<a href="mailto:service-ess@ville.example">service-ess@ville.example</a>'
    for url in (PROFILE, "/espace-partenaire/partenariats"):
        page = client.get(url).get_data(as_text=True)
        assert f"crivez à {mail} (service ESS)." in page, url
        assert "votre interlocuteur à la Ville" not in page, url
    with database(app) as session:
        make_partnership(session, actor=session.get(Actor, mine.actor_id), officer_name="Agathe Agent")
    page = client.get("/espace-partenaire/partenariats").get_data(as_text=True)
    assert "Signalez-la à la personne qui suit le partenariat à la Ville (Agathe Agent), ou écrivez à" in page
    assert "Suivi à la Ville par Agathe Agent" in page
