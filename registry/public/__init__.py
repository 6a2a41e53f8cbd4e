"""Public site: directory, map, loan programmes, open data and the JSON API."""

from registry.public import (  # noqa: F401  (routes of the public blueprint)
    crawlers,
    directory,
    ess_maps,
    legal,
    loans,
    mapping,
    open_data,
    reports,
    search,
)
from registry.public.api import api_bp
from registry.public.views import bp

__all__ = ["api_bp", "bp"]
