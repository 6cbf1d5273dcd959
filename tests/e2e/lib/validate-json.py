#!/usr/bin/env python3
"""validate-json.py SCHEMA_DIR SCHEMA FILE: FILE holds exactly one JSON document
(one line, as slugc --json writes it) that SCHEMA (docs/schema/SCHEMA) accepts.
The schemas refer to each other by file name ($ref "error.json")."""
import json
import pathlib
import sys

import jsonschema

schema_dir, name, path = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = {f.name: json.loads(f.read_text()) for f in schema_dir.glob("*.json")}
try:  # jsonschema >= 4.18
    from referencing import Registry, Resource
    registry = Registry().with_resources(
        (k, Resource.from_contents(v)) for k, v in store.items())
    refs = {"registry": registry}
except ImportError:  # Debian bookworm's python3-jsonschema 4.10
    refs = {"resolver": jsonschema.RefResolver("", None, store=store)}
text = pathlib.Path(path).read_text()
lines = text.splitlines()
if len(lines) != 1:
    sys.exit(f"{path}: expected one line of JSON on stdout, got {len(lines)}:\n{text}")
doc = json.loads(lines[0])
schema = json.loads((schema_dir / name).read_text())
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema, **refs).iter_errors(doc))
if errors:
    sys.exit(f"{path} does not match {name}: " + "; ".join(e.message for e in errors[:3]))
