"""Plugins' own projections: records per (plugin, collection, key), JSON data.

A plugin keeps state (a tax bureau's rectification notices, a staffing office's expert
pool) by declaring event kinds whose projectors write records here. The catalogue wraps
those projectors so they receive a :class:`RecordStore` scoped to the plugin and the
bureau, never the database session; replay rebuilds the records like every projection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.domain.models import PluginRecord
from core.plugin_api import BureauRef, Event


class RecordStore:
    """One plugin's records in one bureau (implements ``core.plugin_api.RecordStore``)."""

    def __init__(self, session: Session, bureau_id: int, plugin: str, seq: int | None = None):
        self._session = session
        self._bureau = bureau_id
        self._plugin = plugin
        self._seq = seq

    def _row(self, collection: str, key: str) -> PluginRecord | None:
        return self._session.get(PluginRecord, (self._bureau, self._plugin, collection, key))

    def put(self, collection: str, key: str, data: dict[str, Any]) -> None:
        if self._seq is None:
            raise RuntimeError("records are written only by projectors")
        row = self._row(collection, key) or PluginRecord(
            bureau_id=self._bureau, plugin=self._plugin, collection=collection, key=key
        )
        row.data = json.dumps(data, ensure_ascii=False, sort_keys=True)
        row.seq = self._seq
        self._session.add(row)
        self._session.flush()

    def delete(self, collection: str, key: str) -> None:
        if self._seq is None:
            raise RuntimeError("records are written only by projectors")
        row = self._row(collection, key)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        row = self._row(collection, key)
        return None if row is None else json.loads(row.data)

    def all(self, collection: str) -> list[dict[str, Any]]:
        rows = self._session.scalars(
            select(PluginRecord)
            .where(
                PluginRecord.bureau_id == self._bureau,
                PluginRecord.plugin == self._plugin,
                PluginRecord.collection == collection,
            )
            .order_by(PluginRecord.seq, PluginRecord.key)
        )
        return [{"key": r.key, "seq": r.seq, **json.loads(r.data)} for r in rows]


def projector_for(
    plugin: str, project: Callable[[RecordStore, Event], None]
) -> Callable[[Session, BureauRef, Event], None]:
    """A plugin projector as the event log calls it."""

    def apply(session: Session, bureau: BureauRef, event: Event) -> None:
        project(RecordStore(session, bureau.id, plugin, event.seq), event)

    apply.__name__ = getattr(project, "__name__", "project")
    return apply
