"""select and multi_select."""

import pytest

from apps.forms.fields import field_types
from apps.forms.models import Record

CHOICES = [
    "pending",
    {"value": "paid", "label": {"en": "Paid", "zh-hans": "已付款"}},
    {"value": "shipped", "label": "Shipped"},
]


class TestSelect:
    def test_value_or_label(self, norm):
        assert norm("select", " paid ", choices=CHOICES) == "paid"
        assert norm("select", "已付款", choices=CHOICES) == "paid"
        assert norm("select", "Shipped", choices=CHOICES) == "shipped"

    def test_not_a_choice(self, error):
        assert error("select", "refunded", choices=CHOICES) == {
            "": ["'refunded' is not one of the choices: pending, paid, shipped"]
        }
        assert error("select", ["paid"], choices=CHOICES) == {
            "": ["must be one of the choices: pending, paid, shipped"]
        }

    def test_long_lists_are_shortened_in_messages(self, error):
        many = [f"c{i}" for i in range(30)]
        message = error("select", "x", choices=many)[""][0]
        assert message.endswith("c18, c19, …")

    def test_options(self, definition_errors):
        assert (
            definition_errors(
                [{"key": "s", "type": "select", "choices": CHOICES, "default": "paid"}]
            )
            == {}
        )
        assert definition_errors([{"key": "s", "type": "select"}]) == {
            "fields[0].choices": ["is required"]
        }
        assert definition_errors([{"key": "s", "type": "select", "choices": ["a", "b", "a"]}]) == {
            "fields[0].choices[2]": ["'a' is listed twice"]
        }
        assert definition_errors(
            [{"key": "s", "type": "select", "choices": ["a"], "default": "b"}]
        ) == {"fields[0].default": ["'b' is not one of the choices: a"]}
        errors = definition_errors([{"key": "s", "type": "select", "choices": [{"label": "A"}]}])
        assert errors["fields[0].choices[0]"] == ["must be of type string", "'value' is required"]

    def test_csv_round_trip(self, norm):
        select = field_types.get("select")
        field = {"key": "f", "type": "select", "choices": CHOICES}
        assert (
            norm("select", select.from_csv(select.to_csv("paid", field), field), choices=CHOICES)
            == "paid"
        )


class TestMultiSelect:
    TAGS = ["urgent", "gift", {"value": "fragile", "label": "易碎"}, "加急"]

    def test_stored_in_choice_order_without_repeats(self, norm):
        assert norm("multi_select", ["gift", "urgent", "gift"], choices=self.TAGS) == [
            "urgent",
            "gift",
        ]
        assert norm("multi_select", "易碎; urgent", choices=self.TAGS) == ["urgent", "fragile"]
        assert norm("multi_select", "gift", choices=self.TAGS) == ["gift"]

    def test_each_bad_item_is_located(self, error):
        assert error("multi_select", ["gift", "big", 3], choices=self.TAGS) == {
            "[1]": ["'big' is not one of the choices: urgent, gift, fragile, 加急"],
            "[2]": ["'3' is not one of the choices: urgent, gift, fragile, 加急"],
        }

    def test_counts(self, error):
        assert error("multi_select", ["gift"], choices=self.TAGS, min_count=2) == {
            "": ["choose at least 2"]
        }
        assert error("multi_select", "urgent;gift", choices=self.TAGS, max_count=1) == {
            "": ["choose at most 1"]
        }

    def test_options(self, definition_errors):
        good = {
            "key": "tags",
            "type": "multi_select",
            "choices": self.TAGS,
            "min_count": 1,
            "max_count": 2,
        }
        assert definition_errors([good]) == {}
        assert definition_errors([{**good, "min_count": 3}]) == {
            "fields[0].max_count": ["must not be less than min_count (3)"]
        }
        assert definition_errors([{**good, "choices": ["a;b"]}]) == {
            "fields[0].choices[0]": ["must not contain ';', which separates values in CSV files"]
        }

    def test_csv_round_trip(self, norm):
        multi = field_types.get("multi_select")
        field = {"key": "f", "type": "multi_select", "choices": self.TAGS}
        text = multi.to_csv(["urgent", "fragile"], field)
        assert text == "urgent;fragile"
        assert norm("multi_select", multi.from_csv(text, field), choices=self.TAGS) == [
            "urgent",
            "fragile",
        ]

    @pytest.mark.parametrize(
        ("tag", "expected"),
        [("gift", {"a", "b"}), ("易碎", {"b"}), ("加急", {"c"}), ("urgent", set())],
    )
    def test_contains_filter(self, workspace, form, tag, expected):
        multi = field_types.get("multi_select")
        field = {"key": "tags", "type": "multi_select", "choices": self.TAGS}
        ids = {}
        for name, tags in (("a", ["gift"]), ("b", ["gift", "fragile"]), ("c", ["加急"]), ("d", [])):
            ids[
                Record.objects.create(
                    workspace=workspace, form=form, form_version=1, data={"tags": tags}
                ).id
            ] = name
        q = multi.filter_q("data__tags", field, "contains", multi.filter_value(tag, field))
        assert {
            ids[i] for i in Record.objects.filter(form=form).filter(q).values_list("id", flat=True)
        } == expected
