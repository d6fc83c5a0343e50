"""Multipart uploads (a CSV import, an attachment) read their form fields as strictly as a JSON body.

A field holding text no database stores is refused at the door with the
field's name, and the import's ``mapping`` option is JSON read by the strict
reader, refused at the path of what is wrong in it.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.forms.models import Attachment, Record

CSV = b"sku\nA-1\n"


@pytest.fixture
def products(make, workspace):
    return make.form(workspace, [{"key": "sku", "type": "text"}], key="products")


def upload(api, **fields):
    return api.post("/api/v1/forms/products/records/import/",
                    {"file": SimpleUploadedFile("p.csv", CSV, "text/csv"), **fields}, format="multipart")


def test_an_import_option_holding_nul_is_refused_by_name(api, products):
    response = upload(api, mode="create\x00")
    assert response.status_code == 400 and response.json()["code"] == "unstorable_text"
    assert list(response.json()["errors"]) == ["mode"]
    assert not Record.objects.exists()


@pytest.mark.parametrize(("mapping", "where"), [
    ('{"sku": "sku", "note\\u0000": "sku"}', "mapping.note"),
    ('{"sku": "\\ud800"}', "mapping.sku"),
    ('{"sku": NaN}', "mapping"),
])
def test_a_mapping_json_cannot_store_is_refused_where_it_is(api, products, mapping, where):
    response = upload(api, mapping=mapping)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(path.startswith(where) and all(errors[path]) for path in errors), errors
    assert not Record.objects.exists()


def test_a_mapping_that_is_no_json_is_still_asked_for_as_an_object(api, products):
    response = upload(api, mapping="{sku")
    assert response.status_code == 400 and "mapping" in response.json()["errors"]


def test_a_good_mapping_imports(api, products):
    response = upload(api, mapping='{"sku": "sku"}')
    assert response.status_code == 201, response.content
    assert Record.objects.get().data["sku"] == "A-1"


def test_an_attachment_uploaded_with_a_field_holding_nul_is_refused(api):
    response = api.post("/api/v1/attachments/", {"file": SimpleUploadedFile("a.txt", b"hello", "text/plain"),
                                                 "note": "a\x00b"}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "unstorable_text"
    assert not Attachment.objects.exists()
