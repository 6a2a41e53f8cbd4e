"""« Doublon possible » in the web import: a row that may be an existing actor (same name and postcode with another
SIRET, or the same SIREN with another establishment) waits for the officer's choice — update it or create a new
one — kept with the batch and checked again at the confirmation. Real workbooks written by openpyxl, through the
real pages."""

from __future__ import annotations

import io

import sqlalchemy as sa

from registry.models import Actor, ImportBatch
from tests.admin_support import database, read_form
from tests.conftest import csrf_token_from
from tests.factories import _luhn_complete, luhn_siret, make_actor
from tests.workbook_helpers import actors_sheet, xlsx


def another_establishment(siret: str) -> str:
    """A valid SIRET of the same SIREN, another establishment (NIC)."""
    return _luhn_complete(siret[:9] + "0009")


def row(name: str, siret: str, postcode: str = "59800") -> dict:
    return {"Nom*": name, "Forme juridique*": "Association déclarée", "SIRET": siret, "Code postal": postcode}


def upload(client, data: bytes) -> str:
    token = csrf_token_from(client.get("/admin/import/").get_data(as_text=True))
    sent = client.post("/admin/import/", data={"csrf_token": token, "fichier": (io.BytesIO(data), "acteurs.xlsx")},
                       content_type="multipart/form-data")  # fmt: skip
    assert sent.status_code == 302
    return sent.headers["Location"]


def decide(client, preview_url: str, choice: str):
    page = client.get(preview_url).get_data(as_text=True)
    fields = read_form(page, "/doublons")
    radios = {name for name, _value in fields if name.startswith("doublon-")}
    assert not radios, "nothing is preselected"
    names = sorted(set(_names(page)))
    data = [("csrf_token", csrf_token_from(page)), *((name, choice) for name in names)]
    return client.post(preview_url + "/doublons", data=dict(data), follow_redirects=True)


def _names(html: str) -> list[str]:
    import re

    return re.findall(r'name="(doublon-[^"]+)"', html)


def confirm(client, preview_url: str):
    page = client.get(preview_url).get_data(as_text=True)
    return client.post(preview_url + "/confirmer", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)


def actor_count(app) -> int:
    with database(app) as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Actor))


def test_same_siren_waits_for_a_choice_then_creates_a_new_actor(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        existing = make_actor(session, name="Atelier Vélo Fives", postcode="59800", siret=luhn_siret("71000001"))
        other = another_establishment(existing.siret)
    url = upload(client, xlsx({"Acteurs": actors_sheet(row("Atelier Vélo Fives — Hellemmes", other, "59260"))}))
    page = client.get(url).get_data(as_text=True)
    assert "Doublons possibles" in page and "même SIREN" in page and "Confirmer l'import" not in page
    refused = confirm(client, url)  # no silent choice: nothing is imported before the officer decides
    assert "ne peut pas être appliqué" in refused.get_data(as_text=True) and actor_count(app) == 1
    decided = decide(client, url, "new").get_data(as_text=True)
    assert "Choix enregistrés" in decided and "Confirmer l'import" in decided
    with database(app) as session:
        batch = session.scalars(sa.select(ImportBatch)).one()
        assert list(batch.decisions.values()) == [{"choice": "new", "ref": "atelier-velo-fives"}]
    assert "import appliqué" in confirm(client, url).get_data(as_text=True)
    with database(app) as session:
        assert session.scalar(sa.select(Actor).where(Actor.siret == other)).name == "Atelier Vélo Fives — Hellemmes"
    assert actor_count(app) == 2


def test_same_name_and_postcode_with_another_siret_updates_when_chosen(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        existing = make_actor(session, name="Ressourcerie de Lomme", postcode="59160", siret=luhn_siret("72000001"))
        existing_id = existing.id
    new_siret = luhn_siret("73000001")
    url = upload(client, xlsx({"Acteurs": actors_sheet(row("RESSOURCERIE de lomme", new_siret, "59160"))}))
    assert "un autre SIRET" in client.get(url).get_data(as_text=True)
    decide(client, url, "update")
    assert "import appliqué" in confirm(client, url).get_data(as_text=True)
    with database(app) as session:
        assert session.get(Actor, existing_id).siret == new_siret
    assert actor_count(app) == 1


def test_a_choice_is_checked_again_at_the_confirmation(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        existing = make_actor(session, name="Atelier Vélo Fives", postcode="59800", siret=luhn_siret("74000001"))
        existing_id, other = existing.id, another_establishment(existing.siret)
    url = upload(client, xlsx({"Acteurs": actors_sheet(row("Atelier Vélo Fives", other))}))
    decide(client, url, "update")
    with database(app) as session:  # meanwhile, the existing actor is not the one the choice was about any more
        session.get(Actor, existing_id).slug = "atelier-velo-de-fives"
    answer = confirm(client, url).get_data(as_text=True)
    assert "Les doublons possibles ont changé depuis vos choix" in answer and "Doublons possibles" in answer
    with database(app) as session:
        assert session.get(Actor, existing_id).siret != other
    assert actor_count(app) == 1


def test_a_row_with_its_siret_or_without_one_is_no_duplicate(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        existing = make_actor(session, name="Atelier Vélo Fives", postcode="59800", siret=luhn_siret("75000001"))
        siret = existing.siret
    url = upload(
        client, xlsx({"Acteurs": actors_sheet(row("Atelier Vélo Fives", siret), row("Atelier Vélo Fives", None))})
    )
    page = client.get(url).get_data(as_text=True)
    assert "Doublons possibles" not in page


def test_an_unknown_choice_is_a_french_message(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        existing = make_actor(session, name="Atelier Vélo Fives", postcode="59800", siret=luhn_siret("76000001"))
        other = another_establishment(existing.siret)
    url = upload(client, xlsx({"Acteurs": actors_sheet(row("Atelier Vélo Fives", other))}))
    page = client.get(url).get_data(as_text=True)
    name = _names(page)[0]
    answer = client.post(url + "/doublons", data={"csrf_token": csrf_token_from(page), name: "les-deux"},
                         follow_redirects=True)  # fmt: skip
    assert "Choix inconnu" in answer.get_data(as_text=True)


def test_the_command_line_never_chooses_either(app, runner, tmp_path):
    with database(app) as session:
        existing = make_actor(session, name="Atelier Vélo Fives", postcode="59800", siret=luhn_siret("77000001"))
        other = another_establishment(existing.siret)
    path = tmp_path / "acteurs.xlsx"
    path.write_bytes(xlsx({"Acteurs": actors_sheet(row("Atelier Vélo Fives", other))}))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code != 0 and "Doublon possible" in result.output and "aperçu" in result.output
    assert actor_count(app) == 1
