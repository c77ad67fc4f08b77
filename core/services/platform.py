"""The running platform: configuration, database, signing keys, personal-data vault,
plugin host and event catalogue.

Built once per process (by the app factory or the command line) and handed to every
service call inside a :class:`core.services.context.Context`. The plugin host and the
catalogue are built on first use, so a command that never needs a plugin (``jixiao
bureaus list``) does not pay for loading them.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from core.kernel import config
from core.kernel.db import Database
from core.kernel.errors import ServiceError
from core.kernel.privacy import Vault

if TYPE_CHECKING:  # built on first use: a command that needs none of them pays nothing
    from core.domain.assessment.standings import EngineCache
    from core.domain.events import Catalogue
    from core.domain.plugin_host import PluginHost
    from core.ledger.signing import KeyRing, NoteSigner
    from core.plugin_api import BureauRef, Event

Listener = Callable[[Session, "BureauRef | None", Sequence["Event"]], None]


class NotInitialised(ServiceError):
    """The instance has no signing key yet."""

    status = 409
    title = "Not initialised"


@dataclass
class Platform:
    settings: dict
    instance: Path
    db: Database
    plugins_dir: Path | None = None
    internal_plugins: list[tuple[str, object]] = field(default_factory=list)
    """Built-in listeners registered with the host: (name, module or the module's dotted
    path, imported when the host is built: a command that never builds it, such as one
    that only reads, does not import the plugin API)."""
    listeners: list[Listener] = field(default_factory=list)
    """Called with (session, bureau, events) after every append's projection."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_environment(cls, overrides: dict | None = None) -> Platform:
        """The platform the ``JIXIAO_*`` environment describes (see core.kernel.config)."""
        settings = config.load(overrides)
        instance = Path(str(settings["INSTANCE_PATH"]))
        url = str(settings["DATABASE_URL"] or config.sqlite_url(str(instance)))
        settings["DATABASE_URL"] = url
        plugins_dir = Path(str(settings["PLUGINS_DIR"] or instance / "plugins"))
        return cls(settings, instance, Database(url), plugins_dir)

    @property
    def config(self) -> dict:
        return self.settings

    @cached_property
    def results_cache(self) -> EngineCache:
        """The last results engine of each cycle window, kept in this process."""
        from core.domain.assessment.standings import EngineCache

        return EngineCache()

    @cached_property
    def keys(self) -> KeyRing:
        from core.ledger.signing import KeyRing

        return KeyRing(self.instance / "keys")

    @cached_property
    def vault(self) -> Vault:
        return Vault.from_instance(self.instance)

    @property
    def plugins(self) -> PluginHost:
        """The plugin host, built on first use (thread-safe)."""
        host = self.__dict__.get("_host")
        if host is None:
            with self._lock:
                host = self.__dict__.get("_host")
                if host is None:
                    from core.domain.plugin_host import PluginHost

                    host = PluginHost(self.plugins_dir)
                    for name, module in self.internal_plugins:
                        if isinstance(module, str):
                            module = importlib.import_module(module)
                        host.register_internal(module, name)
                    self.__dict__["_host"] = host
        return host

    @property
    def catalogue(self) -> Catalogue:
        found = self.__dict__.get("_catalogue")
        if found is None:
            from core.domain import catalogue as event_catalogue

            kinds = self.plugins.event_kinds()
            found = self.__dict__["_catalogue"] = event_catalogue.build(kinds)
        return found

    def refresh_catalogue(self) -> None:
        """After a plugin was loaded late, its event kinds join the catalogue."""
        self.__dict__.pop("_catalogue", None)

    def signers(self) -> list[NoteSigner]:
        signers = self.keys.signers()
        if not signers:
            raise NotInitialised(
                f"{self.keys.directory} 中没有签名密钥，请运行 `jixiao init` "
                f"(no signing key in {self.keys.directory}; run `jixiao init`)"
            )
        return signers

    def dispose(self) -> None:
        self.db.dispose()
