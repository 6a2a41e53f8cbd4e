"""« Fusionner »: an officer merges a duplicate actor into the one that stays. Every relation follows (walked from the
schema, so a new relation without a case here fails), the old slug answers 301, one audit event holds the
duplicate, « Rétablir » undoes it exactly while nothing changed, and only officers and admins may merge."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from registry.extensions import db
from registry.models import (
    AccountRequest,
    Actor,
    ActorSlugRedirect,
    AuditAction,
    AuditEvent,
    CitizenReport,
    Contact,
    InitiativePartner,
    LoanReport,
    Partnership,
    ReferenceCheck,
    RequestedRole,
    User,
)
from registry.models.base import utcnow
from registry.services.history.as_of import registry_as_of
from registry.services.history.reverts import revert_event
from registry.services.records import editing, merging
from registry.services.records.errors import ValidationError, ValidationErrors
from tests.admin_support import changed, database, post_form, read_form
from tests.conftest import AuthActions, csrf_token_from
from tests.factories import (
    luhn_siret,
    make_actor,
    make_contact,
    make_initiative,
    make_partnership,
    make_programme,
    make_user,
)


def _partner_change(session, actor):
    partner = make_user(session, role="partner", actor=actor)

    def apply(record):
        record.website = "https://doublon.example.org"

    editing.save(session, actor, apply=apply, opened=editing.AS_IS, user=partner, source="partner")
    return session.scalars(sa.select(AuditEvent).where(AuditEvent.source == "partner")).one()


def _co_lead(session, actor):
    initiative = make_initiative(session)
    initiative.partners.append(InitiativePartner(actor=actor, role="co-porteur"))
    session.flush()
    return initiative.partners[0]


def _programme_with_report(session, actor):
    programme = make_programme(session, lender=actor)
    report = LoanReport(programme=programme, period_start=date(2025, 1, 1), period_end=date(2025, 6, 30),
                        loans_granted=4, amount_granted=Decimal("8000"))  # fmt: skip
    session.add(report)
    session.flush()
    return programme


def _account_request(session, actor):
    request = AccountRequest(full_name="Alex Martin", email="alex@example.org", requested_role=RequestedRole.PARTNER,
                             consent_at=utcnow(), actor=actor)  # fmt: skip
    session.add(request)
    session.flush()
    return request


def _citizen_report(session, actor):
    report = CitizenReport(entity_type="Actor", entity_id=actor.id, record_label=actor.name, actor_id=actor.id,
                           message="L'adresse a changé.")  # fmt: skip
    session.add(report)
    session.flush()
    return report


def _redirect(session, actor):
    alias = ActorSlugRedirect(old_slug="ancien-nom-du-doublon", actor=actor)
    session.add(alias)
    session.flush()
    return alias


def _reference_check(session, actor):
    check = ReferenceCheck(actor=actor, sirene_state="closed", sirene_differences="Adresse")
    session.add(check)
    session.flush()
    return check


#: One way to make a record naming the duplicate, per column of the schema pointing to actors.
MAKERS = {
    ("contacts", "actor_id"): make_contact,
    ("initiatives", "lead_actor_id"): lambda s, a: make_initiative(s, lead=a),
    ("initiative_partners", "actor_id"): _co_lead,
    ("loan_programmes", "lender_id"): _programme_with_report,
    ("partnerships", "actor_id"): make_partnership,
    ("users", "actor_id"): lambda s, a: make_user(s, role="partner", actor=a),
    ("account_requests", "actor_id"): _account_request,
    ("citizen_reports", "actor_id"): _citizen_report,
    ("audit_events", "actor_id"): _partner_change,
    ("actor_slug_redirects", "actor_id"): _redirect,
    ("reference_checks", "actor_id"): _reference_check,
}
#: Tables whose rows describe the duplicate itself: a merge drops them (the undo brings them back).
DROPPED = {key for key in MAKERS if db.metadata.tables[key[0]].info.get("on_merge") == "drop"}


def schema_references() -> set[tuple[str, str]]:
    """Every column pointing to an actor, walked from the schema; the actor's own many-to-many tables (axes,
    sectors) are fields chosen side by side, not relations."""
    own = {rel.secondary for rel in sa.inspect(Actor).relationships if rel.secondary is not None}
    actors = Actor.__table__
    return {
        (table.name, column.key)
        for table in db.metadata.sorted_tables
        if table not in own
        for column in table.c
        if any(fk.column.table is actors for fk in column.foreign_keys)
    }


def _pair(session, **merged_fields):
    kept = make_actor(session, name="Régie de quartier de Fives", postcode="59800", siret=luhn_siret("70000001"),
                      axes=["entreprendre"], published=True)  # fmt: skip
    merged = make_actor(session, name="Regie de Quartier de Fives", postcode="59800", axes=["consommer"],
                        description="La régie du doublon.",
                        **merged_fields)  # fmt: skip
    return kept, merged


def _merge(session, kept, merged, user, **choices):
    choices = {field: choices.get(field, merging.KEPT) for field in merging.FIELDS}
    return merging.merge_actors(session, kept, merged, choices, opened=editing.AS_IS, opened_merged=editing.AS_IS,
                                user=user)  # fmt: skip


def world(session, before_event: int | None = None) -> dict:
    """Every row of every table (the audit trail up to ``before_event``), without version counters and
    last-change times, which a merge and its undo move by design."""
    out = {}
    for table in db.metadata.sorted_tables:
        if table.name == "change_log":
            continue  # the database's log of writes (the dashboard's facts), which grows with every write by design
        query = sa.select(table)
        if table.name == "audit_events" and before_event is not None:
            query = query.where(table.c.id <= before_event)
        rows = [
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in ("version", "updated_at")))
            for row in session.execute(query).mappings()
        ]
        out[table.name] = sorted(rows)
    return out


def test_every_relation_the_schema_has_is_covered_here():
    assert set(MAKERS) == schema_references() == set(merging.FOLLOWING)
    assert {(c.table.name, c.key) for _cls, c in editing.references_to(Actor)} == schema_references()


def test_every_relation_follows_the_kept_actor(app):
    with database(app) as session:
        kept, merged = _pair(session)
        officer = make_user(session, role="officer")
        made = {}
        for key, make in MAKERS.items():
            record = make(session, merged)
            made[key] = sa.inspect(type(record)).primary_key_from_instance(record)
        both = make_initiative(session)  # partner of the same initiative twice: the duplicate's row is dropped
        both.partners += [InitiativePartner(actor=kept, role="porteur"), InitiativePartner(actor=merged, role="x")]
        session.flush()
        kept_id, merged_id, merged_slug, both_id = kept.id, merged.id, merged.slug, both.id
        done = _merge(session, kept, merged, officer)
        assert done.event.action == AuditAction.MERGE
    with database(app) as session:
        assert session.get(Actor, merged_id) is None
        for (table_name, column_key), pk in made.items():
            table = db.metadata.tables[table_name]
            column = table.c[column_key]
            assert session.scalar(sa.select(sa.func.count()).where(column == merged_id)) == 0, table_name
            if (table_name, column_key) in DROPPED:
                assert session.scalar(sa.select(sa.func.count()).where(column == kept_id)) == 0, table_name
                continue
            where = sa.and_(*(c == v for c, v in zip(table.primary_key, pk, strict=True)))
            assert session.execute(sa.select(column).where(where)).scalar_one() == kept_id, table_name
        (programme_id,) = made[("loan_programmes", "lender_id")]
        reports = session.scalars(sa.select(LoanReport).where(LoanReport.programme_id == programme_id)).all()
        assert reports and all(r.programme.lender_id == kept_id for r in reports)
        partners = session.scalars(sa.select(InitiativePartner).where(InitiativePartner.initiative_id == both_id))
        assert [(p.actor_id, p.role) for p in partners] == [(kept_id, "porteur")]
        redirects = dict(session.execute(sa.select(ActorSlugRedirect.old_slug, ActorSlugRedirect.actor_id)).all())
        assert redirects == {merged_slug: kept_id, "ancien-nom-du-doublon": kept_id}
        events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.MERGE)).all()
        assert len(events) == 1 and events[0].changes[editing.MERGE_KEY]["row"]["slug"] == merged_slug


def test_the_values_are_chosen_field_by_field(app):
    with database(app) as session:
        kept, merged = _pair(session, website="https://regie-fives.example.org", siret=luhn_siret("70000002"))
        officer = make_user(session, role="officer")
        merged_siret, kept_name = merged.siret, kept.name
        done = _merge(session, kept, merged, officer, siret=merging.MERGED, description=merging.MERGED,
                      website=merging.MERGED, axes=merging.MERGED)  # fmt: skip
        actor = session.get(Actor, kept.id)
        assert actor.siret == merged_siret and actor.description == "La régie du doublon."
        assert actor.website == "https://regie-fives.example.org" and actor.name == kept_name
        assert [a.code for a in actor.axes] == ["consommer"]
        assert set(done.event.changes) == {"siret", "description", "website", "axes", editing.MERGE_KEY}


def test_an_actor_is_not_merged_with_itself(app):
    with database(app) as session:
        kept, _merged = _pair(session)
        with pytest.raises(ValidationError, match="elle-même"):
            _merge(session, kept, kept, make_user(session))


def test_the_old_slug_answers_301_on_the_public_site_and_the_api(app, client):
    with database(app) as session:
        kept, merged = _pair(session)
        old, new = merged.slug, kept.slug
        _merge(session, kept, merged, make_user(session))
    page = client.get(f"/acteurs/{old}")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/acteurs/{new}")
    api = client.get(f"/api/v1/actors/{old}")
    assert api.status_code == 301 and api.headers["Location"].endswith(f"/api/v1/actors/{new}")
    assert client.get(page.headers["Location"]).status_code == 200
    assert client.get(api.headers["Location"]).status_code == 200
    assert client.get("/acteurs/jamais-existe").status_code == 404
    with database(app) as session:
        session.scalars(sa.select(Actor).where(Actor.slug == new)).one().published = False
    assert client.get(f"/acteurs/{old}").status_code == 404  # never a redirect to a page the public may not see
    assert client.get(f"/api/v1/actors/{old}").status_code == 404


def test_undo_restores_exactly(app):
    with database(app) as session:
        kept, merged = _pair(session)
        officer = make_user(session, role="officer")
        for make in MAKERS.values():
            make(session, merged)
        both = make_initiative(session)
        both.partners += [InitiativePartner(actor=kept, role="porteur"), InitiativePartner(actor=merged, role="x")]
        session.flush()
        kept_id, merged_id, officer_id = kept.id, merged.id, officer.id
    with database(app) as session:
        last = session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        before = world(session, last)
        row_before = session.execute(sa.select(Actor.__table__).where(Actor.id == merged_id)).mappings().one()
        kept, merged, officer = (
            session.get(Actor, kept_id),
            session.get(Actor, merged_id),
            session.get(User, officer_id),
        )
        event_id = _merge(session, kept, merged, officer, siret=merging.MERGED, description=merging.MERGED).event.id
    with database(app) as session:
        undo = revert_event(session, session.get(AuditEvent, event_id), user=session.get(User, officer_id))
        assert undo.action == AuditAction.REVERT and undo.changes[editing.MERGE_KEY]["restored"] == merged_id
    with database(app) as session:
        assert world(session, last) == before
        assert session.execute(sa.select(Actor.__table__).where(Actor.id == merged_id)).mappings().one() == row_before
        with pytest.raises(ValidationError, match="déjà été annulée"):  # undone once only
            revert_event(session, session.get(AuditEvent, event_id), user=session.get(User, officer_id))


@pytest.mark.parametrize("later", ["partnership", "kept", "contact removed"])
def test_undo_is_refused_once_something_changed(app, later):
    with database(app) as session:
        kept, merged = _pair(session)
        officer = make_user(session, role="officer")
        partnership_id = make_partnership(session, merged).id
        contact_id = make_contact(session, merged).id
        kept_id, officer_id = kept.id, officer.id
        event_id = _merge(session, kept, merged, officer).event.id
    with database(app) as session:
        if later == "partnership":
            session.get(Partnership, partnership_id).amount = Decimal("1")
        elif later == "kept":
            session.get(Actor, kept_id).phone = "0320000000"
        else:
            session.delete(session.get(Contact, contact_id))
    with database(app) as session:
        with pytest.raises(ValidationError) as refused:
            revert_event(session, session.get(AuditEvent, event_id), user=session.get(User, officer_id))
        assert "fusion ne peut plus être annulée" in refused.value.message
        assert session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.REVERT)).all() == []
        assert session.get(Partnership, partnership_id).actor_id == kept_id


# -- the back office ---------------------------------------------------------------------------------------------
def test_an_officer_merges_through_the_pages_and_undoes_it(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        kept, merged = _pair(session, siret=luhn_siret("70000003"))
        make_partnership(session, merged)
        kept_id, merged_id, merged_siret = kept.id, merged.id, merged.siret
    details = client.get(f"/admin/actor/details/?id={kept_id}").get_data(as_text=True)
    assert f"/admin/actor/fusion/?id={kept_id}" in details
    pick = client.get(f"/admin/actor/fusion/?id={kept_id}").get_data(as_text=True)
    assert f"other={merged_id}" in pick  # offered as a likely duplicate (same name and postcode)
    choose = client.get(f"/admin/actor/fusion/?id={kept_id}&other={merged_id}").get_data(as_text=True)
    preselected = dict(read_form(choose, "/fusion/"))
    assert preselected["choice-siret"] == "kept" and preselected["choice-name"] == "kept"
    assert preselected["choice-description"] == "merged"  # the kept actor has none: the duplicate's fills it
    url = f"/admin/actor/fusion/?id={kept_id}&other={merged_id}"
    confirm = post_form(client, url, changed(read_form(choose, "/fusion/"), **{"choice-siret": "merged"}))
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Confirmer la fusion" in page and "partenariats : 1" in page
    done = post_form(client, url, read_form(page, "/fusion/"))
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/actor/details/?id={kept_id}")
    with database(app) as session:
        assert session.get(Actor, merged_id) is None and session.get(Actor, kept_id).siret == merged_siret
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.MERGE)).one()
        event_id = event.id
    history = client.get(f"/admin/actor/history/?id={kept_id}").get_data(as_text=True)
    assert "Fiche fusionnée" in history
    audit = client.get(f"/admin/auditevent/details/?id={event_id}").get_data(as_text=True)
    assert "annuler cette fusion" in audit
    token = csrf_token_from(audit)
    undone = client.post("/admin/auditevent/revert/", data={"id": event_id, "csrf_token": token},
                         follow_redirects=True)  # fmt: skip
    text = undone.get_data(as_text=True)
    assert "Fusion annulée" in text, text[text.find("alert-danger") : text.find("alert-danger") + 600]
    with database(app) as session:
        assert session.get(Actor, merged_id) is not None and session.get(Actor, kept_id).siret != merged_siret


def test_a_record_changed_since_the_page_opened_is_not_merged(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        kept, merged = _pair(session)
        kept_id, merged_id = kept.id, merged.id
    url = f"/admin/actor/fusion/?id={kept_id}&other={merged_id}"
    page = post_form(client, url, read_form(client.get(url).get_data(as_text=True), "/fusion/")).get_data(as_text=True)
    with database(app) as session:
        session.get(Actor, merged_id).phone = "0320000000"
    answer = post_form(client, url, read_form(page, "/fusion/")).get_data(as_text=True)
    assert "La fusion n&#39;a pas été faite" in answer and "a été modifiée depuis" in answer
    with database(app) as session:
        assert session.get(Actor, merged_id) is not None


def test_the_bulk_action_needs_exactly_two_rows(app, client, auth):
    auth.as_role("officer")
    with database(app) as session:
        a, b = _pair(session)
        c = make_actor(session)
        ids = [a.id, b.id, c.id]
    token = csrf_token_from(client.get("/admin/actor/").get_data(as_text=True))
    two = client.post("/admin/actor/action/", data={"action": "merge", "rowid": ids[:2], "csrf_token": token})
    assert two.status_code == 302 and f"/admin/actor/fusion/?id={ids[0]}&other={ids[1]}" in two.headers["Location"]
    three = client.post("/admin/actor/action/", data={"action": "merge", "rowid": ids, "csrf_token": token},
                        follow_redirects=True)  # fmt: skip
    assert "exactement deux fiches" in three.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "partner"])
def test_only_officers_and_admins_merge(app, role):
    with database(app) as session:
        kept, merged = _pair(session)
        kept_id, merged_id = kept.id, merged.id
    client = app.test_client()
    AuthActions(client, app).as_role(role)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    url = f"/admin/actor/fusion/?id={kept_id}&other={merged_id}"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"step": "confirm", "csrf_token": token}).status_code == 403
    action = {"action": "merge", "rowid": [kept_id, merged_id], "csrf_token": token}
    assert client.post("/admin/actor/action/", data=action).status_code == 403
    with database(app) as session:
        assert session.get(Actor, merged_id) is not None


def test_an_admin_may_merge(app):
    with database(app) as session:
        kept, merged = _pair(session)
        kept_id, merged_id = kept.id, merged.id
    client = app.test_client()
    AuthActions(client, app).as_role("admin")
    assert client.get(f"/admin/actor/fusion/?id={kept_id}&other={merged_id}").status_code == 200


def test_the_old_slug_of_a_merged_actor_is_never_given_again(app):
    with database(app) as session:
        kept, merged = _pair(session)
        old, kept_slug = merged.slug, kept.slug
        _merge(session, kept, merged, make_user(session))
    with database(app) as session:
        same_name = make_actor(session, name="Regie de Quartier de Fives")
        assert same_name.slug not in (old, kept_slug)
        with pytest.raises(ValidationErrors) as refused:
            make_actor(session, name="Autre", slug=old)
        assert "ancienne adresse" in refused.value.errors["slug"]


def test_the_registry_as_of_a_date_sees_the_merge_and_its_undo(session):
    from tests.test_as_of import DAYS, date_the_day, lists

    kept, merged = _pair(session)
    make_partnership(session, merged)
    initiative = make_initiative(session, lead=merged)
    initiative.partners.append(InitiativePartner(actor=kept, role="appui"))
    officer = make_user(session, role="officer")
    session.commit()
    last, expected = date_the_day(session, DAYS[0], 0), {}
    expected[DAYS[0]] = lists(session)
    event = _merge(session, kept, merged, officer, siret=merging.MERGED, description=merging.MERGED).event
    session.commit()
    last = date_the_day(session, DAYS[1], last)
    expected[DAYS[1]] = lists(session)
    revert_event(session, session.get(AuditEvent, event.id), user=officer)
    session.commit()
    date_the_day(session, DAYS[2], last)
    expected[DAYS[2]] = lists(session)
    assert expected[DAYS[0]] == expected[DAYS[2]] != expected[DAYS[1]]
    for day, state in expected.items():
        with registry_as_of(session, day) as snap:
            assert lists(snap.session) == state, day


def test_a_merge_whose_result_is_not_a_valid_actor_changes_nothing(app):
    with database(app) as session:
        kept, merged = _pair(session, latitude=50.63, longitude=3.07)
        partnership_id = make_partnership(session, merged).id
        kept_id, merged_id = kept.id, merged.id
        with pytest.raises(ValidationErrors) as refused:  # a latitude without its longitude
            _merge(session, kept, merged, make_user(session), latitude=merging.MERGED)
        assert "latitude et la longitude" in " ".join(refused.value.errors.values())
    with database(app) as session:
        assert session.get(Actor, merged_id) is not None and session.get(Actor, kept_id).latitude is None
        assert session.get(Partnership, partnership_id).actor_id == merged_id
        assert session.scalars(sa.select(ActorSlugRedirect)).all() == []
