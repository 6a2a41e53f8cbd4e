"""The `registry` command group: setup, create-user, backup."""

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from registry import create_app
from registry.extensions import db
from registry.models import Actor, AuditEvent, Axis, Initiative, LegalForm, Partnership, Quartier, Role, Sector, User
from tests.conftest import make_test_config
from tests.factories import luhn_siret, make_actor

STRONG = "girafe-tramway-cerise-piano"


@pytest.fixture
def fresh_app(tmp_path):
    """An application on an empty SQLite database of its own."""
    application = create_app(make_test_config(f"sqlite:///{tmp_path / 'cli.sqlite'}", tmp_path))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Axis, Quartier, Sector, LegalForm, Actor, Initiative, Partnership, User, AuditEvent)
        }


@pytest.mark.no_database
def test_setup_twice_changes_nothing(fresh_app):
    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["registry", "setup"])
    assert first.exit_code == 0, first.output
    counts = row_counts(fresh_app)
    assert (counts["axes"], counts["quartiers"]) == (5, 12)
    assert counts["sectors"] >= 4 and counts["legal_forms"] >= 10
    assert (counts["actors"], counts["initiatives"], counts["partnerships"]) == (44, 16, 32)
    assert "160 nouvelle(s) fiche(s)" in first.output
    assert "Comptes de démonstration créés" in first.output
    second = runner.invoke(args=["registry", "setup"])
    assert second.exit_code == 0, second.output
    assert row_counts(fresh_app) == counts
    assert "déjà présents" in second.output


@pytest.mark.no_database
def test_setup_prints_the_generated_demo_passwords(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["registry", "setup"])
    lines = [line.split() for line in result.output.splitlines() if "@example.org" in line]
    assert {line[1] for line in lines} >= {
        "admin.demo@example.org",
        "agent.demo@example.org",
        "analyste.demo@example.org",
    }
    passwords = {line[2] for line in lines}
    assert len(passwords) == len(lines)  # generated, not a shared default
    with fresh_app.app_context():
        from registry.services.accounts.passwords import verify_password

        user = db.session.scalar(sa.select(User).where(User.email == lines[0][1]))
        assert verify_password(user.password_hash, lines[0][2])


@pytest.mark.no_database
def test_setup_without_demo_creates_no_account(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["registry", "setup", "--no-demo"])
    assert result.exit_code == 0, result.output
    assert row_counts(fresh_app)["users"] == 0


def test_create_user(runner, session, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD", STRONG)
    result = runner.invoke(args=["registry", "create-user", "--email", "Agent@Example.org", "--role", "officer"])
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "agent@example.org"))
    assert user.role is Role.OFFICER and user.password_hash.startswith("$argon2id$")


def test_create_partner_by_siret_or_slug(runner, session, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD", STRONG)
    siret = luhn_siret()
    actor = make_actor(session, name="Régie Démo", siret=siret)
    session.commit()
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    for email, key in (("a@example.org", spaced), ("b@example.org", "regie-demo")):
        result = runner.invoke(args=["registry", "create-user", "--email", email, "--role", "partner", "--actor", key])
        assert result.exit_code == 0, result.output
    session.expire_all()
    assert {u.actor_id for u in session.scalars(sa.select(User))} == {actor.id}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@example.org", "--role", "superuser"], "Rôle : valeur inconnue"),
        (["--email", "x@example.org", "--role", "partner"], "doit être rattaché à un acteur"),
        (["--email", "x@example.org", "--role", "partner", "--actor", "inconnu"], "Aucun acteur ne correspond"),
        (["--email", "pas-un-courriel", "--role", "officer"], "Adresse électronique invalide"),
    ],
)
def test_create_user_errors(runner, monkeypatch, args, message):
    monkeypatch.setenv("REGISTRY_PASSWORD", STRONG)
    result = runner.invoke(args=["registry", "create-user", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_duplicate_email(runner, monkeypatch):
    monkeypatch.setenv("REGISTRY_PASSWORD", STRONG)
    args = ["registry", "create-user", "--email", "x@example.org", "--role", "analyst"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "Un compte existe déjà pour x@example.org" in result.output


@pytest.mark.parametrize("password", ["court", "motdepasse123", "azertyuiop123", "Lille2025Lille2025"])
def test_create_user_applies_password_policy(runner, monkeypatch, password):
    monkeypatch.setenv("REGISTRY_PASSWORD", password)
    result = runner.invoke(args=["registry", "create-user", "--email", "x@example.org", "--role", "analyst"])
    assert result.exit_code != 0
    assert "mot de passe" in result.output.lower()


def test_create_user_prompts_for_password(runner, session, monkeypatch):
    monkeypatch.delenv("REGISTRY_PASSWORD", raising=False)
    result = runner.invoke(
        args=["registry", "create-user", "--email", "p@example.org", "--role", "analyst"], input=f"{STRONG}\n{STRONG}\n"
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.email)) == "p@example.org"


@pytest.mark.no_database
def test_backup_while_writing_restores_intact(fresh_app, tmp_path):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["registry", "setup", "--no-demo"]).exit_code == 0
    stop = threading.Event()
    written = []

    def writer():
        with fresh_app.app_context():
            n = 0
            while not stop.is_set():
                make_actor(db.session, name=f"Écriture {n}")
                db.session.commit()
                written.append(n)
                n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        dest = tmp_path / "sauvegarde.sqlite"
        result = runner.invoke(args=["registry", "backup", str(dest)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    restored = sqlite3.connect(dest)
    try:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert restored.execute("PRAGMA foreign_key_check").fetchall() == []
        count = restored.execute("SELECT count(*) FROM actors").fetchone()[0]
        assert 20 <= count <= len(written)
        assert restored.execute("SELECT count(*) FROM axes").fetchone()[0] == 5
    finally:
        restored.close()


@pytest.mark.no_database
def test_backup_never_overwrites(fresh_app, tmp_path):
    dest = tmp_path / "existe.sqlite"
    dest.write_text("précieux")
    result = fresh_app.test_cli_runner().invoke(args=["registry", "backup", str(dest)])
    assert result.exit_code != 0 and "existe déjà" in result.output
    assert dest.read_text() == "précieux"


@pytest.mark.no_database
def test_backup_refuses_postgresql(tmp_path):
    application = create_app(make_test_config("postgresql+psycopg://u@127.0.0.1:1/x", tmp_path))
    result = application.test_cli_runner().invoke(args=["registry", "backup", str(tmp_path / "b.sqlite")])
    assert result.exit_code != 0 and "pg_dump" in result.output
