"""Files the registry sends: the XLSX media type, and the audited download (build → audit → send).

Not a screen: the back office, the partner space and the open-data pages all call it.
"""

from __future__ import annotations

from flask import send_file
from sqlalchemy import orm as so

from registry.sqlite import write_lock
from registry.workbook.exporter import record_export

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def no_store(response):
    """A response no cache keeps (it may hold personal data)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def send_download(fp, name: str, *, mimetype: str = XLSX_MIMETYPE, private: bool = True):
    """Send a built file (from its start) as an attachment named ``name``; ``private``: not cached."""
    fp.seek(0)
    response = send_file(fp, mimetype=mimetype, as_attachment=True, download_name=name)
    return no_store(response) if private else response


def audited_download(
    session: so.Session,
    fp,
    name: str,
    *,
    user,
    source: str,
    label: str,
    mimetype: str = XLSX_MIMETYPE,
    private: bool = True,
):
    """Audit the export of a built file (who, when, ``label``), commit, and send it. The export's read
    transaction ends first and the audit event is written under the write lock: on SQLite a transaction that
    read and then writes fails at once when another writer committed in between."""
    session.commit()
    with write_lock():
        record_export(session, user=user, source=source, label=label)
        session.commit()
    return send_download(fp, name, mimetype=mimetype, private=private)
