"""Plugins depend on the public plugin API only, and on no other plugin: every module
of every shipped plugin (and of the example) is read and its imports checked. A
plugin's command module is a channel, like the core's commands, so it may also use the
command-line helpers and call the services (never the domain or the database)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = {
    "tax": ROOT / "plugins" / "tax",
    "staffing_office": ROOT / "plugins" / "staffing_office",
    "education": ROOT / "plugins" / "education",
    "community_correction": ROOT / "plugins" / "community_correction",
    "rules": ROOT / "plugins" / "rules",
    "envprotect": ROOT / "examples" / "envprotect" / "jixiao_envprotect",
}
PUBLIC = ("core.plugin_api",)
CHANNEL = ("core.plugin_api", "core.cli.common", "core.services")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def _allowed(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_plugins_import_only_the_plugin_api_and_themselves(name):
    folder = PACKAGES[name]
    own = "jixiao_envprotect" if name == "envprotect" else f"plugins.{name}"
    wrong = []
    for path in sorted(folder.rglob("*.py")):
        allowed = CHANNEL if path.name == "cli.py" else PUBLIC
        for module in _imports(path):
            if module.split(".")[0] == "core" and not _allowed(module, allowed):
                wrong.append(f"{path.relative_to(ROOT)}: {module}")
            if module.startswith("plugins.") and not _allowed(module, (own,)):
                wrong.append(f"{path.relative_to(ROOT)}: another plugin, {module}")
    assert wrong == []
