"""C2SP tlog-tiles: tile coordinates and paths, building tiles, proofs read from tiles.

A tile at level L, index N holds up to 256 consecutive hashes of height 8·L (level 0: leaf
hashes; level L: the roots of the full tiles of level L-1). A monitor that has the tiles
(static files, cacheable forever) can compute any RFC 9162 proof itself; it needs the
tiles on the paths it cares about only, O(log n) of them.

Nothing read from a tile is trusted here: the functions that compute roots and proofs from
tiles return what the tiles say, and the caller checks the result against a signed
checkpoint (a tampered tile then gives a root that does not match). The hash is a
:class:`~core.ledger.rfc9162.TreeHasher`, so the same code serves both suites (the
specification says SHA-256; an ``sm3-sm2`` log serves the same layout with SM3 hashes).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from core.ledger.rfc9162 import TreeHasher, split_point

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF  # entry bundles prefix each entry with a big-endian uint16

ReadTile = Callable[[int, int, int], bytes]  # (level, index, width) -> width * hash size


class TileError(ValueError):
    """A malformed tile path, tile or entry bundle, or a tile of the wrong size."""


# --------------------------------------------------------------------------- paths

_GROUP = re.compile(r"[0-9]{3}")


def encode_index(n: int) -> str:
    """Zero-padded 3-digit groups, all but the last prefixed with ``x``: 1234067 is
    ``x001/x234/067``. (Lets tiles live in a file system without a file and a directory
    sharing a name.)"""
    if n < 0:
        raise TileError(f"tile index {n} is negative")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def decode_index(text: str) -> int:
    """Inverse of :func:`encode_index`; refuses every non-canonical spelling, so that one
    tile has exactly one path (two paths for one tile would let a server show two
    clients different bytes for it without either noticing)."""
    parts = text.split("/")
    for part in parts[:-1]:
        if not (part.startswith("x") and _GROUP.fullmatch(part[1:])):
            raise TileError(f"malformed tile index {text!r}")
    if not _GROUP.fullmatch(parts[-1]):
        raise TileError(f"malformed tile index {text!r}")
    if len(parts) > 1 and parts[0] == "x000":
        raise TileError(f"tile index {text!r} has a redundant leading group")
    value = 0
    for part in parts:
        value = value * 1000 + int(part.lstrip("x"))
    return value


def _decimal(text: str, lo: int, hi: int, what: str) -> int:
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise TileError(f"malformed {what} {text!r}")
    value = int(text)
    if not lo <= value <= hi:
        raise TileError(f"{what} {value} is outside {lo}..{hi}")
    return value


@dataclass(frozen=True, order=True)
class Tile:
    """Tile coordinates: level, index and width (256 for a full tile)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise TileError(f"tile level {self.level} is outside 0..{MAX_LEVEL}")
        if self.index < 0:
            raise TileError("tile index is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise TileError(f"tile width {self.width} is outside 1..{TILE_WIDTH}")

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self, prefix: str = "") -> str:
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"{prefix}tile/{self.level}/{encode_index(self.index)}{suffix}"

    @property
    def start(self) -> int:
        """First leaf index the tile's hashes span."""
        return self.index * TILE_WIDTH ** (self.level + 1)

    @property
    def end(self) -> int:
        """One past the last leaf index a full tile at these coordinates spans."""
        return (self.index + 1) * TILE_WIDTH ** (self.level + 1)


@dataclass(frozen=True, order=True)
class EntryBundleRef:
    """Coordinates of an entry bundle: the entries of level-0 tile ``index``."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if self.index < 0 or not 1 <= self.width <= TILE_WIDTH:
            raise TileError("entry bundle index or width out of range")

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    def path(self, prefix: str = "") -> str:
        suffix = f".p/{self.width}" if self.is_partial else ""
        return f"{prefix}tile/entries/{encode_index(self.index)}{suffix}"


def parse_path(path: str) -> Tile | EntryBundleRef:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (no prefix)."""
    if not path.startswith("tile/"):
        raise TileError(f"not a tile path: {path!r}")
    rest = path[len("tile/") :]
    level_text, sep, index_text = rest.partition("/")
    if not sep:
        raise TileError(f"not a tile path: {path!r}")
    width = TILE_WIDTH
    if ".p/" in index_text:
        index_text, width_text = index_text.split(".p/", 1)
        width = _decimal(width_text, 1, TILE_WIDTH - 1, "tile width")
    index = decode_index(index_text)
    if level_text == "entries":
        return EntryBundleRef(index, width)
    return Tile(_decimal(level_text, 0, MAX_LEVEL, "tile level"), index, width)


# --------------------------------------------------------------------------- layout


def level_count(size: int, level: int) -> int:
    """How many complete hashes a tree of ``size`` leaves has at tile level ``level``."""
    return size // TILE_WIDTH**level


def tile_for(size: int, level: int, index: int) -> Tile:
    """The tile at (level, index) as it exists in a tree of ``size``: full or partial."""
    count = level_count(size, level)
    if index * TILE_WIDTH >= count:
        raise TileError(f"tree of size {size} has no tile {level}/{index}")
    return Tile(level, index, min(TILE_WIDTH, count - index * TILE_WIDTH))


def partial_tiles(size: int) -> list[Tile]:
    """The partial tiles of a tree of ``size``, lowest level first (the spec's list:
    70,000 leaves have partial tiles 0/273 of width 112, 1/001 of width 17, 2/000 of 1)."""
    out = []
    level = 0
    while (count := level_count(size, level)) > 0:
        if count % TILE_WIDTH:
            out.append(Tile(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every tile (full, then the partial one) of every level of a tree of ``size``."""
    level = 0
    while (count := level_count(size, level)) > 0:
        for index in range(count // TILE_WIDTH):
            yield Tile(level, index)
        if count % TILE_WIDTH:
            yield Tile(level, count // TILE_WIDTH, count % TILE_WIDTH)
        level += 1


# --------------------------------------------------------------------------- building


def _perfect_root(hasher: TreeHasher, hashes: Sequence[bytes]) -> bytes:
    """MTH of a power-of-two number of hashes, bottom-up."""
    level = list(hashes)
    while len(level) > 1:
        level = [hasher.node(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


class TileBuilder:
    """Builds tiles as leaf hashes are appended: what a log writes next to its entries.

    ``append`` returns the full tiles it completed (a level-0 tile every 256 leaves, a
    level-1 tile every 65,536, ...); ``partial_tiles`` gives the partial tiles for the
    current size, to be written with each checkpoint. Memory: at most 255 hashes a level.
    """

    def __init__(self, hasher: TreeHasher) -> None:
        self.hasher = hasher
        self.size = 0
        self._pending: list[list[bytes]] = [[]]  # per level, hashes of the unfinished tile
        self._done: list[int] = [0]  # per level, full tiles written

    @classmethod
    def resume(cls, hasher: TreeHasher, size: int, pending: Sequence[bytes]) -> TileBuilder:
        """Continue a tree of ``size`` leaves from its partial tiles' contents, lowest level
        first (what :meth:`partial_tiles` returned, or what a store reads back: the last
        ``size % 256`` leaf hashes, then per level the roots of the last full tiles)."""
        builder = cls(hasher)
        builder._pending, builder._done = [], []
        expected = {t.level: t.width for t in partial_tiles(size)}
        levels = max(1, len(pending), max(expected, default=-1) + 1)
        for level in range(levels):
            data = pending[level] if level < len(pending) else b""
            width = expected.get(level, 0)
            if len(data) != width * hasher.size:
                raise TileError(f"level {level} of a tree of {size} has {width} pending hashes")
            builder._pending.append(
                [data[i : i + hasher.size] for i in range(0, len(data), hasher.size)]
            )
            builder._done.append(level_count(size, level) // TILE_WIDTH)
        builder.size = size
        return builder

    def append(self, leaf: bytes) -> list[tuple[Tile, bytes]]:
        return [(tile, data) for tile, data, _ in self.append_with_roots(leaf)]

    def append_with_roots(self, leaf: bytes) -> list[tuple[Tile, bytes, bytes]]:
        """Like :meth:`append`, each completed tile with its root (the hash it adds to
        the level above, which a store keeps beside it)."""
        if len(leaf) != self.hasher.size:
            raise TileError("leaf hash has the wrong size")
        completed: list[tuple[Tile, bytes, bytes]] = []
        node, level = leaf, 0
        while True:
            pending = self._pending[level]
            pending.append(node)
            if len(pending) < TILE_WIDTH:
                break
            tile = Tile(level, self._done[level])
            node = _perfect_root(self.hasher, pending)
            completed.append((tile, b"".join(pending), node))
            pending.clear()
            self._done[level] += 1
            level += 1
            if level == len(self._pending):
                self._pending.append([])
                self._done.append(0)
        self.size += 1
        return completed

    def partial_tiles(self) -> list[tuple[Tile, bytes]]:
        out = []
        for level, pending in enumerate(self._pending):
            if pending:
                out.append((Tile(level, self._done[level], len(pending)), b"".join(pending)))
        return out


def build_tiles(hasher: TreeHasher, leaves: Sequence[bytes]) -> dict[Tile, bytes]:
    """Every full tile and the partial tiles of the tree of ``leaves``."""
    builder = TileBuilder(hasher)
    tiles: dict[Tile, bytes] = {}
    for leaf in leaves:
        tiles.update(builder.append(leaf))
    tiles.update(builder.partial_tiles())
    return tiles


# --------------------------------------------------------------------------- entry bundles


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as big-endian uint16 length-prefixed byte strings (at most 256)."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise TileError("an entry bundle holds 1 to 256 entries")
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(f"entry of {len(entry)} bytes does not fit a bundle")
        out += struct.pack(">H", len(entry))
        out += entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TileError("entry bundle ends inside a length prefix")
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + length > len(data):
            raise TileError("entry bundle ends inside an entry")
        entries.append(data[pos : pos + length])
        pos += length
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise TileError("an entry bundle holds 1 to 256 entries")
    return entries


def check_bundle(hasher: TreeHasher, bundle: bytes, level0_tile: bytes) -> list[bytes]:
    """Decode a bundle and check each entry hashes to the level-0 tile's hash."""
    entries = decode_bundle(bundle)
    size = hasher.size
    if len(level0_tile) != len(entries) * size:
        raise TileError("bundle and tile have different widths")
    for i, entry in enumerate(entries):
        if hasher.leaf(entry) != level0_tile[i * size : (i + 1) * size]:
            raise TileError(f"entry {i} of the bundle does not match the tile")
    return entries


# --------------------------------------------------------------------------- reading


class TileHashReader:
    """Merkle Tree Hashes of a tree of ``size``, computed from tiles fetched on demand.

    Each tile is fetched at most once (kept for the reader's lifetime); ``reads`` counts
    the fetches, so callers and tests can see the O(log n) bound.
    """

    def __init__(self, hasher: TreeHasher, size: int, read_tile: ReadTile) -> None:
        self.hasher = hasher
        self.size = size
        self._read = read_tile
        self._tiles: dict[Tile, list[bytes]] = {}
        self.reads = 0

    def _tile(self, level: int, index: int) -> list[bytes]:
        tile = tile_for(self.size, level, index)
        hashes = self._tiles.get(tile)
        if hashes is None:
            data = self._read(tile.level, tile.index, tile.width)
            self.reads += 1
            size = self.hasher.size
            if len(data) != tile.width * size:
                raise TileError(
                    f"{tile.path()} has {len(data)} bytes, expected {tile.width * size}"
                )
            hashes = [data[i : i + size] for i in range(0, len(data), size)]
            self._tiles[tile] = hashes
        return hashes

    def node(self, height: int, index: int) -> bytes:
        """Hash of the perfect subtree of 2^height leaves starting at leaf index·2^height."""
        if (index + 1) << height > self.size:
            raise TileError(f"node {height}/{index} is not complete in a tree of {self.size}")
        level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # position of its first hash among the level's hashes
        hashes = self._tile(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        return _perfect_root(self.hasher, hashes[offset : offset + (1 << rest)])

    def frontier(self, size: int) -> bytes:
        """The Merkle frontier of the first ``size`` leaves: the roots of the perfect
        subtrees of ``size``'s binary decomposition, largest first, as
        :class:`~core.ledger.rfc9162.Accumulator` keeps it (at most log2(size) nodes)."""
        if not 0 <= size <= self.size:
            raise TileError(f"size {size} is outside a tree of {self.size}")
        parts, start = [], 0
        for height in range(size.bit_length() - 1, -1, -1):
            if size >> height & 1:
                parts.append(self.node(height, start >> height))
                start += 1 << height
        return b"".join(parts)

    def range_hash(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range that is a node of the RFC 9162 tree (or its root)."""
        if not 0 <= lo <= hi <= self.size:
            raise TileError(f"range {lo}..{hi} is outside a tree of {self.size}")
        if lo == hi:
            return self.hasher.empty_root
        parts, start, remaining = [], lo, hi - lo
        for height in range(remaining.bit_length() - 1, -1, -1):
            if remaining >> height & 1:
                if start % (1 << height):
                    raise TileError(f"range {lo}..{hi} is not a node of the tree")
                parts.append(self.node(height, start >> height))
                start += 1 << height
        node = parts[-1]
        for left in reversed(parts[:-1]):
            node = self.hasher.node(left, node)
        return node

    def root(self) -> bytes:
        return self.range_hash(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """PATH(index, D[size]) from tiles."""
        if not 0 <= index < self.size:
            raise TileError(f"leaf {index} is outside a tree of {self.size}")
        frames, lo, hi, m = [], 0, self.size, index
        while hi - lo > 1:
            k = split_point(hi - lo)
            if m < k:
                frames.append(self.range_hash(lo + k, hi))
                hi = lo + k
            else:
                frames.append(self.range_hash(lo, lo + k))
                lo, m = lo + k, m - k
        return frames[::-1]

    def consistency_proof(self, size1: int) -> list[bytes]:
        """PROOF(size1, D[size]) from tiles."""
        if not 0 < size1 <= self.size:
            raise TileError(f"no consistency proof from size {size1} to {self.size}")
        frames, lo, hi, m, whole = [], 0, self.size, size1, True
        while m != hi - lo:
            k = split_point(hi - lo)
            if m <= k:
                frames.append(self.range_hash(lo + k, hi))
                hi = lo + k
            else:
                frames.append(self.range_hash(lo, lo + k))
                lo, m, whole = lo + k, m - k, False
        if not whole:
            frames.append(self.range_hash(lo, hi))
        return frames[::-1]


def root_from_tiles(hasher: TreeHasher, read_tile: ReadTile, size: int) -> bytes:
    return TileHashReader(hasher, size, read_tile).root()


def inclusion_proof_from_tiles(
    hasher: TreeHasher, read_tile: ReadTile, index: int, size: int
) -> list[bytes]:
    return TileHashReader(hasher, size, read_tile).inclusion_proof(index)


def consistency_proof_from_tiles(
    hasher: TreeHasher, read_tile: ReadTile, size1: int, size2: int
) -> list[bytes]:
    return TileHashReader(hasher, size2, read_tile).consistency_proof(size1)


__all__ = [
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "EntryBundleRef",
    "ReadTile",
    "Tile",
    "TileBuilder",
    "TileError",
    "TileHashReader",
    "build_tiles",
    "check_bundle",
    "consistency_proof_from_tiles",
    "decode_bundle",
    "decode_index",
    "encode_bundle",
    "encode_index",
    "inclusion_proof_from_tiles",
    "level_count",
    "parse_path",
    "partial_tiles",
    "root_from_tiles",
    "tile_for",
    "tiles_for_size",
]
