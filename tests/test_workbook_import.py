"""The import pipeline: preview, matching, references, clearing, all-or-nothing apply, audit, idempotence."""

from __future__ import annotations

import gc
import io
import warnings
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.models import (
    Actor,
    AuditAction,
    AuditEvent,
    Contact,
    ImportBatch,
    ImportStatus,
    Initiative,
    LoanReport,
    Partnership,
)
from registry.services.records.search import actor_search_text
from registry.workbook import bulk, importer
from registry.workbook.exporter import export_registry
from tests.factories import luhn_siret, make_actor, make_user
from tests.workbook_helpers import actor, actors_sheet, edit, field_changes, load_demo, row_of, run, xlsx


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def exported(session) -> bytes:
    out = io.BytesIO()
    export_registry(session, out, include_personal=True)
    return out.getvalue()


def test_import_demo_creates_every_sheet(session):
    report = load_demo(session)
    assert report.counts["Acteurs"].new == 44
    assert (count(session, Actor), count(session, Contact), count(session, Initiative)) == (44, 55, 16)
    assert count(session, Partnership) == 32 and count(session, LoanReport) == 11
    batch = session.scalar(sa.select(ImportBatch))
    assert batch.status is ImportStatus.APPLIED and batch.counts["Acteurs"]["new"] == 44
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.batch_id == batch.id)).all()
    assert len(events) == 160 and {e.source for e in events} == {"import"}


def test_import_preview_writes_nothing(session):
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1), actor(2))}), dry_run=True)
    assert report.counts["Acteurs"].new == 2 and not report.applied
    assert count(session, Actor) == 0 and count(session, ImportBatch) == 0


def test_import_demo_twice_is_idempotent(session):
    load_demo(session)
    report = load_demo(session)
    assert report.changes == [] and report.totals().unchanged == 160


def test_import_export_round_trip_has_zero_changes(session):
    load_demo(session)
    report = run(session, exported(session), dry_run=True)
    assert report.ok, report.to_text()
    assert report.changes == [] and report.totals().unchanged == 160
    assert report.warnings == []


def test_import_five_edited_cells_are_exactly_five_changes(session):
    load_demo(session)
    data = exported(session)
    regie = row_of(data, "Acteurs", "regie-de-quartier-de-fives")
    other = 3 if regie != 3 else 4
    data = edit(
        data,
        {
            ("Acteurs", f"B{regie}"): "Régie de quartier de Fives (renommée)",
            ("Acteurs", f"T{other}"): 12,
            ("Contacts", "C2"): "Directrice générale",
            ("Initiatives", "K2"): 190000,
            ("Partenariats", "L4"): "12 500,50 €",
        },
    )
    expected = {
        ("Acteurs", regie, "Nom*"),
        ("Acteurs", other, "Salariés"),
        ("Contacts", 2, "Fonction"),
        ("Initiatives", 2, "Budget total (€)"),
        ("Partenariats", 4, "Montant (€)"),
    }
    preview = run(session, data, dry_run=True)
    assert field_changes(preview) == expected
    applied = run(session, data)
    assert applied.applied and field_changes(applied) == expected
    session.expire_all()
    assert session.scalar(sa.select(Actor.name).where(Actor.slug == "regie-de-quartier-de-fives")).endswith(
        "(renommée)"
    )
    updates = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE)).all()
    assert sorted(key for e in updates for key in e.changes) == sorted(
        ["name", "employees", "role", "budget", "amount"]
    )
    assert run(session, data, dry_run=True).changes == []


def test_import_matches_by_siret_without_ref(session):
    siret = luhn_siret()
    existing = make_actor(session, name="Ancien nom", siret=siret)
    session.commit()
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    report = run(
        session, xlsx({"Acteurs": [["Nom", "SIRET", "Forme juridique"], ["Nouveau nom", spaced, "association"]]})
    )
    assert report.counts["Acteurs"].changed == 1 and count(session, Actor) == 1
    session.refresh(existing)
    assert existing.name == "Nouveau nom" and existing.slug == "ancien-nom"


def test_import_unknown_ref_creates_record_with_that_ref(session):
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Réf.": "Ma-Reference"}))}))
    assert report.applied
    assert session.scalar(sa.select(Actor.slug)) == "ma-reference"
    assert run(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Réf.": "ma-reference"}))})).changes == []


def test_import_tolerant_headers_and_values(session):
    rows = [
        ["NOM *", " forme  JURIDIQUE", "axes", "QUARTIER", "publie", "Salaries", "Agrement esus"],
        ["Atelier Tolérant", "association", "former, ECHANGER AUTREMENT", "st maurice", "x", "1 200", "15/01/2024"],
    ]
    report = run(session, xlsx({"acteurs": rows}))
    assert report.ok, report.to_text()
    a = session.scalar(sa.select(Actor))
    assert [x.code for x in a.axes] == ["echanger", "former"]
    assert a.quartier.name == "Saint-Maurice Pellevoisin"
    assert (a.published, a.employees, a.esus_date) == (True, 1200, date(2024, 1, 15))


def test_import_absent_column_untouched_and_empty_cell_cleared(session):
    make_actor(session, name="Gardé", slug="garde", email="garde@example.org", phone="03 20 49 50 00")
    session.commit()
    rows = [["Réf.", "Nom*", "Forme juridique*", "Courriel"], ["garde", "Gardé", "Association déclarée", None]]
    report = run(session, xlsx({"Acteurs": rows}))
    assert field_changes(report) == {("Acteurs", 2, "Courriel")}
    assert report.changes[0].fields == [("Courriel", "garde@example.org", "")]
    a = session.scalar(sa.select(Actor))
    assert a.email is None and a.phone == "03 20 49 50 00"


def test_import_references_records_created_by_other_sheets(session):
    data = xlsx(
        {
            "Partenariats": [
                ["Acteur*", "Type*", "Objet*", "Initiative", "Montant (€)", "Date de la convention"],
                ["Acteur Test 1", "subvention de projet", "Projet commun", "jardin-commun", "30 000", "2025-02-01"],
            ],
            "Initiatives": [
                ["Réf.", "Titre*", "Porteur*", "Partenaires"],
                ["jardin-commun", "Jardin", "acteur-test-1", "Acteur Test 2"],
            ],
            "Acteurs": actors_sheet(actor(1), actor(2)),
            "Contacts": [["Acteur*", "Nom complet*", "Visible publiquement"], ["acteur-test-2", "Léa Martin", "oui"]],
        }
    )
    report = run(session, data)
    assert report.ok, report.to_text()
    p = session.scalar(sa.select(Partnership))
    assert p.ref == "PART-2025-001" and p.amount == Decimal("30000.00")
    assert p.initiative.lead_actor.slug == "acteur-test-1" and p.actor.slug == "acteur-test-1"
    assert [x.actor.slug for x in p.initiative.partners] == ["acteur-test-2"]
    contact = session.scalar(sa.select(Contact))
    assert contact.public and contact.consent_at is not None


def test_import_contacts_match_by_actor_and_folded_name(session):
    load_demo(session)
    rows = [["Acteur*", "Nom complet*", "Fonction"], ["Régie de quartier de Fives", "NADIA DEMO", "Présidente"]]
    report = run(session, xlsx({"Contacts": rows}))
    assert report.counts["Contacts"].changed == 1 and count(session, Contact) == 55


def test_import_loan_reports_match_by_natural_key(session):
    load_demo(session)
    rows = [
        ["Programme*", "Début de période*", "Fin de période*", "Quartier", "Objet", "Prêts accordés"],
        ["pret-mobilite-vers-l-emploi", "01/01/2026", "31/03/2026", "fives", "mobilite", 8],
        ["pret-mobilite-vers-l-emploi", "01/01/2026", "31/03/2026", "wazemmes", "mobilite", 2],
    ]
    report = run(session, xlsx({"Bilans de prêts": rows}))
    assert (report.counts["Bilans de prêts"].changed, report.counts["Bilans de prêts"].new) == (1, 1)
    assert count(session, LoanReport) == 12


def test_import_possible_duplicate_is_a_warning(session):
    make_actor(session, name="Café Solidaire", postcode="59000")
    session.commit()
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Nom*": "CAFE solidaire", "Code postal": 59000}))}))
    assert report.applied and count(session, Actor) == 2
    assert "Doublon possible" in report.warnings[0].message and report.warnings[0].row == 2


def test_import_duplicate_rows_in_one_sheet_are_errors(session):
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1), actor(1))}))
    assert not report.applied and report.errors[0].row == 3
    assert "même fiche que la ligne 2" in report.errors[0].message


def test_import_99_good_rows_and_1_bad_applies_nothing(session):
    rows = [actor(n, SIRET=luhn_siret()) for n in range(1, 101)]
    rows[55]["SIRET"] = "123 456 789 00000"
    report = run(session, xlsx({"Acteurs": actors_sheet(*rows)}))
    assert not report.applied and count(session, Actor) == 0
    assert [(e.sheet, e.row, e.column, e.value) for e in report.errors] == [
        ("Acteurs", 57, "SIRET", "123 456 789 00000")
    ]
    assert "clé de contrôle" in report.errors[0].message
    assert report.counts["Acteurs"].new == 99 and report.counts["Acteurs"].errors == 1


def test_import_unresolved_reference_names_the_cell(session):
    rows = [["Titre*", "Porteur*"], ["Sans porteur", "acteur-inconnu"]]
    report = run(session, xlsx({"Initiatives": rows}))
    error = report.errors[0]
    assert (error.row, error.column, error.value) == (2, "Porteur*", "acteur-inconnu")
    assert "introuvable" in error.message


def test_import_clean_service_errors_map_to_columns(session):
    rows = [actor(1, Latitude=50.6, **{"Année de création": 1700})]
    report = run(session, xlsx({"Acteurs": actors_sheet(*rows)}))
    assert {(e.column, e.row) for e in report.errors} == {("Longitude", 2), ("Année de création", 2)}


def test_import_exception_mid_apply_rolls_everything_back(session, monkeypatch):
    load_demo(session)
    before = {m: count(session, m) for m in (Actor, Contact, Initiative, Partnership, AuditEvent)}
    data = xlsx({"Acteurs": actors_sheet(*[actor(n) for n in range(1, 30)])})
    calls = []
    real = importer.event_values

    def failing(*args, **kwargs):
        calls.append(gc.isenabled())
        if len(calls) == 10:
            raise RuntimeError("panne simulée")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "event_values", failing)
    with pytest.raises(RuntimeError):
        run(session, data)
    # The cyclic garbage collector is paused while the import runs, and back even when it fails.
    assert calls == [False] * 10 and gc.isenabled()
    session.expire_all()
    assert {m: count(session, m) for m in before} == before
    failed = session.scalar(sa.select(ImportBatch).where(ImportBatch.status == ImportStatus.FAILED))
    assert failed is not None and "rien n'a été importé" in failed.message


def test_import_records_user_on_batch_and_events(session):
    user = make_user(session, role="officer")
    session.commit()
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1))}), user=user)
    batch = session.get(ImportBatch, report.batch_id)
    assert batch.user_id == user.id and batch.user_label == user.email and batch.file_hash == report.file_hash
    event = session.scalar(sa.select(AuditEvent))
    assert event.user_id == user.id and event.batch_id == batch.id and event.changes["name"] == [None, "Acteur Test 1"]


def test_import_refuses_a_plan_that_changed_since_the_preview(session):
    data = xlsx({"Acteurs": actors_sheet(actor(1, **{"Salariés": 3}))})
    make_actor(session, name="Acteur Test 1", slug="acteur-test-1", employees=1)
    session.commit()
    preview = run(session, data, dry_run=True)
    session.execute(sa.update(Actor).values(employees=2))
    session.commit()
    with pytest.raises(importer.PlanChanged):
        run(session, data, expected_fingerprint=preview.fingerprint())
    assert session.scalar(sa.select(Actor.employees)) == 2


def test_import_report_round_trips_through_json(session):
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1), actor(2, SIRET="1"))}), dry_run=True)
    again = type(report).from_dict(report.to_dict())
    assert again.to_dict() == report.to_dict() and again.fingerprint() == report.fingerprint()


def test_import_siret_of_another_actor_is_an_error(session):
    siret = luhn_siret()
    make_actor(session, name="Premier", slug="premier")
    make_actor(session, name="Second", slug="second", siret=siret)
    session.commit()
    report = run(session, xlsx({"Acteurs": actors_sheet(actor(1, **{"Réf.": "premier", "SIRET": siret}))}))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "SIRET", "Ce SIRET est déjà celui de l'acteur « Second ».")
    ]
    session.expire_all()
    assert session.scalar(sa.select(Actor.siret).where(Actor.slug == "premier")) is None


def test_import_generated_refs_are_unique_within_the_file(session):
    make_actor(session, name="Atelier Commun")
    session.commit()
    # other postcodes: not the existing actor (its natural key is its name and its empty postcode)
    rows = [
        ["Nom*", "Forme juridique*", "Code postal"],
        ["Atelier Commun", "association", "59000"],
        ["Atelier commun", "association", "59800"],
    ]
    report = run(session, xlsx({"Acteurs": rows}))
    assert report.applied
    assert sorted(session.scalars(sa.select(Actor.slug))) == ["atelier-commun", "atelier-commun-2", "atelier-commun-3"]


def test_import_existing_records_pointing_to_new_ones(session):
    """New records are inserted in batches, existing ones through the unit of work: an existing partnership
    moved to a new initiative, a new contact of an existing actor, in one file, without warnings."""
    first = xlsx(
        {
            "Acteurs": actors_sheet(actor(1)),
            "Partenariats": [
                ["Réf.", "Acteur*", "Type*", "Objet*"],
                ["PART-X", "acteur-test-1", "subvention de projet", "A"],
            ],
        }
    )
    assert run(session, first).applied
    second = xlsx(
        {
            "Acteurs": actors_sheet(actor(2)),
            "Initiatives": [
                ["Réf.", "Titre*", "Porteur*", "Partenaires"],
                ["nouvelle", "Nouvelle", "acteur-test-1", "acteur-test-2"],
            ],
            "Contacts": [["Acteur*", "Nom complet*"], ["acteur-test-1", "Léa Martin"]],
            "Partenariats": [
                ["Réf.", "Acteur*", "Type*", "Objet*", "Initiative"],
                ["PART-X", "acteur-test-1", "subvention de projet", "A", "nouvelle"],
            ],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", sa.exc.SAWarning)
        report = run(session, second)
    assert report.applied, report.to_text()
    assert (report.counts["Partenariats"].changed, report.totals().new) == (1, 3)
    session.expire_all()
    partnership = session.scalar(sa.select(Partnership))
    assert partnership.initiative.slug == "nouvelle" and partnership.version == 2
    assert [p.actor.slug for p in partnership.initiative.partners] == ["acteur-test-2"]
    assert [c.full_name for c in session.scalar(sa.select(Actor).filter_by(slug="acteur-test-1")).contacts] == [
        "Léa Martin"
    ]
    assert count(session, Initiative) == 1 and count(session, Contact) == 1


def test_import_new_records_get_what_a_flush_would_give_them(session):
    """Defaults (no Publié column: published), the first version, timestamps, links and the folded search text,
    as the back office's save gives them."""
    row = actor(1, **{"Nom*": "Régie Économique", "Axes": "Échanger autrement", "Secteurs": "Bâtiment"})
    report = run(session, xlsx({"Acteurs": actors_sheet(row)}))
    assert report.applied
    session.expire_all()
    new = session.scalar(sa.select(Actor))
    assert (new.version, new.published, new.status.value) == (1, True, "active")
    assert new.created_at is not None and new.updated_at is not None
    assert [a.label for a in new.axes] == ["Échanger autrement"] and [s.label for s in new.sectors] == ["Bâtiment"]
    assert new.search_text == actor_search_text(new) and "regie economique" in new.search_text
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_id == new.id))
    assert event.action is AuditAction.CREATE and event.changes["name"] == [None, "Régie Économique"]
    assert event.changes["axes"] == [None, ["Échanger autrement"]]


def test_import_in_small_batches_writes_the_same_registry(session, monkeypatch):
    """New records, their links and their audit events go in batches (5,000 by default): with batches of a few
    records, the demo still gives every record, link and event, and importing it again changes nothing."""
    monkeypatch.setattr(bulk, "CHUNK", 3)
    monkeypatch.setattr(importer, "AUDIT_BATCH", 7)
    test_import_demo_creates_every_sheet(session)
    monkeypatch.undo()
    report = load_demo(session)
    assert report.changes == [] and report.totals().unchanged == 160


# --- natural keys: an officer's own sheet without Réf. ---------------------------------------------------------


def _without_ref_columns(data: bytes) -> bytes:
    """The workbook with every « Réf. » column deleted, as an officer's own sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for cell in ws[1]:
            if cell.value == "Réf.":
                ws.delete_cols(cell.column)
                break
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_reimporting_the_demo_export_without_its_ref_column_changes_nothing(session):
    load_demo(session)
    out = io.BytesIO()
    export_registry(session, out, include_personal=True)
    report = run(session, _without_ref_columns(out.getvalue()), dry_run=True)
    assert report.ok, report.to_text()
    assert not report.changes, report.to_text()
    assert report.totals().new == 0 and report.totals().unchanged > 100


def test_a_sheet_without_ref_twice_shows_every_row_unchanged(session):
    sheet = [
        ["Nom*", "Forme juridique*", "Code postal", "RNA"],
        ["Atelier Vélo", "Association déclarée", "59000", None],
        ["Jardin de l'Épine", "Association déclarée", None, "W595012345"],
    ]
    first = run(session, xlsx({"Acteurs": sheet}))
    assert first.ok and first.totals().new == 2, first.to_text()
    again = run(session, xlsx({"Acteurs": sheet}), dry_run=True)
    assert again.ok and not again.changes and again.totals().unchanged == 2, again.to_text()
    # typed again by hand: case, accents and spaces aside, the same actor; the RNA finds a renamed one
    sheet[1][0] = "ATELIER  velo"
    sheet[2][0] = "Jardin de l’Épine (nouveau nom)"
    retyped = run(session, xlsx({"Acteurs": sheet}), dry_run=True)
    assert retyped.ok and retyped.totals().new == 0, retyped.to_text()
    assert [c.fields for c in retyped.changes] == [
        [("Nom*", "Atelier Vélo", "ATELIER  velo")],
        [("Nom*", "Jardin de l'Épine", "Jardin de l’Épine (nouveau nom)")],
    ]


def test_a_row_matching_two_records_is_an_error_listing_them(session):
    two = [
        ["Réf.", "Nom*", "Forme juridique*", "Code postal"],
        ["atelier-a", "Atelier Vélo", "Association déclarée", "59000"],
        ["atelier-b", "Atelier vélo", "Association déclarée", "59000"],
    ]
    assert run(session, xlsx({"Acteurs": two})).applied
    report = run(session, xlsx({"Acteurs": [two[0][1:], two[1][1:]]}), dry_run=True)
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("Acteurs", 2, "Nom*")
    assert "plusieurs fiches (même nom et même code postal)" in error.message
    assert "(réf. atelier-a)" in error.message and "(réf. atelier-b)" in error.message


def test_initiatives_and_partnerships_match_by_their_natural_keys(session):
    load_demo(session)
    initiative = session.scalar(sa.select(Initiative).order_by(Initiative.id))
    partnership = session.scalar(
        sa.select(Partnership).where(Partnership.decision_reference.is_not(None)).order_by(Partnership.id)
    )
    sheets = {
        "Initiatives": [
            ["Titre*", "Porteur*", "Personnes touchées"],
            [initiative.title.upper(), initiative.lead_actor.slug, 9999],
        ],
        "Partenariats": [
            ["Acteur*", "Type*", "Objet*", "Référence de la décision", "Notes"],
            [partnership.actor.slug, partnership.kind.label, partnership.object, partnership.decision_reference, "vu"],
        ],
    }
    report = run(session, xlsx(sheets), dry_run=True)
    assert report.ok, report.to_text()
    assert report.totals().new == 0 and len(report.changes) == 2, report.to_text()
