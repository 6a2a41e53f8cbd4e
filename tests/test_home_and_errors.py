"""The first public page and the French error pages."""

import re

import pytest
from flask import Blueprint

from registry import create_app
from registry.models import ActorStatus
from tests.conftest import make_test_config
from tests.factories import make_actor, make_initiative


def axis_counts(html: str) -> dict[str, tuple[int, int]]:
    """{axis label: (actors, initiatives)} read from the home page."""
    cards = re.findall(
        r'<h3 class="card-title" id="axe-[a-z]+">([^<]+)</h3>'
        r'.*?class="figure">(\d+)</span> acteurs?.*?class="figure">(\d+)</span>',
        html,
        re.S,
    )
    return {label.replace("&#39;", "'"): (int(a), int(i)) for label, a, i in cards}


def test_home_shows_the_five_axes_with_published_counts(client, session):
    public = make_actor(session, axes=["former", "echanger"])
    make_actor(session, axes=["former"], published=False)
    make_actor(session, axes=["former"], status=ActorStatus.ARCHIVED)
    make_initiative(session, lead=public, axes=["former"])
    make_initiative(session, lead=public, axes=["former"], published=False)
    session.commit()
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    counts = axis_counts(html)
    assert len(counts) == 5
    assert counts["Former et se former"] == (1, 1)
    assert counts["Échanger autrement"] == (1, 0)
    assert counts["Financer et épargner autrement"] == (0, 0)


def test_pages_have_skip_link_top_link_and_print_stylesheet(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="#contenu"' in html and "Haut de page" in html
    assert 'media="print"' in html
    assert "M'identifier" in html


def test_not_found_is_french(client):
    response = client.get("/page-qui-n-existe-pas")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)


@pytest.mark.no_database
def test_internal_error_shows_no_traceback(tmp_path):
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'e.sqlite'}", tmp_path, TESTING=False))
    boom = Blueprint("boom", __name__)

    @boom.route("/boom")
    def explode():
        raise RuntimeError("SELECT secret FROM users -- Traceback detail")

    app.register_blueprint(boom)
    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Erreur interne" in html
    assert "Traceback" not in html and "SELECT" not in html and "RuntimeError" not in html


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["title"] == "Page introuvable"
