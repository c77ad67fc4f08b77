"""Names a package re-exports from its submodules, each imported on first use (PEP 562).

The tables are declared in submodules so that a command pays only for the tables it
uses (declaring and configuring a mapper costs milliseconds each); the package still
offers every name (``from core.domain.models import Scheme``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, elsewhere: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], Callable[[], None]]:
    """The package's ``__getattr__`` and ``__dir__``, and a function importing every
    submodule, for ``elsewhere``: name → submodule that defines it. A name looked up once
    is kept in ``namespace`` (the package's globals), so the next lookup is a plain
    attribute, not another call (a function-level import on the write path repeats it)."""

    def __getattr__(name: str) -> Any:
        module = elsewhere.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        found = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = found
        return found

    def __dir__() -> list[str]:
        return sorted({*namespace, *elsewhere})

    def load_submodules() -> None:
        for module in sorted(set(elsewhere.values())):
            importlib.import_module(f"{package}.{module}")

    return __getattr__, __dir__, load_submodules
