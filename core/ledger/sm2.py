"""SM2 digital signatures (GB/T 32918.2-2016) for the ``sm3-sm2`` suite.

The elliptic-curve arithmetic and the signature equations come from ``gmalg`` (pure
Python, MIT; chosen over the other PyPI candidates in ``INTEGRATION-trust.md``). What this
module adds is the part an auditor has to trust to be the *standard's* SM2:

* the recommended curve of GB/T 32918.5-2017, written out here and checked in the tests;
* e = SM3(Z_A ‖ M) with Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), where the
  SM3 is the one from ``cryptography`` (injected into ``gmalg`` through its ``Hash``
  interface), and ID_A defaults to ``1234567812345678`` as GB/T 35275 prescribes when the
  parties have agreed no other identifier;
* strict encodings: a public key is the 65-byte uncompressed point 0x04 ‖ X ‖ Y and must
  lie on the curve and not be the point at infinity; a signature is r ‖ s, 32 bytes each,
  big-endian, with 1 <= r, s <= n - 1 (steps B1 and B2 of the verification).

Signing here is pure Python and therefore not constant-time. That is acceptable for
development and for checkpoints signed at most once a second, and it is why the signer
sits behind the same small interface an HSM-backed signer (密码机) would implement, as
GB/T 39786 level 3 expects for production keys. Verification uses public data only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

DEFAULT_ID = b"1234567812345678"
SIGNATURE_SIZE = 64
PUBLIC_KEY_SIZE = 65


class SM2Error(ValueError):
    """A malformed SM2 key or signature."""


@dataclass(frozen=True)
class Curve:
    """Parameters of a short Weierstrass curve y² = x³ + ax + b over F_p, base point order n."""

    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    @property
    def size(self) -> int:
        """Bytes of a field element (32 for 256-bit curves)."""
        return (self.p.bit_length() + 7) // 8


# GB/T 32918.5-2017 section 4 (also GM/T 0003.5-2012): the SM2 recommended curve.
RECOMMENDED = Curve(
    p=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF,
    a=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC,
    b=0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93,
    gx=0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    gy=0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
    n=0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123,
)


def sm3(data: bytes) -> bytes:
    """SM3 (GB/T 32905) from ``cryptography``."""
    from cryptography.hazmat.primitives import hashes  # on first use: start-up cost

    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def _hash_class() -> type:
    """gmalg's ``Hash`` interface over ``cryptography``'s SM3 (built lazily: gmalg and
    ``cryptography`` are only imported when SM2 is used, so the SHA-256 suite never needs
    the one, and commands that sign nothing never load the other)."""
    from cryptography.hazmat.primitives import hashes
    from gmalg.base import Hash

    class CryptographySM3(Hash):
        @classmethod
        def max_msg_length(cls) -> int:
            return 2**61 - 1

        @classmethod
        def hash_length(cls) -> int:
            return 32

        def __init__(self) -> None:
            self._h = hashes.Hash(hashes.SM3())

        def reset(self) -> None:
            self._h = hashes.Hash(hashes.SM3())

        def update(self, data: bytes) -> None:
            self._h.update(data)

        def value(self) -> bytes:
            return self._h.copy().finalize()

    return CryptographySM3


@cache
def _ecdlp(curve: Curve) -> object:
    from gmalg.ellipticcurve import ECDLP

    return ECDLP(curve.p, curve.a, curve.b, (curve.gx, curve.gy), curve.n)


def _core(curve: Curve, rnd: Callable[[int], int] | None = None) -> object:
    """A fresh gmalg SM2 core: its hash object is stateful, so one per operation keeps
    concurrent signers and verifiers (a threaded witness) from sharing it."""
    from gmalg.sm2 import SM2Core

    return SM2Core(_ecdlp(curve), _hash_class()(), rnd)


def z_a(x: int, y: int, uid: bytes = DEFAULT_ID, curve: Curve = RECOMMENDED) -> bytes:
    """Z_A of GB/T 32918.2 section 5.5: binds the signature to the signer's ID and key."""
    if len(uid) * 8 >= 1 << 16:
        raise SM2Error("user ID is longer than 8191 bytes")
    return _core(curve).entity_info(uid, (x, y))


@dataclass(frozen=True)
class SM2PublicKey:
    """A validated point on the curve."""

    x: int
    y: int
    curve: Curve = RECOMMENDED

    @classmethod
    def from_bytes(cls, data: bytes, curve: Curve = RECOMMENDED) -> SM2PublicKey:
        """Parse 0x04 ‖ X ‖ Y; refuse compressed forms and points off the curve."""
        size = curve.size
        if len(data) != 1 + 2 * size or data[0] != 0x04:
            raise SM2Error("SM2 public key must be 0x04 ‖ X ‖ Y (uncompressed)")
        x = int.from_bytes(data[1 : 1 + size], "big")
        key = cls(x, int.from_bytes(data[1 + size :], "big"), curve)
        if not key.is_valid():
            raise SM2Error("SM2 public key is not a valid point of the curve")
        return key

    def is_valid(self) -> bool:
        c = self.curve
        if not (0 <= self.x < c.p and 0 <= self.y < c.p):
            return False
        return bool(_core(c).verify_pk((self.x, self.y)))

    def to_bytes(self) -> bytes:
        size = self.curve.size
        return b"\x04" + self.x.to_bytes(size, "big") + self.y.to_bytes(size, "big")

    def verify(self, message: bytes, signature: bytes, uid: bytes = DEFAULT_ID) -> bool:
        """GB/T 32918.2 section 7: True only for a well-formed, valid signature."""
        size, n = self.curve.size, self.curve.n
        if len(signature) != 2 * size:
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        if not (1 <= r < n and 1 <= s < n) or (r + s) % n == 0:
            return False
        return bool(_core(self.curve).verify(message, r, s, uid, (self.x, self.y)))


@dataclass(frozen=True)
class SM2PrivateKey:
    """An SM2 signing key d in [1, n - 2] and its public key."""

    d: int
    curve: Curve = RECOMMENDED

    def __post_init__(self) -> None:
        if not 1 <= self.d <= self.curve.n - 2:
            raise SM2Error("SM2 private key is out of range [1, n-2]")

    @classmethod
    def generate(cls, curve: Curve = RECOMMENDED) -> SM2PrivateKey:
        return cls(1 + secrets.randbelow(curve.n - 2), curve)

    @classmethod
    def from_bytes(cls, data: bytes, curve: Curve = RECOMMENDED) -> SM2PrivateKey:
        if len(data) != curve.size:
            raise SM2Error(f"SM2 private key must be {curve.size} bytes")
        return cls(int.from_bytes(data, "big"), curve)

    def to_bytes(self) -> bytes:
        return self.d.to_bytes(self.curve.size, "big")

    @cached_property
    def public_key(self) -> SM2PublicKey:
        """d·G, computed once: signing needs it for Z_A every time."""
        x, y = _ecdlp(self.curve).kG(self.d)
        return SM2PublicKey(x, y, self.curve)

    def sign(self, message: bytes, uid: bytes = DEFAULT_ID) -> bytes:
        """GB/T 32918.2 section 6 with a fresh random k from ``secrets``: r ‖ s."""
        return self._sign(message, uid, None)

    def _sign(self, message: bytes, uid: bytes, rnd: Callable[[int], int] | None) -> bytes:
        """Sign with ``rnd`` as gmalg's source of k (None: ``secrets.randbits``).

        A fixed k exists only to reproduce the standard's worked examples in tests.
        """
        pub = self.public_key
        r, s = _core(self.curve, rnd).sign(message, self.d, uid, (pub.x, pub.y))
        size = self.curve.size
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


__all__ = [
    "DEFAULT_ID",
    "RECOMMENDED",
    "Curve",
    "SM2Error",
    "SM2PrivateKey",
    "SM2PublicKey",
    "sm3",
    "z_a",
]
