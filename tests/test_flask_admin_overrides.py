"""The back office's reliance on Flask-Admin's private internals is listed in one module and re-checked on upgrade:
these tests fail when the installed version is not the one checked, when a listed name disappears or changes its
parameters, when a replaced template changed upstream, when a block the registry's templates fill is gone, or when
a module of the back office uses a private Flask-Admin name that the list does not give it."""

from __future__ import annotations

import importlib
import inspect
import re
from importlib.metadata import version
from pathlib import Path

import flask_admin
import pytest
from jinja2 import nodes

from registry.admin import flask_admin_overrides as overrides

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PACKAGE = ROOT / "registry" / "admin"
TEMPLATES = ROOT / "templates"
UPSTREAM = Path(flask_admin.__file__).resolve().parent
UPSTREAM_TEMPLATES = UPSTREAM / "templates" / "bootstrap4"


def resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_installed_flask_admin_is_the_version_checked():
    assert version("flask-admin") == overrides.CHECKED_VERSION, (
        "Flask-Admin was upgraded: re-read every entry of registry/admin/flask_admin_overrides.py against the new "
        "release, then update CHECKED_VERSION (and the template hashes)."
    )


@pytest.mark.parametrize(("package", "checked"), sorted(overrides.OTHER_CHECKED.items()))
def test_other_libraries_are_the_versions_checked(package, checked):
    assert version(package) == checked


@pytest.mark.parametrize("internal", overrides.INTERNALS, ids=lambda i: f"{i.owner}.{i.name}")
def test_each_listed_internal_still_exists_with_its_shape(internal):
    owner = resolve(internal.owner)
    if not internal.name:
        return  # the private class itself is the internal
    if internal.parameters is not None:
        method = inspect.getattr_static(owner, internal.name)
        params = [p for p in inspect.signature(method).parameters if p != "self"]
        assert tuple(params) == internal.parameters, f"{internal.owner}.{internal.name} now takes {params}"
    else:  # an instance attribute: its owner's module still assigns it
        source = inspect.getsource(inspect.getmodule(owner))
        assert re.search(rf"self\.{re.escape(internal.name)}\b\s*[:=]", source), internal


def test_every_override_of_the_overrides_class_is_listed():
    listed = {i.name for i in overrides.INTERNALS}
    defined = {
        name for name in vars(overrides.FlaskAdminOverrides) if name.startswith("_") and not name.startswith("__")
    }
    assert defined <= listed, defined - listed


def flask_admin_private_names() -> set[str]:
    """Every underscore name of Flask-Admin's classes and instances (WTForms' own left out)."""
    import wtforms

    names = set()
    for path in UPSTREAM.rglob("*.py"):
        if "tests" not in path.parts:
            text = path.read_text(encoding="utf-8")
            names |= set(re.findall(r"self\.(_[a-z][a-z0-9_]*)\s*[:=]", text))
            names |= set(re.findall(r"\n    def (_[a-z][a-z0-9_]*)\(", text))
    wtforms_classes = [wtforms.Form, *(c for c in vars(wtforms.fields).values() if isinstance(c, type))]
    for cls in wtforms_classes:  # WTForms' hooks (a field's _value) are WTForms', not Flask-Admin's
        names -= {n for n in dir(cls) if n.startswith("_")}
    return names


def test_no_other_module_of_the_back_office_uses_flask_admin_private_names():
    allowed = {(i.name, i.where) for i in overrides.INTERNALS}
    allowed |= {(i.owner.rpartition(".")[2], i.where) for i in overrides.INTERNALS if not i.name}
    private = flask_admin_private_names() | {i.owner.rpartition(".")[2] for i in overrides.INTERNALS if not i.name}
    found = []
    for path in sorted(ADMIN_PACKAGE.rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where == "registry/admin/flask_admin_overrides.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in private:
            if re.search(rf"(\.|def |import ){re.escape(name)}\b", text) and (name, where) not in allowed:
                found.append(f"{where}: {name}")
    assert not found, found


@pytest.mark.parametrize("template", overrides.TEMPLATES, ids=lambda t: t.name)
def test_replaced_templates_are_unchanged_upstream(template):
    import hashlib

    upstream = UPSTREAM_TEMPLATES / template.name
    assert upstream.exists(), f"{template.name} no longer exists in Flask-Admin"
    assert hashlib.sha256(upstream.read_bytes()).hexdigest() == template.upstream_sha256, (
        f"Flask-Admin's {template.name} changed: compare it with the registry's replacement, then update the hash."
    )


def test_every_template_shadowing_flask_admin_is_listed():
    listed = {t.name for t in overrides.TEMPLATES}
    shadowing = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.joinpath("admin").rglob("*.html")
        if (UPSTREAM_TEMPLATES / path.relative_to(TEMPLATES)).exists()
    }
    assert shadowing <= listed, shadowing - listed


def top_level_blocks(env, source: str) -> set[str]:
    """The blocks a template fills, not counting blocks it nests inside its own."""
    tree = env.parse(source)
    nested = {id(inner) for block in tree.find_all(nodes.Block) for inner in block.find_all(nodes.Block)}
    return {block.name for block in tree.find_all(nodes.Block) if id(block) not in nested}


def parent_of(env, source: str) -> str | None:
    extends = next(iter(env.parse(source).find_all(nodes.Extends)), None)
    return extends.template.value if extends is not None and isinstance(extends.template, nodes.Const) else None


def blocks_along(env, name: str | None) -> set[str]:
    """Every block of a template and of those it extends, as the application resolves them (Flask-Admin's
    admin/master.html extends the theme's base_template, the registry's admin/registry_base.html)."""
    blocks: set[str] = set()
    while name:
        source = env.loader.get_source(env, name)[0]
        blocks |= {b.name for b in env.parse(source).find_all(nodes.Block)}
        parent = parent_of(env, source)
        name = "admin/registry_base.html" if parent is None and name == "admin/master.html" else parent
    return blocks


def test_every_block_the_registry_fills_exists_in_the_template_it_extends(app):
    """A block renamed or removed upstream would silently drop the registry's content."""
    env = app.jinja_env
    checked = 0
    for path in sorted(TEMPLATES.joinpath("admin").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        parent = parent_of(env, source)
        if parent is None:
            continue
        missing = top_level_blocks(env, source) - blocks_along(env, parent)
        assert not missing, f"{path.relative_to(TEMPLATES)} fills blocks {missing} that {parent} no longer has"
        checked += 1
    assert checked >= 10
