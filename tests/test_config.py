"""Configuration: defaults, instance/config.py, REGISTRY_* variables; production refuses unsafe settings."""

import pytest

from registry import ConfigurationError, create_app
from registry.config import from_environment

pytestmark = pytest.mark.no_database


@pytest.fixture(autouse=True)
def _limiter_off_afterwards():
    """The limiter object is shared by every app of the test run: the production apps built here turn it on."""
    from registry.extensions import limiter

    yield
    limiter.enabled = False


def test_environment_variables_override(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("REGISTRY_RENEWAL_WINDOW_DAYS", "60")
    monkeypatch.setenv("REGISTRY_MAIL_SMTP_STARTTLS", "false")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "12345")
    values = from_environment()
    assert values["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite")
    assert values["RENEWAL_WINDOW_DAYS"] == 60
    assert values["MAIL_SMTP_STARTTLS"] is False
    assert values["SECRET_KEY"] == "12345"  # secrets stay text


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/x")
    with pytest.raises(ConfigurationError, match="REGISTRY_SECRET_KEY est obligatoire"):
        create_app()


def test_production_refuses_sqlite_without_opt_in(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "x" * 64)
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="SQLite n'est pas prévu pour la production"):
        create_app()
    monkeypatch.setenv("REGISTRY_ALLOW_SQLITE_IN_PRODUCTION", "true")
    monkeypatch.setenv("REGISTRY_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.debug is False


def test_production_refuses_the_memory_rate_limit_store(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("REGISTRY_ALLOW_SQLITE_IN_PRODUCTION", "true")
    monkeypatch.delenv("REGISTRY_RATELIMIT_STORAGE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="REGISTRY_REDIS_URL=redis://"):
        create_app()
    monkeypatch.setenv("REGISTRY_RATELIMIT_STORAGE_URL", "memory://")
    with pytest.raises(ConfigurationError, match="compteurs de tentatives"):
        create_app()
    monkeypatch.setenv("REGISTRY_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.delenv("REGISTRY_RATELIMIT_STORAGE_URL")
    monkeypatch.setenv("REGISTRY_REDIS_URL", "redis://127.0.0.1:6379/1")  # the one Redis serves the limits too
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"


def test_trusted_hosts_come_from_the_base_url(monkeypatch):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("REGISTRY_ALLOW_SQLITE_IN_PRODUCTION", "true")
    monkeypatch.setenv("REGISTRY_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("REGISTRY_BASE_URL", "https://registre-ess.lille.fr")
    app = create_app()
    assert app.config["TRUSTED_HOSTS"] == ["registre-ess.lille.fr"]
    client = app.test_client()
    for path in ("/", "/connexion", "/admin/", "/espace-partenaire/", "/mot-de-passe-oublie"):
        response = client.get(path, base_url="https://evil.example")
        assert response.status_code == 400, path
        assert "evil.example" not in response.headers.get("Location", ""), path
    assert client.get("/admin/", base_url="https://registre-ess.lille.fr").status_code == 302


def test_development_secret_key_generated_once(tmp_path, monkeypatch):
    import registry

    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    monkeypatch.setattr(registry, "ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    first = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    second = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) == 64


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    import registry

    monkeypatch.setattr(registry, "ROOT", tmp_path)
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "config.py").write_text("RENEWAL_WINDOW_DAYS = 30\nSECRET_KEY = 'from-file'\n")
    monkeypatch.delenv("REGISTRY_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"})
    assert app.config["RENEWAL_WINDOW_DAYS"] == 30
    monkeypatch.setenv("REGISTRY_RENEWAL_WINDOW_DAYS", "45")  # the environment wins over the file
    assert (
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.sqlite'}"}).config["RENEWAL_WINDOW_DAYS"]
        == 45
    )
