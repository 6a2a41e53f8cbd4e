"""What every screen package (public site, sign-in, partner space, back office) shares and none of them owns: the
view guard of the abilities table and the header's sign-out form. Screens import it; it imports no screen."""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf import FlaskForm

from registry.extensions import db, limiter
from registry.services.accounts.abilities import has_ability
from registry.services.connectors.checks import compare_siret, position_proposal, record_comparison
from registry.services.connectors.clients import client
from registry.services.connectors.http import ServiceUnavailable
from registry.services.records.errors import ValidationError
from registry.services.reference.normalize import normalize_siret


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


def or_404(found):
    """``found``, or the « page introuvable » answer when a lookup found nothing."""
    if found is None:
        abort(404)
    return found


class LogoutForm(FlaskForm):
    """Empty form: carries the CSRF token of the POST-only logout (in every page's header)."""


# -- the forms' lookups in the public services (back office and partner space) -----------------------------------
def _lookup_key() -> str:
    return f"lookup-user:{current_user.get_id()}" if current_user.is_authenticated else get_remote_address()


#: « Compléter depuis le répertoire Sirene » and « Géolocaliser l'adresse »: per signed-in user, all four endpoints
#: counted together (each click is a request to a public service that limits us in turn).
lookup_limit = limiter.limit(lambda: current_app.config["RATELIMIT_LOOKUP"], key_func=_lookup_key, scope="lookup")


def jsonify_message(status: int, message: str):
    """A lookup's JSON refusal with its French message."""
    return _answer(status, ok=False, message=message)


def _answer(status: int, **body):
    response = jsonify(body)
    response.status_code = status
    return response


def siret_lookup(siret_text, recorded, *, partner: bool = False, actor=None):
    """The JSON answer of a « Compléter depuis le répertoire Sirene » click: the comparison, or a French message
    (422 bad SIRET, 404 unknown to the register, 503 register unreachable). The comparison is kept for ``actor``
    when the SIRET is its own."""
    try:
        siret = normalize_siret(siret_text)
    except ValidationError as exc:
        return _answer(422, ok=False, message=str(exc))
    if siret is None:
        return _answer(422, ok=False, message="Saisissez d'abord un SIRET (14 chiffres).")
    try:
        comparison = compare_siret(db.session, client("sirene", interactive=True), siret, recorded, partner=partner)
    except ServiceUnavailable as exc:
        return _answer(503, ok=False, message=str(exc))
    if actor is not None and actor.siret == siret:
        record_comparison(db.session, actor, comparison)
        db.session.commit()
    if comparison is None:
        message = f"Le répertoire Sirene ne connaît aucun établissement public de SIRET {siret} : vérifiez le numéro."
        return _answer(404, ok=False, message=message)
    return _answer(200, ok=True, comparison=comparison.as_json())


def position_lookup(values):
    """The JSON answer of a « Géolocaliser l'adresse » click: a proposed position (score, understood address,
    quartier proposal) or a French message (422 no address, 404 not found, 503 geocoder unreachable)."""

    address, postcode, commune = ((values.get(k) or "").strip()[:300] for k in ("address", "postcode", "commune"))
    if not (address or postcode or commune):
        return _answer(422, ok=False, message="Saisissez d'abord l'adresse, le code postal ou la commune.")
    try:
        proposal = position_proposal(
            db.session,
            client("geocoder", interactive=True),
            address=address,
            postcode=postcode,
            commune=commune,
            threshold=float(current_app.config["GEOCODE_MIN_SCORE"]),
        )
    except ServiceUnavailable as exc:
        return _answer(503, ok=False, message=str(exc))
    if proposal is None:
        message = "Le géocodeur n'a trouvé aucune position pour cette adresse : placez la structure à la main."
        return _answer(404, ok=False, message=message)
    return _answer(200, ok=True, position=proposal)
