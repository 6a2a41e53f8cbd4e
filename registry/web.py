"""What every screen package (public site, sign-in, partner space, back office) shares and none of them owns: the
view guard of the abilities table and the header's sign-out form. Screens import it; it imports no screen."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from registry.services.accounts.abilities import has_ability


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
