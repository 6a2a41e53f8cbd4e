"""The partner space as its organisation uses it: dashboard, profile, partnerships, initiatives, download.
Every change is validated by the shared services, version-checked, audited and queued for review."""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from registry.models import Actor, ActorStatus, AuditAction, AuditEvent, Axis, Quartier, Sector
from registry.services.history.review import count_pending
from tests.admin_support import changed, database, fresh, post_form, read_form
from tests.factories import ref

PROFILE = "/espace-partenaire/profil"
#: Presentations a partner writes (40 characters at least).
UPDATED = "Une présentation mise à jour, plus longue que quarante caractères."
WRITTEN = "Écrit par Fives, et assez long pour une présentation."


def profile_fields(client):
    return read_form(client.get(PROFILE).get_data(as_text=True), "/espace-partenaire/profil")


def test_dashboard_shows_profile_completeness_and_links(client, mine):
    page = client.get("/espace-partenaire/").get_data(as_text=True)
    assert "Régie de quartier de Fives" in page and "Épicerie Solidaire" not in page
    assert "Votre fiche est complète à" in page and "<meter" in page
    # Missing items link to the field that fixes them.
    assert 'href="/espace-partenaire/profil#website"' in page
    assert 'href="/espace-partenaire/profil#location"' in page
    assert "Ouvrir la page publique" in page and f"/acteurs/{mine.slug}" in page
    assert "Partenariats avec la Ville (1)" in page and "Initiatives (1)" in page
    assert "no-store" in client.get("/espace-partenaire/").headers["Cache-Control"]  # private data: never cached


def test_completeness_counts_what_the_partner_fills_in(app, client, mine):
    before = client.get("/espace-partenaire/").get_data(as_text=True)
    fields = changed(profile_fields(client), website="www.regie-fives.fr", latitude="50,6300", longitude="3,0900")
    assert post_form(client, PROFILE, fields).status_code == 302
    after = client.get("/espace-partenaire/").get_data(as_text=True)
    assert 'profil#website"' in before and 'profil#website"' not in after
    assert 'profil#location"' in before and 'profil#location"' not in after


def test_unpublished_profile_says_so(app, client, mine):
    with database(app) as session:
        session.get(Actor, mine.actor_id).published = False
    page = client.get("/espace-partenaire/").get_data(as_text=True)
    assert "n'est pas publiée" in page and "Ouvrir la page publique" not in page


def test_profile_edit_is_validated_saved_audited_and_queued(app, client, mine):
    with database(app) as session:
        axes = [str(ref(session, Axis, c).id) for c in ("consommer", "echanger")]
        sector = str(session.scalar(sa.select(Sector.id).where(Sector.strategic.is_(True)).limit(1)))
        quartier = str(ref(session, Quartier, "wazemmes").id)
    fields = changed(
        profile_fields(client),
        description="Chantiers d'insertion et services aux habitants de Fives.",
        website="regie-fives.fr",
        email="Contact@Regie-Fives.fr",
        phone="0320495001",
        address="12 rue Pierre Legrand",
        postcode="59800",
        commune="Lille",
        quartier=quartier,
        axes=axes,
        sectors=[sector],
        latitude="50,6301",
        longitude="3,0866",
        employees="1 200",
        volunteers="15",
        founding_year="1998",
    )
    response = post_form(client, PROFILE, fields)
    assert response.status_code == 302 and response.headers["Location"].endswith("/espace-partenaire/")
    actor = fresh(app, Actor, mine.actor_id)
    assert actor.website == "https://regie-fives.fr" and actor.email == "contact@regie-fives.fr"
    assert actor.phone == "03 20 49 50 01" and actor.employees == 1200 and actor.latitude == pytest.approx(50.6301)
    assert actor.version == 2
    with database(app) as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.source == "partner")).one()
        assert event.action == AuditAction.UPDATE and event.actor_id == mine.actor_id
        assert event.changes["website"] == [None, "https://regie-fives.fr"]
        assert event.changes["quartier"] == ["Fives", "Wazemmes"]
        assert sorted(event.changes["axes"][1]) == sorted(a.label for a in session.get(Actor, mine.actor_id).axes)
        assert event.user.email == mine.user_email and not event.personal
        assert count_pending(session) == 1


def test_profile_errors_are_french_and_nothing_is_saved(app, client, mine):
    fields = changed(profile_fields(client), website="ftp:/x", postcode="5980", founding_year="3000", latitude="95")
    page = post_form(client, PROFILE, fields).get_data(as_text=True)
    assert "Adresse web invalide" in page and "L&#39;année de création" in page and "Latitude hors limites" in page
    assert "Rien n'a été enregistré : 4 erreurs sont à corriger" in page  # the summary at the top of the form
    assert fresh(app, Actor, mine.actor_id).version == 1
    assert 'value="ftp:/x"' in page  # what the partner typed stays in the form


def test_unchanged_profile_saves_nothing(app, client, mine):
    response = post_form(client, PROFILE, profile_fields(client), follow_redirects=True)
    assert "Aucune modification" in response.get_data(as_text=True)
    with database(app) as session:
        assert count_pending(session) == 0


def test_stale_profile_form_shows_what_changed_and_overwrites_nothing(app, client, mine):
    fields = profile_fields(client)
    with database(app) as session:  # an officer saves meanwhile
        session.get(Actor, mine.actor_id).website = "https://officier.example.org"
    page = post_form(client, PROFILE, changed(fields, website="https://partenaire.example.org")).get_data(as_text=True)
    assert "Modification concurrente : rien n'a été enregistré" in page
    assert "https://officier.example.org" in page.split("conflict-title", 1)[1].split("</section>", 1)[0]
    assert "https://partenaire.example.org" in page  # listed among the partner's unsaved entries
    assert fresh(app, Actor, mine.actor_id).website == "https://officier.example.org"
    # The form now carries the current version: submitting it again saves.
    again = changed(read_form(page, "/espace-partenaire/profil"), website="https://partenaire.example.org")
    assert post_form(client, PROFILE, again).status_code == 302
    assert fresh(app, Actor, mine.actor_id).website == "https://partenaire.example.org"


def test_stale_form_after_axes_change_is_a_conflict(app, client, mine):
    """Versions move when only many-to-many links change (registry.services.records.versioning)."""
    fields = profile_fields(client)
    with database(app) as session:
        actor = session.get(Actor, mine.actor_id)
        actor.axes = [ref(session, Axis, "consommer")]
    page = post_form(client, PROFILE, changed(fields, description="Autre texte")).get_data(as_text=True)
    assert "Modification concurrente" in page
    assert fresh(app, Actor, mine.actor_id).description != "Autre texte"


@pytest.mark.parametrize(
    "forged",
    [
        {"name": "Nom piraté"},
        {"siret": "73282932000074"},
        {"published": "n", "status": "archived"},
        {"esus_date": "2024-01-01", "legal_form": "1"},
        {"rna": "W595000000", "partnerships": "1"},
    ],
)
def test_forged_locked_fields_are_ignored_logged_and_audited(app, client, mine, caplog, forged):
    fields = changed(profile_fields(client), description=UPDATED, **forged)
    with caplog.at_level(logging.WARNING, logger="registry.partner"):
        assert post_form(client, PROFILE, fields).status_code == 302
    actor = fresh(app, Actor, mine.actor_id)
    assert actor.name == "Régie de quartier de Fives" and actor.siret == mine.siret
    assert actor.published is True and actor.status == ActorStatus.ACTIVE and actor.esus_date is None
    assert actor.rna is None and actor.legal_form.code == "association"
    assert actor.description == UPDATED  # the legitimate change went through
    assert any(sorted(forged)[0] in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    with database(app) as session:
        notes = session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_label.contains("ignorés"))).all()
        assert len(notes) == 1 and notes[0].source == "partner" and notes[0].actor_id == mine.actor_id
        labels = {"name": "Nom", "siret": "SIRET", "published": "Publié", "status": "Statut", "legal_form": "Forme",
                  "esus_date": "Agrément ESUS", "rna": "RNA", "partnerships": "Partenariats"}  # fmt: skip
        assert all(labels[name] in notes[0].entity_label for name in forged), notes[0].entity_label


def test_forged_actor_id_changes_only_the_partners_own_actor(app, client, orgs, mine):
    other = orgs[1]
    fields = changed(profile_fields(client), description=WRITTEN, id=other.actor_id, actor_id=other.actor_id)
    assert post_form(client, PROFILE, fields).status_code == 302
    assert fresh(app, Actor, other.actor_id).description == "Épicerie Solidaire de Moulins : présentation courte."
    assert fresh(app, Actor, mine.actor_id).description == WRITTEN


def test_profile_shows_locked_fields_read_only(client, mine):
    page = client.get(PROFILE).get_data(as_text=True)
    form = page.split('action="/espace-partenaire/profil"', 1)[1]
    assert "Identité (tenue par la Ville)" in page and mine.siret[:3] in page
    for name in ("name", "siret", "rna", "published", "status", "legal_form", "esus_date"):
        assert f'name="{name}"' not in form
    assert 'id="position-carte"' in page and "leaflet.js" in page


def test_markup_typed_by_a_partner_is_escaped(app, client, mine):
    attack = "<img src=x onerror=alert(1)>"
    post_form(client, PROFILE, changed(profile_fields(client), description=attack + " : notre présentation."))
    for url in ("/espace-partenaire/", f"/acteurs/{mine.slug}"):
        page = (
            app.test_client().get(url).get_data(as_text=True)
            if url.startswith("/acteurs")
            else client.get(url).get_data(as_text=True)
        )
        assert attack not in page and "&lt;img src=x onerror=alert(1)&gt;" in page, url


def test_partnerships_and_initiatives_are_listed_read_only(app, client, orgs, mine):
    page = client.get("/espace-partenaire/partenariats").get_data(as_text=True)
    assert "Soutien de Régie de quartier de Fives" in page and "25\u202f000,00" in page and "En cours" in page
    assert "Subvention de projet" in page and "01/03/2025" in page
    assert "Épicerie" not in page and "48\u202f000" not in page and "<form" not in page.split("<main", 1)[1]
    page = client.get("/espace-partenaire/initiatives").get_data(as_text=True)
    assert "Chantier de Régie de quartier de Fives" in page and "Porteur" in page
    assert "Chantier de Épicerie" not in page


def test_initiative_joined_as_partner_is_listed_with_its_role(app, client, orgs, mine):
    from registry.models import Initiative, InitiativePartner

    with database(app) as session:
        initiative = session.get(Initiative, orgs[1].initiative_id)
        initiative.partners.append(InitiativePartner(actor_id=mine.actor_id, role="chantier"))
    page = client.get("/espace-partenaire/initiatives").get_data(as_text=True)
    assert "Chantier de Épicerie Solidaire de Moulins" in page and "Partenaire (chantier)" in page


def test_download_holds_only_the_organisations_data_in_the_workbook_format(app, client, orgs, mine):
    response = client.get("/espace-partenaire/mes-donnees.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    wb = load_workbook(io.BytesIO(response.data), read_only=True)
    assert {"Acteurs", "Contacts", "Partenariats", "Notice", "Listes"} <= set(wb.sheetnames)
    text = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    assert "Régie de quartier de Fives" in text and "Camille Fivoise" in text and "Soutien de Régie" in text
    assert "Épicerie" not in text and "Dominique" not in text
    from registry.workbook.columns import ACTORS

    acteurs = wb["Acteurs"]
    assert list(next(acteurs.iter_rows(values_only=True))) == ACTORS.headers
    with database(app) as session:
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).one()
        assert event.source == "partner" and "Régie de quartier de Fives" in event.entity_label
        assert count_pending(session) == 0  # a download is not a change to review


def test_download_imports_back_unchanged(app, client, mine):
    from registry.workbook.importer import preview_workbook

    data = client.get("/espace-partenaire/mes-donnees.xlsx").data
    with database(app) as session:
        report = preview_workbook(session, data, filename="mes-donnees.xlsx")
        assert report.ok and not report.changes


@pytest.mark.parametrize("seal", [None, "jeton-trafique"])
def test_profile_without_its_sealed_state_saves_nothing(app, client, mine, seal):
    """The version that counts is inside the signed state: a partner cannot drop it or make one up."""
    fields = [(k, v) for k, v in profile_fields(client) if k != "opened_state"]
    response = post_form(client, PROFILE, changed(fields, website="https://force.example.org", opened_state=seal))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Formulaire incomplet : rien n'a été enregistré" in page
    assert "https://force.example.org" in page  # what the partner typed is listed, not lost
    assert fresh(app, Actor, mine.actor_id).website is None and fresh(app, Actor, mine.actor_id).version == 1
