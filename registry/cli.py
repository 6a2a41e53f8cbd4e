"""The ``registry`` command group: ``flask --app wsgi registry ...``. Commands are thin: they call services."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from registry.extensions import db
from registry.services.records.errors import ValidationErrors

registry_cli = AppGroup("registry", help="Administration du registre de l'ESS.")

#: Demo accounts made by `setup` on an empty database: (e-mail, role, actor slug or None, name).
DEMO_ACCOUNTS = (
    ("admin.demo@example.org", "admin", None, "Administratrice Démo"),
    ("agent.demo@example.org", "officer", None, "Agent Démo"),
    ("analyste.demo@example.org", "analyst", None, "Analyste Démo"),
    ("partenaire.demo@example.org", "partner", "regie-de-quartier-de-fives", "Partenaire Démo"),
)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@registry_cli.command("setup")
@click.option(
    "--demo/--no-demo", default=None, help="Charger les données de démonstration (par défaut : hors production)."
)
def setup_command(demo: bool | None) -> None:
    """Migrate the database, load reference data and, on an empty registry, demo data and accounts."""
    from flask_migrate import upgrade

    from registry.services.reference.loading import load_reference
    from registry.workbook.demo import load_demo

    if demo is None:
        demo = current_app.config["ENV"] != "production"
    upgrade()
    added = load_reference(db.session)
    db.session.commit()
    click.echo("Données de référence : " + ", ".join(f"{k} +{v}" for k, v in added.items()))
    if not demo:
        return
    report = load_demo(db.session)
    db.session.commit()
    click.echo(report.summary)
    created = _create_demo_accounts()
    db.session.commit()
    if created:
        click.echo("\nComptes de démonstration créés (notez les mots de passe, ils ne seront plus affichés) :")
        for email, role, password in created:
            click.echo(f"  {role:<8} {email:<32} {password}")
    else:
        click.echo("Comptes de démonstration : déjà présents (rien à faire).")


def _create_demo_accounts() -> list[tuple[str, str, str]]:
    """Create the demo accounts when no account exists yet; return (email, role, password) created."""
    from registry.models import User
    from registry.services.accounts.users import create_user, find_actor

    if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return []
    created = []
    for email, role, actor_key, name in DEMO_ACCOUNTS:
        actor = find_actor(db.session, actor_key) if actor_key else None
        if actor_key and actor is None:
            continue
        password = secrets.token_urlsafe(12)
        create_user(db.session, email=email, role=role, actor=actor, full_name=name, password=password, source="cli")
        created.append((email, role, password))
    return created


@registry_cli.command("create-user")
@click.option("--email", required=True, help="Adresse électronique (identifiant).")
@click.option("--role", required=True, help="admin, officer, analyst ou partner.")
@click.option("--actor", "actor_key", default=None, help="SIRET ou référence (slug) de l'acteur, pour un partenaire.")
@click.option("--name", "full_name", default="", help="Nom complet.")
@click.option("--invite", is_flag=True, help="Envoyer une invitation par courriel au lieu de fixer le mot de passe.")
def create_user_command(email: str, role: str, actor_key: str | None, full_name: str, invite: bool = False) -> None:
    """Create an account; the password comes from REGISTRY_PASSWORD or is asked for (or, with --invite, the
    person chooses it from an e-mailed link)."""
    from registry.services.accounts.users import create_user, find_actor

    actor = None
    if actor_key:
        actor = find_actor(db.session, actor_key)
        if actor is None:
            _fail(f"Aucun acteur ne correspond à « {actor_key} » (SIRET ou référence).")
    if invite:
        _create_invited_user(email=email, role=role, actor=actor, full_name=full_name)
        return
    password = os.environ.get("REGISTRY_PASSWORD") or click.prompt(
        "Mot de passe (12 caractères au moins)", hide_input=True, confirmation_prompt="Confirmez le mot de passe"
    )
    try:
        user = create_user(
            db.session, email=email, role=role, actor=actor, full_name=full_name, password=password, source="cli"
        )
    except ValidationErrors as exc:
        db.session.rollback()
        _fail("\n".join(exc.errors.values()))
    db.session.commit()
    click.echo(f"Compte créé : {user.email} ({user.role.label}).")


def _create_invited_user(**fields) -> None:
    from registry.services.accounts.credentials import send_invitation
    from registry.services.accounts.users import create_user
    from registry.services.outputs.mail import undelivered

    try:
        user = create_user(db.session, source="cli", **fields)
        send_invitation(db.session, user, by=None, source="cli")
    except ValidationErrors as exc:
        db.session.rollback()
        _fail("\n".join(exc.errors.values()))
    db.session.commit()
    if undelivered(db.session):
        _fail("Compte créé, mais l'invitation n'a pas pu être envoyée (voir le journal) : renvoyez-la plus tard.")
    click.echo(f"Compte créé : {user.email} ({user.role.label}) ; invitation envoyée.")


@registry_cli.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Copy the SQLite database to DEST, consistently even while it is being written to."""
    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        _fail("Sauvegarde intégrée réservée à SQLite. Pour PostgreSQL, utilisez pg_dump (voir le README).")
    if not url.database or url.database == ":memory:":
        _fail("Base SQLite en mémoire : rien à sauvegarder.")
    if dest.exists():
        _fail(f"{dest} existe déjà : choisissez un autre nom (une sauvegarde n'écrase jamais un fichier).")
    dest.parent.mkdir(parents=True, exist_ok=True)
    backup_sqlite(url.database, dest)
    click.echo(f"Sauvegarde écrite : {dest}")


def backup_sqlite(source: str, dest: Path) -> None:
    """SQLite online backup API: one consistent snapshot even under concurrent writes."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(str(dest))
    try:
        with dst:
            src.backup(dst)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise click.ClickException(f"La sauvegarde n'est pas intègre : {check}")
    finally:
        dst.close()
        src.close()


@registry_cli.command("purge-account-requests")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Délai de conservation (par défaut : réglage).")
@click.option("--dry-run", is_flag=True, help="Compter sans supprimer.")
def purge_account_requests_command(days: int | None, dry_run: bool) -> None:
    """Delete the account requests rejected more than ACCOUNT_REQUEST_RETENTION_DAYS ago (run it daily)."""
    from registry.services.accounts.requests import purge_account_requests

    days = current_app.config["ACCOUNT_REQUEST_RETENTION_DAYS"] if days is None else days
    count = purge_account_requests(db.session, days=days, dry_run=dry_run)
    db.session.commit()
    verb = "seraient supprimées" if dry_run else "supprimées"
    click.echo(f"{count} demande(s) d'accès refusée(s) depuis plus de {days} jours {verb}.")


@registry_cli.command("purge-citizen-reports")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Délai de conservation (par défaut : réglage).")
def purge_citizen_reports_command(days: int | None) -> None:
    """Delete the visitors' error reports handled more than CITIZEN_REPORT_RETENTION_DAYS ago (run it daily)."""
    from registry.services.public.reports import purge_handled_reports

    days = current_app.config["CITIZEN_REPORT_RETENTION_DAYS"] if days is None else days
    count = purge_handled_reports(db.session, days=days)
    db.session.commit()
    click.echo(f"{count} signalement(s) traité(s) depuis plus de {days} jours supprimé(s).")


@registry_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Afficher l'aperçu sans rien écrire.")
@click.option(
    "--autre-attribuant",
    "other_attributor",
    is_flag=True,
    help="Fichier SCDL d'une autre collectivité : ses subventions deviennent des partenariats de cet attribuant.",
)
def import_command(path: Path, dry_run: bool, other_attributor: bool) -> None:
    """Import a registry workbook (.xlsx, .ods, .xls), one sheet as .csv, a map export or an SCDL « subventions »
    file: print the report; exit status 1 when it has errors."""
    from registry.workbook.importer import apply_workbook, preview_workbook

    data = path.read_bytes()
    if dry_run:
        report = preview_workbook(db.session, data, filename=path.name, other_attributor=other_attributor)
    else:
        report = apply_workbook(db.session, data, filename=path.name, source="cli", other_attributor=other_attributor)
    click.echo(report.to_text(max_items=None))
    if report.errors:
        raise click.exceptions.Exit(1)
    if dry_run:
        click.echo("Aperçu seulement (--dry-run) : rien n'a été écrit.")


@registry_cli.command("export")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sans-contacts", "without_contacts", is_flag=True, help="Sans la feuille Contacts.")
def export_command(dest: Path, without_contacts: bool) -> None:
    """Export the whole registry as a workbook (.xlsx)."""
    from registry.workbook.exporter import export_registry, record_export

    with _atomic_output(dest) as f:
        counts = export_registry(db.session, f, include_personal=not without_contacts)
    record_export(db.session, user=None, source="cli", label=f"Export complet en ligne de commande ({dest.name})")
    db.session.commit()
    click.echo(f"Classeur écrit : {dest} (" + ", ".join(f"{k} : {v}" for k, v in counts.items()) + ")")


@registry_cli.command("export-scdl")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tout", "include_all", is_flag=True, help="Toutes les conventions, même sous le seuil de 23 000 €.")
def export_scdl_command(dest: Path, include_all: bool) -> None:
    """Write the SCDL « subventions » open-data CSV of partnerships."""
    from registry.workbook.exporter import record_export
    from registry.workbook.scdl import write_scdl_csv

    with _atomic_output(dest) as f:
        count = write_scdl_csv(db.session, f, include_all=include_all)
    record_export(db.session, user=None, source="cli", label=f"Export SCDL en ligne de commande ({dest.name})")
    db.session.commit()
    click.echo(f"Fichier SCDL écrit : {dest} ({count} convention(s))")


@registry_cli.command("rapport-annuel")
@click.argument("year", type=click.IntRange(1990, 2100))
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), help="Fichier PDF à écrire.")
@click.option("--docx", "docx", type=click.Path(dir_okay=False, path_type=Path), help="Fichier DOCX à écrire.")
def annual_report_command(year: int, pdf: Path | None, docx: Path | None) -> None:
    """Write « Bilan annuel de la politique ESS — année N » as PDF and/or DOCX."""
    from registry.services.reporting.annual import build_report
    from registry.services.reporting.documents import PdfUnavailable, render_docx, render_pdf

    if not pdf and not docx:
        _fail("Indiquez au moins --pdf FICHIER ou --docx FICHIER.")
    report = build_report(db.session, year)
    for dest, render in ((pdf, render_pdf), (docx, render_docx)):
        if dest is None:
            continue
        try:
            content = render(report)
        except PdfUnavailable as error:
            _fail(str(error))
        with _atomic_output(dest) as f:
            f.write(content)
        click.echo(f"{report.title} : {dest}")


@registry_cli.command("envoyer-rappels")
def send_digests_command() -> None:
    """E-mail this week's « À renouveler » to the officers who asked for it (for cron; idempotent per week)."""
    from registry.services.reporting.digest import send_digests

    run = send_digests(db.session, current_app.config["RENEWAL_WINDOW_DAYS"])
    db.session.commit()
    click.echo(run.summary)


@registry_cli.command("verifier-integrite")
def integrity_command() -> None:
    """Check the database after a fault or a restore: the engine's checks, imports never half applied, the audit
    chain consistent with the records. Exits with status 1 on any problem."""
    from registry.services.history.integrity import check_integrity

    report = check_integrity(db.session)
    db.session.rollback()
    for line in report.checks:
        click.echo(f"✓ {line}")
    for line in report.problems:
        click.echo(f"✗ {line}", err=True)
    if not report.ok:
        _fail(f"{len(report.problems)} problème(s) d'intégrité.")
    click.echo("Intégrité vérifiée : aucun problème.")


@contextlib.contextmanager
def _atomic_output(dest: Path):
    """Write to a temporary file beside ``dest`` and move it in place only when complete."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partiel")
    try:
        with tmp.open("wb") as f:
            yield f
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
