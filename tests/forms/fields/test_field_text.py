"""text, textarea, email, phone, url."""

import pytest

from apps.forms.fields import field_types


class TestText:
    def test_strips_and_checks_length_and_pattern(self, norm, error):
        assert norm("text", "  SKU-1 ") == "SKU-1"
        assert norm("text", 42) == "42"
        assert error("text", "ab", min_length=3) == {"": ["must be at least 3 characters long"]}
        assert error("text", "x" * 1001) == {"": ["must be at most 1000 characters long"]}
        assert error("text", "a\nb") == {"": ["must be a single line"]}
        assert error("text", True) == {"": ["must be text"]}
        assert error("text", "abc", regex=r"\d+", regex_message="digits only") == {
            "": ["digits only"]
        }

    def test_unique_value_is_canonical(self):
        text = field_types.get("text")
        assert text.unique_value("e\u0301", {}) == text.unique_value("\u00e9", {})
        long = text.unique_value("x" * 500, {})
        assert long.startswith("sha256:") and len(long) < 100

    def test_filter_value_ignores_length_rules(self):
        assert field_types.get("text").filter_value(" ab ", {"min_length": 5}) == "ab"


class TestTextarea:
    def test_keeps_lines_and_unifies_line_ends(self, norm, error):
        assert norm("textarea", "  line 1\r\nline 2\rline 3\n\n") == "line 1\nline 2\nline 3"
        assert norm("textarea", "x" * 20000) == "x" * 20000
        assert error("textarea", "x" * 20001) == {"": ["must be at most 20000 characters long"]}
        assert error("textarea", "abc", max_length=2) == {"": ["must be at most 2 characters long"]}

    def test_is_a_text_type(self):
        assert isinstance(field_types.get("textarea"), type(field_types.get("text")))


class TestEmail:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [(" Li.Wei@Example.COM ", "Li.Wei@example.com"), ("ops+jd@shop.cn", "ops+jd@shop.cn")],
    )
    def test_good(self, norm, given, stored):
        assert norm("email", given) == stored

    @pytest.mark.parametrize("bad", ["li.wei", "li@", "@example.com", "a b@example.com", 12])
    def test_bad(self, error, bad):
        assert error("email", bad) == {"": [f"'{bad}' is not a valid email address"]}

    def test_unique_ignores_case(self):
        email = field_types.get("email")
        assert email.unique_value("Li@example.com", {}) == email.unique_value("li@example.com", {})


class TestPhone:
    @pytest.mark.parametrize(
        ("given", "stored"),
        [
            ("13800138000", "13800138000"),
            ("138-0013-8000", "13800138000"),
            ("+86 138 0013 8000", "13800138000"),
            ("0086 13800138000", "13800138000"),
            (13800138000, "13800138000"),
            ("+1 (415) 555-0100", "+14155550100"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+86 10 6552 9988", "+861065529988"),
        ],
    )
    def test_good(self, norm, given, stored):
        assert norm("phone", given) == stored

    @pytest.mark.parametrize(
        "bad",
        ["12800138000", "1380013800", "4155550100", "+0123456789", "call me", "+86 1380013800"],
    )
    def test_bad(self, error, bad):
        assert error("phone", bad) == {
            "": [
                f"'{bad}' is not a valid phone number; use +<country code><number> "
                "or an 11-digit mainland mobile number"
            ]
        }

    def test_filter_matches_stored_form_or_fragment(self):
        phone = field_types.get("phone")
        assert phone.filter_value("+86 138-0013-8000", {}) == "13800138000"
        assert phone.filter_value("8000", {}) == "8000"


class TestUrl:
    @pytest.mark.parametrize(
        "good",
        [
            "https://shop.example.com/item/1?x=1",
            "http://127.0.0.1:8000/a",
            "https://例子.测试/路径",
        ],
    )
    def test_good(self, norm, good):
        assert norm("url", f" {good} ") == good

    @pytest.mark.parametrize(
        "bad",
        ["javascript:alert(1)", "ftp://example.com/f", "www.example.com", "file:///etc/passwd"],
    )
    def test_other_schemes_refused(self, error, bad):
        assert error("url", bad) == {"": [f"'{bad}' must start with http:// or https://"]}

    def test_malformed(self, error):
        assert error("url", "https://exa mple.com") == {
            "": ["'https://exa mple.com' is not a valid web address"]
        }
        assert error("url", "https://e.com/" + "a" * 2000) == {
            "": ["must be at most 2000 characters long"]
        }


@pytest.mark.parametrize("type_", ["text", "textarea", "email", "phone", "url"])
def test_options_schema(type_, definition_errors):
    assert definition_errors([{"key": "f", "type": type_, "placeholder": "…"}]) == {}
    assert definition_errors([{"key": "f", "type": type_, "placeholder": 3}]) == {
        "fields[0].placeholder": ["must be of type string"]
    }


def test_text_regex_is_checked(definition_errors):
    assert definition_errors([{"key": "f", "type": "text", "regex": "("}]) == {
        "fields[0].regex": [
            "is not a valid regular expression: missing ), unterminated subpattern at position 0"
        ]
    }
    assert definition_errors([{"key": "f", "type": "text", "max_length": 0}]) == {
        "fields[0].max_length": ["violates minimum = 1"]
    }
