"""Export the JSON Schema of every event type: `python -m shared.contracts.schemas`.

The files in `shared/shared/contracts/schemas/` are the committed contracts; the test in
`tests/contracts` compares each payload class against its file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.contracts import EVENT_TYPES

SCHEMA_DIR = Path(__file__).with_name("schemas")


def schema_of(event_type: str) -> dict[str, Any]:
    """The JSON Schema of an event type's payload, as consumers receive it.

    Serialization mode describes the JSON a producer writes into `data` (the envelope
    holds `model_dump(mode="json")`), which is what a consumer in any language reads;
    validation mode would describe what the class accepts as input instead, which may
    be looser than what it ever sends.
    """
    schema = EVENT_TYPES[event_type].model_json_schema(mode="serialization")
    schema["$id"] = f"https://linli.example/schemas/{event_type}.json"
    schema["x-event-type"] = event_type
    return schema


def render(schema: dict[str, Any]) -> str:
    """A schema as committed: sorted keys, two-space indent, a final newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_path(event_type: str, directory: Path = SCHEMA_DIR) -> Path:
    """Where the committed schema of an event type lives."""
    return directory / f"{event_type}.json"


def export_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write the schema of every known event type; return the files written.

    Removes nothing: the file of a type whose class disappeared is how the contract
    test notices that consumers lost a type they may still receive.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type in sorted(EVENT_TYPES):
        path = schema_path(event_type, directory)
        # Explicit, so the bytes do not depend on the locale (descriptions hold Chinese).
        path.write_text(render(schema_of(event_type)), encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    """Export every schema and say where."""
    for path in export_all():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


if __name__ == "__main__":
    main()
