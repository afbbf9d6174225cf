from datetime import timedelta

import pytest

from sopengine.model.durations import format_duration, parse_duration


@pytest.mark.parametrize("text, expected", [
    ("30s", timedelta(seconds=30)), ("10m", timedelta(minutes=10)), ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)), ("1h30m", timedelta(hours=1, minutes=30)), ("0m", timedelta(0)),
])
def test_parses_the_spec_forms(text, expected):
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("text", ["", "10", "m", "10x", "1.5h", "30m1h", "1h1h", "-5m", "10 m"])
def test_rejects_everything_else(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
