"""The dealers API: the nearest dealers to a place or a position, and one dealer with its hours."""

from __future__ import annotations

import pytest

from autovitrine.testing import factories as f


@pytest.fixture
def network(dealer, other_dealer):
    """Lyon and Marseille, plus a Paris agent without workshop and an inactive dealer in Lyon."""
    paris = f.DealerFactory(
        code="aurore-paris",
        name="Aurore Paris",
        kind="agent",
        city="Paris",
        postcode="75011",
        latitude=48.8590,
        longitude=2.3800,
        has_workshop=False,
    )
    f.DealerFactory(code="fermee", name="Ancienne Lyon", is_active=False)
    return dealer, other_dealer, paris


def test_near_a_city_dealers_come_nearest_first_with_their_distance(client, network):
    # Given
    lyon, marseille, paris = network

    # When
    response = client.get("/api/dealers", {"place": "Marseille"})

    # Then
    assert response.status_code == 200
    body = response.json()
    assert [(d["code"], d["distance_km"]) for d in body] == [
        (marseille.code, 4.3),
        (lyon.code, 275.7),
        (paris.code, 659.9),
    ]
    assert body[0] == {
        "code": marseille.code,
        "name": "Aurore Marseille",
        "kind": "concession",
        "street": "12 avenue Jean Jaurès",
        "postcode": "13008",
        "city": "Marseille",
        "latitude": 43.2599,
        "longitude": 5.3803,
        "phone": "04 72 00 00 00",
        "services": {"new": True, "used": True, "workshop": True},
        "page_url": f"/concessions/{marseille.code}/",
        "distance_km": 4.3,
    }


def test_a_position_limit_and_services_narrow_the_list(client, network):
    # Given
    lyon, marseille, paris = network

    # When: from Paris, the single nearest with a workshop
    response = client.get(
        "/api/dealers", {"lat": "48.8534", "lng": "2.3488", "limit": 1, "services": "workshop"}
    )

    # Then
    assert [d["code"] for d in response.json()] == [lyon.code]


def test_a_postcode_is_a_place_too(client, network):
    # When
    response = client.get("/api/dealers", {"place": "69007", "limit": 2})

    # Then
    assert [d["city"] for d in response.json()] == ["Lyon", "Marseille"]


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"place": "Xyzzyville-sur-Rien"}, 422, "unknown_place", "place"),
        ({}, 422, "invalid_input", "place"),
        ({"lat": "45.7"}, 422, "invalid_input", ""),
        ({"lat": "north", "lng": "4.8"}, 422, "invalid_input", "lat"),
        ({"lat": "95", "lng": "4.8"}, 422, "invalid_input", "lat"),
        ({"lat": "45", "lng": "-181"}, 422, "invalid_input", "lng"),
        ({"place": "Lyon", "limit": "0"}, 422, "invalid_input", "limit"),
        ({"place": "Lyon", "limit": "1000000"}, 422, "invalid_input", "limit"),
        ({"place": "Lyon", "services": "carwash"}, 422, "invalid_input", "services.0"),
        ({"place": "L" * 101}, 422, "invalid_input", "place"),
    ],
)
def test_bad_locator_input_is_a_clear_json_error(client, network, params, status, code, field):
    # When
    response = client.get("/api/dealers", params)

    # Then
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["details"][0]["field"] == field
    assert error["message"]


def test_a_dealer_gives_its_services_and_opening_hours(client, dealer):
    # When
    response = client.get(f"/api/dealers/{dealer.code}")

    # Then
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == dealer.name
    assert body["brand"] == "Aurore"
    assert body["email"] == dealer.email
    assert body["services"] == {"new": True, "used": True, "workshop": True}
    assert body["opening_periods"][:2] == [
        {"weekday": 0, "day": "lundi", "opens_at": "09:00", "closes_at": "12:30"},
        {"weekday": 0, "day": "lundi", "opens_at": "14:00", "closes_at": "19:00"},
    ]
    assert len(body["opening_periods"]) == 12
    assert body["opening_hours"] == [
        "lundi – samedi : 9 h – 12 h 30, 14 h – 19 h",
        "dimanche : fermé",
    ]
    assert body["stock_search_url"] == f"/stock/?dealer={dealer.code}"


@pytest.mark.parametrize("code", ["inconnue", "fermee"])
def test_an_unknown_or_inactive_dealer_is_not_found(client, network, code):
    # When
    response = client.get(f"/api/dealers/{code}")

    # Then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
