"""Plugins' tables: which plugins a bureau installed, with its settings, and the records
plugins' own event kinds project."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.kernel.db import Base


class PluginRecord(Base):
    """Projection kept by a plugin's event kinds: one record per (plugin, collection,
    key), e.g. a tax bureau's rectification notices. Plugins write it only from their
    projectors (so replay rebuilds it) and read it through ``context.records``."""

    __tablename__ = "plugin_records"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), primary_key=True)
    collection: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(BigInteger)


class PluginInstallation(Base):
    """Projection: which plugins answer hook calls for a bureau."""

    __tablename__ = "plugin_installations"
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureaus.id"), primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), primary_key=True)
    version: Mapped[str] = mapped_column(String(50), default="")
    seq: Mapped[int] = mapped_column(BigInteger)
    settings: Mapped[str] = mapped_column(Text, default="{}")
    """The bureau's settings for the plugin as recorded (``plugin.configured``), JSON."""
