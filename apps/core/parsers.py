"""The API's parsers: the strict reader of ``strict_json``, so a hostile body is a 400 that names the problem.

Form and multipart bodies (a CSV upload and its options) are read as Django
reads them, then their fields get the same check for text no database stores.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles, FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer

from .errors import NON_FIELD, WeftError
from .strict_json import StrictJSONError, loads, unstorable


class BodyRefused(WeftError):
    """A JSON body that parses but cannot be accepted: too deep, a number JSON does not allow, unstorable text."""

    status = 400

    def __init__(self, error: StrictJSONError):
        self.code = error.code
        super().__init__(error.reason, errors={error.path or NON_FIELD: [error.reason]})


class StrictJSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return loads(stream.read())
        except StrictJSONError as exc:
            if exc.code == "malformed_json":
                raise ParseError(exc.reason) from None
            raise BodyRefused(exc) from None


def _checked_fields(data: Any) -> None:
    found = unstorable({key: data.getlist(key) for key in data})
    if found is not None:
        path, reason = found
        raise BodyRefused(StrictJSONError("unstorable_text", reason, path.split("[")[0]))


class StrictFormParser(FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _checked_fields(data)
        return data


class StrictMultiPartParser(MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> DataAndFiles:
        parsed = super().parse(stream, media_type, parser_context)
        _checked_fields(parsed.data)
        return parsed
