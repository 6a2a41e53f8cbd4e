"""Rules for partnerships, applied by every writer."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import orm as so

from registry.models import Partnership
from registry.services.records.checks import check_date_order, check_range, clean_field, require_text, without_autoflush
from registry.services.records.errors import Collector
from registry.services.records.slugs import next_reference
from registry.services.reference import normalize as n

REF_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_/.-]{0,39}$")


@without_autoflush
def clean_partnership(session: so.Session, partnership: Partnership, *, check_unique: bool = True) -> None:
    """Normalise a partnership in place and check it; gives it a reference when it has none.

    ``check_unique=False`` skips the uniqueness queries: the workbook importer checks them in batch.
    """
    c = Collector()
    if partnership.actor is None and partnership.actor_id is None:
        c.add("actor", "L'acteur est obligatoire.")
    if partnership.kind is None:
        c.add("kind", "Le type de partenariat est obligatoire.")
    clean_field(c, partnership, "object", require_text, 256, "L'objet")
    clean_field(c, partnership, "decision_reference", n.clean_text, 200)
    clean_field(c, partnership, "officer_name", n.clean_text, 200)
    partnership.notes = n.clean_text(partnership.notes)
    clean_field(c, partnership, "amount", n.parse_decimal)
    check_range(c, partnership, "amount", 0, what="Le montant")
    if partnership.subsidy_share is None:
        partnership.subsidy_share = Decimal("1")
    clean_field(c, partnership, "subsidy_share", n.parse_decimal, places=4, minimum=Decimal("0.0001"), maximum=1)
    check_date_order(c, partnership.start_date, partnership.end_date, "end_date")
    if partnership.ref:
        ref = partnership.ref.strip().upper()
        if not REF_PATTERN.match(ref):
            c.add("ref", f"Référence invalide « {partnership.ref} » : lettres, chiffres et tirets (PART-2025-001).")
        else:
            partnership.ref = ref
            other = (
                session.scalar(
                    sa.select(Partnership.id).where(Partnership.ref == ref, Partnership.id != (partnership.id or 0))
                )
                if check_unique
                else None
            )
            if other is not None:
                c.add("ref", f"La référence « {ref} » est déjà utilisée par un autre partenariat.")
    else:
        year = (partnership.convention_date or partnership.start_date or date.today()).year
        partnership.ref = next_reference(session, Partnership, f"PART-{year}")
    c.raise_if_any()
