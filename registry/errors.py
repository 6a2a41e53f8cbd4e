"""French error pages: the right status, a short explanation, never a traceback or SQL."""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Requête incorrecte", "La demande n'a pas pu être comprise. Vérifiez le formulaire et réessayez."),
    401: ("Identification requise", "Identifiez-vous pour accéder à cette page."),
    403: ("Accès refusé", "Votre compte ne permet pas d'accéder à cette page."),
    404: ("Page introuvable", "La page demandée n'existe pas ou a été déplacée."),
    405: ("Méthode non autorisée", "Cette page ne peut pas être utilisée de cette façon."),
    409: ("Conflit", "Cette fiche a été modifiée entre-temps. Rechargez la page."),
    413: ("Fichier trop volumineux", "Le fichier envoyé dépasse la taille autorisée."),
    429: ("Trop de tentatives", "Trop de tentatives en peu de temps. Patientez quelques minutes avant de réessayer."),
    503: ("Service indisponible", "Le service est momentanément indisponible. Réessayez dans quelques minutes."),
    500: (
        "Erreur interne",
        "Une erreur inattendue s'est produite. L'équipe technique a été prévenue ; réessayez plus tard.",
    ),
}


def _wants_json() -> bool:
    # The API, and the forms' lookups (« Compléter depuis le répertoire Sirene », « Géolocaliser »), which ask JSON.
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json")


def _roll_back(when: str) -> None:
    """End the request's transaction before answering an error page; a failure is logged, never raised."""
    try:
        from registry.extensions import db

        db.session.rollback()
    except Exception:
        log.warning("Rollback %s failed", when, exc_info=True)


def render_error(code: int, message: str | None = None):
    """The French error page (or JSON under /api/) for ``code``."""
    title, default = MESSAGES.get(code, (f"Erreur {code}", "Une erreur s'est produite."))
    text = message or default
    if _wants_json():
        return jsonify(error={"code": code, "title": title, "message": text}), code
    if request_ctx.url_adapter is None:  # a Host outside TRUSTED_HOSTS: no link may be built, none to that host
        return _UNKNOWN_HOST, 400, {"Content-Type": "text/html; charset=utf-8"}
    return render_template("errors/error.html", code=code, title=title, message=text), code


NUL_MESSAGE = "L'adresse contient un caractère nul, qui ne peut être ni cherché ni enregistré : retirez-le."
DATABASE_DOWN = (
    "La base de données du registre est momentanément injoignable. Réessayez dans quelques instants : "
    "rien de ce que vous avez envoyé n'a été enregistré à moitié."
)
_DATABASE_DOWN_PAGE = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
    "<title>Service momentanément indisponible</title><h1>Service momentanément indisponible</h1>"
    f"<p>{DATABASE_DOWN}</p></html>"
)
_UNKNOWN_HOST = (
    '<!doctype html><html lang="fr"><meta charset="utf-8"><title>Adresse inconnue</title>'
    "<h1>Adresse inconnue</h1><p>Ce serveur ne répond pas pour le nom de site demandé. Utilisez l'adresse publique "
    "du registre.</p></html>"
)


def init_errors(app: Flask) -> None:
    """Register the handlers."""

    @app.before_request
    def refuse_nul_characters():
        # No database text holds a NUL (PostgreSQL refuses it outright): a 400 here, never a 500 further on.
        if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            return render_error(400, NUL_MESSAGE)
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400, "Le formulaire a expiré ou n'est pas valide (jeton de sécurité). Rechargez la page et réessayez."
        )

    @app.errorhandler(redis.RedisError)
    @app.errorhandler(StorageError)
    def shared_store_unreachable(error):
        # The rate-limit counters live in Redis: without them a form that counts attempts fails closed.
        log.error("Redis unreachable on %s %s: %s", request.method, request.path, error)
        return render_error(
            503,
            "Le service est momentanément indisponible : nous ne pouvons pas vérifier le nombre de tentatives. "
            "Réessayez dans quelques minutes.",
        )

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unreachable(error):
        # The server restarting or unreachable: a French 503 the load balancer may retry elsewhere. The page is
        # plain: the usual one reads the signed-in user from the very database that is down.
        log.error("Database unreachable on %s %s: %s", request.method, request.path, error)
        _roll_back("after a lost database connection")
        if _wants_json():
            return jsonify(error={"code": 503, "title": MESSAGES[503][0], "message": DATABASE_DOWN}), 503
        return _DATABASE_DOWN_PAGE, 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "5"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if isinstance(error, InternalServerError):
            return internal_error(error)
        if error.code == 413:
            # The body was refused: reading request.form again (e.g. the page's logout form) would raise again.
            request.__dict__["form"] = request.__dict__["files"] = ImmutableMultiDict()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def internal_error(error):
        if isinstance(error, HTTPException) and not isinstance(error, InternalServerError):
            return http_error(error)
        original = getattr(error, "original_exception", None) or error
        if isinstance(original, (redis.RedisError, StorageError)):
            return shared_store_unreachable(original)  # raised after the view (sign-in counts its failures then)
        if isinstance(original, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            return database_unreachable(original)
        log.error("Unhandled error on %s %s", request.method, request.path, exc_info=original)
        _roll_back("after an unhandled error")
        return render_error(500)
