"""Webhooks: signed, retried delivery of ledger events (see issue 4; not built yet)."""
