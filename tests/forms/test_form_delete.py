"""Deleting a form that other definitions point at is refused with their names, and nothing is deleted."""

from __future__ import annotations

from apps.forms.models import Form


def test_a_form_an_endpoint_writes_into_cannot_be_deleted(api, make, workspace):
    make.form(workspace, [{"key": "sku", "type": "text"}], key="stock")
    assert api.post("/api/v1/endpoints/", {"key": "shop", "form": "stock"}, format="json").status_code == 201

    response = api.delete("/api/v1/forms/stock/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "form_in_use"
    assert "'shop'" in body["errors"]["non_field_errors"][0]
    assert Form.objects.filter(workspace=workspace, key="stock").exists()


def test_a_form_nobody_uses_is_deleted(api, make, workspace):
    make.form(workspace, [{"key": "sku", "type": "text"}], key="stock")

    assert api.delete("/api/v1/forms/stock/").status_code == 204
    assert not Form.objects.filter(workspace=workspace, key="stock").exists()
