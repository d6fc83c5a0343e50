"""The OpenAPI schema is the API's contract: every operation names its bodies, and real answers keep to them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

API = "/api/v1/"
BODY_METHODS = ("post", "put", "patch")
DOCUMENT = "urn:weft:openapi"
FIELDS = [{"key": "sku", "type": "text"}, {"key": "qty", "type": "integer"},
          {"key": "price", "type": "decimal"}, {"key": "due", "type": "date"},
          {"key": "stock", "type": "counter", "decimal_places": 2, "min": 0}]


def _generated() -> dict[str, Any]:
    """The schema as ``/api/schema/`` serves it (plain JSON: no lazy texts)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


SPEC = _generated()
OPERATIONS = [(method, path, operation) for path, item in SPEC["paths"].items() if path.startswith(API)
              for method, operation in item.items() if method in ("get", "post", "put", "patch", "delete")]


def _resolved(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rpartition("/")[2]]
    return schema


def _bare(schema: dict) -> bool:
    """An object that says nothing of its keys: what every body was documented as before it had a contract."""
    schema = _resolved(schema)
    return (schema.get("type") == "object" and not schema.get("properties")
            and schema.get("additionalProperties") in (None, True, {}))


def _name(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def test_the_api_has_the_operations_it_documents():
    assert len(OPERATIONS) > 90


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[_name(m, p) for m, p, _o in OPERATIONS])
def test_every_operation_documents_what_it_answers_on_success(method, path, operation):
    successes = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
    assert successes, "no success answer documented"
    for code, answer in successes.items():
        if code == "204":
            assert "content" not in answer
            continue
        assert answer.get("content"), f"{code} has no body"
        for media_type, content in answer["content"].items():
            assert not _bare(content["schema"]), f"{code} {media_type} is a bare object"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS,
                         ids=[_name(m, p) for m, p, _o in OPERATIONS])
def test_every_refusal_has_the_shared_error_body(method, path, operation):
    refusals = {code: answer for code, answer in operation["responses"].items() if code[0] in "45"}
    assert "403" in refusals
    if "{" in path:
        assert "404" in refusals
    for code, answer in refusals.items():
        if path.endswith("/flows/validate/") and code == "400":
            continue  # the check's own answer, with the problems located by step
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, code


WRITES = [(m, p, o) for m, p, o in OPERATIONS if m in BODY_METHODS and "requestBody" in o]


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=[_name(m, p) for m, p, _o in WRITES])
def test_every_write_documents_the_body_it_takes(method, path, operation):
    for media_type, content in operation["requestBody"]["content"].items():
        assert not _bare(content["schema"]), f"{media_type} is a bare object"


def test_the_schema_is_valid_openapi():
    validate_spec(SPEC)


def _ignored_nullables(node: Any, path: str = "") -> list[str]:
    """Where ``nullable`` has no effect: OpenAPI 3.0 reads it only beside a ``type``, so a null would be refused."""
    found = []
    if isinstance(node, dict):
        constrained = any(word in node for word in ("$ref", "allOf", "anyOf", "oneOf", "enum"))
        if node.get("nullable") and "type" not in node and constrained:
            found.append(path or "/")
        for key, value in node.items():
            found += _ignored_nullables(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _ignored_nullables(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("name", sorted(SPEC["components"]["schemas"]))
def test_every_component_is_a_valid_schema(name):
    OAS30Validator.check_schema(SPEC["components"]["schemas"][name])
    assert not _ignored_nullables(SPEC["components"]["schemas"][name])


def test_the_schema_generates_without_warnings(tmp_path):
    GENERATOR_STATS.reset()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


# --- real answers against their documented schema -------------------------------------------


def _closed(document: dict) -> dict:
    """The document with every object that lists its keys closed to others, so that an undocumented key fails."""
    document = copy.deepcopy(document)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(document["components"])
    return document


REGISTRY = Registry().with_resource(DOCUMENT, Resource.from_contents(_closed(SPEC),
                                                                      default_specification=DRAFT4))


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def assert_documented(method: str, template: str, response) -> None:
    """``response`` is one the schema documents for this operation and status, key for key."""
    answers = SPEC["paths"][template][method]["responses"]
    code = str(response.status_code)
    assert code in answers, f"{_name(method, template)} answered {code}, which is not documented"
    pointer = _pointer("paths", template, method, "responses", code, "content", "application/json", "schema")
    validator = OAS30Validator({"$ref": f"{DOCUMENT}#/{pointer}"}, registry=REGISTRY,
                               format_checker=OAS30Validator.FORMAT_CHECKER)
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(response.json())]
    assert not problems, problems


@pytest.fixture
def shop(make, workspace, api) -> dict[str, Any]:
    form = make.form(workspace, FIELDS, key="orders")
    record = make.record(form, {"sku": "A1", "qty": 2, "price": "9.90", "due": "2026-05-01", "stock": "5"})
    make.record(form, {"sku": "B2"})
    flow = make.flow(workspace, key="ship")
    make.endpoint(workspace, form, key="shop")
    make.subscription(workspace, key="erp")
    make.channel_account(workspace, key="web")
    assert api.post("/api/v1/secrets/", {"name": "erp-key", "value": "s3cret-value"}, format="json").status_code == 201
    return {"form": form, "record": record, "flow": flow}


def test_the_forms_listing_and_a_form_answer_as_documented(api, shop):
    assert_documented("get", "/api/v1/forms/", api.get("/api/v1/forms/"))
    assert_documented("get", "/api/v1/forms/{key}/", api.get("/api/v1/forms/orders/"))


def test_a_missing_form_answers_the_documented_error(api, shop):
    response = api.get("/api/v1/forms/nothing/")

    assert response.status_code == 404
    assert_documented("get", "/api/v1/forms/{key}/", response)


def test_the_records_listing_answers_as_documented(api, shop):
    response = api.get("/api/v1/forms/orders/records/?limit=1")

    assert response.json()["next_cursor"]
    assert_documented("get", "/api/v1/forms/{key}/records/", response)


def test_creating_a_record_answers_as_documented(api, shop):
    created = api.post("/api/v1/forms/orders/records/", {"sku": "C3", "qty": 1, "price": "1.5"}, format="json")
    refused = api.post("/api/v1/forms/orders/records/", {"qty": "many"}, format="json")

    assert (created.status_code, refused.status_code) == (201, 400)
    assert_documented("post", "/api/v1/forms/{key}/records/", created)
    assert_documented("post", "/api/v1/forms/{key}/records/", refused)


def test_the_flows_listing_answers_as_documented(api, shop):
    assert_documented("get", "/api/v1/flows/", api.get("/api/v1/flows/"))


def test_the_runs_listing_and_a_run_answer_as_documented(api, shop):
    started = api.post("/api/v1/flows/ship/run/", {"input": {"note": "now"}}, format="json")
    listing = api.get("/api/v1/runs/")

    assert started.status_code == 202
    assert listing.json()["results"]
    assert_documented("post", "/api/v1/flows/{key}/run/", started)
    assert_documented("get", "/api/v1/runs/", listing)
    assert_documented("get", "/api/v1/runs/{id}/", api.get(f"/api/v1/runs/{started.json()['id']}/"))


def test_the_endpoints_listing_answers_as_documented(api, shop):
    response = api.get("/api/v1/endpoints/")

    assert response.json()["results"]
    assert_documented("get", "/api/v1/endpoints/", response)


def test_a_counter_adjustment_and_its_ledger_answer_as_documented(api, shop):
    record = shop["record"].pk
    applied = api.post(f"/api/v1/forms/orders/records/{record}/adjust/",
                       {"field": "stock", "delta": "-1.25", "key": "order-1"}, format="json")
    refused = api.post(f"/api/v1/forms/orders/records/{record}/adjust/", {"field": "stock", "delta": -10},
                       format="json")

    assert (applied.status_code, refused.status_code) == (200, 409)
    assert_documented("post", "/api/v1/forms/{key}/records/{id}/adjust/", applied)
    assert_documented("post", "/api/v1/forms/{key}/records/{id}/adjust/", refused)
    assert_documented("get", "/api/v1/forms/{key}/records/{id}/counters/{field}/ledger/",
                      api.get(f"/api/v1/forms/orders/records/{record}/counters/stock/ledger/"))


LISTINGS = sorted(path for method, path, _operation in OPERATIONS if method == "get" and "{" not in path)
DETAILS = {
    "/api/v1/forms/{key}/records/{id}/": "/api/v1/forms/orders/records/{record}/",
    "/api/v1/forms/{key}/records/{id}/history/": "/api/v1/forms/orders/records/{record}/history/",
    "/api/v1/forms/{key}/versions/": "/api/v1/forms/orders/versions/",
    "/api/v1/forms/{key}/views/": "/api/v1/forms/orders/views/",
    "/api/v1/flows/{key}/": "/api/v1/flows/ship/",
    "/api/v1/flows/{key}/versions/": "/api/v1/flows/ship/versions/",
    "/api/v1/endpoints/{key}/": "/api/v1/endpoints/shop/",
    "/api/v1/endpoints/{key}/deliveries/": "/api/v1/endpoints/shop/deliveries/",
    "/api/v1/subscriptions/{key}/": "/api/v1/subscriptions/erp/",
    "/api/v1/subscriptions/{key}/messages/": "/api/v1/subscriptions/erp/messages/",
    "/api/v1/channel-accounts/{key}/": "/api/v1/channel-accounts/web/",
    "/api/v1/channel-accounts/{key}/stock-pushes/": "/api/v1/channel-accounts/web/stock-pushes/",
    "/api/v1/secrets/{name}/": "/api/v1/secrets/erp-key/",
}


@pytest.mark.parametrize("path", LISTINGS)
def test_every_read_without_parameters_answers_as_documented(api, shop, path):
    response = api.get(path)

    assert response.status_code == 200, response.content
    assert_documented("get", path, response)


@pytest.mark.parametrize("template", sorted(DETAILS))
def test_reads_of_one_object_answer_as_documented(api, shop, template):
    response = api.get(DETAILS[template].format(record=shop["record"].pk))

    assert response.status_code == 200, response.content
    assert_documented("get", template, response)
