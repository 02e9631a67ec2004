"""The shape of one case document as compiled ``msgspec`` types, made from the published JSON Schema.

Why: checking that a valid case has the schema's shape was a sixth of HQ's import (issue 18). A
``msgspec`` conversion checks fields, types, lengths, ranges and unknown fields in compiled code, some
ten times faster than the generated validator it replaces. It is only trusted to say "valid" and is
made to be at least as strict as the schema (``app.case_schema.schema_errors``): when it says no, the
full validator finds and words every problem as before, so no refusal changes. The types are made
from ``resources/schemas/case-v1.schema.json`` itself (there is no second copy of the shape to drift),
and a keyword this module does not know stops it at once rather than be skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, Union

import msgspec

# Keywords that only describe (``format`` is not asserted, as by the full validator).
_DESCRIPTIVE = frozenset({"title", "description", "readOnly", "format", "$comment"})
_KNOWN = _DESCRIPTIVE | {
    "type", "enum", "minLength", "maxLength", "minimum", "maximum", "items", "properties",
    "required", "additionalProperties", "allOf", "minItems", "maxItems",
}  # fmt: skip


class UnknownKeyword(ValueError):
    """The schema uses a keyword this module cannot check: it must not pass unchecked."""


def _merged(node: Mapping[str, Any]) -> dict[str, Any]:
    """A node with its ``allOf`` parts folded into it (the inlined schema keeps a ``$ref``'s sibling
    keywords in an ``allOf``): lengths and ranges take the stricter bound, types must agree."""
    unknown = set(node) - _KNOWN
    if unknown:
        raise UnknownKeyword(", ".join(sorted(unknown)))
    merged = {k: v for k, v in node.items() if k != "allOf" and k not in _DESCRIPTIVE}
    for part in node.get("allOf", []):
        for key, value in _merged(part).items():
            if key not in merged or merged[key] == value:
                merged[key] = value
            elif key in ("minLength", "minimum"):
                merged[key] = max(merged[key], value)
            elif key in ("maxLength", "maximum"):
                merged[key] = min(merged[key], value)
            else:
                raise UnknownKeyword(f"{key} given twice with different values")
    return merged


def _type(node: Mapping[str, Any], name: str) -> Any:
    """The ``msgspec`` type of a schema node (``name`` names the structs made for objects)."""
    schema = _merged(node)
    if "enum" in schema:
        values = tuple(schema["enum"])
        if not values or not all(isinstance(v, str) for v in values) or "type" in schema:
            raise UnknownKeyword(f"{name}: only an enum of texts is known")
        return Literal[values]
    kinds = schema.get("type")
    if kinds is None:
        raise UnknownKeyword(f"{name}: a field without a type")
    options = [_one(kind, schema, name) for kind in (kinds if isinstance(kinds, list) else [kinds])]
    return options[0] if len(options) == 1 else Union[tuple(options)]  # noqa: UP007 (made at run time)


def _one(kind: str, schema: Mapping[str, Any], name: str) -> Any:
    if kind == "null":
        return None
    if kind == "string":
        meta = {"min_length": schema.get("minLength"), "max_length": schema.get("maxLength")}
        return _annotated(str, meta)
    if kind == "integer":  # bool and 150.0 are not whole numbers here (``case_schema._strict_integer``)
        return _annotated(int, {"ge": schema.get("minimum"), "le": schema.get("maximum")})
    if kind == "number":
        return _annotated(float, {"ge": schema.get("minimum"), "le": schema.get("maximum")})
    if kind == "boolean":
        return bool
    if kind == "array":
        if "items" not in schema:
            raise UnknownKeyword(f"{name}: a list without items")
        items = list[_type(schema["items"], name)]  # type: ignore[misc,valid-type]
        return _annotated(items, {"min_length": schema.get("minItems"), "max_length": schema.get("maxItems")})
    if kind == "object":
        return _struct(schema, name)
    raise UnknownKeyword(f"{name}: type {kind}")


def _annotated(base: Any, meta: dict[str, Any]) -> Any:
    given = {k: v for k, v in meta.items() if v is not None}
    return Annotated[base, msgspec.Meta(**given)] if given else base


def _struct(schema: Mapping[str, Any], name: str) -> Any:
    if schema.get("additionalProperties", True) is not False:
        raise UnknownKeyword(f"{name}: an object that allows unknown fields")
    required = set(schema.get("required", []))
    if not required <= set(schema.get("properties", {})):
        raise UnknownKeyword(f"{name}: a required field without a schema")
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for key, member in schema.get("properties", {}).items():
        kind = _type(member, f"{name}_{key}")
        # A field left out is UNSET; null is a value, accepted only where the schema lists "null".
        fields.append((key, kind) if key in required else (key, kind | msgspec.UnsetType, msgspec.UNSET))
    return msgspec.defstruct(
        f"Case_{name}", fields, kw_only=True, forbid_unknown_fields=True, omit_defaults=True
    )


def compile_shape(case_schema: Mapping[str, Any]) -> Callable[[Any], bool]:
    """A check of one case against ``case_schema`` (``$defs`` inlined, ``case_schema.inlined``):
    True only when the case has the schema's shape. False says nothing (the full validator looks).
    ``uniqueItems`` is known on a list of texts that is a field of the top object (the activity
    format's forces and cases), checked after the conversion; anywhere else it stops this module."""
    unique: list[str] = []
    top = dict(case_schema)
    if isinstance(top.get("properties"), dict):
        fields = {}
        for key, member in top["properties"].items():
            if isinstance(member, dict) and member.get("uniqueItems") is True:
                member = {k: v for k, v in member.items() if k != "uniqueItems"}
                if member.get("type") != "array" or _type(member, key) is None:
                    raise UnknownKeyword(f"{key}: uniqueItems on something else than a list")
                unique.append(key)
            fields[key] = member
        top["properties"] = fields
    shape = _type(top, "case")

    def valid(case: Any) -> bool:
        try:
            msgspec.convert(case, shape, strict=True)
        except msgspec.ValidationError:
            return False
        for key in unique:
            values = case.get(key)
            if values is not None and (
                not all(isinstance(v, str) for v in values) or len(set(values)) != len(values)
            ):
                return False
        return True

    return valid
