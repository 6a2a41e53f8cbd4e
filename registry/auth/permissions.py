"""Who may do what: one table of abilities per role, used by blueprints, the admin and exports alike."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from registry.models import Role

READ = "read"  # read every record of the back office
READ_PERSONAL = "read_personal"  # see contacts' personal data
WRITE = "write"  # create, edit, archive records
IMPORT = "import"  # import workbooks
EXPORT = "export"  # export workbooks and open data
MANAGE_USERS = "manage_users"  # users, roles, account requests
MANAGE_REFERENCE = "manage_reference"  # axes, quartiers, sectors, legal forms
OWN_ACTOR = "own_actor"  # edit one's own organisation (partner space)

ABILITIES: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({READ, READ_PERSONAL, WRITE, IMPORT, EXPORT, MANAGE_USERS, MANAGE_REFERENCE}),
    Role.OFFICER: frozenset({READ, READ_PERSONAL, WRITE, IMPORT, EXPORT}),
    Role.ANALYST: frozenset({READ, EXPORT}),
    Role.PARTNER: frozenset({OWN_ACTOR}),
}


def has_ability(user, ability: str) -> bool:
    """True when ``user`` is signed in, active, and its role grants ``ability``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return ability in ABILITIES.get(user.role, frozenset())


def require(ability: str):
    """View decorator: redirect anonymous users to the sign-in page, 403 for signed-in users without the right."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
            if not has_ability(current_user, ability):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def landing_url(user) -> str:
    """Where a user lands after signing in: the back office for staff, the partner space for partners."""
    if user.role == Role.PARTNER:
        return url_for("partner.index")
    return url_for("admin.index")
