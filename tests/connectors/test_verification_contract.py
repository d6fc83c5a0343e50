"""What every registered verification mode promises, checked over ``modes.all()``.

A mode's options are checked with a schema of their own when an endpoint is
saved (there is no ``$defs`` to refer to), it is named in English and in
Chinese in the endpoint form, and a reference page should document it.
"""

import pytest

from apps.connectors.verification import modes
from tests.support import contracts

MODES = sorted(modes.all(), key=lambda m: m.type)
PAGE = "verification-modes.md"
SAME_IN_CHINESE: frozenset[str] = frozenset()  # modes whose label is rightly the same words in Chinese

pytestmark = pytest.mark.parametrize("mode", MODES, ids=lambda m: m.type)


def test_its_options_are_valid_json_schema_on_their_own(mode):
    contracts.check_fragment(mode.schema, mode.required)
    assert "mode" not in mode.schema, "an option would shadow the mode's name"
    assert list(contracts.schema_references(mode.schema)) == [], "an endpoint's options schema has nothing to refer to"


def test_it_is_named_in_english_and_in_chinese(mode):
    shown = contracts.in_each_language(mode.label)
    assert shown["en"], "no label"
    assert shown["zh-hans"] != shown["en"] or mode.type in SAME_IN_CHINESE, \
        f"the label {shown['en']!r} has no Chinese translation"


def test_the_reference_page_documents_it(mode):
    assert mode.type in contracts.reference_entries(PAGE)
