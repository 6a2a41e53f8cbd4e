"""``/sante``: the load balancer's check (issue 16, item 2)."""

import sqlalchemy as sa

from registry.extensions import db


def test_health_is_ok_when_the_database_answers_and_is_migrated(client):
    response = client.get("/sante")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.json == {"statut": "ok", "base": "ok", "migrations": "ok"}


def test_health_says_when_migrations_are_behind(app, client):
    with app.app_context():
        current = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
    try:
        response = client.get("/sante")
        assert response.status_code == 503 and response.json["migrations"] == "en retard"
    finally:
        with app.app_context():
            db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": current})
            db.session.commit()


def test_health_says_when_redis_is_unreachable(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # nothing listens on port 9
    response = client.get("/sante")
    assert response.status_code == 503 and response.json["redis"] == "injoignable"
    assert response.json["base"] == "ok"
    assert client.get("/").status_code == 200  # the site keeps serving, without its caches
