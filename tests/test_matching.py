"""Tolerant matching of axes, quartiers, sectors, legal forms and enumerations."""

import pytest

from registry.models import InitiativeStatus, PartnershipKind
from registry.services.records.errors import ValidationError
from registry.services.reference.matching import ReferenceData, match_enum


@pytest.fixture
def reference(session):
    return ReferenceData(session)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("moulins", "lille-moulins"),
        ("Lille-Moulins", "lille-moulins"),
        ("st maurice", "saint-maurice-pellevoisin"),
        ("Saint-Maurice Pellevoisin", "saint-maurice-pellevoisin"),
        ("ST-MAURICE PELLEVOISIN", "saint-maurice-pellevoisin"),
        ("vieux lille", "vieux-lille"),
        ("VIEUX-LILLE", "vieux-lille"),
        ("Faubourg Béthune", "faubourg-de-bethune"),
        ("faubourg de bethune", "faubourg-de-bethune"),
        ("Lille Centre", "centre"),
        ("lomme", "lomme"),
        ("  Hellemmes ", "hellemmes"),
        ("bois blancs", "bois-blancs"),
    ],
)
def test_quartier_matching(reference, typed, code):
    assert reference.quartiers.get(typed).code == code


def test_unknown_quartier_lists_allowed_values(reference):
    with pytest.raises(ValidationError, match=r"Quartier : valeur inconnue.*Fives.*Wazemmes"):
        reference.quartiers.get("Roubaix")


@pytest.mark.parametrize("typed", ["former", "Former et se former", "FORMER ET SE FORMER", "former et se former "])
def test_axis_matching(reference, typed):
    assert reference.axes.get(typed).code == "former"


def test_axis_with_accent_variants(reference):
    assert reference.axes.get("echanger autrement").code == "echanger"
    assert reference.axes.get("Échanger autrement").code == "echanger"


def test_sectors_and_legal_forms(reference):
    assert reference.sectors.get("energies renouvelables").strategic is True
    assert reference.sectors.get("Services a la personne").code == "services-a-la-personne"
    assert reference.legal_forms.get("scic").label.startswith("Société coopérative d'intérêt collectif")
    assert reference.legal_forms.get("9220").code == "association"
    assert reference.legal_forms.get("association declaree").code == "association"


def test_many_values_in_one_cell(reference):
    axes = reference.axes.get_many("former; Entreprendre autrement\nechanger")
    assert [a.code for a in axes] == ["former", "entreprendre", "echanger"]
    assert [q.code for q in reference.quartiers.get_many("Fives, Wazemmes")] == ["fives", "wazemmes"]
    assert reference.axes.get_many("") == []


def test_many_values_keeps_labels_with_commas(reference):
    # "Alimentation et circuits courts" has no comma, but a label with one must survive splitting on ';'.
    sectors = reference.sectors.get_many("Alimentation et circuits courts;Bâtiment")
    assert [s.code for s in sectors] == ["alimentation", "batiment"]


def test_many_values_reports_unknown_part(reference):
    with pytest.raises(ValidationError, match=r"inconnu.*Atlantide"):
        reference.quartiers.get_many("Fives; Atlantide")


@pytest.mark.parametrize("typed", ["En cours", "en cours", "ongoing", "EN COURS"])
def test_enum_matching(typed):
    assert match_enum(InitiativeStatus, typed, "Statut") is InitiativeStatus.ONGOING


def test_enum_matching_unknown():
    with pytest.raises(ValidationError, match="Valeurs possibles : Subvention de fonctionnement"):
        match_enum(PartnershipKind, "Don", "Type")
