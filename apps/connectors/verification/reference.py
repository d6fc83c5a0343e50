"""The ``verification-modes.md`` reference page, drawn from the verification-mode registry."""

from __future__ import annotations

from apps.core.reference import registry_reference

from .base import modes

INTRO = """An inbound endpoint checks every delivery with one verification mode before it stores it
(`endpoint.verification`: `{"mode": "<type>", ...options}`). A delivery that fails the check is
answered 401 with the reason and never reaches a form or a flow. The endpoint's secret (or a
`{"secret": "<name>"}` reference to the workspace's secrets) is what the mode checks against; during
a rotation's overlap window the previous secret is accepted too."""


def verification_reference() -> str:
    return registry_reference("Verification modes", modes, "schema", INTRO)
