"""Readable unique identifiers: slugs of actors, initiatives and programmes; references of partnerships."""

from __future__ import annotations

import re

import sqlalchemy as sa
from slugify import slugify
from sqlalchemy import orm as so

from registry.models import Actor, ActorSlugRedirect
from registry.services.records.errors import Collector, ValidationError

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def make_slug(text: str, max_length: int = 100) -> str:
    """'Régie de quartier de Fives' -> 'regie-de-quartier-de-fives'."""
    return slugify(text or "", max_length=max_length, word_boundary=True) or "fiche"


def check_slug(value: str) -> str:
    """A slug given by a user (workbook Réf., admin form) must already be in slug form."""
    text = (value or "").strip().lower()
    if not SLUG_PATTERN.match(text) or len(text) > 120:
        raise ValidationError(
            f"Référence invalide « {value} » : lettres minuscules sans accents, chiffres et tirets (regie-de-fives)."
        )
    return text


def unique_slug(session: so.Session, model, text: str, exclude_id: int | None = None) -> str:
    """A slug made from ``text`` that no other row of ``model`` uses (adds -2, -3... when needed)."""
    base = make_slug(text)
    query = sa.select(model.slug).where(sa.or_(model.slug == base, model.slug.like(f"{base}-%")))
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    taken = set(session.scalars(query))
    if model is Actor:  # the old slugs of merged actors redirect to the actor that stayed: never given again
        old = ActorSlugRedirect.old_slug
        taken |= set(session.scalars(sa.select(old).where(sa.or_(old == base, old.like(f"{base}-%")))))
    pending = {getattr(o, "slug", None) for o in session.new if isinstance(o, model)}
    taken |= {s for s in pending if s}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def next_reference(session: so.Session, model, prefix: str) -> str:
    """Next free reference such as 'PART-2026-004' for the given prefix ('PART-2026')."""
    rows = session.scalars(sa.select(model.ref).where(model.ref.like(f"{prefix}-%")))
    pending = {o.ref for o in session.new if isinstance(o, model) and getattr(o, "ref", None)}
    numbers = [0]
    for ref in [*rows, *pending]:
        tail = ref[len(prefix) + 1 :]
        if tail.isdigit():
            numbers.append(int(tail))
    return f"{prefix}-{max(numbers) + 1:03d}"


def clean_slug(c: Collector, session: so.Session, obj, label: str, whose: str, *, check_unique: bool = True) -> None:
    """Check the slug a record was given (its form, and that no other record has it), or make one from its
    ``label`` attribute (name or title). ``whose`` completes the message: "de l'acteur", "du programme"."""
    model = type(obj)
    if not obj.slug:
        if getattr(obj, label):
            obj.slug = unique_slug(session, model, getattr(obj, label), exclude_id=obj.id)
        return
    try:
        obj.slug = check_slug(obj.slug)
    except ValidationError as exc:
        c.add("slug", exc.message)
        return
    if check_unique:
        other = session.scalar(
            sa.select(getattr(model, label)).where(model.slug == obj.slug, model.id != (obj.id or 0))
        )
        if other is not None:
            c.add("slug", f"La référence « {obj.slug} » est déjà celle {whose} « {other} ».")
