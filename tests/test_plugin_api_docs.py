"""The plugin authors' guide (docs/plugin-authors.md) and the hook specifications are
kept honest against the code, by introspection rather than lists kept here:

* the hooks are the functions of :mod:`core.plugin_api.hookspecs` that carry pluggy's
  spec marker, so a hook added to the spec is checked without touching this file;
* each hook has a section in the guide (a heading naming it) and an example in its
  docstring (an ``Example::`` block with a ``@hookimpl`` implementation of that hook);
* each hook is implemented somewhere that runs: by a bundled plugin (every module of
  ``plugins/`` and every entry point of ``examples/*/pyproject.toml`` is imported and
  registered on a pluggy manager with the real specs, which tells which hooks it
  implements), or else by a test under ``tests/``. Tests cannot be imported safely one
  by one (fixtures, conftest, heavy set-up), so for them this is the last resort and it
  reads the source: a function named for the hook and decorated with ``hookimpl``, at
  module level or in a class, parsed with ``ast`` (not a grep, so comments and strings
  do not count). It shows that a test defines an implementation, not that it runs it;
  the tests that define them register them through the real plugin host;
* every name of ``core.plugin_api.__all__`` appears in the guide's code;
* the guide's Python examples parse, and the links of every page in docs/ resolve.

:func:`test_a_hook_added_without_docs_or_implementations_fails` runs the same checks on
a made-up hook to show that they catch one.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import tomllib
import types
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pluggy
import pytest

import core.plugin_api
import plugins
from core.plugin_api import PROJECT, hookspecs

ROOT = Path(__file__).parents[1]
GUIDE = ROOT / "docs" / "plugin-authors.md"
EXAMPLES = ROOT / "examples"
TESTS = Path(__file__).parent
FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.S | re.M)


# ---------------------------------------------------------------------- what there is


def spec_hooks(module: types.ModuleType) -> dict[str, Callable]:
    """Hook name → spec function: what pluggy's ``HookspecMarker`` marked in ``module``."""
    return {
        name: function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if hasattr(function, f"{PROJECT}_spec")
    }


def headings(markdown: str) -> list[str]:
    """The headings of a Markdown page, code blocks left out."""
    return re.findall(r"^#{1,6}\s+(.+)$", FENCE.sub("", markdown), re.M)


def code_of(markdown: str) -> str:
    """Everything a Markdown page shows as code: fenced blocks and inline spans (which
    may run over a line break)."""
    blocks = [body for _, body in FENCE.findall(markdown)]
    inline = re.findall(r"`([^`]+)`", FENCE.sub("", markdown))
    return "\n".join([*blocks, *inline])


def bundled_plugin_modules(monkeypatch: pytest.MonkeyPatch) -> dict[str, types.ModuleType]:
    """The plugins shipped in ``plugins/`` and the examples' entry points, imported."""
    found = {
        info.name: importlib.import_module(f"plugins.{info.name}")
        for info in pkgutil.iter_modules(plugins.__path__)
        if info.ispkg
    }
    for pyproject in sorted(EXAMPLES.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text("utf-8"))["project"]
        monkeypatch.syspath_prepend(str(pyproject.parent))
        for name, target in project.get("entry-points", {}).get(PROJECT, {}).items():
            found[name] = importlib.import_module(target)
    return found


def implemented_by(modules: Mapping[str, object], specs: object) -> dict[str, list[str]]:
    """Hook → the plugins implementing it, as pluggy sees them once registered."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(specs)
    found: dict[str, list[str]] = {}
    for name, module in modules.items():
        manager.register(module, name=name)
        for caller in manager.get_hookcallers(module) or []:
            found.setdefault(caller.name, []).append(name)
    return found


def _is_hookimpl(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "hookimpl"


def implemented_in_tests(hooks: Iterable[str], folder: Path = TESTS) -> dict[str, list[str]]:
    """Hook → test files defining a ``@hookimpl`` function of that name (read with ast)."""
    wanted = set(hooks)
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.name in wanted
                and any(_is_hookimpl(d) for d in node.decorator_list)
            ):
                found.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    return found


# ---------------------------------------------------------------------- the checks


def undocumented(hooks: Iterable[str], guide: str) -> list[str]:
    """Hooks without a heading of the guide naming them."""
    titles = headings(guide)
    return [
        hook
        for hook in hooks
        if not any(re.search(rf"(?<!\w){hook}(?!\w)", title) for title in titles)
    ]


def without_example(hooks: Mapping[str, Callable]) -> list[str]:
    """Hooks whose docstring has no ``Example::`` implementing that very hook."""
    missing = []
    for name, function in hooks.items():
        doc = inspect.getdoc(function) or ""
        _, marker, example = doc.partition("Example::")
        if not marker or "@hookimpl" not in example or f"def {name}(" not in example:
            missing.append(name)
    return missing


def unexercised(hooks: Iterable[str], *where: Mapping[str, list[str]]) -> list[str]:
    return [hook for hook in hooks if not any(hook in found for found in where)]


def unmentioned(names: Iterable[str], guide: str) -> list[str]:
    """Public names that the guide never shows as code."""
    tokens = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code_of(guide)))
    return [name for name in names if name not in tokens]


# ---------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text("utf-8")


HOOKS = spec_hooks(hookspecs)


def test_the_spec_is_found_by_introspection():
    assert len(HOOKS) >= 14
    assert all(name.startswith(f"{PROJECT}_") for name in HOOKS)
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(hookspecs)
    assert set(HOOKS) == {name for name in vars(manager.hook) if not name.startswith("_")}


def test_every_hook_has_a_section_in_the_guide(guide):
    assert undocumented(HOOKS, guide) == []


def test_every_hook_has_an_example_in_its_docstring():
    assert without_example(HOOKS) == []


def test_every_hook_is_implemented_by_a_bundled_plugin_or_a_test(monkeypatch):
    bundled = implemented_by(bundled_plugin_modules(monkeypatch), hookspecs)
    in_tests = implemented_in_tests(HOOKS)
    assert unexercised(HOOKS, bundled, in_tests) == [], {"bundled": bundled, "tests": in_tests}


def test_every_public_name_is_in_the_guide(guide):
    assert unmentioned(core.plugin_api.__all__, guide) == []


def test_the_guides_python_examples_parse(guide):
    for number, (language, body) in enumerate(FENCE.findall(guide), start=1):
        if language == "python":
            ast.parse(body, f"{GUIDE.name}, code block {number}")


def _slug(title: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped (CJK
    kept), spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(title) for title in headings(page.read_text("utf-8"))}


def test_links_between_the_docs_resolve():
    pages = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    broken = []
    for page in pages:
        text = FENCE.sub("", page.read_text("utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_a_hook_added_without_docs_or_implementations_fails(guide, monkeypatch, tmp_path):
    """What would happen if someone added ``jixiao_brand_new`` to the spec and nothing
    else: every check names it."""
    specs = types.ModuleType("specs_with_a_new_hook")
    for name, function in HOOKS.items():
        setattr(specs, name, function)

    @hookspecs.hookspec
    def jixiao_brand_new(context):
        """A hook nobody documented."""

    jixiao_brand_new.__module__ = specs.__name__
    specs.jixiao_brand_new = jixiao_brand_new
    hooks = spec_hooks(specs)
    assert set(hooks) == {*HOOKS, "jixiao_brand_new"}
    assert undocumented(hooks, guide) == ["jixiao_brand_new"]
    assert without_example(hooks) == ["jixiao_brand_new"]
    bundled = implemented_by(bundled_plugin_modules(monkeypatch), specs)
    assert unexercised(hooks, bundled, implemented_in_tests(hooks)) == ["jixiao_brand_new"]
    (tmp_path / "test_mention.py").write_text(
        "# jixiao_brand_new is only mentioned here\n"
        "def jixiao_brand_new(context):\n"
        "    '''not a hookimpl: no marker'''\n"
        "NOTE = '@hookimpl def jixiao_brand_new'\n"
    )
    assert implemented_in_tests(hooks, tmp_path) == {}
    assert unmentioned([*core.plugin_api.__all__, "brand_new_name"], guide) == ["brand_new_name"]
