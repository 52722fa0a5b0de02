"""Whether a new JSON Schema of an event type can break consumers of the old one.

The rule: a consumer written against OLD must still read data produced under NEW.
That breaks when a field it reads disappears, when a field changes type (or its
enum loses values, or a list's items change), and, for the producers still sending
OLD-shaped data, when a field becomes required. Adding an optional field is fine:
consumers ignore fields they do not know.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Human-readable reasons why `new` breaks consumers of `old`; empty when compatible."""
    return _compare_object(old, old, new, new, path="")


def _resolve(schema: Schema, root: Schema) -> Schema:
    seen = 0
    while "$ref" in schema and seen < 50:
        ref: str = schema["$ref"]
        if not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _variants(schema: Schema, root: Schema) -> list[Schema]:
    """The alternatives of a schema (anyOf/oneOf), each resolved; `null` kept as one."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            result: list[Schema] = []
            for option in schema[key]:
                result.extend(_variants(option, root))
            return result
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": single} for single in types]
    return [schema]


def _shape(schema: Schema) -> str:
    kind = schema.get("type", "any")
    if "format" in schema:
        kind = f"{kind}:{schema['format']}"
    if "const" in schema:
        kind = f"const:{schema['const']!r}"
    return str(kind)


def _compare_value(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    old_variants = _variants(old, old_root)
    new_variants = _variants(new, new_root)
    old_shapes = {_shape(v) for v in old_variants}
    new_shapes = {_shape(v) for v in new_variants}
    # New values a consumer of OLD has never seen are what break it.
    unseen = new_shapes - old_shapes
    if unseen:
        return [
            f"{path}: type changed from {' | '.join(sorted(old_shapes))} "
            f"to {' | '.join(sorted(new_shapes))}"
        ]
    problems: list[str] = []
    for new_variant in new_variants:
        shape = _shape(new_variant)
        old_variant = next(v for v in old_variants if _shape(v) == shape)
        if "enum" in new_variant and "enum" in old_variant:
            added = {repr(v) for v in new_variant["enum"]} - {repr(v) for v in old_variant["enum"]}
            if added:
                problems.append(f"{path}: new enum values {', '.join(sorted(added))}")
        if new_variant.get("type") == "object" or "properties" in new_variant:
            problems.extend(_compare_object(old_variant, old_root, new_variant, new_root, path))
        if new_variant.get("type") == "array":
            problems.extend(
                _compare_value(
                    old_variant.get("items", {}),
                    old_root,
                    new_variant.get("items", {}),
                    new_root,
                    f"{path}[]",
                )
            )
    return problems


def _compare_object(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    old = _resolve(old, old_root)
    new = _resolve(new, new_root)
    old_properties: dict[str, Schema] = old.get("properties", {})
    new_properties: dict[str, Schema] = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    problems: list[str] = []
    for name, old_property in sorted(old_properties.items()):
        field_path = f"{path}.{name}" if path else name
        if name not in new_properties:
            problems.append(f"{field_path}: removed")
            continue
        problems.extend(
            _compare_value(old_property, old_root, new_properties[name], new_root, field_path)
        )
    for name in sorted(new_required - old_required):
        field_path = f"{path}.{name}" if path else name
        if name in old_properties:
            problems.append(f"{field_path}: became required")
        else:
            problems.append(f"{field_path}: added as required")
    return problems
