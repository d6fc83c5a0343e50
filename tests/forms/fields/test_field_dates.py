"""date and datetime: canonical text in UTC (datetime) so that text order is time order."""

from datetime import UTC, date, datetime

import pytest

from apps.forms.fields import field_types
from apps.forms.models import Record

DATETIME_HINT = "use YYYY-MM-DD HH:MM:SS, optionally with an offset such as +08:00"


class TestDate:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("2024-05-01", "2024-05-01"),
            ("2024/5/1", "2024-05-01"),
            ("2024.05.01", "2024-05-01"),
            ("2024年5月1日", "2024-05-01"),
            ("20240501", "2024-05-01"),
            ("2024-05-01 23:30", "2024-05-01"),
            ("2024-04-30T16:30:00Z", "2024-05-01"),  # 00:30 in Shanghai
            (date(2024, 5, 1), "2024-05-01"),
        ],
    )
    def test_good(self, norm, given, stored):
        assert norm("date", given) == stored

    @pytest.mark.parametrize(
        "bad", ["2024-02-30", "01/05/2024", "yesterday", "2024-13-01", 20240501]
    )
    def test_bad(self, error, bad):
        assert error("date", bad) == {"": [f"'{bad}' is not a date; use YYYY-MM-DD"]}

    def test_range(self, norm, error):
        assert norm("date", "2024-01-01", min="2024-01-01", max="2024-12-31") == "2024-01-01"
        assert error("date", "2023-12-31", min="2024-01-01") == {
            "": ["must be on or after 2024-01-01"]
        }
        assert error("date", "2025-01-01", max="2024-12-31") == {
            "": ["must be on or before 2024-12-31"]
        }

    def test_options(self, definition_errors):
        assert definition_errors([{"key": "d", "type": "date", "min": "2024-01-01"}]) == {}
        assert definition_errors([{"key": "d", "type": "date", "min": "soon"}]) == {
            "fields[0].min": ["'soon' is not a date; use YYYY-MM-DD"]
        }
        assert definition_errors(
            [{"key": "d", "type": "date", "min": "2024-02-01", "max": "2024-01-01"}]
        ) == {"fields[0].max": ["must not be before min (2024-02-01)"]}

    def test_filter_range_on_text(self, workspace, form):
        dates = field_types.get("date")
        field = {"key": "d", "type": "date"}
        for day in ("2024-01-31", "2024-02-01", "2024-12-01"):
            Record.objects.create(workspace=workspace, form=form, form_version=1, data={"d": day})
        q = dates.filter_q(
            "data__d", field, "between", (dates.filter_value("2024/2/1", field), "2024-11-30")
        )
        assert Record.objects.filter(form=form).filter(q).count() == 1


class TestDateTime:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("2024-05-01 10:30:00", "2024-05-01T02:30:00Z"),  # naive: Shanghai time
            ("2024-05-01T10:30", "2024-05-01T02:30:00Z"),
            ("2024/5/1 9:05:07", "2024-05-01T01:05:07Z"),
            ("2024年5月1日 10:30", "2024-05-01T02:30:00Z"),
            ("2024-05-01T02:30:00.123456Z", "2024-05-01T02:30:00Z"),
            ("2024-05-01T10:30:00+08:00", "2024-05-01T02:30:00Z"),
            ("2024-04-30T22:30:00-0400", "2024-05-01T02:30:00Z"),
            ("2024-05-01", "2024-04-30T16:00:00Z"),  # a bare date is local midnight
            (datetime(2024, 5, 1, 2, 30, tzinfo=UTC), "2024-05-01T02:30:00Z"),
        ],
    )
    def test_good(self, norm, given, stored):
        assert norm("datetime", given) == stored

    def test_naive_input_uses_the_workspace_time_zone(self, norm, workspace):
        workspace.timezone = "America/Los_Angeles"
        assert norm("datetime", "2024-07-01 10:00") == "2024-07-01T17:00:00Z"
        workspace.timezone = "Not/AZone"
        assert norm("datetime", "2024-07-01 10:00") == "2024-07-01T10:00:00Z"

    @pytest.mark.parametrize(
        "bad", ["2024-05-01 25:00", "10:30", "2024-05-01T10:30+25:00", "tomorrow noon"]
    )
    def test_bad(self, error, bad):
        assert error("datetime", bad) == {"": [f"'{bad}' is not a date and time; {DATETIME_HINT}"]}

    def test_range_and_text_order(self, norm, error):
        assert (
            norm("datetime", "2024-05-01 08:00", min="2024-05-01T00:00:00Z")
            == "2024-05-01T00:00:00Z"
        )
        assert error("datetime", "2024-05-01 07:59", min="2024-05-01T00:00:00Z") == {
            "": ["must be on or after 2024-05-01T00:00:00Z"]
        }
        stored = [
            norm("datetime", v)
            for v in ("2024-05-01 09:00+09:00", "2024-05-01 08:30", "2024-04-30T23:59:00Z")
        ]
        assert sorted(stored) == [
            "2024-04-30T23:59:00Z",
            "2024-05-01T00:00:00Z",
            "2024-05-01T00:30:00Z",
        ]

    def test_options(self, definition_errors):
        assert (
            definition_errors([{"key": "t", "type": "datetime", "max": "2030-01-01 00:00"}]) == {}
        )
        assert definition_errors([{"key": "t", "type": "datetime", "max": "later"}]) == {
            "fields[0].max": [f"'later' is not a date and time; {DATETIME_HINT}"]
        }

    def test_csv_round_trip(self, norm):
        moment = field_types.get("datetime")
        text = moment.to_csv("2024-05-01T02:30:00Z", {})
        assert norm("datetime", moment.from_csv(text, {})) == "2024-05-01T02:30:00Z"
