"""The plugin host: discovery, validation, settings and per-bureau hook calls.

Plugins are found through the entry-point group ``jixiao`` (the built-ins register
there too) and in an optional plugins directory. The host is built lazily by the
platform, never at import time. Every hook is called through pluggy: per plugin, with a
subset caller that leaves the others out, so each implementation gets its own
``context`` (its settings for the bureau), argument names are honoured and
``wrapper=True`` implementations work. A bureau hears only the plugins installed for it
plus the platform's internal listeners (the webhook outbox).

A plugin installed with pip while the server runs is picked up the first time a bureau
asks for it (:meth:`PluginHost.ensure_loaded`); one that still cannot be imported is
reported plainly, with the advice to restart.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pluggy
from marshmallow import Schema, ValidationError

from core.plugin_api import PROJECT, PluginContext, hookspecs

ContextFor = Callable[[str], PluginContext]


class PluginError(RuntimeError):
    """A plugin that cannot be loaded, or two plugins that conflict."""


class PluginNotLoaded(PluginError):
    """A plugin a bureau has installed that this server process cannot load."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    version: str
    hooks: tuple[str, ...]
    source: str  # "entry point of <dist>", the file it was loaded from, or "internal"
    internal: bool = False


def platform_context(plugin: str) -> PluginContext:
    """The context of platform-wide calls (no bureau, default settings)."""
    return PluginContext(plugin=plugin, bureau=None, settings={})


class PluginHost:
    def __init__(self, plugins_dir: str | Path | None = None) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._sources: dict[str, tuple[str, str]] = {}
        self._internal: set[str] = set()
        self._callers: dict[tuple[str, str], Any] = {}
        self.pm.load_setuptools_entrypoints(PROJECT)
        self._note_distributions()
        if plugins_dir:
            self._load_directory(Path(plugins_dir))
        self._validate()

    # ------------------------------------------------------------------ loading

    def _note_distributions(self) -> None:
        for plugin, dist in self.pm.list_plugin_distinfo():
            name = self.pm.get_name(plugin)
            self._sources[name] = (dist.version, f"entry point of {dist.metadata['Name']}")

    def _load_directory(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.py")):
            name = path.stem
            if self.pm.has_plugin(name):
                raise PluginError(
                    f"{path} 中的插件 {name!r} 与已安装的插件重名 "
                    f"(plugin {name!r} in {path} clashes with an installed plugin)"
                )
            spec = importlib.util.spec_from_file_location(f"jixiao_local_plugins.{name}", path)
            if spec is None or spec.loader is None:
                raise PluginError(f"无法加载插件文件 {path} (cannot load plugin file {path})")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            self.pm.register(module, name=name)
            self._sources[name] = (str(getattr(module, "__version__", "local")), str(path))

    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object at run time (tests, embedding applications)."""
        self.pm.register(plugin, name=name)
        self._sources[name] = (str(getattr(plugin, "__version__", "")), "registered")
        self._callers.clear()
        self._validate()

    def register_internal(self, module: object, name: str) -> None:
        """A built-in listener that hears every bureau (the webhook outbox)."""
        self.pm.register(module, name=name)
        self._internal.add(name)
        self._sources[name] = ("", "internal")
        self._callers.clear()

    def _validate(self) -> None:
        """Fail at start-up, not at first use: unknown hooks, conflicting names."""
        self.pm.check_pending()
        names = self.names()
        for hook in ("jixiao_rule_types", "jixiao_post_processors", "jixiao_outcome_types"):
            self.collect(hook, names, platform_context)
        self.event_kinds()

    def try_load(self, names: Iterable[str]) -> list[str]:
        """Load plugins installed with pip after this process started; returns the
        names that still cannot be found."""
        missing = [n for n in names if not self.pm.has_plugin(n)]
        if not missing:
            return []
        importlib.invalidate_caches()
        for name in missing:
            self.pm.load_setuptools_entrypoints(PROJECT, name=name)
        self._note_distributions()
        self._callers.clear()
        still = [n for n in missing if not self.pm.has_plugin(n)]
        if len(still) < len(missing):
            self._validate()
        return still

    def ensure_loaded(self, names: Iterable[str]) -> None:
        """Plugins installed for a bureau must answer in this process too (pip install
        while serving): load them, or refuse plainly if one cannot be found."""
        still = self.try_load(names)
        if still:
            raise PluginNotLoaded(
                f"本局已安装插件 {', '.join(still)}，但本服务器进程无法加载：请在服务器所在环境"
                "安装该软件包并重启服务器 "
                f"(plugin(s) {', '.join(still)} are installed for this bureau but cannot be "
                "loaded by this server process; install the package where the server "
                "runs and restart it)"
            )

    # ------------------------------------------------------------------ listing

    def names(self) -> list[str]:
        """Plugins a bureau may install (internal listeners are not among them)."""
        return sorted(n for n, _ in self.pm.list_name_plugin() if n not in self._internal)

    def has(self, name: str) -> bool:
        return name in self.names()

    def info(self, name: str) -> PluginInfo:
        plugin = self.pm.get_plugin(name)
        if plugin is None:
            known = ", ".join(self.names())
            raise PluginError(
                f"没有名为 {name!r} 的插件；可用：{known} "
                f"(no plugin named {name!r}; available: {known})"
            )
        hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or []))
        version, source = self._sources.get(name, ("", "registered"))
        return PluginInfo(name, version, hooks, source, name in self._internal)

    # ------------------------------------------------------------------ calling

    def _caller(self, hook: str, plugin: str) -> Any:
        """A hook caller that reaches only ``plugin``'s implementation."""
        key = (hook, plugin)
        caller = self._callers.get(key)
        if caller is None:
            others = [p for n, p in self.pm.list_name_plugin() if n != plugin]
            caller = self._callers[key] = self.pm.subset_hook_caller(hook, others)
        return caller

    def call(self, hook: str, plugin: str, **kwargs: Any) -> list[Any]:
        """Call one plugin's implementation of ``hook`` (an empty list if it has none)."""
        if self.pm.get_plugin(plugin) is None:
            return []
        return self._caller(hook, plugin)(**kwargs)

    def collect(
        self, hook: str, names: Iterable[str], context_for: ContextFor
    ) -> list[tuple[str, Any]]:
        """Items of a collection hook from ``names`` (plugin, item), sorted by the
        items' names; the same name from two plugins is refused, naming both."""
        seen: dict[str, str] = {}
        items = []
        for plugin in names:
            for result in self.call(hook, plugin, context=context_for(plugin)):
                for item in result or []:
                    if item.name in seen:
                        raise PluginError(
                            f"{hook}：{item.name!r} 同时由 {seen[item.name]!r} 和 {plugin!r} 提供 "
                            f"({hook}: {item.name!r} is contributed by both "
                            f"{seen[item.name]!r} and {plugin!r})"
                        )
                    seen[item.name] = plugin
                    items.append((plugin, item))
        return sorted(items, key=lambda pair: pair[1].name)

    def event_kinds(self) -> list[tuple[str, Any]]:
        """Every loaded plugin's event kinds (needed for any bureau's ledger)."""
        out, seen = [], {}
        for plugin in [*self.names(), *sorted(self._internal)]:
            for result in self.call("jixiao_event_kinds", plugin):
                for kind in result or []:
                    if kind.name in seen:
                        raise PluginError(
                            f"事件类型 {kind.name!r} 同时由 {seen[kind.name]!r} 和 {plugin!r} 声明 "
                            f"(event kind {kind.name!r} is declared by both "
                            f"{seen[kind.name]!r} and {plugin!r})"
                        )
                    seen[kind.name] = plugin
                    out.append((plugin, kind))
        return out

    def contributions(self, hook: str, names: Iterable[str] | None = None) -> dict[str, Any]:
        """name → item of a collection hook from ``names`` (default: every plugin), each
        called with its default settings (for listings and tests)."""
        chosen = self.names() if names is None else list(names)
        return {item.name: item for _, item in self.collect(hook, chosen, platform_context)}

    def platform_items(self, hook: str) -> list[tuple[str, Any]]:
        """A context-free collection (CLI commands, blueprints, console pages)."""
        return self.collect(hook, self.names(), lambda plugin: platform_context(plugin))

    def settings_schema(self, plugin: str) -> type[Schema] | None:
        found = [s for s in self.call("jixiao_settings_schema", plugin) if s is not None]
        return found[0] if found else None

    def load_settings(self, plugin: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Settings as hooks see them: ``raw`` loaded with the plugin's schema, defaults
        filled in (ValidationError if they do not pass)."""
        schema = self.settings_schema(plugin)
        if schema is None:
            if raw:
                raise ValidationError(
                    {"settings": [f"插件 {plugin} 没有设置项 (plugin {plugin} takes no settings)"]}
                )
            return {}
        return schema().load(dict(raw))

    def listen(self, names: Iterable[str], context_for: ContextFor, events: list) -> None:
        """Tell ``names`` and the internal listeners about appended events."""
        for plugin in [*names, *sorted(self._internal)]:
            self.call("jixiao_events_appended", plugin, context=context_for(plugin), events=events)
