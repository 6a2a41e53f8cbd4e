"""SCDL « subventions » files imported as partnerships (issue 14, item 2): the 2.1.1 columns and the older set,
cells as spreadsheets mangle them, the beneficiary found by SIRET, then RNA, then name (else proposed,
unpublished), the attributor checked against the city, through the usual preview, apply and audit."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import (
    Actor,
    AuditEvent,
    ImportBatch,
    Partnership,
    PartnershipKind,
    PartnershipNature,
    PartnershipStatus,
    PaymentTerms,
)
from registry.workbook.importer import apply_workbook, preview_workbook
from registry.workbook.scdl import write_scdl_csv
from tests.conftest import csrf_token_from
from tests.factories import luhn_siret, make_actor
from tests.test_admin_io import post_form

EXAMPLE = Path("/work/shared/scdl/exemple_valide.csv")
CITY = ("Ville de Lille", "21590350100017")
ANTIBES = ("ANTIBES", "21060004500392")
HEADER = (
    "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,rnaBeneficiaire,"
    "objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention,"
    "dispositifAide"
)
OLDER = (
    "COLL_NOM;COLL_SIRET;ACTE_DATE;ACTE_REF;ATTRIB_NOM;ATTRIB_SIRET;SUB_OBJET;SUB_MONTANT;SUB_NATURE;"
    "SUB_DATE_DEBUT;SUB_DATE_FIN;SUB_VERSEMENT;SUB_DISPOSITIF;NOTIF_EU"
)


def example_rows(attributor=CITY) -> list[list[str]]:
    """The rows of the schema's example file, as the city's (or ``attributor``'s), without its row whose period
    holds a date that does not exist (2017-30-05, tested on its own)."""
    rows = list(csv.reader(io.StringIO(EXAMPLE.read_text(encoding="utf-8"))))[1:]
    return [[*attributor, *row[2:]] for row in rows if "2017-30-05" not in row[11]]


def scdl_file(tmp_path, rows, header: str = HEADER, name: str = "subventions.csv", **kw) -> bytes:
    """A real file on disk, written as a finance package would (comma, CRLF, UTF-8 unless told)."""
    sep = kw.get("sep", ",")
    text = header + "\r\n" + "".join(sep.join(_quoted(c, sep) for c in row) + "\r\n" for row in rows)
    path = tmp_path / name
    path.write_bytes(text.encode(kw.get("encoding", "utf-8")))
    return path.read_bytes()


def _quoted(cell: str, sep: str) -> str:
    return f'"{cell}"' if sep in cell or '"' in cell else cell


def run(app, data: bytes, *, dry_run=False, **kw):
    with app.app_context():
        if dry_run:
            return preview_workbook(db.session, data, filename="subventions.csv", **kw)
        return apply_workbook(db.session, data, filename="subventions.csv", **kw)


def messy_row(siret: str = "7.3282932000074E+13") -> list[str]:
    """One line as a spreadsheet leaves it: SIRET in scientific notation, French amount and date, a period
    written with slashes and « _ », words in another agreement, a percentage."""
    return [
        *CITY, "07/03/2025", "DEL-2025-042", "Régie de quartier de Fives", siret, "", "Fonctionnement 2025",
        "12 345,50", "Aide en numéraire ; aide en nature", "Échelonnée", "2025/03/09_2025/12/31", "", "Oui", "50 %", "",
    ]  # fmt: skip


def plain_line() -> list[str]:
    """A line of the city's with no beneficiary yet."""
    return [
        *CITY, "2025-01-10", "", "", "", "", "Projet", "30000", "aide en numéraire", "unique", "2025-02-01", "",
        "non", "1", "",
    ]  # fmt: skip


def counts(report, sheet):
    return report.counts_dict().get(sheet, {})


def test_an_scdl_2_1_1_file_imports_as_partnerships_with_its_messy_row(app, tmp_path):
    rows = example_rows()
    data = scdl_file(tmp_path, [*rows, messy_row()])
    preview = run(app, data, dry_run=True)
    assert preview.ok, preview.to_text()
    assert "SCDL 2.1.1" in preview.detected and "séparateur virgule" in preview.detected
    assert counts(preview, "Partenariats")["new"] == len(rows) + 1
    assert counts(preview, "Acteurs")["new"] == len(rows) + 1
    assert any("Identifiant relu" in w.message and w.column == "idBeneficiaire" for w in preview.warnings)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0  # a preview writes nothing
    report = run(app, data)
    assert report.applied, report.to_text()
    with app.app_context():
        p = db.session.scalar(sa.select(Partnership).where(Partnership.decision_reference == "DEL-2025-042"))
        assert p.actor.name == "Régie de quartier de Fives" and p.actor.siret == "73282932000074"
        assert (p.amount, p.convention_date) == (Decimal("12345.50"), date(2025, 3, 7))
        assert (p.start_date, p.end_date) == (date(2025, 3, 9), date(2025, 12, 31))
        assert (p.nature, p.payment_terms) == (PartnershipNature.MIXED, PaymentTerms.INSTALMENTS)
        assert (p.eu_notification, p.subsidy_share) == (True, Decimal("0.5"))
        assert (p.kind, p.status) == (PartnershipKind.OPERATING_SUBSIDY, PartnershipStatus.SIGNED)
        assert p.attributor_siret is None and p.attributor_name is None  # the city's own
        actors = db.session.scalars(sa.select(Actor)).all()
        assert len(actors) == len(rows) + 1 and not any(a.published for a in actors)  # proposed unpublished
        assert all(a.legal_form.code == "association" for a in actors)
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.batch_id == report.batch_id)).all()
        assert len(events) == 2 * (len(rows) + 1) and {e.action.value for e in events} == {"create"}
        assert {e.entity_type for e in events} == {"Actor", "Partnership"}
        assert db.session.get(ImportBatch, report.batch_id).status.value == "applied"
    again = run(app, data, dry_run=True)  # the same file once more changes nothing
    assert again.ok and not again.changes, again.to_text()
    assert counts(again, "Partenariats")["unchanged"] == len(rows) + 1


def test_the_older_column_set_in_windows_1252_with_semicolons(app, tmp_path):
    rows = [
        ["Ville de Lille", "21590350100017", "2024-01-15", "CONV 2024-7", "Épicerie Solidaire Moulins",
         "38033590100027", "Projet épicerie", "8000", "aide en numéraire", "2024-02-01", "2024-12-31", "unique", "",
         "non"],
        ["VILLE DE LILLE", "2.1590350100017E+13", "15/01/2024", "CONV 2024-8", "Café Citoyen", "52499120500013.0",
         "Fonctionnement", "1 500,00 €", "numéraire", "2024/02/01", "31/12/2024", "aux frais réels", "", "N"],
    ]  # fmt: skip
    data = scdl_file(tmp_path, rows, header=OLDER, sep=";", encoding="cp1252", name="ancien.csv")
    report = run(app, data)
    assert report.applied, report.to_text()
    assert "ancien format SCDL" in report.detected and "Windows-1252" in report.detected
    assert any(w.column == "SUB_VERSEMENT" and "lues comme « Autre »" in w.message for w in report.warnings)
    with app.app_context():
        cafe = db.session.scalar(sa.select(Partnership).where(Partnership.decision_reference == "CONV 2024-8"))
        assert (cafe.amount, cafe.convention_date, cafe.start_date) == (
            Decimal("1500"),
            date(2024, 1, 15),
            date(2024, 2, 1),
        )
        assert cafe.payment_terms is PaymentTerms.OTHER and cafe.actor.siret == "52499120500013"
        epicerie = db.session.scalar(sa.select(Partnership).where(Partnership.decision_reference == "CONV 2024-7"))
        assert epicerie.kind is PartnershipKind.PROJECT_SUBSIDY and epicerie.end_date == date(2024, 12, 31)


def test_the_beneficiary_is_found_by_siret_then_rna_then_name(app, tmp_path):
    s_known, s_new = luhn_siret(), luhn_siret()
    with app.app_context():
        by_siret = make_actor(db.session, name="Par Siret", siret=s_known)
        by_rna = make_actor(db.session, name="Par RNA", rna="W595000001")
        by_name = make_actor(db.session, name="Maison des Jeux", postcode="59000")
        db.session.commit()
        ids = by_siret.id, by_rna.id, by_name.id
    line = plain_line()
    rows = [
        [*line[:3], "D1", "Un autre nom", s_known, "W595000001", *line[7:]],  # SIRET wins over the RNA of another
        [*line[:3], "D2", "Encore un nom", s_new, "w595000001", *line[7:]],  # unknown SIRET: its RNA, then filled
        [*line[:3], "D3", "MAISON DES JEUX !", "", "", *line[7:]],  # the name, case and punctuation aside
        [*line[:3], "D4", "Nouvelle Association", "", "", *line[7:]],
        [*line[:3], "D5", "nouvelle association", "", "", *line[7:]],  # the same new one, once
    ]
    report = run(app, scdl_file(tmp_path, rows))
    assert report.applied, report.to_text()
    assert any(w.column == "rnaBeneficiaire" and "n'est pas repris" in w.message for w in report.warnings)
    with app.app_context():
        actor_of = dict(db.session.execute(sa.select(Partnership.decision_reference, Partnership.actor_id)).all())
        assert (actor_of["D1"], actor_of["D2"], actor_of["D3"]) == ids
        assert actor_of["D4"] == actor_of["D5"] and actor_of["D4"] not in ids
        assert db.session.get(Actor, ids[1]).siret == s_new  # filled: it had none
        assert db.session.get(Actor, ids[0]).rna is None  # the RNA is another actor's: not taken
        assert db.session.get(Actor, ids[2]).name == "Maison des Jeux"  # an existing actor keeps its name
        new = db.session.get(Actor, actor_of["D4"])
        assert new.name == "Nouvelle Association" and not new.published


def test_a_name_two_actors_share_is_an_error_listing_them(app, tmp_path):
    with app.app_context():
        for postcode in ("59000", "59800"):
            make_actor(db.session, name="Les Amis du Quartier", postcode=postcode)
        db.session.commit()
    row = plain_line()
    row[4] = "Les amis du quartier"
    report = run(app, scdl_file(tmp_path, [row]), dry_run=True)
    (error,) = report.errors
    assert (error.sheet, error.row, error.column) == ("Partenariats", 2, "nomBeneficiaire")
    assert "Plusieurs acteurs" in error.message and error.message.count("(réf. les-amis-du-quartier") == 2


def test_another_authority_is_refused_naming_it_then_imported_when_asked(app, tmp_path):
    data = scdl_file(tmp_path, example_rows(ANTIBES))
    refused = run(app, data)
    assert not refused.applied
    (error,) = refused.errors
    assert (error.row, error.column, error.value) == (2, "idAttribuant", "21060004500392")
    assert "autre attribuant que la Ville : « ANTIBES » (SIRET 210 600 045 00392)" in error.message
    assert "--autre-attribuant" in error.message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Actor)) == 0
    report = run(app, data, other_attributor=True)
    assert report.applied, report.to_text()
    with app.app_context():
        held = db.session.execute(sa.select(Partnership.attributor_name, Partnership.attributor_siret)).all()
        assert len(held) == len(example_rows()) and set(held) == {ANTIBES}
        out = io.BytesIO()
        assert write_scdl_csv(db.session, out, include_all=True) == 0  # Antibes publishes its own


def test_the_example_files_impossible_date_is_refused_naming_the_cell(app):
    report = run(app, EXAMPLE.read_bytes(), dry_run=True, other_attributor=True)
    (error,) = report.errors
    assert (error.sheet, error.column, error.value) == (
        "Partenariats",
        "datesPeriodeVersement",
        "2017-03-02/2017-30-05",
    )
    assert error.row == 27 and "Date inexistante « 2017-30-05 »" in error.message
    reversed_period = [w for w in report.warnings if w.column == "datesPeriodeVersement"]
    assert reversed_period and "fin avant début" in reversed_period[0].message


@pytest.mark.parametrize(
    ("written", "siret"),
    [
        ("5.2499120500013E+13", "52499120500013"),
        ("52499120500013.0", "52499120500013"),
        ("52499120500014", None),  # all 14 digits, but the check fails
    ],
)
def test_a_mangled_siret_is_recovered_when_its_digits_are_all_there(app, tmp_path, written, siret):
    report = run(app, scdl_file(tmp_path, [messy_row(written)]), dry_run=True)
    if siret:
        assert report.ok, report.to_text()
    else:
        assert [(e.row, e.column) for e in report.errors] == [(2, "idBeneficiaire")]


def test_a_lost_leading_zero_is_restored_only_when_the_check_then_passes(app, tmp_path):
    with_zero = luhn_siret("0" + "5520135")
    assert with_zero.startswith("0")
    report = run(app, scdl_file(tmp_path, [messy_row(with_zero[1:])]))
    assert report.applied, report.to_text()
    with app.app_context():
        assert db.session.scalar(sa.select(Actor.siret)) == with_zero
    broken = with_zero[1:-1] + str((int(with_zero[-1]) + 1) % 10)
    refused = run(app, scdl_file(tmp_path, [messy_row(broken)]), dry_run=True)
    (error,) = refused.errors
    assert (error.row, error.column) == (2, "idBeneficiaire") and "chiffre(s) manquant(s)" in error.message


def test_lost_digits_are_refused_naming_the_row_and_column(app, tmp_path):
    report = run(app, scdl_file(tmp_path, [example_rows()[0], messy_row("5.24991205E+13")]), dry_run=True)
    (error,) = report.errors
    assert (error.sheet, error.row, error.column) == ("Partenariats", 3, "idBeneficiaire")
    assert "des chiffres ont été perdus" in error.message


def test_the_cli_takes_the_same_file_and_the_explicit_choice(app, runner, tmp_path):
    scdl_file(tmp_path, example_rows(ANTIBES), name="antibes.csv")
    path = str(tmp_path / "antibes.csv")
    refused = runner.invoke(args=["registry", "import", path])
    assert refused.exit_code == 1
    assert "colonne « idAttribuant » [21060004500392]" in refused.output and "« ANTIBES »" in refused.output
    dry = runner.invoke(args=["registry", "import", "--dry-run", "--autre-attribuant", path])
    assert dry.exit_code == 0 and "rien n'a été écrit" in dry.output, dry.output
    result = runner.invoke(args=["registry", "import", "--autre-attribuant", path])
    assert result.exit_code == 0 and "import appliqué" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == len(example_rows())
        assert db.session.scalar(sa.select(AuditEvent.source).limit(1)) == "cli"


def upload(client, data: bytes, name: str, **fields):
    token = csrf_token_from(client.get("/admin/import/").get_data(as_text=True))
    return client.post(
        "/admin/import/",
        data={"csrf_token": token, "fichier": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_the_admin_import_page_refuses_then_imports_another_authoritys_file(app, client, auth, tmp_path):
    data = scdl_file(tmp_path, example_rows(ANTIBES))
    auth.as_role("officer")
    assert "Subventions d'un autre attribuant" in client.get("/admin/import/").get_data(as_text=True)
    location = upload(client, data, "antibes.csv").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "SCDL 2.1.1" in page and "autre attribuant que la Ville : « ANTIBES »" in page
    location = upload(client, data, "antibes.csv", autre_attribuant="1").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "subventions d'un autre attribuant" in page and "rien n'a été importé" not in page
    assert post_form(client, location, location + "/confirmer").status_code == 302
    with app.app_context():
        batch = db.session.get(ImportBatch, int(location.rstrip("/").rsplit("/", 1)[-1]))
        assert batch.status.value == "applied" and batch.options == {"other_attributor": True}
        partnership = db.session.scalar(sa.select(Partnership).order_by(Partnership.id).limit(1))
        assert partnership.attributor_name == "ANTIBES"
        pid = partnership.id
    listing = client.get("/admin/partnership/").get_data(as_text=True)
    assert "Attribuant" in listing and "ANTIBES (SIRET 210 600 045 00392)" in listing
    detail = client.get(f"/admin/partnership/details/?id={pid}").get_data(as_text=True)
    assert "ANTIBES (SIRET 210 600 045 00392)" in detail


@pytest.mark.parametrize(
    ("index", "value", "column", "words"),
    [
        (1, "", "idAttribuant", "SIRET de l'attribuant absent"),
        (1, "21590350100018", "idAttribuant", "clé de contrôle"),
        (6, "W12", "rnaBeneficiaire", "Numéro RNA invalide"),
        (9, "aide remboursable", "nature", "Nature inconnue « aide remboursable »"),
        (8, "beaucoup", "montant", "« beaucoup »"),
        (2, "31/02/2025", "dateConvention", "Date inexistante"),
        (11, "bientôt", "datesPeriodeVersement", "Période de versement invalide"),
        (14, "150 %", "pourcentageSubvention", "Pourcentage invalide"),
    ],
)
def test_every_bad_cell_is_refused_in_french_naming_its_row_and_column(app, tmp_path, index, value, column, words):
    row = messy_row()
    row[index] = value
    report = run(app, scdl_file(tmp_path, [example_rows()[0], row]))
    assert not report.applied
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("Partenariats", 3, column)], report.to_text()
    assert words in report.errors[0].message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == 0  # all or nothing


def test_a_beneficiary_without_name_nor_known_identifier_is_refused(app, tmp_path):
    row = plain_line()
    report = run(app, scdl_file(tmp_path, [row]), dry_run=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, "nomBeneficiaire")]
    assert "Nom du bénéficiaire absent" in report.errors[0].message


def test_a_file_without_the_required_columns_is_refused_naming_them(app, tmp_path):
    header = "nomBeneficiaire,montant,dateConvention"
    report = run(app, scdl_file(tmp_path, [["Café", "10", "2025-01-01"]], header=header), dry_run=True)
    (error,) = report.errors
    assert "colonne(s) obligatoire(s) absente(s) : idAttribuant (ou COLL_SIRET), objet (ou SUB_OBJET)" in error.message


def test_headers_in_capitals_or_lower_case_are_read(app, tmp_path):
    for header in (HEADER.upper(), HEADER.lower()):
        report = run(app, scdl_file(tmp_path, [messy_row()], header=header), dry_run=True)
        assert report.ok and counts(report, "Partenariats")["new"] == 1, report.to_text()
