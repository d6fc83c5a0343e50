"""Form definitions: located errors, versions, removal that keeps data, refused incompatible changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from apps.audit.models import AuditEntry
from apps.core.schemas import all_references, all_schemas
from apps.forms.models import FormVersion, Record
from apps.forms.schema import form_schema

FIELDS = [{"key": "sku", "type": "text", "required": True}, {"key": "qty", "type": "integer"}]


def put_form(api, key, fields, **extra):
    return api.put(f"/api/v1/forms/{key}/", {"key": key, "name": key, "fields": fields, **extra}, format="json")


@pytest.mark.parametrize("name", sorted(all_schemas()))
def test_schema_files_match_the_registries(name):
    on_disk = json.loads((Path(settings.BASE_DIR) / "platform/schemas" / name).read_text())
    assert on_disk == all_schemas()[name](), "run `python manage.py export_schemas` and commit the result"


@pytest.mark.parametrize("name", sorted(all_references()))
def test_reference_pages_match_the_registries(name):
    on_disk = (Path(settings.BASE_DIR) / "platform/reference" / name).read_text(encoding="utf-8")
    assert on_disk == all_references()[name]().rstrip() + "\n", "run `python manage.py export_schemas`"


def test_the_form_schema_is_registered():
    assert all_schemas()["form.schema.json"] is form_schema


def test_every_problem_is_located(api):
    body = {
        "key": "Bad Key",
        "name": "x",
        "fields": [
            {"key": "sku", "type": "text", "max_length": "ten"},
            {"key": "sku", "type": "integer"},
            {"key": "when", "type": "hologram"},
            {"key": "id", "type": "text"},
            {"key": "n", "type": "integer", "colour": "red"},
        ],
        "unique_key": ["nope"],
    }
    response = api.post("/api/v1/forms/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "key" in errors
    assert "fields[0].max_length" in errors
    assert "fields[2].type" in errors
    assert "fields[3].key" in errors
    assert any("colour" in m for m in errors["fields[4]"])


def test_semantic_errors_are_located(api):
    body = {"key": "f", "name": "x", "fields": [{"key": "a", "type": "text", "regex": "("},
                                                 {"key": "a", "type": "text"}], "unique_key": ["zzz"]}
    errors = api.post("/api/v1/forms/", body, format="json").json()["errors"]
    assert set(errors) == {"fields[0].regex", "fields[1].key", "unique_key[0]"}


def test_labels_in_two_languages_are_accepted(api):
    body = {"key": "orders", "name": {"en": "Orders", "zh-hans": "订单"},
            "fields": [{"key": "sku", "type": "text", "label": {"en": "SKU", "zh-hans": "商品编码"}}]}
    assert api.post("/api/v1/forms/", body, format="json").status_code == 201


def test_each_change_is_a_version_and_records_keep_theirs(api, make, workspace):
    form = make.form(workspace, FIELDS, key="stock")
    old = make.record(form, {"sku": "A", "qty": 1})

    response = put_form(api, "stock", [*FIELDS, {"key": "colour", "type": "text"}])

    assert response.status_code == 200 and response.json()["version"] == 2
    assert list(FormVersion.objects.filter(form=form).values_list("version", flat=True)) == [2, 1]
    old.refresh_from_db()
    assert old.form_version == 1
    assert api.get(f"/api/v1/forms/stock/records/{old.pk}/").json()["data"] == {"sku": "A", "qty": 1}
    new = api.post("/api/v1/forms/stock/records/", {"sku": "B", "colour": "red"}, format="json").json()
    assert new["form_version"] == 2


def test_removing_a_field_hides_it_and_keeps_its_data(api, make, workspace):
    form = make.form(workspace, FIELDS, key="stock")
    record = make.record(form, {"sku": "A", "qty": 7})

    put_form(api, "stock", FIELDS[:1])

    shown = api.get(f"/api/v1/forms/stock/records/{record.pk}/").json()["data"]
    assert shown == {"sku": "A"}
    assert Record.objects.get(pk=record.pk).data["qty"] == 7
    assert api.get(f"/api/v1/forms/stock/records/{record.pk}/?include_removed=1").json()["data"]["qty"] == 7
    rejected = api.post("/api/v1/forms/stock/records/", {"sku": "B", "qty": 1}, format="json")
    assert rejected.json()["errors"] == {"qty": ["is not a field of this form"]}
    api.patch(f"/api/v1/forms/stock/records/{record.pk}/", {"sku": "A2"}, format="json")
    assert Record.objects.get(pk=record.pk).data["qty"] == 7

    put_form(api, "stock", FIELDS)
    assert api.get(f"/api/v1/forms/stock/records/{record.pk}/").json()["data"]["qty"] == 7


def test_incompatible_change_lists_blocking_records(api, make, workspace):
    form = make.form(workspace, [{"key": "code", "type": "text"}], key="items")
    ok = make.record(form, {"code": "12"})
    bad = make.record(form, {"code": "twelve"})

    response = put_form(api, "items", [{"key": "code", "type": "integer"}])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "incompatible_change"
    assert body["blocking_records"] == {"code": [bad.pk]}
    assert str(bad.pk) in body["errors"]["code"][0]
    form.refresh_from_db()
    assert form.version == 1
    assert Record.objects.get(pk=ok.pk).data["code"] == "12"


def test_compatible_type_change_converts_stored_values(api, make, workspace):
    form = make.form(workspace, [{"key": "code", "type": "text"}], key="items")
    record = make.record(form, {"code": "12"})
    assert put_form(api, "items", [{"key": "code", "type": "integer"}]).status_code == 200
    assert Record.objects.get(pk=record.pk).data["code"] == 12
    assert api.get("/api/v1/forms/items/records/?code=12").json()["results"][0]["id"] == record.pk


def test_tightened_rule_blocks_on_existing_values(api, make, workspace):
    form = make.form(workspace, [{"key": "qty", "type": "integer"}], key="items")
    record = make.record(form, {"qty": 0})
    response = put_form(api, "items", [{"key": "qty", "type": "integer", "min": 1}])
    assert response.status_code == 409 and response.json()["blocking_records"] == {"qty": [record.pk]}


def test_definition_changes_are_audited_with_a_diff(api, make, workspace):
    make.form(workspace, FIELDS, key="stock")
    put_form(api, "stock", [FIELDS[0], {"key": "qty", "type": "integer", "min": 0}])
    entry = AuditEntry.objects.filter(action="form.updated").get()
    assert entry.diff["version"] == 2
    assert {"op": "add", "path": "fields.qty.min", "after": 0} in entry.diff["changes"]
    listed = api.get("/api/v1/audit/?object_type=forms.form").json()["results"]
    assert [e["action"] for e in listed] == ["form.updated", "form.created"]


def test_form_key_cannot_change_or_collide(api, make, workspace):
    make.form(workspace, FIELDS, key="stock")
    assert api.put("/api/v1/forms/stock/", {"key": "other", "name": "x", "fields": FIELDS},
                   format="json").status_code == 400
    again = api.post("/api/v1/forms/", {"key": "stock", "name": "x", "fields": FIELDS}, format="json")
    assert again.status_code == 409


@pytest.mark.parametrize("bad", [None, [], "x", {"key": "k"}])
def test_non_definitions_are_refused(api, bad):
    assert api.post("/api/v1/forms/", bad, format="json").status_code == 400
