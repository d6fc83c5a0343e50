"""What every registered step type promises, checked over ``step_types.all()``.

A new step type gets these checks for free: its options are valid JSON Schema
that fits into the flow schema, it is named in English and in Chinese, and the
step-types reference page documents it.
"""

import pytest
from jsonschema import Draft202012Validator

from apps.flows.schema import COMMON_STEP, flow_schema
from apps.flows.steps import step_types
from tests.support import contracts

TYPES = sorted(step_types.all(), key=lambda t: t.type)
SAME_IN_CHINESE: frozenset[str] = frozenset()  # step types whose label is rightly the same word in Chinese

pytestmark = pytest.mark.parametrize("step", TYPES, ids=lambda t: t.type)


def test_its_options_are_valid_json_schema_within_the_flow_schema(step):
    contracts.check_fragment(step.schema, step.required)
    assert not set(step.schema) & set(COMMON_STEP), "an option would shadow a property every step has"
    defined = flow_schema()["$defs"]
    for ref in contracts.schema_references(step.schema):
        assert ref.removeprefix("#/$defs/") in defined, f"{ref} does not resolve in the flow schema"
    Draft202012Validator.check_schema(flow_schema())


def test_it_is_named_in_english_and_in_chinese(step):
    shown = contracts.in_each_language(step.label)
    assert shown["en"], "no label"
    assert shown["zh-hans"] != shown["en"] or step.type in SAME_IN_CHINESE, \
        f"the label {shown['en']!r} has no Chinese translation"


def test_the_reference_page_documents_it(step):
    assert step.type in contracts.reference_entries("step-types.md")
