"""How a registry workbook prints: A4 landscape, fitted to the page width, the header row repeated on each
page, grid lines, the workbook's title at the top, the sheet's name and the page numbers at the bottom.

A sheet fits one page wide when its columns allow a readable print; the widest sheets (Acteurs: 25 columns,
some 95 cm at full size) would print at a quarter of their size, 3-point text, so they are fitted to as few
pages wide as keep the text at about two thirds of its size, and their first two columns (Réf. and name) are
repeated on each page across, so that every printed page says which record a row is.

openpyxl writes these as the sheet's page setup, header/footer and defined names (print area, print titles),
which Excel and LibreOffice both read. ``prepare`` must run before a write-only sheet's first row (the
fit-to-page flag sits at the top of the sheet's XML); ``finish`` runs once the number of rows is known.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

#: Column-width units (characters) one landscape A4 page holds when printed at about 70 %.
PAGE_WIDTH = 200
#: Header/footer codes: &A the sheet's name, &P the page number, &N the number of pages.
FOOTER_LEFT = "&A"
FOOTER_RIGHT = "Page &P sur &N"
HEADER_SIZE = 9


def _escaped(text: str) -> str:
    """Text for a header or footer: a literal « & » is written « && »."""
    return text.replace("&", "&&")


def pages_wide(widths: Sequence[float]) -> int:
    """How many pages across a sheet of these column widths is fitted to."""
    return max(1, -(-int(sum(widths)) // PAGE_WIDTH))


def prepare(ws, title: str, widths: Sequence[float], *, key_columns: str | None = "A:B") -> None:
    """Page settings of a sheet about to be written: landscape A4, fitted to the width, title and footer;
    ``key_columns`` are repeated on each page across when the sheet needs more than one."""
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide(widths)
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    if ws.page_setup.fitToWidth > 1 and key_columns:
        ws.print_title_cols = key_columns
    ws.oddHeader.center.text = _escaped(title)
    ws.oddHeader.center.size = HEADER_SIZE
    ws.oddFooter.left.text = FOOTER_LEFT
    ws.oddFooter.left.size = HEADER_SIZE
    ws.oddFooter.right.text = FOOTER_RIGHT
    ws.oddFooter.right.size = HEADER_SIZE


def finish(ws, columns: int, rows: int, *, header_row: bool = True) -> None:
    """The print area over what was written (``rows`` including the header), the header repeated on each page."""
    ws.print_area = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"
    if header_row:
        ws.print_title_rows = "1:1"
