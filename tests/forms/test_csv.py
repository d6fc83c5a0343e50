"""CSV export and import through the API: streaming, encodings, mapping, upsert, dry runs, all-or-nothing."""

from __future__ import annotations

import codecs
import csv
import io
import json
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.models import Role
from apps.forms.models import Event, Record, RecordHistory, SavedView
from apps.forms.selectors import counters_of
from apps.forms.services import csv_import

FIELDS = [
    {"key": "sku", "type": "text", "required": True, "label": {"en": "SKU", "zh-hans": "商品编码"}},
    {"key": "name", "type": "text", "label": {"en": "Name", "zh-hans": "名称"}},
    {"key": "qty", "type": "integer", "min": 1, "label": {"en": "Quantity", "zh-hans": "数量"}},
    {"key": "price", "type": "decimal", "decimal_places": 2, "label": {"en": "Price", "zh-hans": "价格"}},
    {"key": "note", "type": "textarea", "label": {"en": "Note", "zh-hans": "备注"}},
    {"key": "stock", "type": "counter", "label": {"en": "Stock", "zh-hans": "库存"}},
    {"key": "number", "type": "serial", "pattern": "P-{seq:4}", "label": {"en": "No.", "zh-hans": "编号"}},
]
BOM = codecs.BOM_UTF8


@pytest.fixture
def products(make, workspace):
    return make.form(workspace, FIELDS, key="products", unique_key=["sku"])


def url(action: str, key: str = "products", **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/forms/{key}/records/{action}/" + (f"?{query}" if query else "")


def export(api, key: str = "products", **params):
    response = api.get(url("export", key, **params))
    assert response.status_code == 200, response.content
    body = b"".join(response.streaming_content)
    return response, body


def rows_of(body: bytes) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[len(BOM):].decode("utf-8"))))


def upload(api, content: bytes | str, key: str = "products", name: str = "products.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    return api.post(url("import", key), {"file": SimpleUploadedFile(name, data, "text/csv"), **fields},
                    format="multipart")


def raw(api, content: bytes | str, key: str = "products", content_type: str = "text/csv",
        headers: dict | None = None, **params):
    data = content.encode() if isinstance(content, str) else content
    return api.generic("POST", url("import", key, **params), data, content_type=content_type, **(headers or {}))


def data_of(form) -> dict[str, dict]:
    records = list(Record.objects.filter(form=form).order_by("id"))
    counters = counters_of(records)
    return {r.data["sku"]: {**r.data, **counters.get(r.pk, {})} for r in records}


# --- export --------------------------------------------------------------------------------


def test_export_streams_utf8_csv_with_bom_and_chinese_labels(api, make, products):
    make.record(products, {"sku": "A1", "name": "蓝色T恤", "qty": 3, "price": "59.90", "note": "两行\n备注",
                           "stock": 12})
    response, body = export(api, header="label", lang="zh-hans")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    assert response["Content-Disposition"].endswith('.csv"')
    header, row = rows_of(body)
    assert header == ["id", "商品编码", "名称", "数量", "价格", "备注", "库存", "编号", "created_at", "updated_at"]
    assert row[1:8] == ["A1", "蓝色T恤", "3", "59.90", "两行\n备注", "12", "P-0001"]
    assert row[8].endswith("Z")


def test_export_uses_keys_by_default_and_accepts_text_csv(api, make, products):
    make.record(products, {"sku": "A1"})
    response = api.get(url("export"), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    header, row = rows_of(b"".join(response.streaming_content))
    assert header[:8] == ["id", "sku", "name", "qty", "price", "note", "stock", "number"]
    assert row[1:8] == ["A1", "", "", "", "", "0", "P-0001"]


def test_export_honours_filters_sort_and_saved_views(api, make, products, workspace):
    for sku, qty in [("A", 1), ("B", 7), ("C", 5), ("D", 9)]:
        make.record(products, {"sku": sku, "qty": qty})
    _response, body = export(api, qty__gte=5, sort="qty")
    assert [r[1] for r in rows_of(body)[1:]] == ["C", "B", "D"]
    _response, body = export(api, qty__gte=5)
    assert [r[1] for r in rows_of(body)[1:]] == ["D", "C", "B"]
    view = SavedView.objects.create(workspace=workspace, form=products, name="big",
                                    filters=[{"field": "qty", "op": "gt", "value": 6}], sort=["-qty"])
    _response, body = export(api, view=view.pk, header="label", lang="en")
    rows = rows_of(body)
    assert rows[0][1] == "SKU"
    assert [r[1] for r in rows[1:]] == ["D", "B"]


def test_export_refuses_bad_options_as_json(api, products):
    response = api.get(url("export", header="title", lang="fr", colour="red"), HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response.json()["errors"] == {"header": ["must be 'key' or 'label'"],
                                         "lang": ["must be one of: en, zh-hans"]}
    response = api.get(url("export", colour="red"))
    assert response.status_code == 400 and "colour" in response.json()["errors"]


def test_export_reads_every_chunk(api, make, products, monkeypatch):
    from apps.forms.services import csv_export

    monkeypatch.setattr(csv_export, "CHUNK_ROWS", 3)
    for i in range(8):
        make.record(products, {"sku": f"S{i}", "stock": i})
    _response, body = export(api, sort="sku")
    rows = rows_of(body)[1:]
    assert [(r[1], r[6]) for r in rows] == [(f"S{i}", str(i)) for i in range(8)]


def test_formula_like_text_is_escaped_and_comes_back(api, make, products):
    make.record(products, {"sku": "=HYPERLINK(\"http://x\")", "name": "+86 138 0000 0000", "qty": 2})
    _response, body = export(api)
    row = rows_of(body)[1]
    assert row[1] == "'=HYPERLINK(\"http://x\")" and row[2] == "'+86 138 0000 0000" and row[3] == "2"
    Record.objects.all().delete()
    response = upload(api, body)
    assert response.status_code == 201, response.json()
    assert data_of(products)['=HYPERLINK("http://x")']["name"] == "+86 138 0000 0000"


def test_export_round_trips_through_import(api, make, workspace, products):
    make.record(products, {"sku": "A1", "name": "蓝色T恤", "qty": 3, "price": "59.90", "note": "第一行\n第二行",
                           "stock": 12})
    make.record(products, {"sku": "B2", "name": "Mug, white", "price": "8.00"})
    copy = make.form(workspace, FIELDS, key="copy", unique_key=["sku"])
    _response, body = export(api, header="label", lang="zh-hans")
    response = upload(api, body, key="copy")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 2
    assert set(response.json()["ignored_columns"]) == {"id", "编号", "created_at", "updated_at"}
    drop_serial = lambda rows: {k: {f: v for f, v in d.items() if f != "number"} for k, d in rows.items()}  # noqa: E731
    assert drop_serial(data_of(copy)) == drop_serial(data_of(products))

    response = upload(api, body, mode="upsert")
    assert response.status_code == 200, response.json()
    assert response.json() | {"columns": None} == {
        "created": 0, "updated": 0, "unchanged": 2, "rows": 2, "dry_run": False, "columns": None,
        "ignored_columns": ["id", "编号", "created_at", "updated_at"]}


# --- import ----------------------------------------------------------------------------------


def test_import_creates_records_from_a_multipart_upload(api, products):
    content = "sku,name,qty,price,stock,colour\nA1,Blue,2,9.9,5,red\nA2,,,,,\n"
    response = upload(api, content)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "created": 2, "updated": 0, "unchanged": 0, "rows": 2, "dry_run": False,
        "columns": {"sku": "sku", "name": "name", "qty": "qty", "price": "price", "stock": "stock"},
        "ignored_columns": ["colour"],
    }
    assert data_of(products) == {
        "A1": {"sku": "A1", "name": "Blue", "qty": 2, "price": "9.90", "number": "P-0001", "stock": 5},
        "A2": {"sku": "A2", "number": "P-0002", "stock": 0},
    }
    assert RecordHistory.objects.filter(form=products).count() == 2
    assert Event.objects.filter(form=products, type="record.created").count() == 2


def test_import_reads_a_raw_gbk_body_with_semicolons_and_chinese_labels(api, products):
    content = "商品编码;名称;数量\r\nA1;蓝色T恤;2\r\nA2;\"红色;大号\";3\r\n".encode("gbk")
    response = raw(api, content)
    assert response.status_code == 201, response.json()
    assert response.json()["columns"] == {"商品编码": "sku", "名称": "name", "数量": "qty"}
    assert data_of(products)["A2"]["name"] == "红色;大号"


def test_import_reads_utf8_bom_and_utf16_tab_separated(api, products):
    assert raw(api, BOM + "SKU,Name\nA1,Ünïcode\n".encode()).status_code == 201
    utf16 = "sku\tname\r\nB1\t名称\r\n".encode("utf-16")
    assert raw(api, utf16, content_type="text/tab-separated-values").status_code == 201
    assert data_of(products)["A1"]["name"] == "Ünïcode" and data_of(products)["B1"]["name"] == "名称"


def test_import_with_an_explicit_delimiter(api, products):
    response = raw(api, "sku;name\nA1;a,b\n", delimiter="semicolon")
    assert response.status_code == 201
    response = raw(api, "sku,name\nA2,x\n", delimiter="%7C")
    assert response.status_code == 400 and "delimiter" in response.json()["errors"]


def test_upsert_updates_by_unique_key_and_creates_the_rest(api, make, products):
    make.record(products, {"sku": "A1", "name": "old", "qty": 1, "price": "5.00", "stock": 3})
    make.record(products, {"sku": "A3", "name": "same", "qty": 4})
    content = "sku,name,qty,stock\nA1,,5,3\nA2,new,2,7\nA3,same,4,\n"
    response = upload(api, content, mode="upsert")
    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 1, "updated": 1, "unchanged": 1}
    rows = data_of(products)
    assert rows["A1"] == {"sku": "A1", "qty": 5, "price": "5.00", "number": "P-0001", "stock": 3}
    assert rows["A2"] == {"sku": "A2", "name": "new", "qty": 2, "number": "P-0003", "stock": 7}
    assert Record.objects.get(data__sku="A1").version == 2


def test_upsert_refuses_to_set_a_counter_of_an_existing_record(api, make, products):
    make.record(products, {"sku": "A1", "stock": 3})
    response = upload(api, "sku,stock\nA1,4\n", mode="upsert")
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"line": 2, "errors": {"stock": ["is a counter: change it with an adjustment"]}}]


def test_upsert_needs_the_unique_key(api, make, workspace, products):
    make.form(workspace, [{"key": "title", "type": "text"}], key="notes")
    response = upload(api, "title\nx\n", key="notes", mode="upsert")
    assert response.status_code == 422 and response.json()["code"] == "no_unique_key"
    response = upload(api, "name\nx\n", mode="upsert")
    assert response.status_code == 400
    assert response.json()["errors"] == {"columns": ["the unique key field 'sku' has no column"]}


def test_mapping_names_columns_and_ignores_others(api, products):
    content = "Artikel,Menge,Extra,Name\nA1,3,x,Mug\n"
    mapping = json.dumps({"Artikel": "sku", "menge": "qty", "Extra": None, "Name": ""})
    response = upload(api, content, mapping=mapping)
    assert response.status_code == 201, response.json()
    assert response.json()["columns"] == {"Artikel": "sku", "Menge": "qty"}
    assert response.json()["ignored_columns"] == ["Extra", "Name"]
    assert data_of(products)["A1"] == {"sku": "A1", "qty": 3, "number": "P-0001", "stock": 0}


def test_mapping_as_a_query_parameter_with_a_raw_body(api, products):
    mapping = json.dumps({"Code": "sku"})
    response = raw(api, "Code\nZ9\n", mapping=mapping)
    assert response.status_code == 201, response.json()


def test_bad_mappings_are_all_reported(api, products):
    mapping = json.dumps({"Artikel": "sku", "Nope": "qty", "Menge": "colour", "Nr": "number"})
    response = upload(api, "Artikel,Menge,Nr,SKU\nA1,3,1,A1\n", mapping=mapping)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_csv"
    assert response.json()["errors"] == {"mapping": [
        "'Nope' is not a column of the file",
        "'colour' is not a field of this form",
        "'number' is calculated by Weft and cannot be imported",
        "columns 'Artikel' and 'SKU' both fill field 'sku'",
    ]}
    response = upload(api, "sku\nA1\n", mapping="{not json")
    assert response.status_code == 400 and "mapping" in response.json()["errors"]
    response = upload(api, "sku\nA1\n", mapping='{"sku": 3}')
    assert response.status_code == 400 and "mapping" in response.json()["errors"]


def test_headers_match_keys_and_labels_case_insensitively(api, products):
    content = " ID ,QTY,sKu,quantity ,created_at\n99,2,A1,3,2024-01-01\n"
    response = upload(api, content)
    assert response.status_code == 400
    assert response.json()["errors"] == {"mapping": ["columns 'QTY' and 'quantity' both fill field 'qty'"]}
    response = upload(api, " ID ,Quantity,sKu,备注,created_at\n99,2,A1,hi,2024-01-01\n")
    assert response.status_code == 201, response.json()
    assert response.json()["ignored_columns"] == ["ID", "created_at"]
    assert data_of(products)["A1"]["note"] == "hi"
    assert Record.objects.get().pk != 99


def test_dry_run_reports_without_writing_or_using_serial_numbers(api, make, products):
    make.record(products, {"sku": "A1", "qty": 1})
    content = "sku,qty\nA1,2\nA2,3\nA3,4\n"
    response = upload(api, content, mode="upsert", dry_run="true")
    assert response.status_code == 200, response.json()
    assert {k: response.json()[k] for k in ("created", "updated", "dry_run")} == {
        "created": 2, "updated": 1, "dry_run": True}
    assert Record.objects.count() == 1 and Record.objects.get().data["qty"] == 1
    assert RecordHistory.objects.filter(form=products).count() == 1
    response = raw(api, content, mode="upsert", dry_run=0)
    assert response.status_code == 201
    assert sorted(r["number"] for r in data_of(products).values()) == ["P-0001", "P-0002", "P-0003"]


def test_dry_run_reports_errors_too(api, products):
    response = upload(api, "sku,qty\nA1,0\n", dry_run="yes")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_failed" and body["dry_run"] is True
    assert body["rows"] == [{"line": 2, "errors": {"qty": ["must be at least 1"]}}]


def test_row_errors_name_csv_lines_and_nothing_is_written(api, make, products):
    make.record(products, {"sku": "OLD"})
    content = ('sku,qty,note\nA1,1,"two\nlines"\nA2,0,x\n,2,y\n\nA4,lots,z\nOLD,1,\nA6,2,ok,extra\n'
               'A1,3,again\n')
    response = upload(api, content)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_failed"
    assert body["errors"] == {"non_field_errors": ["6 rows have errors; nothing was imported."]}
    assert body["imported"] == 0 and body["truncated"] is False
    existing = Record.objects.get(data__sku="OLD").pk
    assert body["rows"] == [
        {"line": 4, "errors": {"qty": ["must be at least 1"]}},
        {"line": 5, "errors": {"sku": ["is required"]}},
        {"line": 7, "errors": {"qty": ["must be a whole number"]}},
        {"line": 8, "errors": {"non_field_errors": [
            f"a record with this unique key already exists (id {existing})"]}},
        {"line": 9, "errors": {"non_field_errors": ["has 4 values but the header has 3 columns"]}},
        {"line": 10, "errors": {"non_field_errors": ["has the same unique key as line 2"]}},
    ]
    assert list(Record.objects.values_list("data__sku", flat=True)) == ["OLD"]
    assert RecordHistory.objects.filter(form=products).count() == 1


def test_an_error_in_a_late_chunk_rolls_back_the_earlier_chunks(api, products, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 3)
    lines = [f"S{i},{i + 1}" for i in range(10)]
    lines[2] = "S2,-1"
    lines[8] = "S8,zero"
    response = upload(api, "sku,qty\n" + "\n".join(lines) + "\n")
    assert response.status_code == 400
    assert [r["line"] for r in response.json()["rows"]] == [4, 10]
    assert not Record.objects.exists()
    assert not RecordHistory.objects.exists() and not Event.objects.filter(form=products).exists()


@pytest.mark.parametrize("mode", ["create", "upsert"])
def test_duplicate_keys_are_caught_across_chunks(api, products, monkeypatch, mode):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    response = upload(api, "sku,qty\nA,1\nB,1\nC,1\n C ,1\nB,2\nA,3\n", mode=mode)
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {"line": 5, "errors": {"non_field_errors": ["has the same unique key as line 4"]}},
        {"line": 6, "errors": {"non_field_errors": ["has the same unique key as line 3"]}},
        {"line": 7, "errors": {"non_field_errors": ["has the same unique key as line 2"]}},
    ]
    assert not Record.objects.exists()


def test_error_reporting_stops_at_the_limit(api, products, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ERROR_ROWS", 5)
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    response = upload(api, "sku,qty\n" + "".join(f"S{i},0\n" for i in range(20)))
    body = response.json()
    assert body["truncated"] is True and len(body["rows"]) < 20
    assert "Checking stopped after" in body["errors"]["non_field_errors"][0]


def test_a_required_field_without_a_column_is_reported_once(api, products):
    response = upload(api, "name,qty\nx,1\n")
    assert response.status_code == 400
    assert response.json()["errors"] == {"columns": ["the required field 'sku' has no column"]}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"\n\n", "is empty"),
    (b"1,2,3\n4,5,6\n", "no column matches a field of this form"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "is not a text file"),
    (b"PK\x03\x04\x14\x00\x06\x00", "is an Excel workbook"),
    (b"sku,name\nA1,caf\xe9\n", "is neither UTF-8 nor GB18030"),
    (b"sku,name\nA1,\"open\nA2,x\n", "is not valid CSV"),
    (b"sku,name\nA1,\"x\"y\n", "line 2 is not valid CSV"),
])
def test_malformed_files_get_a_clear_400(api, products, content, message):
    response = raw(api, content)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_csv"
    assert message in body["errors"]["file"][0]
    assert not Record.objects.exists()


def test_an_encoding_change_after_the_sniffed_start_is_a_clear_400(api, products, monkeypatch):
    monkeypatch.setattr(csv_import, "SNIFF_BYTES", 1024)
    content = b"sku,name\n" + b"".join(b"A%d,%s\n" % (i, b"b" * 100) for i in range(40)) + "B,蓝色".encode("gbk")
    response = raw(api, content)
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "line 42 cannot be read as UTF-8, though the file starts as such; save it as CSV UTF-8"]
    assert not Record.objects.exists()


def test_header_only_imports_nothing(api, products):
    response = upload(api, "sku,name\n")
    assert response.status_code == 200
    assert response.json()["created"] == 0 and response.json()["rows"] == 0


def test_bad_options_and_requests(api, products):
    response = upload(api, "sku\nA\n", dry_run="maybe", mode="merge")
    assert response.status_code == 400
    assert response.json()["errors"] == {"dry_run": ["must be true or false"],
                                         "mode": ["must be 'create' or 'upsert'"]}
    response = api.post(url("import"), {"sku": "A"}, format="json")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    response = api.post(url("import"), {"other": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_an_idempotency_key_does_not_get_in_the_way(api, products):
    for sku in ("A", "B"):
        response = raw(api, f"sku\n{sku}\n", headers={"HTTP_IDEMPOTENCY_KEY": "same-key"})
        assert response.status_code == 201
    assert Record.objects.count() == 2


def test_a_plain_member_can_export_and_import(make, workspace, products):
    client = make.client(make.member(workspace, role=Role.MEMBER))
    assert raw(client, "sku\nA\n").status_code == 201
    _response, body = export(client)
    assert rows_of(body)[1][1] == "A"


def test_another_workspaces_form_is_not_found(make, products):
    stranger = make.client(make.owner(make.workspace()))
    assert stranger.get(url("export")).status_code == 404
    response = raw(stranger, "sku\nA\n")
    assert response.status_code == 404 and response.json()["code"] == "form_not_found"
    assert not Record.objects.exists()


def test_bodies_larger_than_the_in_memory_limit_are_streamed(api, make, workspace, settings):
    make.form(workspace, FIELDS[:5], key="plain", unique_key=["sku"])
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    note = "x" * 1000
    content = "sku,note\n" + "".join(f"S{i},{note}\n" for i in range(3000))
    assert len(content) > 3_000_000
    response = raw(api, content, key="plain")
    assert response.status_code == 201, response.content[:300]
    response = upload(api, content.replace("S", "T"), key="plain")
    assert response.status_code == 201, response.content[:300]
    assert Record.objects.count() == 6000


@pytest.mark.slow
def test_a_large_import_keeps_memory_bounded(make, workspace, owner, tmp_path):
    """~6 MB through the service under tracemalloc; the 100,000-row figures come from bench/csv_import.py.

    Rows are wide rather than many: tracemalloc slows the ORM down about four times.
    """
    form = make.form(workspace, FIELDS[:5], key="big", unique_key=["sku"])
    rows, note = 4_000, "包装完好，" * 50 + "x" * 750
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("sku,name,qty,price,note\n")
        for i in range(rows):
            out.write(f"SKU-{i:07d},Product {i:07d},{i % 97 + 1},{i % 1000}.50,{note} {i}\n")
    size = path.stat().st_size
    assert size > 6_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as binary:
            result = csv_import.import_csv(form, csv_import.open_csv(binary), member=owner)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.created == rows
    assert Record.objects.filter(form=form).count() == rows
    print(f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.1f} MB file")
    assert peak < 50 * 1024 * 1024
