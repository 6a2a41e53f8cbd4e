"""A directory people can work with (issue 15, item 6): facet counts beside each filter value, sort by name or last
update, « Exporter cette sélection », and the last update date of each record's page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from openpyxl import load_workbook
from unidecode import unidecode

from registry.services.public import directory
from tests import public_data


@pytest.fixture
def data(session):
    built = public_data.build(session)
    session.commit()
    return built


def listed(html: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<h2><a href="/(?:acteurs|initiatives)/[^"]+">([^<]+)</a></h2>', html)]


def option_count(html: str, name: str, value: str) -> int:
    select = html[html.index(f'name="{name}"') :]
    match = re.search(rf'<option value="{re.escape(value)}"[^>]*>[^<]*\((\d+)\)</option>', select)
    assert match, (name, value)
    return int(match.group(1))


@pytest.mark.parametrize("kind", ["actors", "initiatives"])
def test_each_facet_count_is_the_number_of_results_the_filter_gives(client, session, data, kind):
    base = "/acteurs/" if kind == "actors" else "/initiatives/"
    html = client.get(base).get_data(as_text=True)
    groups = ("axe", "quartier", "secteur")
    checked = 0
    for name in groups:
        for code in re.findall(rf'<select[^>]*name="{name}".*?</select>', html, re.S)[0].split('value="')[2:]:
            code = code.split('"')[0]
            expected = client.get(base, query_string={name: code}).get_data(as_text=True)
            total = re.search(r'<p class="lead mb-1" role="status">\s*(\d+|Aucun)', expected).group(1)
            assert option_count(html, name, code) == (0 if total == "Aucun" else int(total)), (name, code)
            checked += 1
    assert checked > 10


def test_facet_counts_keep_the_other_filters(client, data):
    html = client.get("/acteurs/?quartier=fives").get_data(as_text=True)
    with_axis = client.get("/acteurs/?quartier=fives&axe=entreprendre").get_data(as_text=True)
    assert option_count(html, "axe", "entreprendre") == len(listed(with_axis)) > 0


def test_sort_by_name_or_last_update(client, session, data):
    data.velo.updated_at = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    session.commit()
    by_name = listed(client.get("/acteurs/").get_data(as_text=True))
    assert by_name == sorted(by_name, key=lambda n: unidecode(n).casefold())
    by_update = listed(client.get("/acteurs/?tri=maj").get_data(as_text=True))
    assert by_update[0] == data.velo.name and sorted(by_update) == sorted(by_name)
    html = client.get("/acteurs/?tri=maj&page=1").get_data(as_text=True)
    assert '<option value="maj" selected>' in html
    assert "tri=maj" in re.search(r'href="(/acteurs/selection\.xlsx[^"]*)"', html).group(1)
    assert client.get("/acteurs/?tri=inconnu").status_code == 200


@pytest.mark.parametrize("kind", ["actors", "initiatives"])
def test_export_this_selection_in_three_formats(client, data, kind):
    base = "/acteurs" if kind == "actors" else "/initiatives"
    query = {"quartier": "fives"}
    names = listed(client.get(f"{base}/", query_string=query).get_data(as_text=True))
    assert names
    machine = list(csv.DictReader(io.StringIO(client.get(f"{base}/selection.csv", query_string=query).text)))
    key = "name" if kind == "actors" else "title"
    assert sorted(r[key] for r in machine) == sorted(names)
    excel = client.get(f"{base}/selection-excel.csv", query_string=query).data
    assert excel.startswith(b"\xef\xbb\xbf") and excel.decode("utf-8-sig").count("\r\n") == len(names) + 1
    sheet = load_workbook(io.BytesIO(client.get(f"{base}/selection.xlsx", query_string=query).data)).worksheets[0]
    assert sheet.max_row == len(names) + 1
    everything = list(csv.DictReader(io.StringIO(client.get(f"{base}/selection.csv").text)))
    assert len(everything) >= len(names) and len(everything) == len(listed(client.get(f"{base}/").text))


def test_record_pages_show_their_last_update(client, data):
    for url, record in (
        (f"/acteurs/{data.regie.slug}", data.regie),
        (f"/initiatives/{data.initiative.slug}", data.initiative),
    ):
        html = client.get(url).get_data(as_text=True)
        assert f'Fiche mise à jour le <time datetime="{record.updated_at.date().isoformat()}">' in html


def test_sorts_are_known_to_the_service():
    assert set(directory.SORTS) == {"nom", "maj"}
