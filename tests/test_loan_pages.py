"""Loan programme pages: who a loan is for in one sentence, the application's e-mail, phone and web addresses
as links that do not break at a hyphen, and a simulator that says what is wrong with each field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.models import LoanProgramme, LoanPurpose
from registry.public.text import audience_sentence, linkify
from tests import public_data
from tests.workbook_helpers import load_demo

SITE_CSS = Path(__file__).resolve().parent.parent / "registry" / "static" / "css" / "site.css"
M, T, C = LoanPurpose.MOBILITY, LoanPurpose.TRAINING, LoanPurpose.BUSINESS_CREATION
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"0\d(?:[ .]?\d\d){4}")


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


@pytest.mark.parametrize(
    ("audience", "purposes", "sentence"),
    [
        ("Demandeurs d'emploi", [M], "Pour les demandeurs d'emploi, afin de financer leur mobilité."),
        ("Demandeurs d'emploi", [M, T], "Pour les demandeurs d'emploi, afin de financer leur mobilité ou leur "
                                        "formation."),
        ("Jeunes de 18 à 25 ans.", [M, T, C], "Pour les jeunes de 18 à 25 ans, afin de financer leur mobilité, leur "
                                              "formation ou la création de leur entreprise."),
        ("Tout public", [], "Pour tout public."),
        ("pour les habitants de Lomme", [T], "Pour les habitants de Lomme, afin de financer leur formation."),
        ("Aux allocataires du RSA", [M], "Pour les allocataires du RSA, afin de financer leur mobilité."),
        ("Bénéficiaires du PLIE", [], "Pour les bénéficiaires du PLIE."),
        (None, [M, T], "Pour financer la mobilité ou la formation."),
        ("  ", [], ""),
    ],
)  # fmt: skip
def test_audience_sentence_reads_as_french(audience, purposes, sentence):
    assert audience_sentence(audience, purposes) == sentence


def test_loan_pages_say_who_and_what_in_a_sentence(client, data):
    expected = "Pour les demandeurs d&#39;emploi, afin de financer leur mobilité ou leur formation."
    for url in ("/prets/", f"/prets/{data.programme.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert expected in html, url
        assert "pour financer :" not in html and "— mobilité" not in html, url


def test_application_addresses_are_links(client, data):
    html = client.get(f"/prets/{data.programme.slug}").get_data(as_text=True)
    assert '<a class="contact-link" href="tel:+33320123456" data-kind="phone">03 20 12 34 56</a>' in html
    assert (
        '<a class="contact-link" href="mailto:pret-mobilite-emploi@example.org" data-kind="email">'
        "pret-mobilite-emploi@example.org</a>"
    ) in html
    assert 'href="https://maison-economie.example.org/pret" data-kind="web" rel="noopener noreferrer external">' in html
    assert "/pret</a>." in html  # the sentence's full stop stays outside the link


def test_every_address_of_every_demo_programme_is_a_link(client, session):
    load_demo(session)
    session.commit()
    for programme in session.scalars(sa.select(LoanProgramme)):
        html = client.get(f"/prets/{programme.slug}").get_data(as_text=True)
        text = " ".join(filter(None, (programme.eligibility, programme.how_to_apply)))
        for email in EMAIL.findall(text):
            assert f'href="mailto:{email}"' in html, (programme.slug, email)
        for phone in PHONE.findall(text):
            digits = re.sub(r"\D", "", phone)
            assert f'href="tel:+33{digits[1:]}"' in html, (programme.slug, phone)
        assert "http" not in text or 'data-kind="web"' in html, programme.slug


def test_linkify_escapes_what_is_not_a_link():
    html = linkify('<b>x</b> contact@example.org "javascript:alert(1)"')
    assert str(html).startswith("&lt;b&gt;x&lt;/b&gt; <a class=") and "&#34;javascript:alert(1)&#34;" in str(html)
    assert 'href="javascript' not in str(html)


def test_mail_and_phone_links_do_not_break_across_lines():
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", SITE_CSS.read_text())
    nowrap = [selector for selector, body in rules if "white-space: nowrap" in body]
    assert any('a[href^="mailto:"]' in s and 'a[href^="tel:"]' in s for s in nowrap)


def test_simulator_sent_empty_names_each_missing_field(client, data):
    html = client.get(f"/prets/{data.programme.slug}?montant=&duree=").get_data(as_text=True)
    summary = html[html.index('id="simulateur-erreurs"') :]
    assert '<a href="#s-montant">Indiquez le montant' in summary
    assert '<a href="#s-duree">Indiquez la durée du prêt, en mois' in summary
    for field in ("montant", "duree"):
        tag = re.search(rf'<input[^>]*id="s-{field}"[^>]*>', html).group()
        assert 'aria-invalid="true"' in tag and f"s-{field}-erreur" in tag, field
    untouched = client.get(f"/prets/{data.programme.slug}").get_data(as_text=True)
    assert "simulateur-erreurs" not in untouched and 'aria-invalid="true"' not in untouched


def test_simulator_duration_field_takes_what_was_typed(client, data):
    # A text field (not type=number, which a browser empties when it holds "12,5"): the server sees the comma.
    html = client.get(f"/prets/{data.programme.slug}?montant=1000&duree=12%2C5").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="s-duree"[^>]*type="text"[^>]*value="12,5"', html)
    assert "La durée se compte en mois entiers" in html
