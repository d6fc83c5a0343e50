"""decimal, boolean, counter (and the integer type they sit beside)."""

from decimal import Decimal

import pytest

from apps.forms.fields import field_types
from apps.forms.fields.counter import bounds_minor, from_minor, to_minor
from apps.forms.models import Record


class TestDecimal:
    @pytest.mark.parametrize(
        ("given", "places", "stored"),
        [
            ("12.5", 2, "12.50"),
            (12, 2, "12.00"),
            (0.1, 2, "0.10"),
            ("1,234.5", 2, "1234.50"),
            (" -3 ", 0, "-3"),
            ("-0.00", 2, "0.00"),
            ("1e2", 2, "100.00"),
            (Decimal("0.12345678"), 8, "0.12345678"),
        ],
    )
    def test_good(self, norm, given, places, stored):
        assert norm("decimal", given, decimal_places=places) == stored

    def test_floats_use_their_shortest_text_not_their_binary_value(self, norm, error):
        assert norm("decimal", 0.1, decimal_places=8) == "0.10000000"
        assert error("decimal", 0.1 + 0.2, decimal_places=8) == {
            "": ["must have at most 8 decimal places"]
        }

    @pytest.mark.parametrize(
        ("given", "places", "message"),
        [
            ("12.345", 2, "must have at most 2 decimal places"),
            ("1.5", 0, "must be a whole number"),
            ("abc", 2, "'abc' is not a number"),
            (True, 2, "must be a number"),
            ([1], 2, "must be a number"),
            ("NaN", 2, "must be a finite number"),
            ("1e30", 2, "is too large"),
            (0.1 + 0.2, 2, "must have at most 2 decimal places"),
        ],
    )
    def test_bad(self, error, given, places, message):
        assert error("decimal", given, decimal_places=places) == {"": [message]}

    def test_range(self, norm, error):
        assert norm("decimal", "0", min=0, max="99.99") == "0.00"
        assert error("decimal", "-0.01", min=0) == {"": ["must be at least 0"]}
        assert error("decimal", "100", max="99.99") == {"": ["must be at most 99.99"]}

    def test_unique_value_ignores_trailing_zeros(self):
        decimal = field_types.get("decimal")
        assert decimal.unique_value("1.50", {}) == decimal.unique_value("1.500", {}) == "1.5"
        assert decimal.unique_value("100.00", {}) == "100"
        assert decimal.unique_value("0.00", {}) == "0"

    def test_sorts_and_compares_as_numbers(self, workspace, form):
        decimal = field_types.get("decimal")
        field = {"key": "amount", "type": "decimal"}
        amounts = {}
        for amount in ("9.00", "10.50", "100.00", "-2.00"):
            record = Record.objects.create(
                workspace=workspace, form=form, form_version=1, data={"amount": amount}
            )
            amounts[record.id] = amount
        records = Record.objects.filter(form=form)
        ordered = records.order_by(decimal.db_expression("data__amount", field)).values_list(
            "id", flat=True
        )
        assert [amounts[i] for i in ordered] == ["-2.00", "9.00", "10.50", "100.00"]
        q = decimal.filter_q("data__amount", field, "gt", decimal.filter_value("10.5", field))
        assert [amounts[i] for i in records.filter(q).values_list("id", flat=True)] == ["100.00"]
        q = decimal.filter_q("data__amount", field, "eq", decimal.filter_value(10.5, field))
        assert records.filter(q).count() == 1

    def test_options(self, definition_errors):
        good = {
            "key": "amount",
            "type": "decimal",
            "decimal_places": 4,
            "min": "0",
            "max": 1000,
            "currency": "CNY",
        }
        assert definition_errors([good]) == {}
        assert definition_errors([{**good, "decimal_places": 9}]) == {
            "fields[0].decimal_places": ["violates maximum = 8"]
        }
        assert definition_errors([{**good, "currency": "rmb"}]) == {
            "fields[0].currency": [
                "must be a three-letter ISO 4217 code in capitals, such as CNY or USD"
            ]
        }
        assert definition_errors([{**good, "min": "zero"}]) == {
            "fields[0].min": ["'zero' is not a number"]
        }
        assert definition_errors([{**good, "min": 5, "max": 1}]) == {
            "fields[0].max": ["must not be less than min (5)"]
        }
        assert definition_errors([{**good, "min": True}]) == {
            "fields[0].min": ["must be of type ['number', 'string']"]
        }

    def test_csv_round_trip(self, norm):
        decimal = field_types.get("decimal")
        field = {"key": "f", "type": "decimal", "decimal_places": 3}
        assert decimal.to_csv("-1234.500", field) == "-1234.500"
        assert (
            norm("decimal", decimal.from_csv(" -1234.500 ", field), decimal_places=3) == "-1234.500"
        )
        assert decimal.from_csv("", field) is None


class TestBoolean:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            (True, True),
            (False, False),
            ("true", True),
            ("FALSE", False),
            ("1", True),
            (0, False),
            (" yes ", True),
            ("No", False),
            ("是", True),
            ("否", False),
        ],
    )
    def test_good(self, norm, given, stored):
        assert norm("boolean", given) is stored

    @pytest.mark.parametrize("bad", ["maybe", 2, "10"])
    def test_bad(self, error, bad):
        assert error("boolean", bad) == {
            "": [f"'{bad}' is not true or false; use true/false, yes/no, 1/0 or 是/否"]
        }

    def test_false_is_a_value_not_empty(self, ctx):
        from apps.forms.validation import validate_data

        fields = [{"key": "paid", "type": "boolean", "required": True}]
        assert validate_data(fields, {"paid": "否"}, ctx) == {"paid": False}

    def test_csv_and_display(self):
        boolean = field_types.get("boolean")
        assert [boolean.to_csv(v, {}) for v in (True, False, None)] == ["true", "false", ""]
        assert boolean.display(False, {}) == "No"

    def test_options(self, definition_errors):
        assert definition_errors([{"key": "paid", "type": "boolean", "default": False}]) == {}
        assert definition_errors([{"key": "paid", "type": "boolean", "choices": []}]) == {
            "fields[0]": ["unknown option(s): choices"]
        }


class TestCounter:
    def test_minor_units(self):
        two = {"decimal_places": 2}
        assert to_minor("12.5", two) == 1250
        assert to_minor(3, {}) == 3
        assert from_minor(1250, two) == Decimal("12.50")
        assert from_minor(-7, {}) == Decimal(-7)
        assert bounds_minor({"decimal_places": 1, "min": 0, "max": "99.9"}) == (0, 999)
        assert bounds_minor({}) == (None, None)

    def test_normalize_initial_value(self, norm, error):
        assert norm("counter", "100", min=0) == 100
        assert norm("counter", "0.25", decimal_places=2) == 25
        assert error("counter", "-1", min=0) == {"": ["must be at least 0"]}
        assert error("counter", "1.5") == {"": ["must be a whole number"]}
        assert error("counter", "1.555", decimal_places=2) == {
            "": ["must have at most 2 decimal places"]
        }

    def test_api_value(self):
        counter = field_types.get("counter")
        assert counter.to_api(5, {}) == 5
        assert counter.to_api(1250, {"decimal_places": 2}) == "12.50"
        assert counter.to_csv(1250, {"decimal_places": 2}) == "12.50"

    def test_not_in_data_and_not_unique(self, definition_errors):
        counter = field_types.get("counter")
        assert counter.stored_in_data is False and counter.can_be_unique is False
        assert definition_errors([{"key": "stock", "type": "counter", "unique": True}]) == {
            "fields[0].unique": ["a counter field cannot be unique"]
        }

    def test_options(self, definition_errors):
        good = {"key": "stock", "type": "counter", "decimal_places": 2, "min": 0, "max": "1000.5"}
        assert definition_errors([good]) == {}
        assert definition_errors([{**good, "decimal_places": 5}]) == {
            "fields[0].decimal_places": ["violates maximum = 4"]
        }
        assert definition_errors([{**good, "min": "0.001"}]) == {
            "fields[0].min": ["must have at most 2 decimal places"]
        }
        assert definition_errors([{**good, "min": 10, "max": 1}]) == {
            "fields[0].max": ["must not be less than min (10)"]
        }


def test_integer_sample_round_trip(norm):
    integer = field_types.get("integer")
    assert norm("integer", integer.from_csv(integer.to_csv(-42, {}), {})) == -42
