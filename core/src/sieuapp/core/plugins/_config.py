"""A tenant's configuration of a plugin: validated by the plugin's schema, secrets never shown."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError
from sieuapp.sdk import Manifest
from sieuapp.sdk.errors import Conflict, InvalidInput

from ..errors import flatten_field_errors


def secret_fields(manifest: Manifest) -> set[str]:
    """The keys of the secret fields as stored and sent: a field's ``data_key`` when it has one."""
    if manifest.config_schema is None:
        return set()
    return {
        field.data_key or name
        for name, field in manifest.config_schema().fields.items()
        if field.metadata.get("secret")
    }


def validate(manifest: Manifest, data: Any, previous: dict[str, Any]) -> dict[str, Any]:
    """The stored form of ``data``; a secret left out keeps its previous value."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "The configuration must be a JSON object.", {"config": ["Not an object."]}
        )
    schema_cls: type[Schema] | None = manifest.config_schema
    if schema_cls is None:
        if data:
            raise InvalidInput(
                f"Module {manifest.id!r} takes no configuration.",
                {name: ["Unknown field."] for name in data},
            )
        return {}
    merged = {k: previous[k] for k in secret_fields(manifest) if k in previous and k not in data}
    merged.update(data)
    schema = schema_cls()
    try:
        loaded = schema.load(merged)
        return schema.dump(loaded)
    except ValidationError as exc:
        raise InvalidInput(
            f"The configuration of {manifest.id!r} is invalid.", flatten_field_errors(exc.messages)
        ) from exc
    except Exception as exc:  # noqa: BLE001 - the schema is the plugin's code
        raise Conflict(
            f"The config schema of plugin {manifest.id!r} raised {type(exc).__name__}: {exc}",
            {"config": ["The plugin could not check this configuration."]},
        ) from exc


def defaults(manifest: Manifest) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The configuration a fresh install starts with, and what is still missing from it."""
    try:
        return validate(manifest, {}, {}), {}
    except InvalidInput as exc:
        missing = exc.errors
    # Keep the defaults the schema has; enabling checks the required fields again.
    assert manifest.config_schema is not None
    schema = manifest.config_schema()
    # ``partial=True`` would skip the defaults too: only the required fields may be absent.
    required = tuple(name for name, field in schema.fields.items() if field.required)
    try:
        return schema.dump(schema.load({}, partial=required)), missing
    except Exception:  # noqa: BLE001 - the schema is the plugin's code
        return {}, missing


def public(manifest: Manifest, config: dict[str, Any]) -> dict[str, Any]:
    """What the API may show of a configuration: secrets are reported as set, never shown."""
    secrets = secret_fields(manifest)
    return {
        "values": {k: v for k, v in config.items() if k not in secrets},
        "secrets_set": sorted(k for k in secrets if config.get(k) not in (None, "")),
    }


def schema_description(manifest: Manifest) -> list[dict[str, Any]]:
    """The config fields, for a console to build a form from."""
    if manifest.config_schema is None:
        return []
    described = []
    for name, field in manifest.config_schema().fields.items():
        described.append(
            {
                "name": field.data_key or name,
                "type": type(field).__name__,
                "required": field.required,
                "secret": bool(field.metadata.get("secret")),
                "label": field.metadata.get("label"),
                "description": field.metadata.get("description"),
            }
        )
    return described
