"""No convention silently missing from the SCDL file (issue 15, item 1): each convention of every kind is either in
the file or listed as pending with its reason — on the back-office export page, the dashboard, the actor form and
the public open-data page."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date
from decimal import Decimal

import pytest

from registry.models import PartnershipKind, PartnershipStatus
from registry.services.public.publication import (
    NO_DATE,
    NO_IDENTIFIER,
    NOT_PUBLIC,
    count_pending_conventions,
    pending_conventions,
)
from registry.workbook.scdl import write_scdl_csv
from tests.factories import luhn_siret, make_actor, make_partnership
from tests.workbook_helpers import load_demo

STATUSES = list(PartnershipStatus)
SIGNED = {PartnershipStatus.SIGNED, PartnershipStatus.ACTIVE, PartnershipStatus.ENDED}


def scdl_objects(session, **kwargs) -> set[str]:
    out = io.BytesIO()
    write_scdl_csv(session, out, **kwargs)
    return {row["objet"] for row in csv.DictReader(io.StringIO(out.getvalue().decode("utf-8"), newline=""))}


@pytest.fixture
def registry_of_every_kind(app, session):
    """One convention per combination: status × kind × amount (below, at, above the threshold) × beneficiary
    (SIRET, RNA, none) × convention date (given or not) × actor public or not."""
    expected = {}
    identities = {"siret": lambda: {"siret": luhn_siret()}, "rna": lambda: {"rna": "W595000123"}, "none": dict}
    amounts = (Decimal("5000"), Decimal("23000"), Decimal("62000"))
    kinds = (PartnershipKind.PROJECT_SUBSIDY, PartnershipKind.RESERVED_CONTRACT)
    for n, (status, kind, amount, identity, dated, public) in enumerate(
        itertools.product(STATUSES, kinds, amounts, identities, (True, False), (True, False))
    ):
        actor = make_actor(session, name=f"Bénéficiaire {n}", published=public, **identities[identity]())
        obj = f"Convention {n}"
        make_partnership(
            session, actor, object=obj, amount=amount, status=status, kind=kind,
            convention_date=date(2025, 1, 1) if dated else None, start_date=date(2025, 1, 1),
        )  # fmt: skip
        due = status in SIGNED and kind != PartnershipKind.RESERVED_CONTRACT and amount > Decimal("23000")
        reasons = ([NO_IDENTIFIER] if identity == "none" else []) + ([] if dated else [NO_DATE])
        expected[obj] = (due, reasons, public)
    session.commit()
    return expected


def test_every_due_convention_is_published_or_pending_with_its_reason(app, session, registry_of_every_kind):
    with app.app_context():
        in_file = scdl_objects(session)
        in_public_file = scdl_objects(session, public_only=True)
        pending = {p.partnership.object: p.reasons for p in pending_conventions(session)}
        public_pending = {p.partnership.object: p.reasons for p in pending_conventions(session, public_only=True)}
        for obj, (due, reasons, public) in registry_of_every_kind.items():
            if not due:
                assert obj not in in_file and obj not in pending and obj not in public_pending, obj
                continue
            assert (obj in in_file) != (obj in pending), obj
            assert pending.get(obj, []) == reasons, obj
            public_reasons = reasons + ([] if public else [NOT_PUBLIC])
            assert (obj in in_public_file) != (obj in public_pending), obj
            assert public_pending.get(obj, []) == public_reasons, obj
        assert count_pending_conventions(session) == len(pending) > 0
        assert count_pending_conventions(session, public_only=True) == len(public_pending) > len(pending)


def test_the_threshold_is_a_setting(app, session):
    actor = make_actor(session, siret=None)
    make_partnership(session, actor, amount=Decimal("15000"), status=PartnershipStatus.SIGNED)
    session.commit()
    with app.app_context():
        assert count_pending_conventions(session) == 0
        app.config["SCDL_PUBLICATION_THRESHOLD"] = 10000
        try:
            assert count_pending_conventions(session) == 1
        finally:
            app.config["SCDL_PUBLICATION_THRESHOLD"] = 23000


def test_the_demo_fives_conventions_are_listed_as_pending(app, session):
    load_demo(session)
    with app.app_context():
        pending = pending_conventions(session)
        fives = [p for p in pending if p.partnership.actor.name == "Régie de quartier de Fives"]
        assert sorted(p.partnership.amount for p in fives) == [Decimal("62000"), Decimal("240000")]
        assert all(p.reasons == [NO_IDENTIFIER] for p in fives)


def test_export_page_dashboard_and_actor_form_show_the_pending_conventions(app, client, session, auth):
    actor = make_actor(session, name="Régie Sans Identifiant", siret=None)
    undated = make_actor(session, name="Coopérative Datée Plus Tard", siret=luhn_siret())
    gap = make_partnership(session, actor, amount=Decimal("240000"), status=PartnershipStatus.SIGNED)
    late = make_partnership(
        session, undated, amount=Decimal("30000"), status=PartnershipStatus.ACTIVE, convention_date=None
    )
    session.commit()
    auth.as_role("officer")
    page = client.get("/admin/export/").get_data(as_text=True)
    assert "Conventions à publier absentes du fichier SCDL (2)" in page
    assert gap.ref in page and late.ref in page
    assert NO_IDENTIFIER in page and NO_DATE in page
    assert f"/admin/actor/edit/?id={actor.id}" in page and f"/admin/partnership/edit/?id={late.id}" in page
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "2 conventions à publier" in dashboard and "/admin/export/#conventions-en-attente" in dashboard
    form = client.get(f"/admin/actor/edit/?id={actor.id}").get_data(as_text=True)
    assert "ni SIRET ni numéro RNA" in form
    assert "ni SIRET ni numéro RNA" not in client.get(f"/admin/actor/edit/?id={undated.id}").get_data(as_text=True)


def test_public_open_data_page_says_how_many_are_pending(app, client, session):
    actor = make_actor(session, name="Régie Sans Identifiant", siret=None)
    make_partnership(session, actor, amount=Decimal("240000"), status=PartnershipStatus.SIGNED)
    session.commit()
    page = client.get("/donnees/").get_data(as_text=True)
    assert "1 convention à publier ne figure pas encore dans ce fichier" in page
    assert "Régie Sans Identifiant" not in client.get("/donnees/subventions-scdl.csv").get_data(as_text=True)
