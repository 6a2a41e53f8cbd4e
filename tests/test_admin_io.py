"""Back-office workbook pages: roles, upload → preview → confirm/discard, kept file, exports, limits."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import Actor, AuditAction, AuditEvent, ImportBatch, ImportStatus
from registry.models.base import utcnow
from tests.conftest import csrf_token_from
from tests.factories import make_actor, make_contact
from tests.workbook_helpers import DEMO, actor, actors_sheet, xlsx


def upload(client, data: bytes, name: str = "acteurs.xlsx"):
    token = csrf_token_from(client.get("/admin/import/").get_data(as_text=True))
    return client.post(
        "/admin/import/",
        data={"csrf_token": token, "fichier": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def post_form(client, page: str, action: str):
    html = client.get(page).get_data(as_text=True)
    return client.post(action, data={"csrf_token": csrf_token_from(html)})


def actors(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Actor))


@pytest.mark.parametrize(
    ("role", "import_status", "export_status"),
    [("officer", 200, 200), ("admin", 200, 200), ("analyst", 403, 200), ("partner", 403, 403)],
)
def test_io_pages_by_role(client, auth, role, import_status, export_status):
    auth.as_role(role)
    assert client.get("/admin/import/").status_code == import_status
    assert client.get("/admin/export/").status_code == export_status
    assert client.get("/admin/export/modele.xlsx").status_code == export_status


def test_io_pages_redirect_anonymous_to_sign_in(client):
    response = client.get("/admin/import/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_upload_preview_then_confirm(client, auth, app):
    auth.as_role("officer")
    response = upload(client, DEMO.read_bytes(), "demo.xlsx")
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Confirmer l'import" in html and "160 nouvelle(s) fiche(s)" in html and actors(app) == 0
    assert html.index("Lignes par feuille") < html.index("Modifications (160)")
    confirm = post_form(client, response.headers["Location"], response.headers["Location"] + "/confirmer")
    assert confirm.status_code == 302 and actors(app) == 44
    with app.app_context():
        batches = db.session.scalars(sa.select(ImportBatch)).all()
        assert [(b.status, b.filename) for b in batches] == [(ImportStatus.APPLIED, "demo.xlsx")]
        assert batches[0].user_label.startswith("officer")
    history = client.get("/admin/import/").get_data(as_text=True)
    assert "demo.xlsx" in history and "Appliqué" in history


def test_confirm_needs_csrf(client, auth, app):
    auth.as_role("officer")
    location = upload(client, xlsx({"Acteurs": actors_sheet(actor(1))})).headers["Location"]
    assert client.post(location + "/confirmer").status_code == 400
    assert actors(app) == 0


def test_discard_applies_nothing_and_forgets_the_file(client, auth, app):
    auth.as_role("officer")
    location = upload(client, xlsx({"Acteurs": actors_sheet(actor(1))})).headers["Location"]
    post_form(client, location, location + "/abandonner")
    assert actors(app) == 0
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch))
        assert batch.status is ImportStatus.DISCARDED and batch.kept_file is None
    response = post_form(client, location, location + "/confirmer")
    assert response.status_code == 302 and actors(app) == 0
    assert "Cet import a été abandonné" in client.get(location).get_data(as_text=True)


def test_confirm_refuses_a_tampered_or_expired_file(client, auth, app):
    auth.as_role("officer")
    location = upload(client, xlsx({"Acteurs": actors_sheet(actor(1))})).headers["Location"]
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch))
        kept, batch.kept_file = batch.kept_file, xlsx({"Acteurs": actors_sheet(actor(1), actor(2))})
        db.session.commit()
    post_form(client, location, location + "/confirmer")
    assert actors(app) == 0
    assert "ne correspond plus à celui envoyé" in client.get(location).get_data(as_text=True)
    with app.app_context():
        batch = db.session.scalar(sa.select(ImportBatch))
        batch.kept_file, batch.kept_until = kept, utcnow() - timedelta(seconds=10)
        db.session.commit()
    assert "n'est plus conservé" in client.get(location).get_data(as_text=True)
    post_form(client, location, location + "/confirmer")
    assert actors(app) == 0


def test_preview_with_errors_offers_the_errors_workbook(client, auth, app):
    auth.as_role("officer")
    data = xlsx({"Acteurs": actors_sheet(actor(1), actor(2, SIRET="-123+456"))})
    location = upload(client, data).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "Erreurs (1)" in html and "Confirmer l'import" not in html
    response = client.get(location + "/erreurs.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    summary = list(wb["Erreurs"].iter_rows(min_row=2, values_only=True))
    assert summary[0][:4] == ("Acteurs", 3, "SIRET", "-123+456")
    assert wb["Erreurs"]["D2"].data_type == "s"  # formula-like text stays text
    rows = list(wb["Acteurs"].iter_rows(values_only=True))
    assert rows[0][0] == "Erreurs" and len(rows) == 2 and rows[1][0].startswith("Ligne 3 — SIRET")
    assert rows[1][1:4] == ("acteur-test-2", "Acteur Test 2", "Association déclarée")


def test_preview_escapes_markup_from_the_workbook(client, auth):
    auth.as_role("officer")
    payload = "<img src=x onerror=alert(1)>"
    location = upload(client, xlsx({"Acteurs": actors_sheet(actor(1, **{"Nom*": payload}))})).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert payload not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_upload_over_the_limit_is_413_in_french(client, auth, app):
    auth.as_role("officer")
    app.config["MAX_CONTENT_LENGTH"], limit = 50_000, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = upload(client, b"PK\x03\x04" + b"0" * 60_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413 and "Fichier trop volumineux" in response.get_data(as_text=True)


def test_upload_of_a_csv_of_no_sheet_shows_a_french_error(client, auth, app):
    auth.as_role("officer")
    location = upload(client, b"Nom;Forme\nA;association\n", "liste.xlsx").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "ne sont ceux d&#39;aucune feuille du registre" in html and actors(app) == 0


def test_upload_of_a_csv_says_what_was_detected(client, auth, app):
    auth.as_role("officer")
    data = "Nom*;Forme juridique*\nAtelier;Association déclarée\n".encode("cp1252")
    location = upload(client, data, "acteurs.csv").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "Fichier lu comme : CSV, séparateur point-virgule, encodage Windows-1252" in html


def test_full_export_by_role_and_audit(client, auth, app):
    with app.app_context():
        a = make_actor(db.session, name="Atelier")
        make_contact(db.session, a, full_name="Camille Privée")
        db.session.commit()
    auth.as_role("analyst")
    response = client.get("/admin/export/registre.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Contacts" not in openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    auth.logout()
    auth.as_role("officer")
    response = client.get("/admin/export/registre.xlsx")
    assert "Contacts" in openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
        assert len(events) == 2 and {e.source for e in events} == {"admin"}


def test_an_officer_exports_without_contacts_like_the_cli(client, auth, app):
    with app.app_context():
        make_contact(db.session, make_actor(db.session, name="Atelier"), full_name="Camille Privée")
        db.session.commit()
    auth.as_role("officer")
    assert "registre.xlsx?contacts=0" in client.get("/admin/export/").get_data(as_text=True)
    response = client.get("/admin/export/registre.xlsx?contacts=0")
    sheets = openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    assert "Contacts" not in sheets and "Acteurs" in sheets


def test_scdl_download(client, auth):
    auth.as_role("analyst")
    response = client.get("/admin/export/subventions.csv?tout=1")
    assert response.status_code == 200 and response.data.startswith(b"nomAttribuant,idAttribuant")
    assert response.mimetype == "text/csv"


def test_import_history_details_do_not_show_the_kept_file(client, auth, app):
    auth.as_role("officer")
    location = upload(client, xlsx({"Acteurs": actors_sheet(actor(1))})).headers["Location"]
    batch_id = location.rstrip("/").rsplit("/", 1)[1]
    response = client.get(f"/admin/importbatch/details/?id={batch_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "acteurs.xlsx" in html
    # The file's bytes (a zip: « PK\x03\x04 ») are not on the page, raw or as a repr; a CSRF token may hold « PK ».
    assert "PK\x03" not in html and "PK\\x03" not in html and "Acteur Test 1" not in html
