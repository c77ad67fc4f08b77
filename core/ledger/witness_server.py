"""HTTP front of a :class:`~core.ledger.witness.Witness`: ``POST /add-checkpoint``.

Two adapters over one routing function: a WSGI app (to mount under Flask or any WSGI
server) and a small threaded ``http.server`` with HTTP/1.1 keep-alive, which is what
``python -m core.ledger.witness_server`` runs (and ``jixiao witness serve`` can wrap)::

    python -m core.ledger.witness_server --config witness.json --key witness.key \\
        --state state.json [--host 127.0.0.1] [--port 7380]

``witness.json``: ``{"logs": [{"origin": "jixiao/b1", "suite": "sha256-ed25519",
"keys": ["<vkey>", ...]}]}``; ``witness.key`` holds the cosignature/v1 private key
(``PRIVATE+KEY+name+hexid+base64(0x04 ‖ seed)``). Once listening, the server prints
``listening on HOST:PORT`` on standard output (``--port 0`` picks a free port).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.ledger.cosignature import CosignatureSigner
from core.ledger.notekeys import parse_verifier
from core.ledger.suites import get_suite
from core.ledger.witness import MAX_BODY, LogConfig, Response, StateStore, Witness

REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    422: "Unprocessable Entity",
}


def route(witness: Witness, method: str, path: str, body: bytes) -> Response:
    """The whole HTTP surface: one endpoint, one method."""
    if path.rstrip("/") != "/add-checkpoint":
        return Response(404, b"not found\n")
    if method != "POST":
        return Response(405, b"use POST\n")
    return witness.add_checkpoint(body)


def wsgi_app(witness: Witness) -> Callable:
    """A WSGI application serving the witness."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            response = Response(413 if length > MAX_BODY else 400, b"bad length\n")
        else:
            body = environ["wsgi.input"].read(length)
            response = route(witness, environ["REQUEST_METHOD"], environ["PATH_INFO"], body)
        start_response(
            f"{response.status} {REASONS.get(response.status, '')}",
            [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))],
        )
        return [response.body]

    return app


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the specification recommends
    witness: Witness

    def _respond(self, response: Response) -> None:
        self.send_response(response.status, REASONS.get(response.status))
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _handle(self) -> None:
        length_header = self.headers.get("Content-Length")
        if length_header is None and self.command == "POST":
            self.close_connection = True
            self._respond(Response(411, b"Content-Length required\n"))
            return
        length = int(length_header or 0) if (length_header or "0").isdigit() else -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._respond(Response(413 if length > MAX_BODY else 400, b"bad length\n"))
            return
        body = self.rfile.read(length)
        self._respond(route(self.witness, self.command, self.path, body))

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"witness: {self.address_string()} {format % args}\n")


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    handler = type("WitnessHandler", (_Handler,), {"witness": witness})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def load_witness(config_path: Path, key_path: Path, state_path: Path) -> Witness:
    config = json.loads(config_path.read_text(encoding="utf-8"))
    logs = {}
    for entry in config["logs"]:
        suite = get_suite(entry.get("suite", "sha256-ed25519"))
        keys = [parse_verifier(k) for k in entry["keys"]]
        logs[entry["origin"]] = LogConfig(entry["origin"], keys, suite)
    signer = CosignatureSigner.parse(key_path.read_text(encoding="utf-8").strip())
    return Witness(signer, logs, StateStore(state_path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a C2SP tlog-witness.")
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7380)
    args = parser.parse_args(argv)
    server = make_server(load_witness(args.config, args.key, args.state), args.host, args.port)
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
