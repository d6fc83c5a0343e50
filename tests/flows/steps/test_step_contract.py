"""What every registered step type promises, checked over ``step_types.all()``.

A new step type gets these checks for free: its options are valid JSON Schema
that fits into the flow schema, it is named in English and in Chinese, the
step-types reference page documents it, and it moves between workspaces (a
type whose options hold ids gives a step holding them in ``transferred``).
"""

import copy
import json

import pytest
from jsonschema import Draft202012Validator

from apps.flows.schema import COMMON_STEP, flow_schema
from apps.flows.steps import StepType, TransferContext, step_types
from tests.support import contracts
from tests.support.shops import two_shops

TYPES = sorted(step_types.all(), key=lambda t: t.type)
SAME_IN_CHINESE: frozenset[str] = frozenset()  # step types whose label is rightly the same word in Chinese

pytestmark = pytest.mark.parametrize("step", TYPES, ids=lambda t: t.type)


def test_its_options_are_valid_json_schema_within_the_flow_schema(step):
    contracts.check_fragment(step.schema, step.required)
    assert not set(step.schema) & set(COMMON_STEP), "an option would shadow a property every step has"
    contracts.check_references_resolve(step.schema, flow_schema()["$defs"])
    Draft202012Validator.check_schema(flow_schema())


def test_it_is_named_in_english_and_in_chinese(step):
    contracts.check_named_in_each_language(step.label, same_in_chinese=step.type in SAME_IN_CHINESE)


def test_the_reference_page_documents_it(step):
    assert step.type in contracts.reference_entries("step-types.md")


RECORD_STEPS = {"record.update", "record.delete", "wait", "counter.adjust"}


def transferred(step, shop) -> dict:
    """A step whose options hold ids of ``shop``'s workspace where its type can hold any."""
    fragment = {"id": "s1", "type": step.type}
    if step.type == "approval":
        return {**fragment, "approvers": [shop.alice.pk, "owner", "{{ input.reviewer }}"], "title": "Refund?"}
    if step.type == "notify":
        return {**fragment, "to": shop.alice.pk, "title": "Oversold"}
    if step.type in RECORD_STEPS:
        return {**fragment, "form": "products", "record": shop.tee.pk}
    return {**fragment, **{name: "{{ input.value }}" for name in step.required}}


def overrides_transfer(step) -> bool:
    return type(step).export is not StepType.export or type(step).import_ is not StepType.import_


def test_a_step_exported_and_imported_again_in_its_workspace_is_unchanged(step, make):
    shop, _ = two_shops(make)
    fragment = transferred(step, shop)
    exported = step.export(copy.deepcopy(fragment), TransferContext(shop.workspace))
    json.dumps(exported)
    assert step.import_(exported, TransferContext(shop.workspace)) == fragment


def test_ids_it_holds_travel_as_keys_and_come_back_as_the_other_workspaces_ids(step, make):
    if not overrides_transfer(step):
        pytest.skip("holds no ids: its options travel as they are")
    source, target = two_shops(make)
    assert transferred(step, source) != transferred(step, target), "give a sample holding ids in transferred()"
    exported = step.export(transferred(step, source), TransferContext(source.workspace))
    assert exported == step.export(transferred(step, target), TransferContext(target.workspace))
    assert step.import_(exported, TransferContext(target.workspace)) == transferred(step, target)
