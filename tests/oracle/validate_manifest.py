#!/usr/bin/env python3
"""Check that manifest.json files are ones dbt's own tools accept.

For each file given:
1. validate it against the manifest v12 JSON schema that dbt-core itself
   generates (``WritableManifest.json_schema()`` of the pinned dbt-core: the
   same source dbt's published v12 schema is generated from);
2. load it the way dbt loads a ``--state`` manifest
   (``WritableManifest.read_and_check_versions``).

Exits non-zero and prints every schema error (path and message) otherwise.

Usage: python3 tests/oracle/validate_manifest.py target/manifest.json [...]
"""

from __future__ import annotations

import json
import sys


def main(paths: list[str]) -> int:
    import jsonschema
    from dbt.contracts.graph.manifest import WritableManifest

    schema = WritableManifest.json_schema()
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
        errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
        for e in errors[:50]:
            where = "/".join(str(p) for p in e.absolute_path)
            print(f"{path}: schema: at /{where}: {e.message[:300]}")
        if len(errors) > 50:
            print(f"{path}: ... and {len(errors) - 50} more schema errors")
        try:
            WritableManifest.read_and_check_versions(path)
            loaded = True
        except Exception as exc:  # dbt raises several exception types here
            print(f"{path}: dbt could not load it: {type(exc).__name__}: {str(exc)[:500]}")
            loaded = False
        if errors or not loaded:
            failed += 1
        else:
            print(f"{path}: valid v12 manifest, loaded by dbt-core")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
