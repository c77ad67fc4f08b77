"""A tiny local RFC 3161 Time-Stamp Authority, for tests and development only.

It issues real tokens (CMS SignedData over a TSTInfo, signed attributes with the content
type, message digest and an ESSCertIDv2 signing-certificate reference) signed with an
ECDSA P-256 key and a self-made certificate carrying the critical id-kp-timeStamping
extended key usage, so :mod:`core.ledger.tsa` verifies them exactly as it would a real
TSA's. Run as a separate process::

    python -m core.ledger.tsa_server --key tsa.key.pem --cert tsa.cert.pem \\
        [--host 127.0.0.1] [--port 0]

It prints ``listening on HOST:PORT`` once it accepts requests (``POST /`` with
``Content-Type: application/timestamp-query``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.ledger.tsa import HASHES, QUERY_TYPE, REPLY_TYPE, TimeStampResp, digest

POLICY = "1.3.6.1.4.1.55555.1.1"  # a private-use policy OID for the test TSA
MAX_REQUEST = 16 * 1024


def generate_certificate(
    common_name: str = "jixiao test TSA",
    days: int = 365,
    eku: bool = True,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A P-256 key and a self-signed certificate for it (``eku``: the critical
    id-kp-timeStamping extended key usage RFC 3161 requires of a TSA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if eku:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return key, builder.sign(key, hashes.SHA256())


class TimestampAuthority:
    """Answers DER TimeStampReqs with DER TimeStampResps."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey,
        certificate: x509.Certificate,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.key = key
        self.certificate = certificate
        self.clock = clock
        self._cert_der = certificate.public_bytes(serialization.Encoding.DER)
        self._asn1_cert = asn1_x509.Certificate.load(self._cert_der)

    def respond(self, request_der: bytes) -> bytes:
        try:
            request = tsp.TimeStampReq.load(request_der)
            version = request["version"].native
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
            nonce = request["nonce"].native
            cert_req = bool(request["cert_req"].native)
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format")
        names = {oid_name: name for name, (oid_name, _) in HASHES.items()}
        if version != "v1":
            return _rejection("bad_request")
        if algorithm not in names:
            return _rejection("bad_alg")
        if len(hashed) != HASHES[names[algorithm]][1].digest_size:
            return _rejection("bad_data_format")
        token = self._token(imprint, nonce, cert_req)
        return TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()

    def _token(
        self, imprint: tsp.MessageImprint, nonce: int | None, cert_req: bool
    ) -> cms.ContentInfo:
        info = tsp.TSTInfo(
            {
                "version": "v1",
                "policy": POLICY,
                "message_imprint": imprint,
                "serial_number": secrets.randbits(63),
                "gen_time": self.clock().replace(microsecond=0),
                "nonce": nonce,
            }
        )
        tst_der = info.dump()
        attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [digest("sha256", tst_der)]},
                {
                    "type": "signing_certificate_v2",
                    "values": [{"certs": [{"cert_hash": digest("sha256", self._cert_der)}]}],
                },
            ]
        )
        signature = self.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo(
            {
                "version": "v1",
                "sid": {
                    "issuer_and_serial_number": {
                        "issuer": self._asn1_cert.issuer,
                        "serial_number": self._asn1_cert.serial_number,
                    }
                },
                "digest_algorithm": {"algorithm": "sha256"},
                "signed_attrs": attrs,
                "signature_algorithm": {"algorithm": "sha256_ecdsa"},
                "signature": signature,
            }
        )
        signed_data = {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": "tst_info", "content": info},
            "signer_infos": [signer],
        }
        if cert_req:
            signed_data["certificates"] = [self._asn1_cert]
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _rejection(failure: str) -> bytes:
    status = {"status": "rejection", "fail_info": {failure}}
    return TimeStampResp({"status": status}).dump()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    authority: TimestampAuthority

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_REQUEST:
            self._send(400, "text/plain", b"bad length\n")
            return
        body = self.rfile.read(int(length))
        if self.headers.get_content_type() != QUERY_TYPE:
            self._send(415, "text/plain", b"expected application/timestamp-query\n")
            return
        self._send(200, REPLY_TYPE, self.authority.respond(body))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"tsa: {format % args}\n")


def make_server(
    authority: TimestampAuthority, host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    handler = type("TSAHandler", (_Handler,), {"authority": authority})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(authority: TimestampAuthority) -> tuple[ThreadingHTTPServer, str]:
    """Start a server on a free 127.0.0.1 port in a daemon thread; returns it and its URL."""
    server = make_server(authority)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local RFC 3161 TSA for tests.")
    parser.add_argument("--key", type=Path, required=True, help="PEM private key (P-256)")
    parser.add_argument("--cert", type=Path, required=True, help="PEM certificate")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    key = serialization.load_pem_private_key(args.key.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        parser.error("the TSA key must be an EC key")
    cert = x509.load_pem_x509_certificate(args.cert.read_bytes())
    server = make_server(TimestampAuthority(key, cert), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
