"""How the SM2 packages on PyPI fare: the standard's examples, edge cases, speed.

Reproduces the comparison in ``core/ledger/INTEGRATION-trust.md``. The candidates are not
project dependencies: install the ones to compare into a scratch environment first
(``pip install gmalg snowland-smx gmssl gmssl-pyx gmssl-fast sm-py-bc asn1crypto``);
missing ones are reported and skipped. For each it prints ``<package>_<check>: <value>``.

Checks: the published signature of GB/T 32918.5-2017 appendix A (recommended curve,
ID 1234567812345678) verifies; fixed-k signing reproduces it (where k can be supplied);
the GB/T 32918.2-2016 appendix A example on its test curve (where curves can be supplied);
a random sign/verify round trip; malformed signatures (r or s = 0, = n, r + s = n, all
ones) are rejected without an exception; verifications and signatures per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import secrets
import time
from collections.abc import Callable

N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
P5 = {
    "uid": b"1234567812345678",
    "d": 0x3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8,
    "x": 0x09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020,
    "y": 0xCCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13,
    "k": 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21,
    "r": 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3,
    "s": 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA,
}
P2_CURVE = (
    0x8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3,
    0x787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498,
    0x63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A,
    (
        0x421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D,
        0x0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2,
    ),
    0x8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7,
)
P2 = {
    "uid": b"ALICE123@YAHOO.COM",
    "d": 0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263,
    "x": 0x0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A,
    "y": 0x7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857,
    "k": 0x6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F,
    "r": 0x40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1,
    "s": 0x6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7,
}
MSG = b"message digest"
BAD = {
    "r0": (0, P5["s"]),
    "s0": (P5["r"], 0),
    "rn": (N, P5["s"]),
    "sn": (P5["r"], N),
    "r_plus_s_n": (P5["r"], N - P5["r"]),
    "ones": (2**256 - 1, 2**256 - 1),
}


def b32(x: int) -> bytes:
    return x.to_bytes(32, "big")


def der(r: int, s: int) -> bytes:
    from asn1crypto.algos import DSASignature

    return DSASignature({"r": r, "s": s}).dump()


def from_der(sig: bytes) -> tuple[int, int]:
    from asn1crypto.algos import DSASignature

    parsed = DSASignature.load(sig)
    return parsed["r"].native, parsed["s"].native


class Candidate:
    """verify(r, s, msg) and sign(msg) on the recommended curve with the default ID;
    sign_k / p2_verify / p2_sign_k return None where the package cannot do it."""

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        raise NotImplementedError

    def sign(self, msg: bytes) -> tuple[int, int]:
        raise NotImplementedError

    def sign_k(self, k: int, msg: bytes) -> tuple[int, int] | None:
        return None

    def p2_verify(self) -> bool | None:
        return None

    def p2_sign_k(self) -> tuple[int, int] | None:
        return None


class JixiaoGmalg(Candidate):
    """What the sm3-sm2 suite runs: gmalg with cryptography's SM3 injected."""

    def __init__(self) -> None:
        from core.ledger import sm2

        self.sm2 = sm2
        self.key = sm2.SM2PrivateKey(P5["d"])
        self.pub = self.key.public_key

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return self.pub.verify(msg, b32(r) + b32(s))

    def sign(self, msg: bytes) -> tuple[int, int]:
        sig = self.key.sign(msg)
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")

    def sign_k(self, k: int, msg: bytes) -> tuple[int, int]:
        sig = self.key._sign(msg, P5["uid"], lambda bits: k)
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")

    def p2_verify(self) -> bool:
        curve = self.sm2.Curve(*P2_CURVE[:3], *P2_CURVE[3], P2_CURVE[4])
        pub = self.sm2.SM2PublicKey(P2["x"], P2["y"], curve)
        return pub.verify(MSG, b32(P2["r"]) + b32(P2["s"]), P2["uid"])

    def p2_sign_k(self) -> tuple[int, int]:
        curve = self.sm2.Curve(*P2_CURVE[:3], *P2_CURVE[3], P2_CURVE[4])
        sig = self.sm2.SM2PrivateKey(P2["d"], curve)._sign(MSG, P2["uid"], lambda bits: P2["k"])
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")


class Gmalg(Candidate):
    """gmalg as shipped (its own pure-Python SM3)."""

    def __init__(self) -> None:
        import gmalg
        from gmalg import ellipticcurve, sm2, sm3

        pk = b"\x04" + b32(P5["x"]) + b32(P5["y"])
        self.v = gmalg.SM2(uid=P5["uid"], pk=pk)
        self.s = gmalg.SM2(sk=b32(P5["d"]), uid=P5["uid"], pk=pk)
        self.core = lambda curve, k: sm2.SM2Core(
            ellipticcurve.ECDLP(*curve), sm3.SM3(), (lambda bits: k) if k else None
        )

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return self.v.verify(msg, b32(r), b32(s))

    def sign(self, msg: bytes) -> tuple[int, int]:
        r, s = self.s.sign(msg)
        return int.from_bytes(r, "big"), int.from_bytes(s, "big")

    def sign_k(self, k: int, msg: bytes) -> tuple[int, int]:
        from gmalg.sm2 import _ecdlp

        curve = (_ecdlp.fp.p, _ecdlp.ec.a, _ecdlp.ec.b, _ecdlp.G, _ecdlp.fpn.p)
        return self.core(curve, k).sign(msg, P5["d"], P5["uid"], (P5["x"], P5["y"]))

    def p2_verify(self) -> bool:
        return self.core(P2_CURVE, None).verify(
            MSG, P2["r"], P2["s"], P2["uid"], (P2["x"], P2["y"])
        )

    def p2_sign_k(self) -> tuple[int, int]:
        return self.core(P2_CURVE, P2["k"]).sign(MSG, P2["d"], P2["uid"], (P2["x"], P2["y"]))


class SnowlandSmx(Candidate):
    def __init__(self) -> None:
        from pysmx.SM2 import Sign, Verify

        self.sign_fn, self.verify_fn = Sign, Verify
        self.pub = f"{P5['x']:064x}{P5['y']:064x}"

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return bool(self.verify_fn(f"{r:064x}{s:064x}", msg, self.pub, 64, uid=P5["uid"]))

    def sign_k(self, k: int, msg: bytes) -> tuple[int, int]:
        sig = self.sign_fn(msg, f"{P5['d']:064x}", f"{k:064x}", 64, uid=P5["uid"])
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")

    def sign(self, msg: bytes) -> tuple[int, int]:  # the caller must supply k
        return self.sign_k(1 + secrets.randbelow(N - 1), msg)


class Gmssl(Candidate):
    def __init__(self) -> None:
        from gmssl import sm2

        pub = f"{P5['x']:064x}{P5['y']:064x}"
        self.c = sm2.CryptSM2(private_key=f"{P5['d']:064x}", public_key=pub)

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return bool(self.c.verify_with_sm3(f"{r:064x}{s:064x}", msg))

    def sign(self, msg: bytes) -> tuple[int, int]:  # k from random.choice: not a CSPRNG
        sig = self.c.sign_with_sm3(msg)
        return int(sig[:64], 16), int(sig[64:], 16)

    def sign_k(self, k: int, msg: bytes) -> tuple[int, int]:
        sig = self.c.sign_with_sm3(msg, f"{k:064x}")
        return int(sig[:64], 16), int(sig[64:], 16)


class SmPyBc(Candidate):
    def __init__(self) -> None:
        from sm_bc.crypto.params.ec_private_key_parameters import ECPrivateKeyParameters
        from sm_bc.crypto.params.ec_public_key_parameters import ECPublicKeyParameters
        from sm_bc.crypto.params.parameters_with_id import ParametersWithID
        from sm_bc.crypto.signers.sm2_signer import SM2Signer
        from sm_bc.crypto.SM2 import SM2

        params = SM2.get_parameters()
        q = params.curve.create_point(P5["x"], P5["y"])
        self.signer = SM2Signer
        self.pub = ParametersWithID(ECPublicKeyParameters(q, params), P5["uid"])
        self.priv = ParametersWithID(ECPrivateKeyParameters(P5["d"], params), P5["uid"])

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        signer = self.signer()
        signer.init(False, self.pub)
        signer.update_bytes(msg, 0, len(msg))
        return signer.verify_signature(der(r, s))

    def sign(self, msg: bytes) -> tuple[int, int]:
        signer = self.signer()
        signer.init(True, self.priv)
        signer.update_bytes(msg, 0, len(msg))
        return from_der(signer.generate_signature())


class GmsslPyx(Candidate):
    def __init__(self) -> None:
        import gmssl_pyx

        self.g = gmssl_pyx
        self.pub = b32(P5["x"]) + b32(P5["y"])

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return bool(self.g.sm2_verify(self.pub, msg, der(r, s), signer_id=P5["uid"]))

    def sign(self, msg: bytes) -> tuple[int, int]:
        return from_der(self.g.sm2_sign(b32(P5["d"]), self.pub, msg, signer_id=P5["uid"]))


class GmsslFast(Candidate):
    def __init__(self) -> None:
        import gmssl_fast

        pub = f"04{P5['x']:064x}{P5['y']:064x}"
        self.k = gmssl_fast.SM2(private_key=f"{P5['d']:064x}", public_key=pub)

    def verify(self, r: int, s: int, msg: bytes) -> bool:
        return bool(self.k.verify(msg, b32(r) + b32(s)))

    def sign(self, msg: bytes) -> tuple[int, int]:
        sig = self.k.sign(msg)
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")


CANDIDATES: dict[str, type[Candidate]] = {
    "jixiao_sm2_gmalg": JixiaoGmalg,
    "gmalg": Gmalg,
    "snowland_smx": SnowlandSmx,
    "gmssl": Gmssl,
    "sm_py_bc": SmPyBc,
    "gmssl_pyx": GmsslPyx,
    "gmssl_fast": GmsslFast,
}


def rate(fn: Callable[[], object], seconds: float = 2.0) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n / (time.perf_counter() - start)


def outcome(fn: Callable[[], object]) -> str:
    try:
        value = fn()
    except Exception as exc:  # a candidate that raises on bad input is what we look for
        return f"raises {type(exc).__name__}"
    return "n/a" if value is None else str(value)


def check(c: Candidate) -> dict[str, str]:
    published = (P5["r"], P5["s"])
    out = {
        "gbt32918_5_verify": outcome(lambda: c.verify(*published, MSG)),
        "gbt32918_5_rejects_other_message": outcome(lambda: not c.verify(*published, MSG + b".")),
        "gbt32918_5_fixed_k_sign": outcome(
            lambda: None if (rs := c.sign_k(P5["k"], MSG)) is None else rs == published
        ),
        "gbt32918_2_verify": outcome(c.p2_verify),
        "gbt32918_2_fixed_k_sign": outcome(
            lambda: None if (rs := c.p2_sign_k()) is None else rs == (P2["r"], P2["s"])
        ),
    }
    message = secrets.token_bytes(100)
    out["round_trip"] = outcome(lambda: c.verify(*c.sign(message), message))
    for name, (r, s) in BAD.items():
        out[f"rejects_{name}"] = outcome(lambda r=r, s=s: c.verify(r, s, MSG) in (False, 0))
    out["verify_per_s"] = f"{rate(lambda: c.verify(*published, MSG)):.0f}"
    out["sign_per_s"] = f"{rate(lambda: c.sign(MSG)):.0f}"
    return out


def main() -> None:
    for name, cls in CANDIDATES.items():
        try:
            candidate = cls()
        except ImportError as exc:
            print(f"{name}_available: no ({exc.name})")
            continue
        for key, value in check(candidate).items():
            print(f"{name}_{key}: {value}", flush=True)


if __name__ == "__main__":
    main()
