"""Who may do what: one table of abilities per role, read by every screen (back office, partner space, exports)
and by the services that need to know whether a user may see personal data."""

from __future__ import annotations

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
