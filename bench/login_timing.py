"""Sign-in timing: an unknown e-mail, a wrong password, an invited account without password and a deactivated
account should cost the same (one argon2 verification each), so timing does not reveal which e-mails have an
account. Prints the median time of each case; asserts nothing.

    .venv/bin/python -m bench.login_timing [rounds]
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

from registry import create_app
from registry.extensions import db
from registry.services.reference.loading import load_reference

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def fresh_client(app):
    """A new test client and the CSRF token of its sign-in page."""
    client = app.test_client()
    return client, CSRF.search(client.get("/connexion").get_data(as_text=True))[1]


def main(rounds: int = 15) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="login-timing-"))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "MAIL_OUTBOX": str(tmp / "outbox"),
        }
    )
    with app.app_context():
        upgrade()
        load_reference(db.session)
        from tests.factories import make_user

        make_user(db.session, role="officer", email="known@example.org")
        make_user(db.session, role="officer", email="invited@example.org", password_hash=None)
        make_user(db.session, role="officer", email="inactive@example.org", active=False)
        db.session.commit()
    from tests.factories import DEFAULT_PASSWORD as PASSWORD

    cases = {
        "unknown e-mail": ("nobody@example.org", "wrong-password-123"),
        "wrong password": ("known@example.org", "wrong-password-123"),
        "invited, no password yet": ("invited@example.org", "wrong-password-123"),
        "deactivated, right password": ("inactive@example.org", PASSWORD),
        "success (for reference)": ("known@example.org", PASSWORD),
    }
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/connexion").get_data(as_text=True)
    )[1]
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (email, password) in cases.items():
            start = time.perf_counter()
            response = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token})
            timings[name].append(time.perf_counter() - start)
            if response.status_code == 302:
                client, token = fresh_client(app)
    print(f"POST /connexion, median of {rounds} rounds (SQLite, argon2id m=46 MiB t=1 p=1):")
    for name, values in timings.items():
        print(f"  {name:<28} {statistics.median(values) * 1000:7.1f} ms   (min {min(values) * 1000:.1f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
