"""A citizen's favourite numbers: signed-in only, per user and tenant, idempotent, audited."""

from __future__ import annotations

import pytest

FAVORITES = "/m/hotlines/api/favorites"


def favorite_numbers(client) -> list[str]:
    response = client.get(FAVORITES)
    assert response.status_code == 200
    return [f["number"] for f in response.get_json()["favorites"]]


def audit(admin_client, action: str) -> list[dict]:
    response = admin_client.get(
        "/api/v1/admin/audit", query_string={"plugin": "hotlines", "action": action}
    )
    assert response.status_code == 200
    return response.get_json()["entries"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", FAVORITES, None),
        ("post", FAVORITES, {"number": "113"}),
        ("delete", f"{FAVORITES}/113", None),
    ],
)
def test_anonymous_callers_must_sign_in(anonymous_client, method, path, body):
    response = getattr(anonymous_client, method)(path, json=body)
    assert response.status_code == 401
    payload = response.get_json()
    assert payload["code"] == "unauthorized"
    assert payload["message"]
    assert payload["errors"] == {}


def test_add_list_remove(citizen_client, admin_client, sieuapp_platform):
    assert favorite_numbers(citizen_client) == []

    created = citizen_client.post(FAVORITES, json={"number": "115"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["number"] == "115"
    assert body["name"] == "Cấp cứu"
    assert body["listed"] is True
    assert body["tel"] == "tel:115"
    assert body["created_at"].endswith("+00:00")
    assert citizen_client.post(FAVORITES, json={"number": "113"}).status_code == 201

    listed = citizen_client.get(FAVORITES, headers={"Accept-Language": "en"}).get_json()
    assert [(f["number"], f["name"]) for f in listed["favorites"]] == [
        ("115", "Ambulance"),
        ("113", "Police"),
    ]

    removed = citizen_client.delete(f"{FAVORITES}/115")
    assert removed.status_code == 204
    assert removed.get_data() == b""
    assert favorite_numbers(citizen_client) == ["113"]

    citizen_id = sieuapp_platform.users["citizen"].id
    added = audit(admin_client, "hotlines.favorite.added")
    assert sorted(e["target"] for e in added) == ["113", "115"]
    assert {e["actor_id"] for e in added} == {citizen_id}
    gone = audit(admin_client, "hotlines.favorite.removed")
    assert [(e["target"], e["before"], e["actor_id"]) for e in gone] == [
        ("115", {"number": "115"}, citizen_id)
    ]


def test_adding_twice_is_idempotent(citizen_client, admin_client):
    first = citizen_client.post(FAVORITES, json={"number": "114"})
    again = citizen_client.post(FAVORITES, json={"number": "114"})
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert favorite_numbers(citizen_client) == ["114"]
    assert len(audit(admin_client, "hotlines.favorite.added")) == 1


def test_the_same_number_in_another_form_is_the_same_favourite(citizen_client, configured):
    assert citizen_client.post(FAVORITES, json={"number": "+84 905 123 456"}).status_code == 201
    assert citizen_client.post(FAVORITES, json={"number": "0905.123.456"}).status_code == 200
    assert favorite_numbers(citizen_client) == ["0905123456"]
    assert citizen_client.delete(f"{FAVORITES}/+84905123456").status_code == 204
    assert favorite_numbers(citizen_client) == []


def test_favourites_belong_to_one_user(citizen_client, official_client):
    assert citizen_client.post(FAVORITES, json={"number": "113"}).status_code == 201
    assert official_client.post(FAVORITES, json={"number": "111"}).status_code == 201
    assert favorite_numbers(citizen_client) == ["113"]
    assert favorite_numbers(official_client) == ["111"]
    # Another user's favourite is not yours to remove.
    assert official_client.delete(f"{FAVORITES}/113").status_code == 404
    assert favorite_numbers(citizen_client) == ["113"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "0905123456"}, "number"),  # a valid number the province does not list
        ({"number": "12"}, "number"),
        ({"number": "one one three"}, "number"),
        ({"number": 113}, "number"),
        ({"number": None}, "number"),
        ({}, "number"),
        ({"number": "113", "note": "x"}, "note"),
        ([{"number": "113"}], "_request"),
        ("113", "_request"),
    ],
)
def test_bad_favourites_are_422_naming_the_field(citizen_client, admin_client, body, field):
    response = citizen_client.post(FAVORITES, json=body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["code"] == "invalid_input"
    assert field in payload["errors"], payload
    assert favorite_numbers(citizen_client) == []
    assert audit(admin_client, "hotlines.favorite.added") == []


def test_a_body_that_is_not_json_is_422(citizen_client):
    response = citizen_client.post(FAVORITES, data="number=113", content_type="text/plain")
    assert response.status_code == 422
    assert "_request" in response.get_json()["errors"]


def test_removing_what_is_not_a_favourite_is_404(citizen_client, admin_client):
    response = citizen_client.delete(f"{FAVORITES}/113")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert "113" in response.get_json()["message"]
    assert audit(admin_client, "hotlines.favorite.removed") == []


def test_removing_a_malformed_number_is_422(citizen_client):
    response = citizen_client.delete(f"{FAVORITES}/abc")
    assert response.status_code == 422
    assert "number" in response.get_json()["errors"]


def test_a_number_the_province_removed_stays_until_the_citizen_drops_it(
    citizen_client, configure_plugin, configured
):
    assert citizen_client.post(FAVORITES, json={"number": "19001075"}).status_code == 201
    assert configure_plugin({"entries": []}).status_code == 200

    favorites = citizen_client.get(FAVORITES).get_json()["favorites"]
    assert favorites == [
        {
            "number": "19001075",
            "display": "1900 1075",
            "tel": "tel:19001075",
            "listed": False,
            "name": None,
            "category": None,
            "created_at": favorites[0]["created_at"],
        }
    ]
    # It can no longer be added, but it can still be removed.
    assert citizen_client.post(FAVORITES, json={"number": "19001075"}).status_code == 422
    assert citizen_client.delete(f"{FAVORITES}/19001075").status_code == 204
