"""The plugin host: discovery, validation, and per-bureau hook calls.

Plugins are found through the entry-point group ``jixiao`` (the built-ins register
there too) and in an optional plugins directory. The host is built in the app factory,
never at import time. A bureau hears only the plugins installed for it: event hooks go
through ``PluginManager.subset_hook_caller``, and collections are filtered the same way.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy

from core.plugin_api import hookspecs
from core.plugin_api.hookspecs import PROJECT, PostProcessor, RuleType, ValueCheck


class PluginError(RuntimeError):
    """A plugin that cannot be loaded, or two plugins that conflict."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    source: str  # "entry point <dist>" or the file it was loaded from


class PluginHost:
    def __init__(self, plugins_dir: str | Path | None = None) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._sources: dict[str, tuple[str, str]] = {}
        self.pm.load_setuptools_entrypoints(PROJECT)
        for plugin, dist in self.pm.list_plugin_distinfo():
            name = self.pm.get_name(plugin)
            self._sources[name] = (dist.version, f"entry point of {dist.metadata['Name']}")
        if plugins_dir:
            self._load_directory(Path(plugins_dir))
        self.pm.check_pending()
        self.rule_types()  # fail at start-up, not at first use, on conflicting names
        self.value_checks()
        self.post_processors()

    def _load_directory(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.py")):
            name = path.stem
            if self.pm.has_plugin(name):
                raise PluginError(f"plugin {name!r} in {path} clashes with an installed plugin")
            spec = importlib.util.spec_from_file_location(f"jixiao_local_plugins.{name}", path)
            if spec is None or spec.loader is None:
                raise PluginError(f"cannot load plugin file {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self.pm.register(module, name=name)
            self._sources[name] = (str(getattr(module, "__version__", "local")), str(path))

    # ------------------------------------------------------------------ listing

    def names(self) -> list[str]:
        return sorted(n for n, _ in self.pm.list_name_plugin())

    def info(self, name: str) -> PluginInfo:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            raise PluginError(f"no plugin named {name!r}; available: {', '.join(self.names())}")
        hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
        version, source = self._sources.get(name, ("", "registered"))
        return PluginInfo(name, version, hooks, source)

    # ------------------------------------------------------------------ calling

    def _others(self, names: Iterable[str] | None) -> list[Any]:
        if names is None:
            return []
        keep = set(names)
        return [p for n, p in self.pm.list_name_plugin() if n not in keep]

    def _collect(self, hook: str, names: Iterable[str] | None) -> list[tuple[str, Any]]:
        """Results of a collection hook with the plugin that gave each; conflicts raise."""
        keep = None if names is None else set(names)
        seen: dict[str, str] = {}
        items = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if keep is not None and impl.plugin_name not in keep:
                continue
            for item in impl.function() or []:
                if item.name in seen:
                    raise PluginError(
                        f"{hook}: {item.name!r} is contributed by both "
                        f"{seen[item.name]!r} and {impl.plugin_name!r}"
                    )
                seen[item.name] = impl.plugin_name
                items.append((impl.plugin_name, item))
        return sorted(items, key=lambda pair: pair[1].name)

    def rule_types(self, names: Iterable[str] | None = None) -> dict[str, RuleType]:
        """Rule types by name, from all plugins or only those in ``names``."""
        return {item.name: item for _, item in self._collect("jixiao_rule_types", names)}

    def value_checks(self, names: Iterable[str] | None = None) -> list[ValueCheck]:
        return [item for _, item in self._collect("jixiao_value_checks", names)]

    def post_processors(self, names: Iterable[str] | None = None) -> dict[str, PostProcessor]:
        return {item.name: item for _, item in self._collect("jixiao_post_processors", names)}

    def notify_appended(self, bureau: str, names: Iterable[str], entries: list) -> None:
        caller = self.pm.subset_hook_caller("jixiao_ledger_appended", self._others(names))
        caller(bureau=bureau, entries=entries)
