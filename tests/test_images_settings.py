"""The settings table reads at a glance: shared variables once, one variable a line, long
values cut (with the whole value on hover)."""

from __future__ import annotations

import re

from workshop_lib.images_app._settings import FunctionSetting, FunctionSettings

TABLE = "workshop-images-TrackingTable-1A2B3C4D5E6F"
LONG = "arn:aws:sns:us-east-1:123456789012:workshop-images-NotificationTopic-" + "X" * 40


def _settings() -> FunctionSettings:
    return FunctionSettings(
        [
            FunctionSetting(
                "validate", "app.handler", 512, 30, {"TABLE": TABLE, "TOPIC": LONG, "MAX_MB": "20"}
            ),
            FunctionSetting("resize", "app.handler", 1024, 60, {"TABLE": TABLE, "SIZES": "320"}),
        ]
    )


def test_variables_every_function_shares_are_listed_once():
    settings = _settings()
    assert settings.shared_environment == {"TABLE": TABLE}
    page = settings._repr_html_()
    assert page.count(f">{TABLE}<") == 1
    assert "Every function also has" in page


def test_each_variable_on_its_own_line_and_long_values_cut_with_the_whole_on_hover():
    page = _settings()._repr_html_()
    validate_row = re.search(r"<tr><td><b>validate</b>.*?</tr>", page).group(0)
    assert validate_row.count("<br>") == 1  # MAX_MB and TOPIC, one a line
    assert f'title="{LONG}"' in page
    assert f">{LONG}<" not in page and "…" in page
