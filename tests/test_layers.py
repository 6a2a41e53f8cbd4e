"""The layering that import-linter cannot see (issue 12, moves 3 and 6): the contracts of pyproject.toml check the
imports between packages (`make test` runs them); this checks what lies below a module name. Models, services and
the workbook engine never read the request, never name an endpoint and never touch ``flask.g``: whatever depends on
the HTTP request (its method, the current user, a URL of a screen) is passed in by the screen or the CLI. And the
services are grouped by family: no module sits directly in ``registry/services``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parent.parent / "registry"
BELOW_THE_SCREENS = ("models", "services", "workbook")
#: Names of Flask that belong to the screens: the request and what is derived from it.
WEB_ONLY = {"request", "g", "session", "url_for", "has_request_context", "redirect", "abort", "flash"}


def web_names_used(path: Path) -> list[str]:
    """``flask.<name>`` for every web-only name ``path`` imports from Flask or reaches as ``flask.<name>``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            found += [f"flask.{a.name}" for a in node.names if a.name in WEB_ONLY]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "flask":
            found += [f"flask.{node.attr}"] if node.attr in WEB_ONLY else []
    return found


@pytest.mark.parametrize("package", BELOW_THE_SCREENS)
def test_models_services_and_workbook_never_read_the_request(package):
    wrong = {
        str(path.relative_to(REGISTRY.parent)): names
        for path in sorted((REGISTRY / package).rglob("*.py"))
        if (names := web_names_used(path))
    }
    assert not wrong, f"these modules use what only a screen may: {wrong}"


def test_the_check_sees_a_request_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom flask import current_app, url_for\nMETHOD = flask.request.method\n")
    assert web_names_used(sample) == ["flask.url_for", "flask.request"]


def test_services_are_grouped_by_family():
    flat = sorted(p.name for p in (REGISTRY / "services").glob("*.py") if p.name != "__init__.py")
    assert not flat, f"services outside a family sub-package: {flat}"
    for family in (p for p in (REGISTRY / "services").iterdir() if p.is_dir() and p.name != "__pycache__"):
        doc = ast.get_docstring(ast.parse((family / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"services/{family.name}/__init__.py says what the family holds"
