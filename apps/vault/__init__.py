"""Secrets: credentials stored encrypted, written through the API but never shown back, used by name."""
