"""Checks of the code's shape that ruff does not make: import-linter contract types (see pyproject.toml)."""
