"""The form base of back-office views: one CSRF mechanism for the whole site.

Flask-Admin's ``SecureForm`` keeps a CSRF token of its own (WTForms' SessionCSRF) under the same field name as
Flask-WTF's, so the app-wide ``CSRFProtect`` refuses its POSTs (every create, edit, delete or bulk action would
answer 400). ``AdminForm`` is Flask-WTF's form, checked by ``CSRFProtect``, plus what Flask-Admin's ``BaseForm``
adds: the edited object in ``_obj``, which Flask-Admin's ``Unique`` validator needs on edit."""

from __future__ import annotations

from flask_wtf import FlaskForm


class AdminForm(FlaskForm):
    """Flask-WTF form usable as a Flask-Admin ``form_base_class``."""

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)
