"""List exports of the back office in the registry's workbook format (WORKBOOK.md): the rows the list shows
(its filters, search and sort; every page), one sheet, with the Notice and Listes sheets. Audited."""

from __future__ import annotations

import tempfile
from datetime import date

from flask import abort
from flask_login import current_user

from registry.admin.flask_admin_overrides import list_arguments, sort_column
from registry.downloads import audited_download
from registry.extensions import db
from registry.services.accounts.abilities import READ_PERSONAL, has_ability
from registry.services.records.slugs import make_slug
from registry.workbook.exporter import export_query

#: Exports are built in memory up to this size, then on disk (bounded memory for big registries).
SPOOL_BYTES = 8 * 1024 * 1024


class WorkbookExportMixin:
    """Adds the ``xlsx`` export of a list view whose model has a sheet in the workbook format."""

    #: The workbook sheet of the view's model ("Acteurs", "Partenariats"...); None: no workbook export.
    workbook_sheet: str | None = None

    def export_workbook(self):
        """The list's current rows (all pages) as a one-sheet registry workbook."""
        if not self.workbook_sheet:
            abort(404)
        args = list_arguments(self)
        sort = sort_column(self, args.sort)
        # page_size=0: no LIMIT; execute=False: the filtered, searched, sorted query itself, without the list's
        # loader options (the exporter loads what its sheet needs).
        _count, query = self.get_list(
            None, sort[0] if sort else None, args.sort_desc, args.search, args.filters, page_size=0, execute=False
        )
        buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - send_file closes it
        rows = export_query(
            db.session,
            self.workbook_sheet,
            query.statement,
            buffer,
            include_personal=has_ability(current_user, READ_PERSONAL),
        )
        name = f"{make_slug(self.workbook_sheet)}-{date.today():%Y-%m-%d}.xlsx"
        label = f"Export de la liste « {self.name} » ({rows} lignes)"
        return audited_download(db.session, buffer, name, user=current_user, source="admin", label=label, private=False)
