"""``jixiao witness keygen|serve``: a C2SP tlog-witness, run by another party.

A witness (见证方, e.g. the audit office) cosigns a bureau's checkpoint only if it is
consistent with every checkpoint of that log it cosigned before, so the platform operator
cannot show two histories without one of them lacking the witness's cosignature. It
needs no jixiao instance or database: its own key, its own state file, and a config
naming the logs it follows with their verifier keys::

    {"logs": [{"origin": "jixiao/tax", "suite": "sha256-ed25519",
               "keys": ["jixiao+d8a08eed+Aau9PS7o…"]}]}
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.group("witness")
def witness() -> None:
    """An independent witness that cosigns consistent checkpoints (见证)."""


@witness.command("keygen")
@click.argument("name")
@click.option(
    "--key",
    "key_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="file to create with the private key (mode 0600; never share it)",
)
def keygen(name: str, key_path: str) -> None:
    """Make a witness key named NAME (e.g. audit.example.gov.cn/witness1); prints the
    verifier key to give to the platform and to auditors."""
    from core.ledger.cosignature import CosignatureSigner
    from core.ledger.notekeys import NoteError

    path = Path(key_path)
    if path.exists():
        raise click.ClickException(
            f"{path} 已存在；密钥从不覆盖 ({path} exists; keys are never overwritten)"
        )
    try:
        signer = CosignatureSigner.generate(name)
    except NoteError as exc:
        raise click.ClickException(str(exc)) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"{signer}\n")
    click.echo(str(signer.verifier))


@witness.command("serve")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True))
@click.option("--key", "key_path", required=True, type=click.Path(exists=True))
@click.option(
    "--state",
    "state_path",
    required=True,
    type=click.Path(dir_okay=False),
    help="the witness's memory of each log (created if missing; keep it, back it up)",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=7380, show_default=True, type=click.IntRange(0, 65535))
def serve(config_path: str, key_path: str, state_path: str, host: str, port: int) -> None:
    """Serve POST /add-checkpoint (C2SP tlog-witness) until interrupted; prints
    'listening on HOST:PORT' once ready (--port 0 picks a free port)."""
    from core.ledger.notekeys import NoteError
    from core.ledger.witness_server import load_witness, make_server

    try:
        found = load_witness(Path(config_path), Path(key_path), Path(state_path))
    except (NoteError, ValueError, KeyError, OSError) as exc:
        raise click.ClickException(f"无法启动见证服务 (cannot start the witness: {exc})") from exc
    try:
        server = make_server(found, host, port)
    except OSError as exc:
        raise click.ClickException(
            f"无法在 {host}:{port} 上提供服务 (cannot serve on {host}:{port}: {exc.strerror})"
        ) from exc
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"listening on {bound_host}:{bound_port}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
