"""Read-only JSON API of published data (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("api", __name__)
