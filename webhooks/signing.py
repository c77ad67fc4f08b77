"""Standard Webhooks v1 signatures (https://www.standardwebhooks.com/).

``webhook-signature`` is ``v1,<base64 HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>``,
one per live secret, separated by spaces, so receivers keep verifying while a secret is
rotated. Secrets are ``whsec_`` + base64 of 32 random bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("webhook secrets start with whsec_")
    return base64.b64decode(secret[len(PREFIX) :])


def signature_header(msg_id: str, timestamp: int, body: str, secrets: list[str]) -> str:
    signed = f"{msg_id}.{timestamp}.{body}".encode()
    return " ".join(
        "v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )


def headers(msg_id: str, timestamp: int, body: str, secrets: list[str]) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(msg_id, timestamp, body, secrets),
        "content-type": "application/json",
        "user-agent": "jixiao-webhooks/1",
    }
