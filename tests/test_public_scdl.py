"""The SCDL « subventions » download of the open-data page: public actors only, the national format."""

import csv
import io
from datetime import date
from decimal import Decimal

from registry.models import PartnershipStatus
from registry.workbook.scdl import HEADER
from tests.factories import luhn_siret, make_actor, make_partnership


def rows(response) -> list[dict]:
    assert response.status_code == 200
    text = response.data.decode("utf-8")
    assert text.startswith(",".join(HEADER) + "\r\n")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def signed(session, actor, amount, obj="Soutien au projet"):
    return make_partnership(
        session, actor, object=obj, amount=Decimal(amount), status=PartnershipStatus.SIGNED,
        convention_date=date(2025, 4, 1), start_date=date(2025, 4, 1), end_date=date(2026, 3, 31),
    )  # fmt: skip


def test_scdl_download_lists_public_actors_above_the_threshold(client, session):
    public = make_actor(session, name="Ressourcerie Publique", siret=luhn_siret())
    hidden = make_actor(session, name="Association Non Publiée", siret=luhn_siret(), published=False)
    signed(session, public, "30000")
    signed(session, public, "5000", obj="Petite subvention")
    signed(session, hidden, "90000")
    session.commit()
    page = client.get("/donnees/").get_data(as_text=True)
    assert "/donnees/subventions-scdl.csv" in page
    listed = rows(client.get("/donnees/subventions-scdl.csv"))
    assert [(r["nomBeneficiaire"], r["montant"]) for r in listed] == [("Ressourcerie Publique", "30000")]
    everything = rows(client.get("/donnees/subventions-scdl.csv?tout=1"))
    assert sorted(r["montant"] for r in everything) == ["30000", "5000"]
    assert "Non Publiée" not in client.get("/donnees/subventions-scdl.csv?tout=1").get_data(as_text=True)


def test_scdl_download_neutralises_formulas_and_revalidates(client, session):
    actor = make_actor(session, name="Coopérative Formule", siret=luhn_siret())
    signed(session, actor, "40000", obj='=HYPERLINK("http://evil.example")')
    session.commit()
    response = client.get("/donnees/subventions-scdl.csv")
    assert rows(response)[0]["objet"].startswith("'=")
    again = client.get("/donnees/subventions-scdl.csv", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
