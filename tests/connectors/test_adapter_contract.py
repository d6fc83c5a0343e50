"""What every channel adapter document promises, checked over ``all_adapters()``.

Documents are data (``platform/adapters/*.json``), so a new channel gets these
checks by adding its file: it validates against the adapter schema, it is named
in English and in Chinese, and the adapters reference page documents it.
"""

import pytest
from jsonschema import Draft202012Validator

from apps.connectors.adapters import all_adapters
from apps.connectors.adapters.schema import adapter_schema
from apps.forms.services.forms import label_text
from tests.support import contracts

DOCUMENTS = all_adapters()
SAME_IN_CHINESE = frozenset({"shopify", "woocommerce"})  # brand names written the same way in Chinese

pytestmark = pytest.mark.parametrize("doc", DOCUMENTS, ids=lambda d: d["key"])


def test_it_validates_against_a_valid_adapter_schema(doc):
    Draft202012Validator.check_schema(adapter_schema())
    assert list(Draft202012Validator(adapter_schema()).iter_errors(doc)) == []


def test_it_is_named_in_english_and_in_chinese(doc):
    english, chinese = label_text(doc["name"], "en"), label_text(doc["name"], "zh-hans")
    assert english.strip(), "no name"
    if doc["key"] in SAME_IN_CHINESE:
        assert chinese == english
    else:
        assert isinstance(doc["name"], dict) and chinese.strip() and chinese != english, \
            f"the name {english!r} has no Chinese translation"


def test_the_reference_page_documents_it(doc):
    assert doc["key"] in contracts.reference_entries("adapters.md")
