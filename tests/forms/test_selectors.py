"""One record selection (saved view, filters, search, sort) for the listing and every export."""

from __future__ import annotations

import csv
import io

import pytest

from apps.core.errors import ValidationFailed
from apps.forms.models import SavedView
from apps.forms.selectors import filtered_records

FIELDS = [
    {"key": "voucher_date", "type": "date"},
    {"key": "voucher_no", "type": "integer"},
    {"key": "account_code", "type": "text"},
    {"key": "summary", "type": "text"},
    {"key": "region", "type": "text"},
    {"key": "debit", "type": "decimal", "decimal_places": 2},
    {"key": "credit", "type": "decimal", "decimal_places": 2},
]
# (region, debit): ties on the sort key and empty values, stored in no particular order.
ROWS = [("east", "5.00"), ("east", None), ("west", "8.00"), ("east", "7.00"), ("east", "5.00"),
        ("east", "9.00"), ("east", None), ("east", "7.00")]


@pytest.fixture
def entries(make, workspace):
    form = make.form(workspace, FIELDS, key="entries")
    for number, (region, debit) in enumerate(ROWS, start=1):
        data = {"voucher_date": "2024-05-31", "voucher_no": number, "account_code": "1001", "region": region}
        make.record(form, {**data, "debit": debit} if debit else {**data, "credit": "1.00"})
    return form


@pytest.fixture
def east_by_debit(entries, workspace):
    return SavedView.objects.create(workspace=workspace, form=entries, name="east",
                                    filters=[{"field": "region", "op": "eq", "value": "east"}], sort=["-debit"])


def listed_ids(api, view: SavedView) -> list[int]:
    ids, cursor = [], ""
    while True:
        query = f"?view={view.pk}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(f"/api/v1/forms/entries/records/{query}").json()
        ids += [row["id"] for row in body["results"]]
        if not (cursor := body["next_cursor"]):
            return ids


def exported_ids(api, view: SavedView) -> list[int]:
    response = api.get(f"/api/v1/forms/entries/records/export/?view={view.pk}", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    return [int(row["id"]) for row in rows]


def test_listing_and_export_give_a_saved_views_rows_in_the_same_order(api, entries, east_by_debit):
    by_debit_then_newest = sorted(
        (r for r in entries.records.all() if r.data["region"] == "east"),
        key=lambda r: (r.data.get("debit") is None, -float(r.data.get("debit") or 0), -r.pk))
    expected = [r.pk for r in by_debit_then_newest]

    assert listed_ids(api, east_by_debit) == expected
    assert exported_ids(api, east_by_debit) == expected
    assert [r.pk for r in filtered_records(entries, view=east_by_debit).records] == expected


def test_a_sort_given_with_the_view_wins_over_the_views_own(entries, east_by_debit):
    listing = filtered_records(entries, view=str(east_by_debit.pk), sort="voucher_no")

    assert [r.data["voucher_no"] for r in listing.records] == [1, 2, 4, 5, 6, 7, 8]


def test_the_journal_export_takes_one_sort_key_as_the_listing_does(api, entries):
    journal = api.get("/api/v1/forms/entries/export/journal/?layout=generic&allow_unbalanced=true"
                      "&sort=voucher_no,account_code")
    listing = api.get("/api/v1/forms/entries/records/?sort=voucher_no,account_code")

    assert journal.status_code == listing.status_code == 400
    refusal = {"sort": ["cannot sort by 'voucher_no,account_code'"]}
    assert journal.json()["errors"] == listing.json()["errors"] == refusal


def test_the_journal_export_reads_a_saved_views_filters_and_sort(api, entries, east_by_debit):
    response = api.get(f"/api/v1/forms/entries/export/journal/?layout=generic&allow_unbalanced=true"
                       f"&view={east_by_debit.pk}", HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    number = rows[0].index("voucher_number")
    # -debit as in the listing, empty last; a tie keeps its vouchers in number order.
    assert [int(row[number]) for row in rows[1:]] == [6, 4, 8, 1, 5, 2, 7]


def test_a_view_of_another_form_is_refused(make, workspace, entries, east_by_debit):
    other = make.form(workspace, [{"key": "title", "type": "text"}], key="other")

    with pytest.raises(ValidationFailed) as caught:
        filtered_records(other, view=east_by_debit.pk)

    assert caught.value.errors == {"view": ["no such saved view for this form"]}


def test_search_finds_text_in_any_text_field_whatever_its_case(make, workspace):
    form = make.form(workspace, [{"key": "title", "type": "text"}, {"key": "memo", "type": "textarea"},
                                 {"key": "qty", "type": "integer"}], key="notes")
    blue = make.record(form, {"title": "Blue T-shirt", "qty": 3})
    remark = make.record(form, {"title": "Socks", "memo": "客户要求蓝色 BLUE 包装"})
    make.record(form, {"title": "Red cap", "qty": 12})

    found = filtered_records(form, search="blue", sort="id").records

    assert [r.pk for r in found] == [blue.pk, remark.pk]
    assert [r.pk for r in filtered_records(form, search="蓝色").records] == [remark.pk]
