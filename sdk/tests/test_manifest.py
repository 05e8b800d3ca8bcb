from __future__ import annotations

import pytest
from marshmallow import Schema, fields
from sieuapp.sdk import FrontendEntry, LocalizedText, Manifest, Role, Scope, text


def valid(**changes) -> Manifest:
    base = dict(
        id="taxi",
        name=text("Taxi", "Taxi"),
        description=text("Gọi xe", "Book a car"),
        sdk_api=">=1.0,<2",
        scopes=(Scope("location", text("Để tìm xe gần bạn", "To find a car near you")),),
        frontend=FrontendEntry(route="/", icon="taxi", category="transport"),
        roles=(Role.CITIZEN,),
    )
    base.update(changes)
    return Manifest(**base)


def test_a_valid_manifest_has_no_problems():
    assert valid().problems() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"id": "Taxi!"}, "id: 'Taxi!'"),
        ({"id": "t"}, "id: 't'"),
        ({"name": text("", "Taxi")}, "name.vi: must be a non-empty string"),
        ({"description": "Gọi xe"}, "description: must be LocalizedText"),
        ({"sdk_api": "one point oh"}, "sdk_api: 'one point oh' is not a PEP 440"),
        ({"sdk_api": ""}, "sdk_api: must be a version specifier"),
        ({"scopes": (Scope("location", text("", "x")),)}, "scopes[0].purpose.vi"),
        ({"scopes": ("location",)}, "scopes[0]: must be Scope"),
        (
            {"scopes": (Scope("a_b", text("x", "y")), Scope("a_b", text("x", "y")))},
            "scopes[1].name: 'a_b' is listed twice",
        ),
        ({"frontend": FrontendEntry(route="home")}, "frontend.route: 'home' must start with '/'"),
        ({"frontend": FrontendEntry(icon="http://cdn/x.png")}, "frontend.icon"),
        ({"roles": ("mayor",)}, "roles: unknown role 'mayor'"),
        ({"roles": ()}, "roles: must be a non-empty tuple"),
        ({"config_schema": dict}, "config_schema: must be a marshmallow Schema class"),
        ({"migrations": "no_colon"}, "migrations: must be 'package:folder'"),
    ],
)
def test_each_problem_is_named(changes, expected):
    problems = valid(**changes).problems()
    assert any(expected in p for p in problems), problems


def test_config_schema_accepts_marshmallow_schemas():
    class Config(Schema):
        fleet_size = fields.Integer()

    assert valid(config_schema=Config).problems() == []


def test_localized_text_falls_back_to_vietnamese():
    greeting = LocalizedText(vi="Xin chào", en="Hello")
    assert greeting.get("en") == "Hello"
    assert greeting.get("fr") == "Xin chào"


def test_the_host_fills_the_version():
    assert valid().with_version("2.3.1").version == "2.3.1"
