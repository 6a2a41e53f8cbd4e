"""Commands of the ``registry`` group that read the public services: ``comparer-sirene`` (every actor with a SIRET
beside the company register, closed establishments first), ``geocoder`` (actors without coordinates, bounded and
rate-limited) and ``verifier-services`` (both services reachable and answering in their documented format)."""

from __future__ import annotations

import time

import click
from flask import current_app

from registry.cli import registry_cli
from registry.extensions import db

#: What ``verifier-services`` asks: the city's own SIRET, and the address of Lille's town hall.
CHECK_ADDRESS = ("Place Augustin Laurent", "59000", "Lille")


@registry_cli.command("comparer-sirene")
@click.option("--limite", "limit", type=click.IntRange(min=1), default=None, help="Nombre d'acteurs au plus.")
def compare_sirene_command(limit: int | None) -> None:
    """Compare every actor with a SIRET with the company register; list the differences, closed first."""
    from registry.services.connectors.checks import compare_register
    from registry.services.connectors.clients import client

    report = compare_register(db.session, client("sirene"), limit=limit)
    db.session.commit()
    for line in report.lines:
        if line.state == "open" and not line.differences:
            continue
        head = {"closed": "FERMÉ", "not_found": "INCONNU", "unavailable": "NON VÉRIFIÉ"}.get(line.state, "DIFFÉRENT")
        extra = f" — {line.comparison.state_text}" if line.state == "closed" else ""
        click.echo(f"[{head}] {line.actor.name} (SIRET {line.actor.siret}){extra}")
        for row in line.differences:
            click.echo(f"    {row.label} : « {row.recorded} » sur la fiche, « {row.register} » au répertoire")
    click.echo(report.summary)
    if report.stopped:
        raise click.exceptions.Exit(1)


@registry_cli.command("geocoder")
@click.option("--limite", "limit", type=click.IntRange(min=1), default=None,
              help="Nombre d'acteurs au plus (par défaut : GEOCODE_BULK_MAX).")  # fmt: skip
@click.option(
    "--score-min",
    "threshold",
    type=click.FloatRange(0, 1),
    default=None,
    help="Score en dessous duquel la position est laissée à vérifier (par défaut : GEOCODE_MIN_SCORE).",
)
def geocode_command(limit: int | None, threshold: float | None) -> None:
    """Geocode the actors without coordinates; positions below the score threshold are left for an officer."""
    from registry.services.connectors.checks import geocode_missing
    from registry.services.connectors.clients import client

    config = current_app.config
    report = geocode_missing(
        db.session, client("geocoder"), source="cli",
        threshold=config["GEOCODE_MIN_SCORE"] if threshold is None else threshold,
        limit=limit or int(config["GEOCODE_BULK_MAX"]),
    )  # fmt: skip
    db.session.commit()
    for actor, score in report.to_check:
        click.echo(f"[À VÉRIFIER] {actor.name} : score {score:.2f}")
    for actor in report.not_found:
        click.echo(f"[INTROUVABLE] {actor.name}")
    for actor, why in report.refused:
        click.echo(f"[REFUSÉ] {actor.name} : {why}")
    click.echo(report.summary)
    if report.stopped:
        raise click.exceptions.Exit(1)


@registry_cli.command("verifier-services")
def check_services_command() -> None:
    """Ask both public services one known question each (needs the internet): exit status 1 when one fails."""
    from registry.services.connectors import geocoder, sirene
    from registry.services.connectors.clients import build_client
    from registry.services.connectors.http import ServiceUnavailable

    config = dict(current_app.config, CONNECTOR_CACHE_SECONDS=0)
    failed = False
    checks = (
        ("sirene", lambda c: sirene.find_establishment(c, config["CITY_SIRET"]),
         lambda found: f"SIRET {config['CITY_SIRET']} : {found.legal_name}, {found.postcode} {found.commune}"),
        ("geocoder", lambda c: geocoder.geocode(c, *CHECK_ADDRESS),
         lambda found: f"« {found.label} » : {found.latitude}, {found.longitude} (score {found.score:.2f})"),
    )  # fmt: skip
    for which, ask, describe in checks:
        service = build_client(config, which)
        started = time.monotonic()
        try:
            found = ask(service)
        except ServiceUnavailable as exc:
            failed = True
            click.echo(f"ÉCHEC ({service.base_url}) : {exc}")
            continue
        elapsed = (time.monotonic() - started) * 1000
        if found is None:
            failed = True
            click.echo(f"ÉCHEC {service.name} ({service.base_url}) : réponse sans résultat pour la question connue.")
        else:
            click.echo(f"OK {service.name} ({service.base_url}) en {elapsed:.0f} ms — {describe(found)}")
    if failed:
        raise click.exceptions.Exit(1)
