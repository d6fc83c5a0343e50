"""Inbound webhooks: accept (verify, store raw, answer), then process asynchronously (map, upsert or run)."""
