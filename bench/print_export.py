"""How the exported registry prints: the demo registry exported, printed to PDF by LibreOffice, pages counted.

Usage::

    .venv/bin/python -m bench.print_export

Needs LibreOffice (Debian: ``apt-get install libreoffice-calc-nogui``) and, to draw the pages as PNG,
poppler-utils (``pdftoppm``, ``pdftotext``). Writes ``bench/out/print/registre.xlsx`` and ``registre.pdf``,
and ``bench/out/screenshots/export-print-page-<n>.png`` for the Notice's first page and each sheet's first
page, to look at. Prints the pages of each sheet. Nothing is asserted.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "print"
SCREENSHOTS = Path(__file__).resolve().parent / "out" / "screenshots"


def export_demo(path: Path) -> dict[str, int]:
    """The demo registry (seed_data/demo.xlsx) loaded into a throwaway SQLite database, exported to ``path``."""
    from flask_migrate import upgrade

    from registry import create_app
    from registry.extensions import db
    from registry.services.reference.loading import load_reference
    from registry.workbook.demo import load_demo
    from registry.workbook.exporter import export_registry

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/r.sqlite", "TESTING": True}
        )
        with app.app_context():
            upgrade()
            load_reference(db.session)
            db.session.commit()
            print(load_demo(db.session).summary)
            db.session.commit()
            with path.open("wb") as f:
                counts = export_registry(db.session, f, include_personal=True)
            db.session.remove()
            db.engine.dispose()
    return counts


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice introuvable : apt-get install libreoffice-calc-nogui")
    OUT.mkdir(parents=True, exist_ok=True)
    workbook = OUT / "registre.xlsx"
    counts = export_demo(workbook)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(OUT), str(workbook)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    pdf = OUT / "registre.pdf"
    print(f"Export : {', '.join(f'{k} {v}' for k, v in counts.items())} lignes -> {pdf}")
    if not shutil.which("pdftotext"):
        print("pdftotext introuvable (poppler-utils) : pages non comptées.")
        return
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    footers = re.findall(r"^(\S.*?)\s{2,}Page (\d+) sur (\d+)\s*$", text, re.M)
    pages = Counter(name.strip() for name, _n, _total in footers)
    print(f"Pages : {footers[-1][2] if footers else '?'} en tout")
    for name, n in pages.items():
        print(f"  {name:<20} {n}")
    firsts = {}
    for name, number, _total in footers:
        firsts.setdefault(name.strip(), int(number))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, number in firsts.items():
        target = SCREENSHOTS / f"export-print-page-{number}"
        subprocess.run(["pdftoppm", "-r", "80", "-f", str(number), "-l", str(number), "-singlefile", "-png",
                        str(pdf), str(target)], check=True)  # fmt: skip
        print(f"  première page de {name} : {target}.png")


if __name__ == "__main__":
    main()
