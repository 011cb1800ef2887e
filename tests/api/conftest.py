"""Fixtures of the API tests: the hand-made world of the search tests, and a validator of
responses against the published OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.test_search_backend import World, make_world


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def openapi(client: Any) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def schema_errors(
    value: Any, schema: dict[str, Any], spec: dict[str, Any], path: str = "$"
) -> list[str]:
    """The places where ``value`` breaks ``schema`` (the subset of JSON Schema the API's OpenAPI
    document uses: $ref, type, properties, required, items, additionalProperties, anyOf, enum)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return schema_errors(value, spec["components"]["schemas"][name], spec, path)
    if "anyOf" in schema:
        options = [schema_errors(value, option, spec, path) for option in schema["anyOf"]]
        return [] if any(not errors for errors in options) else [f"{path}: matches no anyOf"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} not in {schema['enum']}"]
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind and not checks[kind](value):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    errors: list[str] = []
    if kind == "object":
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}: missing {name}")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(item, properties[name], spec, f"{path}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += schema_errors(
                    item, schema["additionalProperties"], spec, f"{path}.{name}"
                )
            elif properties:
                errors.append(f"{path}: unexpected property {name}")
    if kind == "array":
        for index, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), spec, f"{path}[{index}]")
    return errors


def response_schema(spec: dict[str, Any], path: str, status: int = 200) -> dict[str, Any]:
    operation = spec["paths"][path]["get"]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]
