"""Google Maps grounding: the user's location goes to toolConfig.retrievalConfig."""

from __future__ import annotations

import pytest

from langchain_cometgemini._wire.tools import convert_tools, retrieval_config


def test_location_keys_move_from_the_tool_to_retrieval_config() -> None:
    tools = [
        {"google_maps": {"latitude": 48.85, "longitude": 2.35, "enable_widget": True}}
    ]
    assert convert_tools(tools) == [{"googleMaps": {"enable_widget": True}}]
    assert retrieval_config(tools) == {
        "retrievalConfig": {"latLng": {"latitude": 48.85, "longitude": 2.35}}
    }


def test_explicit_config_wins_and_takes_camel_or_snake_case() -> None:
    tools = [{"googleMaps": {"lat_lng": {"latitude": 1, "longitude": 2}}}]
    explicit = {
        "latLng": {"latitude": -33.9, "longitude": 151.2},
        "language_code": "en",
    }
    assert retrieval_config(tools, explicit) == {
        "retrievalConfig": {
            "latLng": {"latitude": -33.9, "longitude": 151.2},
            "languageCode": "en",
        }
    }
    assert retrieval_config(tools) == {
        "retrievalConfig": {"latLng": {"latitude": 1.0, "longitude": 2.0}}
    }


def test_no_location_means_no_retrieval_config() -> None:
    assert retrieval_config([{"google_maps": {}}, {"google_search": {}}]) is None


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"latitude": 91, "longitude": 0}, "latitude must be within"),
        ({"latitude": 0, "longitude": -181}, "longitude must be within"),
        ({"latitude": 10}, "both latitude and longitude"),
    ],
)
def test_bad_locations_raise(location: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        retrieval_config([{"google_maps": location}])
