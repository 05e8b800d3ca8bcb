"""HTTP routes, mounted by the host at ``/m/hotlines``. The host has already resolved the
tenant and checked that the module is enabled for it before any view here runs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request
from marshmallow import Schema, ValidationError, fields
from sieuapp.sdk import LANGUAGES, Services
from sieuapp.sdk.errors import InvalidInput, NotFound

from . import catalog, favorites, phone
from .catalog import CATEGORIES, Hotline
from .models import Favorite


def request_language() -> str:
    """Vietnamese unless the caller prefers English (Accept-Language)."""
    return request.accept_languages.best_match(LANGUAGES, default="vi") or "vi"


def _localized(response: Response, language: str) -> Response:
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    return response


class FavoriteInput(Schema):
    number = fields.String(required=True)


def _number_or_422(raw: str) -> str:
    try:
        return phone.normalize(raw)
    except phone.InvalidPhoneNumber as exc:
        raise InvalidInput("The phone number is invalid.", {"number": [str(exc)]}) from exc


def _favorite_json(favorite: Favorite, listed: dict[str, Hotline], language: str) -> dict[str, Any]:
    hotline = listed.get(favorite.number)
    return {
        "number": favorite.number,
        "display": phone.display(favorite.number),
        "tel": f"tel:{favorite.number}",
        # A number the province has since removed stays a favourite until the citizen drops it.
        "listed": hotline is not None,
        "name": hotline.name.get(language) if hotline else None,
        "category": hotline.category if hotline else None,
        "created_at": favorite.created_at.isoformat(),
    }


def make_blueprint(services: Services) -> Blueprint:
    # Templates live under templates/hotlines/ because blueprint template folders share one
    # namespace across the whole app: a bare "index.html" would clash with another plugin's.
    bp = Blueprint("hotlines", __name__, template_folder="templates")

    def tenant_id() -> int:
        return services.tenancy.current().id

    @bp.get("/")
    def page() -> Response:
        language = request_language()
        numbers = catalog.hotlines(services.config.get())
        sections = [
            (CATEGORIES[name].get(language), [h for h in numbers if h.category == name])
            for name in CATEGORIES
        ]
        html = render_template(
            "hotlines/index.html",
            language=language,
            tenant=services.tenancy.current(),
            sections=[(title, items) for title, items in sections if items],
            display=phone.display,
        )
        return _localized(Response(html, mimetype="text/html"), language)

    @bp.get("/api/numbers")
    def numbers() -> Response:
        language = request_language()
        category = request.args.get("category")
        if category is not None and category not in CATEGORIES:
            raise InvalidInput(
                f"Unknown category {category!r}.",
                {"category": [f"Must be one of: {', '.join(CATEGORIES)}."]},
            )
        found = catalog.hotlines(services.config.get(), category)
        user = services.identity.current_user()
        starred = (
            {f.number for f in favorites.of_user(services.db.session, tenant_id(), user.id)}
            if user is not None
            else None
        )
        items = []
        for hotline in found:
            item = hotline.to_json(language)
            if starred is not None:
                item["favorite"] = hotline.number in starred
            items.append(item)
        body = {
            "tenant": services.tenancy.current().slug,
            "language": language,
            "categories": [{"id": k, "name": v.get(language)} for k, v in CATEGORIES.items()],
            "numbers": items,
        }
        return _localized(jsonify(body), language)

    @bp.get("/api/favorites")
    def list_favorites() -> Response:
        user = services.identity.require()
        language = request_language()
        listed = catalog.by_number(services.config.get())
        rows = favorites.of_user(services.db.session, tenant_id(), user.id)
        body = {"favorites": [_favorite_json(f, listed, language) for f in rows]}
        return _localized(jsonify(body), language)

    @bp.post("/api/favorites")
    def add_favorite() -> tuple[Response, int]:
        user = services.identity.require()
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise InvalidInput(
                'Send a JSON object such as {"number": "113"}.',
                {"_request": ["Expected a JSON object."]},
            )
        try:
            loaded: dict[str, Any] = FavoriteInput().load(data)
        except ValidationError as exc:
            raise InvalidInput("The favourite is invalid.", _field_errors(exc)) from exc
        number = _number_or_422(loaded["number"])
        listed = catalog.by_number(services.config.get())
        if number not in listed:
            raise InvalidInput(
                f"{number} is not one of this province's hotlines.",
                {"number": ["Not one of the numbers listed by GET /api/numbers."]},
            )
        favorite, created = favorites.add(services.db.session, tenant_id(), user.id, number)
        if created:
            services.audit.record("favorite.added", target=number, after={"number": number})
        language = request_language()
        response = _localized(jsonify(_favorite_json(favorite, listed, language)), language)
        return response, 201 if created else 200

    @bp.delete("/api/favorites/<number>")
    def remove_favorite(number: str) -> tuple[str, int]:
        user = services.identity.require()
        normalized = _number_or_422(number)
        removed = favorites.remove(services.db.session, tenant_id(), user.id, normalized)
        if removed is None:
            raise NotFound(f"{normalized} is not among your favourites.")
        services.audit.record("favorite.removed", target=normalized, before={"number": normalized})
        return "", 204

    return bp


def _field_errors(exc: ValidationError) -> dict[str, list[str]]:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_request": exc.messages}
    return {
        str(name): [str(m) for m in (value if isinstance(value, list) else [value])]
        for name, value in messages.items()
    }
