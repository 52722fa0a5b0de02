"""Whether a new JSON Schema of an event type can break consumers of the old one.

The rule: a consumer written against OLD must still read data produced under NEW, and
during a rolling deploy that consumer may still run the old payload class, which
validates. So NEW breaks it when it can send a value OLD never allowed:

- a field OLD has disappears;
- a field changes type: a JSON type or format OLD never had, a `null` where OLD had none,
  a list's items or a map's values retyped, an enum gaining values or losing its enum;
- a bound is relaxed (a larger maximum, a longer maxLength, a changed pattern...).

And a field newly required (an optional one made required, or a new required one)
breaks the producers and stored events still carrying OLD-shaped data.

Narrowing is fine: a nullable field made non-nullable, an enum losing values, an `int`
where OLD had a `float`, a plain string gaining a format. Adding an optional field is
fine too: payloads ignore fields they do not know.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

# Keys whose value a NEW schema may raise (lower bounds) or lower (upper bounds) freely.
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Human-readable reasons why `new` breaks consumers of `old`; empty when compatible.

    Both are JSON Schemas of the same event type; local `$ref`s into `$defs` are
    followed, so nested models are compared too and named by their path
    (`address.street`, `tags[]` for list items, `scores.*` for map values).
    """
    return _compare_value(old, old, new, new, path="")


def _resolve(schema: Schema, root: Schema) -> Schema:
    """The schema with local `$ref`s (and single-element `allOf` wrappers) inlined."""
    for _ in range(50):  # a bound, because a malformed schema could refer to itself
        if "$ref" in schema:
            ref: str = schema["$ref"]
            if not ref.startswith("#/"):
                return schema
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part]
            rest = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**target, **rest}
        elif isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
            rest = {key: value for key, value in schema.items() if key != "allOf"}
            schema = {**schema["allOf"][0], **rest}
        else:
            return schema
    return schema


def _variants(schema: Schema, root: Schema) -> list[Schema]:
    """The alternatives of a schema (anyOf/oneOf, type lists), each resolved."""
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


def _type(schema: Schema) -> str:
    return str(schema.get("type", "any"))


def _shape(schema: Schema) -> str:
    if "format" in schema:
        return f"{_type(schema)}:{schema['format']}"
    return _type(schema)


def _accepts(old: Schema, new: Schema) -> bool:
    """Whether a consumer of `old` reads every value of `new`'s JSON type and format."""
    old_type, new_type = _type(old), _type(new)
    # An untyped schema (`Any`, or an enum of mixed types) is judged by its enum alone.
    if old_type != "any" and old_type != new_type and (old_type, new_type) != ("number", "integer"):
        return False
    return "format" not in old or old.get("format") == new.get("format")


def _enum(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def _compare_value(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    old_variants = _variants(old, old_root)
    new_variants = _variants(new, new_root)
    unseen = False
    problems: list[str] = []
    for new_variant in new_variants:
        candidates = [v for v in old_variants if _accepts(v, new_variant)]
        if not candidates:
            unseen = True
            continue
        # In a union of models the same-titled model is the counterpart; failing that,
        # the variant this one fits best, so the reasons name the real differences.
        title = new_variant.get("title")
        namesakes = [v for v in candidates if title is not None and v.get("title") == title]
        found: list[list[str]] = [
            _compare_variant(candidate, old_root, new_variant, new_root, path)
            for candidate in namesakes or candidates
        ]
        fewest = min(found, key=len)
        problems.extend(fewest)
    if unseen:
        old_shapes = " | ".join(sorted({_shape(v) for v in old_variants}))
        new_shapes = " | ".join(sorted({_shape(v) for v in new_variants}))
        problems.insert(0, f"{_name(path)}: type changed from {old_shapes} to {new_shapes}")
    return problems


def _compare_variant(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    """Compare two variants already known to share a JSON type (or OLD being untyped)."""
    problems: list[str] = []
    old_values, new_values = _enum(old), _enum(new)
    if old_values is not None:
        if new_values is None:
            allowed = ", ".join(sorted(repr(v) for v in old_values))
            problems.append(f"{_name(path)}: no longer limited to {allowed}")
        else:
            added = {repr(v) for v in new_values} - {repr(v) for v in old_values}
            if added:
                problems.append(f"{_name(path)}: new enum values {', '.join(sorted(added))}")
    problems.extend(_relaxed_bounds(old, new, path))
    if _type(old) == "object":
        problems.extend(_compare_object(old, old_root, new, new_root, path))
    if _type(old) == "array":
        problems.extend(_compare_array(old, old_root, new, new_root, path))
    return problems


def _relaxed_bounds(old: Schema, new: Schema, path: str) -> list[str]:
    problems: list[str] = []
    for key in _LOWER_BOUNDS:
        if key in old and (key not in new or new[key] < old[key]):
            problems.append(f"{_name(path)}: {key} relaxed from {old[key]} to {new.get(key)}")
    for key in _UPPER_BOUNDS:
        if key in old and (key not in new or new[key] > old[key]):
            problems.append(f"{_name(path)}: {key} relaxed from {old[key]} to {new.get(key)}")
    # Two patterns cannot be compared in general; any change might admit new strings.
    if "pattern" in old and new.get("pattern") != old["pattern"]:
        problems.append(
            f"{_name(path)}: pattern changed from {old['pattern']!r} to {new.get('pattern')!r}"
        )
    return problems


def _compare_array(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    problems: list[str] = []
    old_prefix: list[Schema] = old.get("prefixItems", [])
    new_prefix: list[Schema] = new.get("prefixItems", [])
    for index, old_item in enumerate(old_prefix):
        new_item = new_prefix[index] if index < len(new_prefix) else new.get("items", {})
        problems.extend(_compare_value(old_item, old_root, new_item, new_root, f"{path}[{index}]"))
    if "items" in old or not old_prefix:
        problems.extend(
            _compare_value(
                old.get("items", {}), old_root, new.get("items", {}), new_root, f"{path}[]"
            )
        )
    return problems


def _compare_object(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str
) -> list[str]:
    old_properties: dict[str, Schema] = old.get("properties", {})
    new_properties: dict[str, Schema] = new.get("properties", {})
    old_required = set(old.get("required", []))
    new_required = set(new.get("required", []))
    problems: list[str] = []
    for name, old_property in sorted(old_properties.items()):
        field_path = _child(path, name)
        if name not in new_properties:
            problems.append(f"{field_path}: removed")
            continue
        problems.extend(
            _compare_value(old_property, old_root, new_properties[name], new_root, field_path)
        )
    for name in sorted(new_required - old_required):
        field_path = _child(path, name)
        if name in old_properties:
            problems.append(f"{field_path}: became required")
        else:
            problems.append(f"{field_path}: added as required")
    # A map (`dict[str, X]`): its values are compared like a list's items.
    old_values = old.get("additionalProperties")
    if isinstance(old_values, dict):
        new_values = new.get("additionalProperties", {})
        if isinstance(new_values, dict):
            problems.extend(
                _compare_value(old_values, old_root, new_values, new_root, _child(path, "*"))
            )
        elif new_values is True:
            problems.extend(_compare_value(old_values, old_root, {}, new_root, _child(path, "*")))
    return problems


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _name(path: str) -> str:
    return path or "(payload)"
