"""C2SP tlog-tiles: paths, tile contents, entry bundles, and proofs computed from tiles.

``../shared/vectors`` has no tile test data (only the transparency-dev Merkle proof
vectors and a signed note), so tile paths are checked against the examples written in the
tlog-tiles specification, tile contents against RFC 9162 Merkle Tree Hashes computed
independently, and tile-based proofs against :mod:`core.ledger.merkle` (SHA-256) and
:mod:`core.ledger.rfc9162` (SM3) on many tree sizes, then verified against the root.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from core.ledger import merkle, rfc9162, tiles, tlog
from core.ledger.suites import SM3
from core.ledger.tiles import EntryBundleRef, Tile, TileError

SHA = rfc9162.SHA256


def leaves_for(n: int, hasher=SHA) -> list[bytes]:
    return [hasher.leaf(f"entry {i}".encode()) for i in range(n)]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 0), "tile/0/000"),
        (Tile(0, 0, 1), "tile/0/000.p/1"),
        (Tile(0, 999, 255), "tile/0/999.p/255"),
        (Tile(1, 1000), "tile/1/x001/000"),
        (Tile(3, 1234067), "tile/3/x001/x234/067"),  # the specification's example
        (Tile(3, 1234067, 17), "tile/3/x001/x234/067.p/17"),
        (Tile(63, 0), "tile/63/000"),
        (Tile(0, 2**64 - 1), "tile/0/x018/x446/x744/x073/x709/x551/615"),
    ],
)
def test_tile_paths(tile, path):
    assert tile.path() == path
    assert tiles.parse_path(path) == tile
    assert tile.path("https://log.example/b1/") == "https://log.example/b1/" + path


def test_entry_bundle_paths():
    assert EntryBundleRef(0).path() == "tile/entries/000"
    assert EntryBundleRef(1234067, 5).path() == "tile/entries/x001/x234/067.p/5"
    assert tiles.parse_path("tile/entries/x001/000.p/3") == EntryBundleRef(1000, 3)


@pytest.mark.parametrize(
    "bad",
    [
        "tile/0/0000",
        "tile/0/00",
        "tile/0/x000/001",  # redundant leading group: one tile, two names
        "tile/0/001/002",  # inner group without its x
        "tile/0/x001",
        "tile/00/000",
        "tile/64/000",
        "tile/-1/000",
        "tile/0/000.p/256",
        "tile/0/000.p/0",
        "tile/0/000.p/012",
        "tile/0/\uff10\uff10\uff10",  # fullwidth digits
        "tiles/0/000",
        "tile/0",
        "tile/entries/000.p/",
    ],
)
def test_non_canonical_paths_are_refused(bad):
    with pytest.raises(TileError):
        tiles.parse_path(bad)


def test_index_encoding_round_trips():
    rng = random.Random(1)
    for n in [
        0,
        1,
        999,
        1000,
        1001,
        999_999,
        1_000_000,
        *(rng.randrange(2**40) for _ in range(200)),
    ]:
        assert tiles.decode_index(tiles.encode_index(n)) == n


# --------------------------------------------------------------------------- layout


def test_layout_examples_from_the_specification():
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial
    # level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width
    # 17, and one partial level 2 tile of width 1."
    all_tiles = list(tiles.tiles_for_size(70_000))
    assert sum(1 for t in all_tiles if t.level == 0 and not t.is_partial) == 273
    assert tiles.partial_tiles(70_000) == [Tile(0, 273, 112), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert [t for t in all_tiles if t.level == 1] == [Tile(1, 0), Tile(1, 1, 17)]
    # "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
    # tile of width 1."
    assert list(tiles.tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles.tiles_for_size(0)) == []


def test_tile_contents_are_merkle_tree_hashes():
    """Level l, index n, entry i is MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l])."""
    leaves = leaves_for(70_000)
    built = tiles.build_tiles(SHA, leaves)
    assert set(built) == set(tiles.tiles_for_size(70_000))
    for tile, data in built.items():
        assert len(data) == tile.width * 32
    span = 256
    level1 = built[Tile(1, 0)]
    for i in (0, 1, 137, 255):
        assert level1[i * 32 : (i + 1) * 32] == tlog.root_of(leaves[i * span : (i + 1) * span])
    level2 = built[Tile(2, 0, 1)]
    assert level2 == tlog.root_of(leaves[:65536])
    assert built[Tile(0, 273, 112)] == b"".join(leaves[273 * 256 :])


def test_builder_emits_full_tiles_when_they_complete():
    builder = tiles.TileBuilder(SHA)
    emitted = []
    for leaf in leaves_for(65536 + 300):
        emitted.extend(t for t, _ in builder.append(leaf))
    assert emitted.count(Tile(1, 0)) == 1 and Tile(0, 256) in emitted
    assert emitted.index(Tile(1, 0)) == emitted.index(Tile(0, 255)) + 1
    assert [t for t, _ in builder.partial_tiles()] == tiles.partial_tiles(65536 + 300)
    with pytest.raises(TileError):
        builder.append(b"short")


def test_builder_resumes_from_partial_tiles():
    leaves = leaves_for(70_000)
    for cut in (0, 1, 255, 256, 257, 65535, 65536, 65537, 69_999):
        first = tiles.TileBuilder(SHA)
        written = {}
        for leaf in leaves[:cut]:
            written.update(first.append(leaf))
        by_level = {t.level: d for t, d in first.partial_tiles()}
        top = max(by_level, default=-1)
        pending = [by_level.get(level, b"") for level in range(top + 1)]
        resumed = tiles.TileBuilder.resume(SHA, cut, pending)
        for leaf in leaves[cut:]:
            written.update(resumed.append(leaf))
        written.update(resumed.partial_tiles())
        assert written == tiles.build_tiles(SHA, leaves), cut
    with pytest.raises(TileError):
        tiles.TileBuilder.resume(SHA, 300, [b""])


# --------------------------------------------------------------------------- bundles


def test_entry_bundles():
    entries = [b"", b"a", b"x" * 65535, b'{"v":1}']
    data = tiles.encode_bundle(entries)
    assert data[:2] == b"\x00\x00" and data[2:5] == b"\x00\x01a"
    assert tiles.decode_bundle(data) == entries
    level0 = b"".join(SHA.leaf(e) for e in entries)
    assert tiles.check_bundle(SHA, data, level0) == entries
    with pytest.raises(TileError):
        tiles.check_bundle(SHA, tiles.encode_bundle([b"", b"b", *entries[2:]]), level0)
    for bad in [data[:-1], data + b"\x00", b"\x00"]:
        with pytest.raises(TileError):
            tiles.decode_bundle(bad)
    with pytest.raises(TileError):
        tiles.encode_bundle([b"x" * 65536])


# --------------------------------------------------------------------------- proofs


class Store:
    """Tiles of a log at its latest size, served the way a static server would: any tile
    of an older tree size is either a full tile or a prefix of a (then) partial one."""

    def __init__(self, hasher, leaves):
        self.hasher = hasher
        self.leaves = leaves
        self.built = tiles.build_tiles(hasher, leaves)
        self.reads: list[tuple[int, int, int]] = []

    def read(self, level: int, index: int, width: int) -> bytes:
        self.reads.append((level, index, width))
        full = self.built.get(Tile(level, index))
        if full is not None:
            return full[: width * self.hasher.size]
        for tile, data in self.built.items():
            if (tile.level, tile.index) == (level, index) and tile.width >= width:
                return data[: width * self.hasher.size]
        raise KeyError((level, index, width))


SIZES = [1, 2, 3, 5, 8, 255, 256, 257, 511, 512, 513, 1000, 65535, 65536, 65537, 70_000]


@pytest.fixture(scope="module")
def sha_store():
    return Store(SHA, leaves_for(max(SIZES)))


@pytest.mark.parametrize("size", SIZES)
def test_roots_and_inclusion_proofs_from_tiles(sha_store, size):
    leaves = sha_store.leaves[:size]
    root = tlog.root_of(leaves)
    assert tiles.root_from_tiles(SHA, sha_store.read, size) == root
    rng = random.Random(size)
    indexes = {0, size - 1, size // 2, rng.randrange(size), min(size - 1, 255), min(size - 1, 256)}
    for index in sorted(indexes):
        reader = tiles.TileHashReader(SHA, size, sha_store.read)
        proof = reader.inclusion_proof(index)
        if size <= 2000 or index in (0, size - 1):  # merkle's O(n) proofs are slow at 70k
            assert proof == merkle.inclusion_proof(index, leaves)
        tlog.verify_inclusion(index, size, leaves[index], proof, root)
        assert reader.reads <= 2 * (1 + (size.bit_length() - 1) // 8) + 1


@pytest.mark.parametrize("size", SIZES)
def test_consistency_proofs_from_tiles(sha_store, size):
    leaves = sha_store.leaves[:size]
    root = tlog.root_of(leaves)
    rng = random.Random(-size)
    for size1 in sorted({1, size, max(1, size - 1), rng.randrange(1, size + 1), min(size, 256)}):
        proof = tiles.consistency_proof_from_tiles(SHA, sha_store.read, size1, size)
        if size <= 2000:
            assert proof == merkle.consistency_proof(size1, leaves)
        root1 = tiles.root_from_tiles(SHA, sha_store.read, size1)
        assert root1 == tlog.root_of(leaves[:size1])
        tlog.verify_consistency(size1, size, proof, root1, root)


def test_inclusion_proof_reads_a_logarithmic_number_of_tiles(sha_store):
    size = 70_000
    reader = tiles.TileHashReader(SHA, size, sha_store.read)
    reader.inclusion_proof(12_345)
    assert reader.reads <= 5  # levels 0, 1, 2, plus the partial tiles on the right edge
    assert reader.root() == tlog.root_of(sha_store.leaves[:size])


@pytest.mark.parametrize("size", [1, 7, 256, 257, 600])
def test_sm3_tiles(size):
    leaves = leaves_for(size, SM3)
    store = Store(SM3, leaves)
    root = rfc9162.root_of(SM3, leaves)
    assert tiles.root_from_tiles(SM3, store.read, size) == root
    for index in {0, size // 3, size - 1}:
        proof = tiles.inclusion_proof_from_tiles(SM3, store.read, index, size)
        assert proof == rfc9162.inclusion_proof(SM3, index, leaves)
        rfc9162.verify_inclusion(SM3, index, size, leaves[index], proof, root)
    for size1 in {1, size // 2 or 1, size}:
        proof = tiles.consistency_proof_from_tiles(SM3, store.read, size1, size)
        assert proof == rfc9162.consistency_proof(SM3, size1, leaves)


def test_tampered_or_wrong_sized_tiles_do_not_verify(sha_store):
    size = 1000
    leaves = sha_store.leaves[:size]
    root = tlog.root_of(leaves)

    def tamper(at_level: int, at_byte: int):
        def read(level, index, width):
            data = bytearray(sha_store.read(level, index, width))
            if level == at_level and index == 0:
                data[at_byte] ^= 1
            return bytes(data)

        return read

    # Leaf 2 (the sibling of leaf 3) in tile 0/0; the root of leaves 256..511 in tile 1/0.
    for at_level, at_byte in [(0, 2 * 32 + 5), (1, 1 * 32 + 5)]:
        read = tamper(at_level, at_byte)
        proof = tiles.inclusion_proof_from_tiles(SHA, read, 3, size)
        with pytest.raises(tlog.ProofError):
            tlog.verify_inclusion(3, size, leaves[3], proof, root)
        # The root of 1000 leaves reads level 1 only: the level-0 tiles under it are
        # authenticated through the proofs that do read them.
        assert (tiles.root_from_tiles(SHA, read, size) != root) == (at_level == 1)
    with pytest.raises(TileError, match="expected"):
        tiles.root_from_tiles(SHA, lambda level, index, width: bytes(31), size)
    with pytest.raises(TileError):
        tiles.inclusion_proof_from_tiles(SHA, sha_store.read, size, size)


def test_tiles_need_no_hashlib_specifics():
    # The reader works with any TreeHasher, e.g. a truncated toy hash of 8 bytes.
    toy = rfc9162.TreeHasher("toy", lambda d: hashlib.blake2b(d, digest_size=8).digest(), 8)
    leaves = [toy.leaf(i.to_bytes(2, "big")) for i in range(300)]
    store = Store(toy, leaves)
    assert tiles.root_from_tiles(toy, store.read, 300) == rfc9162.root_of(toy, leaves)
