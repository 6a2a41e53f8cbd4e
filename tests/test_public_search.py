"""Search and filters of the directory on a crafted data set: accents, case, combinations, order, pagination."""

import pytest

from registry.services.public.directory import Filters, parse_filters, parse_page, search_actors, search_initiatives
from tests import public_data


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def names(session, **filters) -> list[str]:
    return [a.name for a in search_actors(session, Filters(**filters), per_page=100).items]


def titles(session, **filters) -> list[str]:
    return [i.title for i in search_initiatives(session, Filters(**filters), per_page=100).items]


@pytest.mark.parametrize("query", ["regie", "REGIE", "Régie", "régie de quartier", "  Regie   FIVES "])
def test_search_ignores_case_and_accents(session, data, query):
    assert names(session, q=query) == ["Régie de Quartier de Fives"]


def test_search_finds_every_word_and_ranks_name_matches_first(session, data):
    # "Maison de l'Économie Solidaire" has both words in its name; the bike workshop has "Solidaire" in its
    # name and "économie" only in its description: both match, the name match first.
    assert names(session, q="economie solidaire") == ["Maison de l'Économie Solidaire", "Atelier Vélo Solidaire"]


def test_search_covers_descriptions_and_sectors(session, data):
    assert names(session, q="velo") == ["Atelier Vélo Solidaire"]
    assert names(session, q="batiment") == ["Régie de Quartier de Fives"]  # a sector label
    assert names(session, q="renouvelable") == ["Énergies Citoyennes Lilloises"]  # a prefix of a word


def test_search_never_returns_hidden_actors(session, data):
    assert names(session, q="cachee") == []
    assert names(session, q="archivee") == []
    assert names(session, q="invisible") == []


def test_search_without_usable_words_lists_everything(session, data):
    assert len(names(session, q="l'")) == 4


def test_unfiltered_directory_is_in_accent_insensitive_alphabetical_order(session, data):
    assert names(session) == [
        "Atelier Vélo Solidaire",
        "Énergies Citoyennes Lilloises",
        "Maison de l'Économie Solidaire",
        "Régie de Quartier de Fives",
    ]


def test_filters_combine(session, data):
    assert names(session, axe="financer") == ["Énergies Citoyennes Lilloises", "Maison de l'Économie Solidaire"]
    assert names(session, axe="financer", quartier="lomme") == ["Énergies Citoyennes Lilloises"]
    assert names(session, quartier="wazemmes") == ["Atelier Vélo Solidaire", "Maison de l'Économie Solidaire"]
    assert names(session, quartier="wazemmes", secteur="transports") == ["Atelier Vélo Solidaire"]
    assert names(session, famille="cooperative") == ["Énergies Citoyennes Lilloises"]
    assert names(session, famille="association", quartier="lomme") == []
    assert names(session, q="solidaire", axe="consommer") == ["Atelier Vélo Solidaire"]
    assert names(session, quartier="fives") == ["Régie de Quartier de Fives"]  # not the hidden nor the archived


def test_esus_filter_keeps_current_agrements_only(session, data):
    # The bike workshop's agrément is six years old: expired after five.
    assert names(session, esus=True) == ["Régie de Quartier de Fives"]


def test_parse_filters_reads_codes_and_sets_aside_unknown_values(session, data):
    filters = parse_filters(session, {"q": " vélo ", "axe": "former", "quartier": "atlantis", "esus": "1"})
    assert (filters.q, filters.axe, filters.quartier, filters.esus) == ("vélo", "former", "", True)
    assert set(filters.invalid) == {"quartier"}
    assert filters.as_params() == {"q": "vélo", "axe": "former", "esus": "1"}


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "100001"])
def test_parse_page_refuses_what_is_not_a_page(value):
    from registry.services.public.directory import InvalidFilter

    with pytest.raises(InvalidFilter):
        parse_page(value)


def test_pagination_splits_the_results(session, data):
    first = search_actors(session, Filters(), page=1, per_page=3)
    second = search_actors(session, Filters(), page=2, per_page=3)
    assert (first.total, first.pages, len(first.items), len(second.items)) == (4, 2, 3, 1)
    assert first.has_next and not second.has_next
    assert second.items[0].name == "Régie de Quartier de Fives"


def test_initiatives_filters_include_city_wide_ones_in_every_quartier(session, data):
    assert titles(session) == ["Atelier de réemploi de Fives", "Forum de la finance éthique"]
    assert titles(session, quartier="fives") == ["Atelier de réemploi de Fives", "Forum de la finance éthique"]
    assert titles(session, quartier="lomme") == ["Forum de la finance éthique"]
    assert titles(session, q="reemploi") == ["Atelier de réemploi de Fives"]
    assert titles(session, q="ethique", statut="ongoing") == ["Forum de la finance éthique"]
    assert titles(session, axe="consommer", quartier="fives") == ["Atelier de réemploi de Fives"]
    assert titles(session, q="fantome") == []  # led by an unpublished actor
    assert titles(session, q="masquee") == []  # unpublished


def test_search_index_follows_changes(session, data):
    data.velo.name = "Atelier Bicyclette Solidaire"
    session.commit()
    assert names(session, q="bicyclette") == ["Atelier Bicyclette Solidaire"]
    assert names(session, q="velo") == ["Atelier Bicyclette Solidaire"]  # still in its description
    session.delete(data.cooperative)
    session.commit()
    assert names(session, q="citoyennes") == []


def test_search_objects_exist_after_the_migrations(session):
    # A later migration that rebuilds actors or initiatives in SQLite batch mode would drop the FTS triggers.
    import sqlalchemy as sa

    if session.get_bind().dialect.name == "sqlite":
        triggers = set(session.scalars(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        expected = {f"{t}_fts_{e}" for t in ("actors", "initiatives") for e in ("insert", "update", "delete")}
        assert expected <= triggers
    else:
        indexes = set(
            session.scalars(sa.text("SELECT indexname FROM pg_indexes WHERE tablename IN ('actors', 'initiatives')"))
        )
        assert {"ix_actors_search_vector", "ix_actors_name_vector", "ix_initiatives_search_vector"} <= indexes
