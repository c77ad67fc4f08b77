"""Composition root: the platform every entry point (web app, command line, workers,
tests) runs on, with the built-in listeners wired in."""

from __future__ import annotations

from core.services.platform import Platform


def make_platform(overrides: dict | None = None) -> Platform:
    """The platform the ``JIXIAO_*`` environment describes, with the webhook outbox
    registered as an internal listener (it hears every bureau), imported when the plugin
    host is first built."""
    platform = Platform.from_environment(overrides)
    platform.internal_plugins.append(("webhooks", "webhooks.listener"))
    return platform
