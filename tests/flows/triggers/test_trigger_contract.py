"""What every registered trigger type promises, checked over ``trigger_types.all()``.

A new trigger type gets these checks for free: its options are valid JSON
Schema that fits into the flow schema, it is named in English and in Chinese,
and the trigger-types reference page documents it.
"""

import pytest
from jsonschema import Draft202012Validator

from apps.flows.schema import flow_schema
from apps.flows.triggers import trigger_types
from tests.support import contracts

TYPES = sorted(trigger_types.all(), key=lambda t: t.type)
SAME_IN_CHINESE: frozenset[str] = frozenset()  # trigger types whose label is rightly the same word in Chinese

pytestmark = pytest.mark.parametrize("trigger", TYPES, ids=lambda t: t.type)


def test_its_options_are_valid_json_schema_within_the_flow_schema(trigger):
    contracts.check_fragment(trigger.schema, trigger.required)
    assert "type" not in trigger.schema, "an option would shadow the trigger's type"
    contracts.check_references_resolve(trigger.schema, flow_schema()["$defs"])
    Draft202012Validator.check_schema(flow_schema())


def test_it_is_named_in_english_and_in_chinese(trigger):
    contracts.check_named_in_each_language(trigger.label, same_in_chinese=trigger.type in SAME_IN_CHINESE)


def test_the_reference_page_documents_it(trigger):
    assert trigger.type in contracts.reference_entries("trigger-types.md")
