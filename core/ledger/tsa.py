"""RFC 3161 time-stamps for checkpoints: build the request, verify the response.

A time-stamp token from an independent Time-Stamp Authority (e.g. a 可信时间戳 service)
proves that a checkpoint existed no later than the token's time, which a log operator
cannot back-date. The token is kept next to the checkpoint and re-verified offline with
:func:`verify_token`.

ASN.1 is parsed and built with ``asn1crypto`` (pure Python, no dependencies, with the
RFC 3161 and RFC 5652 structures predefined) and every signature is checked with
``cryptography``. The TSA's certificate is *pinned*: the caller passes the certificate(s)
it trusts for the TSA, obtained out of band, and the token must be signed by one of them
(no path building, no revocation: that belongs to the deployment's PKI, not here).

What :func:`verify_response` checks, in order: the status is granted; the token is CMS
SignedData whose content is a TSTInfo; the message imprint is the request's hash
algorithm and digest of the data; the nonce is the request's; the signer is a pinned
certificate (by issuer and serial, or subject key identifier) that is valid at the
token's time and carries the critical id-kp-timeStamping extended key usage; the signed
attributes hold the TSTInfo content type, its message digest, and a signing-certificate
(v1 or v2) reference to that certificate; and the signature over the signed attributes
verifies with the certificate's key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

SM3_OID = "1.2.156.10197.1.401"
HASHES: dict[str, tuple[str, hashes.HashAlgorithm]] = {
    # name: (digest algorithm OID as asn1crypto names it, cryptography hash)
    "sha256": ("sha256", hashes.SHA256()),
    "sha384": ("sha384", hashes.SHA384()),
    "sha512": ("sha512", hashes.SHA512()),
    "sm3": (SM3_OID, hashes.SM3()),
}
GRANTED = {"granted", "granted_with_mods"}
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(ValueError):
    """A time-stamp response or token that is refused, and why."""


class TimeStampResp(tsp.TimeStampResp):
    """RFC 3161 section 2.4.2 TimeStampResp. asn1crypto 1.5.1 declares ``timeStampToken``
    mandatory, but the RFC makes it OPTIONAL (a rejection carries none), so a refusal
    from a real TSA would not even parse with the stock class."""

    _fields = [  # noqa: RUF012 - asn1crypto's own declaration style
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def digest(hash_name: str, data: bytes) -> bytes:
    try:
        algorithm = HASHES[hash_name][1]
    except KeyError:
        raise TimestampError(f"unsupported hash {hash_name!r}") from None
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


def _hash_name(algorithm_id: str) -> str:
    for name, (oid_name, _) in HASHES.items():
        if algorithm_id == oid_name:
            return name
    raise TimestampError(f"unsupported digest algorithm {algorithm_id}")


@dataclass(frozen=True)
class TimestampRequest:
    """A DER TimeStampReq and what its response must echo."""

    der: bytes
    hash_name: str
    digest: bytes
    nonce: int


def build_request(
    data: bytes, hash_name: str = "sha256", nonce: int | None = None, cert_req: bool = True
) -> TimestampRequest:
    """A TimeStampReq for ``data`` (e.g. a checkpoint note's bytes) with a 64-bit nonce.

    The nonce ties the response to this request, so a replayed older token for the same
    digest is refused. ``cert_req`` asks the TSA to include its certificate.
    """
    nonce = secrets.randbits(64) if nonce is None else nonce
    value = digest(hash_name, data)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": HASHES[hash_name][0]},
                "hashed_message": value,
            },
            "nonce": nonce,
            "cert_req": cert_req,
        }
    )
    return TimestampRequest(request.dump(), hash_name, value, nonce)


@dataclass(frozen=True)
class Timestamp:
    """A verified token: when, by whom, for which digest."""

    gen_time: dt.datetime
    serial_number: int
    policy: str
    hash_name: str
    digest: bytes
    nonce: int | None
    tsa_certificate: x509.Certificate
    token: bytes


def verify_response(
    response: bytes, request: TimestampRequest, trusted: Sequence[x509.Certificate]
) -> Timestamp:
    """Check a DER TimeStampResp against the request it answers (see module doc)."""
    try:
        resp = TimeStampResp.load(response)
        status = resp["status"]["status"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"not a TimeStampResp: {exc}") from exc
    if status not in GRANTED:
        fail = resp["status"]["fail_info"].native
        raise TimestampError(f"TSA refused the request: {status} {sorted(fail or [])}")
    token = resp["time_stamp_token"]
    if not token:
        raise TimestampError("granted response without a token")
    stamp = _verify_token(token.dump(), request.hash_name, request.digest, trusted)
    if stamp.nonce != request.nonce:
        raise TimestampError("the token's nonce is not the request's")
    return stamp


def verify_token(
    token: bytes, data: bytes, trusted: Sequence[x509.Certificate], hash_name: str | None = None
) -> Timestamp:
    """Re-check a stored token (DER ContentInfo) against the data it stamped, offline."""
    if hash_name is None:
        hash_name = _imprint_algorithm(token)
    return _verify_token(token, hash_name, digest(hash_name, data), trusted)


def _imprint_algorithm(token: bytes) -> str:
    try:
        info = _tst_info(cms.ContentInfo.load(token))
        algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"malformed token: {exc}") from exc
    return _hash_name(algorithm)


def _tst_info(content_info: cms.ContentInfo) -> tsp.TSTInfo:
    if content_info["content_type"].native != "signed_data":
        raise TimestampError("token is not CMS SignedData")
    encap = content_info["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise TimestampError("token does not hold a TSTInfo")
    return encap["content"].parsed


def _verify_token(
    token: bytes, hash_name: str, expected: bytes, trusted: Sequence[x509.Certificate]
) -> Timestamp:
    try:
        content_info = cms.ContentInfo.load(token)
        info = _tst_info(content_info)
        signed_data = content_info["content"]
        tst_der = signed_data["encap_content_info"]["content"].contents
        imprint = info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        gen_time = info["gen_time"].native
        signer_infos = list(signed_data["signer_infos"])
    except (ValueError, TypeError, KeyError) as exc:
        raise TimestampError(f"malformed token: {exc}") from exc
    if info["version"].native != "v1":
        raise TimestampError("TSTInfo version is not 1")
    if _hash_name(algorithm) != hash_name or hashed != expected:
        raise TimestampError("the token stamps another digest than the data's")
    if len(signer_infos) != 1:
        raise TimestampError("a time-stamp token has exactly one signer")
    signer = signer_infos[0]
    cert = _signer_certificate(signer, trusted)
    _check_certificate(cert, gen_time)
    _check_signed_attributes(signer, cert, tst_der)
    _check_signature(signer, cert)
    return Timestamp(
        gen_time=gen_time,
        serial_number=info["serial_number"].native,
        policy=info["policy"].dotted,
        hash_name=hash_name,
        digest=hashed,
        nonce=info["nonce"].native,
        tsa_certificate=cert,
        token=token,
    )


def _signer_certificate(
    signer: cms.SignerInfo, trusted: Sequence[x509.Certificate]
) -> x509.Certificate:
    """The pinned certificate the signer identifier names."""
    sid = signer["sid"]
    for cert in trusted:
        if sid.name == "issuer_and_serial_number":
            issuer = sid.chosen["issuer"].dump()
            parsed = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
            if parsed.issuer.dump() == issuer and cert.serial_number == (
                sid.chosen["serial_number"].native
            ):
                return cert
        elif sid.name == "subject_key_identifier":
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
            except x509.ExtensionNotFound:
                continue
            if ski.value.digest == sid.chosen.native:
                return cert
    raise TimestampError("the token is not signed by a trusted TSA certificate")


def _check_certificate(cert: x509.Certificate, gen_time: dt.datetime) -> None:
    """RFC 3161 section 2.3: the TSA certificate is for time-stamping only."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        raise TimestampError("TSA certificate has no extended key usage") from None
    if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        raise TimestampError("TSA certificate must have only critical id-kp-timeStamping")
    if not cert.not_valid_before_utc <= gen_time <= cert.not_valid_after_utc:
        raise TimestampError("the token's time is outside the TSA certificate's validity")


def _check_signed_attributes(signer: cms.SignerInfo, cert: x509.Certificate, tst: bytes) -> None:
    attrs = {a["type"].native: a["values"] for a in signer["signed_attrs"]}
    content_type = attrs.get("content_type")
    if content_type is None or content_type[0].native != "tst_info":
        raise TimestampError("signed attributes lack the TSTInfo content type")
    digest_name = signer["digest_algorithm"]["algorithm"].native
    message_digest = attrs.get("message_digest")
    if message_digest is None or message_digest[0].native != digest(_hash_name(digest_name), tst):
        raise TimestampError("signed message digest does not match the TSTInfo")
    der = cert.public_bytes(Encoding.DER)
    if "signing_certificate_v2" in attrs:
        ref = attrs["signing_certificate_v2"][0]["certs"][0]
        name = ref["hash_algorithm"]["algorithm"].native
        if ref["cert_hash"].native != digest(_hash_name(name), der):
            raise TimestampError("signing certificate v2 does not name the signer's certificate")
    elif "signing_certificate" in attrs:
        ref = attrs["signing_certificate"][0]["certs"][0]
        if ref["cert_hash"].native != hashlib.sha1(der).digest():
            raise TimestampError("signing certificate does not name the signer's certificate")
    else:
        raise TimestampError("signed attributes lack a signing certificate reference")


def _check_signature(signer: cms.SignerInfo, cert: x509.Certificate) -> None:
    """The signature over the DER SET OF signed attributes (RFC 5652 section 5.4)."""
    signed = signer["signed_attrs"].untag().dump()
    signature = signer["signature"].native
    digest_name = _hash_name(signer["digest_algorithm"]["algorithm"].native)
    algorithm = HASHES[digest_name][1]
    sig_alg = signer["signature_algorithm"]["algorithm"].native
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            if sig_alg == "rsassa_pss":
                params = signer["signature_algorithm"]["parameters"]
                salt = params["salt_length"].native
                key.verify(signature, signed, padding.PSS(padding.MGF1(algorithm), salt), algorithm)
            else:
                key.verify(signature, signed, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, signed)
        else:
            raise TimestampError(f"unsupported TSA key type {type(key).__name__}")
    except InvalidSignature:
        raise TimestampError("the token's signature does not verify") from None


def fetch(url: str, request: TimestampRequest, timeout: float = 30.0) -> bytes:
    """POST the request to a TSA over HTTP (RFC 3161 section 3.4) and return the reply."""
    http_request = urllib.request.Request(
        url, data=request.der, headers={"Content-Type": QUERY_TYPE}, method="POST"
    )
    with urllib.request.urlopen(http_request, timeout=timeout) as reply:
        if reply.headers.get_content_type() != REPLY_TYPE:
            raise TimestampError(f"TSA answered {reply.headers.get_content_type()}")
        return reply.read()


__all__ = [
    "HASHES",
    "QUERY_TYPE",
    "REPLY_TYPE",
    "TimeStampResp",
    "Timestamp",
    "TimestampError",
    "TimestampRequest",
    "build_request",
    "digest",
    "fetch",
    "verify_response",
    "verify_token",
]
