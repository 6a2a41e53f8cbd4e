"""The back office's list search: accent- and case-insensitive, every word, through the full-text index."""

import pytest

from tests.factories import make_actor, make_initiative, make_partnership


@pytest.fixture
def records(session):
    fives = make_actor(session, name="Régie de quartier de Fives")
    make_actor(session, name="Régie de Wazemmes")
    make_actor(session, name="Épicerie Solidaire", description="Économie solidaire à Lille-Sud")
    make_initiative(session, lead=fives, title="Atelier vélo des Régies")
    make_partnership(session, actor=fives, object="Soutien à l'atelier")
    session.commit()


@pytest.mark.parametrize(
    ("url", "found", "absent"),
    [
        ("/admin/actor/?search=regie", ["Régie de quartier de Fives", "Régie de Wazemmes"], ["Épicerie Solidaire"]),
        (
            "/admin/actor/?search=REGIE+fives",
            ["Régie de quartier de Fives"],
            ["Régie de Wazemmes", "Épicerie Solidaire"],
        ),
        ("/admin/actor/?search=economie+solidaire", ["Épicerie Solidaire"], ["Régie de Wazemmes"]),
        ("/admin/initiative/?search=velo+regies", ["Atelier vélo des Régies"], []),
        ("/admin/partnership/?search=atelier", ["Soutien à l'atelier"], []),
    ],
)
def test_admin_search_ignores_case_and_accents(client, auth, records, url, found, absent):
    auth.as_role("analyst")
    html = client.get(url).get_data(as_text=True)
    for text in found:
        assert text.replace("'", "&#39;") in html, text
    for text in absent:
        assert text not in html, text
