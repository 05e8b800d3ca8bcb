"""The public list: national numbers, the province's numbers, languages, category filter."""

from __future__ import annotations

import pytest

NUMBERS = "/m/hotlines/api/numbers"
NATIONAL = ["113", "114", "115", "112", "111"]


def numbers_of(response) -> list[str]:
    return [n["number"] for n in response.get_json()["numbers"]]


def test_anonymous_gets_the_national_numbers_in_vietnamese_by_default(anonymous_client):
    response = anonymous_client.get(NUMBERS)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert "Accept-Language" in response.headers["Vary"]
    body = response.get_json()
    assert body["language"] == "vi"
    assert body["tenant"] == "hue"
    assert numbers_of(response) == NATIONAL
    police = body["numbers"][0]
    assert police == {
        "number": "113",
        "display": "113",
        "tel": "tel:113",
        "name": "Công an",
        "description": "Báo tin tội phạm, mất an ninh trật tự",
        "category": "emergency",
        "category_name": "Khẩn cấp",
        "source": "national",
    }
    assert "favorite" not in police  # only a signed-in caller has favourites


@pytest.mark.parametrize("header", ["en", "en-US,en;q=0.9", "fr;q=0.9, en;q=0.5"])
def test_english_when_the_caller_prefers_it(anonymous_client, header):
    response = anonymous_client.get(NUMBERS, headers={"Accept-Language": header})
    body = response.get_json()
    assert response.headers["Content-Language"] == "en"
    assert body["language"] == "en"
    names = {n["number"]: n["name"] for n in body["numbers"]}
    assert names["113"] == "Police"
    assert names["114"] == "Fire and rescue"
    assert names["115"] == "Ambulance"
    assert names["111"] == "National child protection hotline"
    assert {c["id"]: c["name"] for c in body["categories"]}["emergency"] == "Emergency"


def test_a_language_not_offered_falls_back_to_vietnamese(anonymous_client):
    body = anonymous_client.get(NUMBERS, headers={"Accept-Language": "fr, de"}).get_json()
    assert body["language"] == "vi"
    assert body["numbers"][2]["name"] == "Cấp cứu"


def test_category_filter(anonymous_client):
    response = anonymous_client.get(NUMBERS, query_string={"category": "social"})
    assert response.status_code == 200
    assert numbers_of(response) == ["111"]
    empty = anonymous_client.get(NUMBERS, query_string={"category": "tourism"})
    assert empty.status_code == 200
    assert numbers_of(empty) == []


@pytest.mark.parametrize("category", ["police", "", "EMERGENCY", "emergency "])
def test_unknown_category_is_a_422_naming_the_field(anonymous_client, category):
    response = anonymous_client.get(NUMBERS, query_string={"category": category})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "invalid_input"
    assert repr(category) in body["message"]
    assert list(body["errors"]) == ["category"]
    assert "emergency" in body["errors"]["category"][0]


def test_configured_numbers_appear_after_the_admin_configures_them(
    anonymous_client, configure_plugin
):
    before = numbers_of(anonymous_client.get(NUMBERS))
    assert "19001075" not in before

    response = configure_plugin(
        {
            "entries": [
                {
                    "name": {"vi": "Tổng đài Hue-S", "en": "Hue-S call centre"},
                    "number": "1900 1075",
                    "category": "public-service",
                },
                {
                    "name": {"vi": "Trực ban Sở Y tế", "en": "Department of Health duty desk"},
                    "number": "+84 234 382 2222",
                    "category": "health",
                },
            ]
        }
    )
    assert response.status_code == 200, response.get_json()
    stored = response.get_json()["state"]["config"]["values"]["entries"]
    # Stored in national form, whatever the admin typed.
    assert [e["number"] for e in stored] == ["19001075", "02343822222"]

    body = anonymous_client.get(NUMBERS, headers={"Accept-Language": "en"}).get_json()
    # Category order: emergency, social, public-service, health, ...
    assert [n["number"] for n in body["numbers"]] == [*NATIONAL, "19001075", "02343822222"]
    hue_s = body["numbers"][5]
    assert hue_s["name"] == "Hue-S call centre"
    assert hue_s["display"] == "1900 1075"
    assert hue_s["tel"] == "tel:19001075"
    assert hue_s["source"] == "province"
    assert hue_s["category_name"] == "Public services"
    assert body["numbers"][6]["display"] == "0234 382 2222"
    health = anonymous_client.get(NUMBERS, query_string={"category": "health"})
    assert numbers_of(health) == ["02343822222"]


def test_reconfiguring_replaces_the_province_numbers(
    anonymous_client, configure_plugin, configured
):
    assert "19001075" in numbers_of(anonymous_client.get(NUMBERS))
    assert configure_plugin({"entries": []}).status_code == 200
    assert numbers_of(anonymous_client.get(NUMBERS)) == NATIONAL


def test_signed_in_callers_see_which_numbers_they_starred(citizen_client):
    assert citizen_client.post("/m/hotlines/api/favorites", json={"number": "115"}).status_code
    body = citizen_client.get(NUMBERS).get_json()
    assert {n["number"]: n["favorite"] for n in body["numbers"]} == {
        "113": False,
        "114": False,
        "115": True,
        "112": False,
        "111": False,
    }


def test_an_invalid_token_is_refused_not_treated_as_anonymous(anonymous_client):
    response = anonymous_client.get(NUMBERS, headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
