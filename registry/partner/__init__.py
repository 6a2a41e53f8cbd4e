"""The partner space: an organisation keeps its own profile up to date."""

from registry.partner.views import bp

__all__ = ["bp"]
