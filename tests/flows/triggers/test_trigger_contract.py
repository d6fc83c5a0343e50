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
    defined = flow_schema()["$defs"]
    for ref in contracts.schema_references(trigger.schema):
        assert ref.removeprefix("#/$defs/") in defined, f"{ref} does not resolve in the flow schema"
    Draft202012Validator.check_schema(flow_schema())


def test_it_is_named_in_english_and_in_chinese(trigger):
    shown = contracts.in_each_language(trigger.label)
    assert shown["en"], "no label"
    assert shown["zh-hans"] != shown["en"] or trigger.type in SAME_IN_CHINESE, \
        f"the label {shown['en']!r} has no Chinese translation"


def test_the_reference_page_documents_it(trigger):
    assert trigger.type in contracts.reference_entries("trigger-types.md")
