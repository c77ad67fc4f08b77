"""Merkle tiles in the database: written as entries are appended, read for proofs.

Only **full** tiles are stored (``ledger_tiles``: 256 hashes and their root); they never
change. Anything at the right edge of the tree is read from what it is made of:

* the unfinished tile of level 0 is the last ``size % 256`` leaf hashes in
  ``ledger_entries`` (one range read on the primary key);
* the unfinished tile of level L > 0 holds the roots of the full tiles of level L-1 since
  the last full tile of level L (one range read of their ``root`` column).

So a tile of any width at any size is one or two indexed reads, and a proof or a root
needs O(log n) of them (:class:`~core.ledger.tiles.TileHashReader`), instead of reading
every leaf hash of the prefix.

Appending costs nothing unless the batch completes a level-0 tile (every 256 entries):
then a :class:`~core.ledger.tiles.TileBuilder` is resumed at the start of that tile from
the stored roots of the levels above and fed the tile's leaf hashes, and the tiles it
completes are inserted in the append's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import LedgerEntry, LedgerLog, LedgerTile
from core.ledger.rfc9162 import TreeHasher
from core.ledger.tiles import (
    TILE_WIDTH,
    TileBuilder,
    TileError,
    TileHashReader,
    level_count,
)

TILE_COLUMNS = ("log_id", "level", "idx", "hashes", "root")
TileRow = tuple[int, int, int, bytes, bytes]


# --------------------------------------------------------------------------- writing


def _pending_above(session: Session, log_id: int, size: int) -> list[bytes]:
    """What :meth:`TileBuilder.resume` needs at a ``size`` that is a multiple of 256: no
    leaf hashes pending, and per level L > 0 the roots of the level L-1 tiles that the
    level's unfinished tile holds."""
    pending = [b""]
    level = 1
    while (count := level_count(size, level)) > 0:
        first = count - count % TILE_WIDTH
        roots = session.execute(
            select(LedgerTile.root)
            .where(
                LedgerTile.log_id == log_id,
                LedgerTile.level == level - 1,
                LedgerTile.idx >= first,
                LedgerTile.idx < count,
            )
            .order_by(LedgerTile.idx)
        ).scalars()
        pending.append(b"".join(bytes(r) for r in roots))
        level += 1
    return pending


def _leaf_hashes(session: Session, log_id: int, start: int, end: int) -> list[bytes]:
    rows = session.execute(
        select(LedgerEntry.leaf_hash)
        .where(LedgerEntry.log_id == log_id, LedgerEntry.seq >= start, LedgerEntry.seq < end)
        .order_by(LedgerEntry.seq)
    ).scalars()
    return [bytes(h) for h in rows]


def completed_tiles(
    session: Session, log_id: int, hasher: TreeHasher, start: int, leaves: Sequence[bytes]
) -> list[TileRow]:
    """The full tiles that appending ``leaves`` at position ``start`` completes (empty
    unless the batch crosses a multiple of 256)."""
    end = start + len(leaves)
    if end // TILE_WIDTH == start // TILE_WIDTH:
        return []
    base = start - start % TILE_WIDTH
    builder = TileBuilder.resume(hasher, base, _pending_above(session, log_id, base))
    before = _leaf_hashes(session, log_id, base, start) if base < start else []
    if len(before) != start - base:
        raise TileError(f"log {log_id} lacks leaf hashes in {base}..{start}")
    rows: list[TileRow] = []
    for leaf in chain(before, leaves[: end - end % TILE_WIDTH - start]):
        for tile, data, root in builder.append_with_roots(leaf):
            rows.append((log_id, tile.level, tile.index, data, root))
    return rows


def insert_tiles(session: Session, rows: list[TileRow]) -> None:
    """One DBAPI ``executemany`` (as the entries are inserted)."""
    if not rows:
        return
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO ledger_tiles ({', '.join(TILE_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(TILE_COLUMNS))})",
        rows,
    )


def build_all(log_id: int, hasher: TreeHasher, leaves: Iterable[bytes]) -> Iterator[TileRow]:
    """Every full tile of a log from all its leaf hashes in order (the migration that
    introduced tiles fills them in for logs that existed before)."""
    builder = TileBuilder(hasher)
    for leaf in leaves:
        for tile, data, root in builder.append_with_roots(leaf):
            yield (log_id, tile.level, tile.index, data, root)


# --------------------------------------------------------------------------- reading


class StoredTiles:
    """``read_tile`` over the database for one log: full tiles from ``ledger_tiles``,
    unfinished ones from the entries' leaf hashes or the stored tile roots.

    Full tiles read are kept (they never change), so readers of several sizes of one log
    (a consistency proof and its two roots) share them. Queries go to the DBAPI directly:
    a proof is a dozen point reads, and the ORM's per-query cost would dominate them.
    """

    def __init__(self, session: Session, log_id: int, hasher: TreeHasher, log_size: int) -> None:
        self.session = session
        self.log_id = log_id
        self.hasher = hasher
        self.log_size = log_size
        """The log's size: a tile that ends beyond it is not stored in full yet."""
        self._full: dict[tuple[int, int], bytes] = {}
        conn = session.connection()
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._sql_full = (
            f"SELECT hashes FROM ledger_tiles WHERE log_id = {mark} AND level = {mark} "
            f"AND idx = {mark}"
        )
        self._sql_leaves = (
            f"SELECT leaf_hash FROM ledger_entries WHERE log_id = {mark} AND seq >= {mark} "
            f"AND seq < {mark} ORDER BY seq"
        )
        self._sql_roots = (
            f"SELECT root FROM ledger_tiles WHERE log_id = {mark} AND level = {mark} "
            f"AND idx >= {mark} AND idx < {mark} ORDER BY idx"
        )

    def _rows(self, sql: str, params: tuple) -> list[bytes]:
        result = self.session.connection().exec_driver_sql(sql, params)
        return [bytes(row[0]) for row in result]

    def full(self, level: int, index: int) -> bytes | None:
        found = self._full.get((level, index))
        if found is None:
            rows = self._rows(self._sql_full, (self.log_id, level, index))
            if not rows:
                return None
            found = self._full[(level, index)] = rows[0]
        return found

    def __call__(self, level: int, index: int, width: int) -> bytes:
        span = TILE_WIDTH ** (level + 1)
        if (index + 1) * span <= self.log_size:  # complete in the log: stored in full
            data = self.full(level, index)
            if data is None:
                raise TileError(f"tile {level}/{index} of log {self.log_id} is missing")
            return data[: width * self.hasher.size]
        first = index * TILE_WIDTH
        if level == 0:
            hashes = self._rows(self._sql_leaves, (self.log_id, first, first + width))
        else:
            hashes = self._rows(self._sql_roots, (self.log_id, level - 1, first, first + width))
        if len(hashes) != width:
            raise TileError(f"tile {level}/{index} of log {self.log_id} has gaps")
        return b"".join(hashes)


def reader(
    session: Session,
    log: LedgerLog,
    hasher: TreeHasher,
    size: int,
    stored: StoredTiles | None = None,
) -> TileHashReader:
    """Roots and proofs of the log's tree at ``size`` (at most its current size), from
    the stored tiles (``stored``: share the full tiles another reader of the log read)."""
    if not 0 <= size <= log.size:
        raise TileError(f"{log.origin} has no tree of size {size} (its size is {log.size})")
    return TileHashReader(hasher, size, stored or StoredTiles(session, log.id, hasher, log.size))


__all__ = [
    "StoredTiles",
    "build_all",
    "completed_tiles",
    "insert_tiles",
    "reader",
]
