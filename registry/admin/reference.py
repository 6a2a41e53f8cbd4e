"""Back office: reference data (axes, quartiers, sectors, legal forms), for admins only."""

from __future__ import annotations

from registry.admin import filters as f
from registry.admin.base import SecureModelView
from registry.models import Axis, LegalFamily, LegalForm, Quartier, Sector
from registry.services.accounts.abilities import MANAGE_REFERENCE


class ReferenceView(SecureModelView):
    """Reference data: read and changed by admins only (MANAGE_REFERENCE)."""

    required_ability = MANAGE_REFERENCE
    write_ability = MANAGE_REFERENCE
    can_set_page_size = False
    page_size = 100


class AxisView(ReferenceView):
    column_list = ("position", "code", "label")
    column_default_sort = ("position", False)
    column_searchable_list = ("code", "label")
    form_columns = ("code", "label", "description", "position")


class QuartierView(ReferenceView):
    column_list = ("name", "code", "commune", "aliases")
    column_default_sort = ("name", False)
    column_searchable_list = ("code", "name", "aliases")
    form_columns = ("code", "name", "commune", "aliases")


class SectorView(ReferenceView):
    column_list = ("label", "code", "strategic", "naf_codes")
    column_default_sort = ("label", False)
    column_searchable_list = ("code", "label")
    column_filters = (f.yes_no(Sector.strategic, "Stratégique"),)
    form_columns = ("code", "label", "strategic", "naf_codes")


class LegalFormView(ReferenceView):
    column_list = ("label", "code", "family", "insee_code")
    column_default_sort = ("label", False)
    column_searchable_list = ("code", "label")
    column_filters = (f.equals(LegalForm.family, "Famille", LegalFamily.choices(), parse=LegalFamily),)
    form_columns = ("code", "label", "family", "insee_code")


REFERENCE_VIEWS = (
    (AxisView, Axis, "Axes du plan"),
    (QuartierView, Quartier, "Quartiers"),
    (SectorView, Sector, "Secteurs"),
    (LegalFormView, LegalForm, "Formes juridiques"),
)
