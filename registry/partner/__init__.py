"""The partner space: an organisation keeps its own profile up to date."""

from registry.partner import contacts  # noqa: F401  (routes of the partner blueprint)
from registry.partner.views import bp

__all__ = ["bp"]
