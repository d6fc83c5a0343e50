"""Journal entries exported for ERP voucher imports: exact files per layout, and every refusal named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from apps.accounts.models import Role
from apps.connectors.erp import export as erp_export
from apps.connectors.erp.errors import InvalidLayout, JournalNotExportable, UnbalancedVouchers
from apps.connectors.erp.export import export_journal
from apps.connectors.erp.layouts import all_layouts, layout_keys, parse_layout
from apps.connectors.erp.schema import journal_export_schema
from apps.core.errors import ValidationFailed
from apps.forms.fields.date import workspace_zone
from apps.forms.models import SavedView

FIELDS = [
    {"key": "voucher_date", "type": "date"},
    {"key": "voucher_no", "type": "integer"},
    {"key": "line_no", "type": "integer"},
    {"key": "summary", "type": "text"},
    {"key": "account_code", "type": "text"},
    {"key": "account_name", "type": "text"},
    {"key": "debit", "type": "decimal", "decimal_places": 2},
    {"key": "credit", "type": "decimal", "decimal_places": 2},
    {"key": "customer_code", "type": "text"},
    {"key": "department_code", "type": "text"},
    {"key": "preparer", "type": "text"},
    {"key": "attachments", "type": "integer"},
]
SALES, FEES = "确认天猫5月销售收入", "支付宝结算手续费"
# Voucher 1: a sale with output VAT; voucher 2: a payment-gateway fee. Stored out of order.
LINES = [
    {"voucher_no": 2, "line_no": 2, "summary": FEES, "account_code": "1012.01", "account_name": "其他货币资金-支付宝",
     "credit": "56.50", "attachments": 1},
    {"voucher_no": 1, "line_no": 1, "summary": SALES, "account_code": "1122", "account_name": "应收账款",
     "debit": "11300.00", "customer_code": "C001", "attachments": 2},
    {"voucher_no": 1, "line_no": 3, "summary": SALES, "account_code": "2221.01.05",
     "account_name": "应交税费-应交增值税(销项税额)", "credit": "1300.00", "attachments": 2},
    {"voucher_no": 2, "line_no": 1, "summary": FEES, "account_code": "6603.03", "account_name": "财务费用-手续费",
     "debit": "56.50", "department_code": "D01", "attachments": 1},
    {"voucher_no": 1, "line_no": 2, "summary": SALES, "account_code": "6001", "account_name": "主营业务收入",
     "credit": "10000.00", "attachments": 2},
]


@pytest.fixture
def journal(make, workspace):
    form = make.form(workspace, FIELDS, key="entries")
    for line in LINES:
        make.record(form, {"voucher_date": "2024-05-31", "preparer": "张会计", **line})
    return form


def body_of(form, layout: str, field_map: dict | None = None, **options) -> bytes:
    return b"".join(export_journal(form, layout, field_map, **options))


def expected(header: list[str], rows: list[dict], encoding: str, bom: bytes = b"") -> bytes:
    lines = [",".join(header)] + [",".join(row.get(name, "") for name in header) for row in rows]
    return bom + "".join(line + "\r\n" for line in lines).encode(encoding)


# --- each layout, byte for byte -------------------------------------------------------------

KINGDEE_HEADER = [
    "凭证日期", "会计年度", "会计期间", "凭证字", "凭证号", "科目代码", "科目名称", "币别代码", "币别名称", "原币金额", "借方", "贷方", "制单", "审核",
    "核准", "出纳", "经办", "结算方式", "结算号", "凭证摘要", "数量", "数量单位", "单价", "参考信息", "业务日期", "往来业务编号", "附件数", "序号",
    "系统模块", "业务描述", "汇率类型", "汇率", "分录序号", "核算项目", "过账", "机制凭证", "现金流量",
]


def kingdee_row(number: str, line: str, code: str, name: str, summary: str, attachments: str, *,
                debit: str = "", credit: str = "", items: str = "") -> dict:
    return {"凭证日期": "2024-05-31", "会计年度": "2024", "会计期间": "5", "凭证字": "记", "凭证号": number,
            "科目代码": code, "科目名称": name, "币别代码": "RMB", "币别名称": "人民币", "原币金额": debit or credit,
            "借方": debit, "贷方": credit, "制单": "张会计", "凭证摘要": summary, "业务日期": "2024-05-31",
            "附件数": attachments, "汇率类型": "公司汇率", "汇率": "1", "分录序号": line, "核算项目": items, "过账": "0"}


def test_kingdee_layout_writes_gbk_in_the_import_templates_order(journal):
    body = body_of(journal, "kingdee")

    assert body == expected(KINGDEE_HEADER, [
        kingdee_row("1", "1", "1122", "应收账款", SALES, "2", debit="11300.00", items="客户---C001"),
        kingdee_row("1", "2", "6001", "主营业务收入", SALES, "2", credit="10000.00"),
        kingdee_row("1", "3", "2221.01.05", "应交税费-应交增值税(销项税额)", SALES, "2", credit="1300.00"),
        kingdee_row("2", "1", "6603.03", "财务费用-手续费", FEES, "1", debit="56.50", items="部门---D01"),
        kingdee_row("2", "2", "1012.01", "其他货币资金-支付宝", FEES, "1", credit="56.50"),
    ], "gbk")
    assert not body.startswith(b"\xef\xbb\xbf")


YONYOU_HEADER = [
    "制单日期", "凭证类别字", "凭证号", "附单据数", "摘要", "科目编码", "借方金额", "贷方金额", "数量", "外币", "汇率", "制单人", "结算方式", "票号",
    "发生日期", "部门编码", "个人编码", "客户编码", "供应商编码", "业务员", "项目大类编码", "项目编码",
]


def yonyou_row(number: str, code: str, summary: str, attachments: str, debit: str, credit: str, **extra) -> dict:
    return {"制单日期": "2024-05-31", "凭证类别字": "记", "凭证号": number, "附单据数": attachments, "摘要": summary,
            "科目编码": code, "借方金额": debit, "贷方金额": credit, "制单人": "张会计", "发生日期": "2024-05-31",
            **extra}


def test_yonyou_layout_writes_gbk_with_zero_on_the_empty_side(journal):
    body = body_of(journal, "yonyou")

    assert body == expected(YONYOU_HEADER, [
        yonyou_row("1", "1122", SALES, "2", "11300.00", "0.00", 客户编码="C001"),
        yonyou_row("1", "6001", SALES, "2", "0.00", "10000.00"),
        yonyou_row("1", "2221.01.05", SALES, "2", "0.00", "1300.00"),
        yonyou_row("2", "6603.03", FEES, "1", "56.50", "0.00", 部门编码="D01"),
        yonyou_row("2", "1012.01", FEES, "1", "0.00", "56.50"),
    ], "gbk")


GENERIC_HEADER = [
    "date", "voucher_word", "voucher_number", "line", "summary", "account_code", "account_name", "debit",
    "credit", "currency", "exchange_rate", "original_amount", "quantity", "unit_price", "customer",
    "supplier", "department", "employee", "project", "preparer", "attachments",
]


def generic_row(number: str, line: str, code: str, name: str, summary: str, attachments: str, debit: str,
                credit: str, **extra) -> dict:
    return {"date": "2024-05-31", "voucher_word": "记", "voucher_number": number, "line": line, "summary": summary,
            "account_code": code, "account_name": name, "debit": debit, "credit": credit, "currency": "CNY",
            "preparer": "张会计", "attachments": attachments, **extra}


def test_generic_layout_writes_utf8_with_a_byte_order_mark(journal):
    body = body_of(journal, "generic")

    assert body == expected(GENERIC_HEADER, [
        generic_row("1", "1", "1122", "应收账款", SALES, "2", "11300.00", "0.00", customer="C001"),
        generic_row("1", "2", "6001", "主营业务收入", SALES, "2", "0.00", "10000.00"),
        generic_row("1", "3", "2221.01.05", "应交税费-应交增值税(销项税额)", SALES, "2", "0.00", "1300.00"),
        generic_row("2", "1", "6603.03", "财务费用-手续费", FEES, "1", "56.50", "0.00", department="D01"),
        generic_row("2", "2", "1012.01", "其他货币资金-支付宝", FEES, "1", "0.00", "56.50"),
    ], "utf-8", bom=b"\xef\xbb\xbf")


def test_every_chunk_of_records_is_written(journal, monkeypatch):
    whole = body_of(journal, "kingdee")
    monkeypatch.setattr(erp_export, "CHUNK_ROWS", 2)
    monkeypatch.setattr(erp_export, "SPOOL_BYTES", 100)
    monkeypatch.setattr(erp_export, "READ_BYTES", 7)

    pieces = list(export_journal(journal, "kingdee", None))

    assert b"".join(pieces) == whole
    assert len(pieces) > 10


def test_line_numbers_are_counted_per_voucher_when_not_mapped(journal):
    body = body_of(journal, "generic", {"line": ""}).decode("utf-8-sig").splitlines()

    assert [row.split(",")[2:4] for row in body[1:]] == [["1", "1"], ["1", "2"], ["1", "3"], ["2", "1"], ["2", "2"]]


# --- balance ---------------------------------------------------------------------------------


def test_an_unbalanced_voucher_is_refused_by_number(journal):
    record = journal.records.get(data__voucher_no=2, data__line_no=2)
    record.data["credit"] = "50.00"
    record.save()

    with pytest.raises(UnbalancedVouchers) as caught:
        body_of(journal, "kingdee")

    data = caught.value.as_data()
    assert data["code"] == "unbalanced_vouchers"
    assert "2 (2024-05-31)" in data["errors"]["non_field_errors"][0]
    assert data["errors"]["vouchers"] == ["voucher 2 dated 2024-05-31: debits 56.50, credits 50.00"]
    assert data["vouchers"] == [{"voucher": "2", "date": "2024-05-31", "debit": "56.50", "credit": "50.00",
                                 "difference": "6.50"}]
    assert "1 (" not in data["errors"]["non_field_errors"][0]


def test_unbalanced_vouchers_export_only_when_allowed(journal):
    record = journal.records.get(data__voucher_no=1, data__line_no=3)
    record.data["credit"] = "1200.00"
    record.save()

    body = body_of(journal, "yonyou", allow_unbalanced=True).decode("gbk")

    assert "1200.00" in body and body.count("\r\n") == 6


def test_vouchers_are_told_apart_by_word_and_date(make, workspace):
    form = make.form(workspace, [*FIELDS, {"key": "voucher_word", "type": "text"}], key="words")
    for word, amount in (("收", "10.00"), ("付", "7.00")):
        make.record(form, {"voucher_date": "2024-06-01", "voucher_word": word, "voucher_no": 1, "line_no": 1,
                           "account_code": "1001", "debit": amount})
        make.record(form, {"voucher_date": "2024-06-01", "voucher_word": word, "voucher_no": 1, "line_no": 2,
                           "account_code": "6001", "credit": "7.00"})

    with pytest.raises(UnbalancedVouchers) as caught:
        body_of(form, "generic")

    assert [v["voucher"] for v in caught.value.extra["vouchers"]] == ["收-1"]


def test_a_line_needs_exactly_one_side(journal, make):
    both = make.record(journal, {"voucher_date": "2024-05-31", "voucher_no": 3, "account_code": "1001",
                                 "debit": "1.00", "credit": "1.00"})
    neither = make.record(journal, {"voucher_date": "2024-05-31", "voucher_no": 3, "account_code": "1002"})

    with pytest.raises(JournalNotExportable) as caught:
        body_of(journal, "generic")

    assert set(caught.value.errors) == {"non_field_errors", f"records.{both.pk}", f"records.{neither.pk}"}
    assert "2 problems" in caught.value.errors["non_field_errors"][0]


def test_missing_voucher_values_are_named_by_record_and_field(journal, make):
    record = make.record(journal, {"voucher_no": 4, "debit": "5.00"})

    with pytest.raises(JournalNotExportable) as caught:
        body_of(journal, "generic")

    assert set(caught.value.errors) == {"non_field_errors", f"records.{record.pk}.voucher_date",
                                        f"records.{record.pk}.account_code"}


def test_amounts_are_never_rounded(make, workspace):
    form = make.form(workspace, [*FIELDS[:6], {"key": "debit", "type": "decimal", "decimal_places": 4},
                                 {"key": "credit", "type": "decimal", "decimal_places": 4}], key="precise")
    record = make.record(form, {"voucher_date": "2024-05-31", "voucher_no": 1, "account_code": "1001",
                                "debit": "0.1250"})
    make.record(form, {"voucher_date": "2024-05-31", "voucher_no": 1, "account_code": "6001", "credit": "0.1250"})

    with pytest.raises(JournalNotExportable) as caught:
        body_of(form, "kingdee")

    assert caught.value.errors[f"records.{record.pk}.debit"] == ["must have at most 2 decimal places"]


def test_red_ink_amounts_stay_numbers(make, journal):
    for line, code, side in ((1, "6001", "credit"), (2, "1122", "debit")):
        make.record(journal, {"voucher_date": "2024-05-31", "voucher_no": 5, "line_no": line, "account_code": code,
                              side: "-100.00", "summary": "冲销"})

    rows = body_of(journal, "generic").decode("utf-8-sig").splitlines()

    assert rows[-2].split(",")[7:9] == ["0.00", "-100.00"]
    assert rows[-1].split(",")[7:9] == ["-100.00", "0.00"]


# --- encodings and formula injection ----------------------------------------------------------


def test_text_gbk_cannot_hold_is_named_by_record_and_field(journal):
    record = journal.records.get(data__voucher_no=2, data__line_no=1)
    record.data["summary"] = "𠮷野家 工作餐"
    record.save()

    with pytest.raises(JournalNotExportable) as caught:
        body_of(journal, "kingdee")

    message = caught.value.errors[f"records.{record.pk}.summary"][0]
    assert "'𠮷' (U+20BB7)" in message and "GBK" in message and "kingdee" in message
    assert "𠮷野家".encode() in body_of(journal, "generic")


def test_text_a_layout_does_not_show_is_not_checked(journal):
    record = journal.records.get(data__voucher_no=1, data__line_no=1)
    record.data["account_name"] = "应收账款😀"
    record.save()

    assert "应收账款".encode("gbk") not in body_of(journal, "yonyou")
    with pytest.raises(JournalNotExportable):
        body_of(journal, "kingdee")


def test_formula_like_text_is_guarded(journal):
    record = journal.records.get(data__voucher_no=1, data__line_no=2)
    record.data["summary"] = '=HYPERLINK("http://evil.example","x")'
    record.data["account_name"] = "@SUM(A1)"
    record.save()

    rows = body_of(journal, "generic").decode("utf-8-sig").splitlines()

    assert '"\'=HYPERLINK(""http://evil.example"",""x"")"' in rows[2]
    assert ",'@SUM(A1)," in rows[2]


# --- field maps ------------------------------------------------------------------------------


@pytest.fixture
def own_keys(make, workspace):
    fields = [{"key": "dt", "type": "date"}, {"key": "vno", "type": "text"}, {"key": "memo", "type": "text"},
              {"key": "acct", "type": "text"}, {"key": "dr", "type": "decimal"}, {"key": "cr", "type": "decimal"},
              {"key": "attachments", "type": "attachment"}]
    form = make.form(workspace, fields, key="ledger")
    make.record(form, {"dt": "2024-07-01", "vno": "JV-7", "memo": "计提工资", "acct": "6602.01", "dr": "8000"})
    make.record(form, {"dt": "2024-07-01", "vno": "JV-7", "memo": "计提工资", "acct": "2211", "cr": "8000"})
    return form


OWN_MAP = {"date": "dt", "number": "vno", "summary": "memo", "account_code": "acct", "debit": "dr", "credit": "cr"}


def test_a_field_map_names_the_forms_own_fields(own_keys):
    rows = body_of(own_keys, "yonyou", OWN_MAP).decode("gbk").splitlines()

    assert rows[1:] == [
        "2024-07-01,记,JV-7,0,计提工资,6602.01,8000.00,0.00,,,,,,,2024-07-01,,,,,,,",
        "2024-07-01,记,JV-7,0,计提工资,2211,0.00,8000.00,,,,,,,2024-07-01,,,,,,,",
    ]


def test_field_map_errors_name_each_role(own_keys):
    bad = {**OWN_MAP, "debit": "memo", "credit": "nope", "colour": "red", "amount": "dr", "summary": 3}
    del bad["date"]

    with pytest.raises(ValidationFailed) as caught:
        body_of(own_keys, "generic", bad)

    errors = caught.value.errors
    assert set(errors) == {"map.debit", "map.credit", "map.colour", "map.amount", "map.summary", "map.date"}
    assert "'memo' is a text field" in errors["map.debit"][0]
    assert errors["map.credit"] == ["'nope' is not a field of this form"]
    assert errors["map.colour"][0].startswith("unknown role 'colour'")
    assert "voucher_date" in errors["map.date"][0]


def test_a_canonical_key_of_an_unfit_type_is_not_taken_by_default(own_keys):
    rows = body_of(own_keys, "kingdee", OWN_MAP).decode("gbk").splitlines()

    assert rows[1].split(",")[KINGDEE_HEADER.index("附件数")] == "0"


def test_an_empty_mapping_leaves_a_required_role_unmapped(journal):
    with pytest.raises(ValidationFailed) as caught:
        body_of(journal, "generic", {"debit": ""})

    assert list(caught.value.errors) == ["map.debit"]


# --- filters and ordering --------------------------------------------------------------------


def test_filters_and_ordering_are_applied(journal):
    only_fees = body_of(journal, "generic", filters=[{"field": "voucher_no", "op": "eq", "value": 2}])
    newest_first = body_of(journal, "generic", ordering="-voucher_no")

    assert [row.split(",")[5] for row in only_fees.decode("utf-8-sig").splitlines()[1:]] == ["6603.03", "1012.01"]
    assert [row.split(",")[2:4] for row in newest_first.decode("utf-8-sig").splitlines()[1:]] == [
        ["2", "1"], ["2", "2"], ["1", "1"], ["1", "2"], ["1", "3"]]


def test_an_order_that_scatters_a_vouchers_lines_is_refused(journal):
    with pytest.raises(JournalNotExportable) as caught:
        body_of(journal, "generic", ordering="account_code")

    assert list(caught.value.errors) == ["sort"]
    assert "voucher(s) 2 are not next to each other" in caught.value.errors["sort"][0]


def test_bad_filters_and_sort_keys_are_named(journal):
    with pytest.raises(ValidationFailed) as caught:
        body_of(journal, "generic", filters=[{"field": "colour", "value": "red"}])
    assert list(caught.value.errors) == ["filters[0]"]
    with pytest.raises(ValidationFailed) as caught:
        body_of(journal, "generic", ordering="colour")
    assert list(caught.value.errors) == ["sort"]


# --- layouts ---------------------------------------------------------------------------------


def test_shipped_layouts_are_valid_and_the_schema_file_is_current():
    assert layout_keys() == ["generic", "kingdee", "yonyou"]
    assert {layout.encoding for layout in all_layouts()} == {"gbk", "utf-8-sig"}
    on_disk = json.loads((Path(settings.BASE_DIR) / "platform/schemas/journal-export.schema.json").read_text())
    assert on_disk == journal_export_schema()


def test_an_unknown_layout_names_the_ones_there_are(journal):
    with pytest.raises(ValidationFailed) as caught:
        body_of(journal, "../../schemas/form.schema")
    assert caught.value.errors["layout"][0].endswith("generic, kingdee, yonyou")


def test_layout_documents_are_checked_beyond_their_schema():
    document = {"key": "sap", "name": "SAP", "description": "x", "encoding": "gbk", "date_format": "YYYY-MM-DD",
                "columns": [{"header": "Datum", "role": "summary", "format": "YYYY"},
                            {"header": "Datum", "role": "debit", "fallback": "summary"},
                            {"header": "Ziel 😀", "value": "x"}]}

    with pytest.raises(InvalidLayout) as caught:
        parse_layout(document, expected_key="sap_fi", where="sap_fi.json")

    assert set(caught.value.errors) == {"sap_fi.json: key", "sap_fi.json: columns[0].format",
                                        "sap_fi.json: columns[1].fallback", "sap_fi.json: columns[1].header",
                                        "sap_fi.json: columns[2].header"}
    with pytest.raises(InvalidLayout) as caught:
        parse_layout({**document, "columns": [{"header": "x", "role": "date", "value": "y"}], "encoding": "latin1"})
    assert set(caught.value.errors) == {"layout: encoding", "layout: columns[0]"}


# --- the API ---------------------------------------------------------------------------------


def api_url(key: str = "entries", **params) -> str:
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return f"/api/v1/forms/{key}/export/journal/" + (f"?{query}" if query else "")


def test_the_api_streams_an_attachment(api, journal, workspace):
    response = api.get(api_url(layout="kingdee"), HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=GBK"
    day = timezone.localdate(timezone=workspace_zone(workspace)).isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="entries-journal-kingdee-{day}.csv"'
    assert b"".join(response.streaming_content) == body_of(journal, "kingdee")


def test_the_api_reads_maps_filters_and_sort_from_the_query(api, make, own_keys):
    for day in ("2024-07-02", "2024-07-03"):
        make.record(own_keys, {"dt": day, "vno": "JV-8", "acct": "1001", "dr": "1"})
        make.record(own_keys, {"dt": day, "vno": "JV-8", "acct": "2241", "cr": "1"})
    params = {f"map.{role}": key for role, key in OWN_MAP.items()}

    response = api.get(api_url("ledger", layout="generic", vno="JV-8", sort="-dt", **params))

    rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [row.split(",")[0:6:5] for row in rows[1:]] == [["2024-07-03", "1001"], ["2024-07-03", "2241"],
                                                          ["2024-07-02", "1001"], ["2024-07-02", "2241"]]


def test_a_filter_that_splits_a_voucher_is_refused_as_unbalanced(api, own_keys):
    params = {f"map.{role}": key for role, key in OWN_MAP.items()}

    response = api.get(api_url("ledger", layout="generic", dr__gt=0, **params))

    assert response.status_code == 422
    assert response.json()["vouchers"] == [{"voucher": "JV-7", "date": "2024-07-01", "debit": "8000.00",
                                            "credit": "0.00", "difference": "8000.00"}]


def test_the_api_uses_a_saved_views_filters(api, journal, workspace):
    view = SavedView.objects.create(workspace=workspace, form=journal, name="fees",
                                    filters=[{"field": "voucher_no", "op": "eq", "value": 2}])

    response = api.get(api_url(layout="generic", view=view.pk))

    assert b"".join(response.streaming_content).decode("utf-8-sig").count("\r\n") == 3


def test_the_api_answers_refusals_as_json(api, journal):
    record = journal.records.get(data__voucher_no=1, data__line_no=1)
    record.data["debit"] = "11299.99"
    record.save()

    unbalanced = api.get(api_url(layout="yonyou"), HTTP_ACCEPT="text/csv")
    missing = api.get(api_url(**{"map.debit": "nope", "allow_unbalanced": "maybe"}))
    allowed = api.get(api_url(layout="yonyou", allow_unbalanced="true"))

    assert unbalanced.status_code == 422 and unbalanced.json()["code"] == "unbalanced_vouchers"
    assert unbalanced.json()["vouchers"][0]["voucher"] == "1"
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"layout", "allow_unbalanced"}
    assert allowed.status_code == 200 and b"11299.99" in b"".join(allowed.streaming_content)


def test_a_plain_member_may_export(make, workspace, journal):
    client = make.client(make.member(workspace, role=Role.MEMBER))

    response = client.get(api_url(layout="generic"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body_of(journal, "generic")


def test_another_workspaces_form_is_not_found(make, journal):
    stranger = make.client(make.owner(make.workspace()))

    response = stranger.get(api_url(layout="generic"))

    assert response.status_code == 404
    assert response.json()["code"] == "form_not_found"


def test_the_layouts_are_listed_with_their_columns(api):
    response = api.get("/api/v1/exports/journal-layouts/")

    body = response.json()
    assert [layout["key"] for layout in body["results"]] == ["generic", "kingdee", "yonyou"]
    kingdee = body["results"][1]
    assert [column["header"] for column in kingdee["columns"]] == KINGDEE_HEADER
    assert kingdee["columns"][3] == {"header": "凭证字", "role": "word", "default": "记"}
    assert kingdee["columns"][33]["join"]["parts"][0] == {"role": "customer", "prefix": "客户---"}
    assert (kingdee["encoding"], kingdee["line_terminator"], kingdee["amount_format"]) == (
        "gbk", "crlf", {"decimals": 2, "thousands_separator": "", "zero": ""})
    roles = {role["role"]: role for role in body["roles"]}
    assert roles["debit"] == {"role": "debit", "kind": "amount", "default_field": "debit", "required": True,
                              "computed": False, "label": roles["debit"]["label"]}
    assert roles["debit"]["label"]
    assert roles["amount"]["computed"] is True
