#!/usr/bin/env python3
"""json-validate.py SCHEMA MANIFEST

Validates massagectl's --json outputs against SCHEMA's $defs, all in one run
(importing jsonschema once). MANIFEST has one line per output, tab-separated:
WHAT, DEF, MODE ("doc" for one JSON document, "lines" for one per line) and
FILE. Prints "ok<TAB>WHAT" or "bad<TAB>WHAT<TAB>the errors, with their place"
per line; exit 1 if any is bad."""
import json
import sys

import jsonschema

schema_path, manifest = sys.argv[1], sys.argv[2]
with open(schema_path) as f:
    schema = json.load(f)


def errors(name, mode, path):
    if name not in schema.get("$defs", {}):
        return [f"{schema_path} has no $defs/{name}"]
    root = dict(schema)
    root["$ref"] = f"#/$defs/{name}"
    validator = jsonschema.Draft202012Validator(root)
    text = open(path).read()
    docs = [l for l in text.splitlines() if l.strip()] if mode == "lines" else [text]
    if not any(d.strip() for d in docs):
        return ["no JSON at all"]
    found = []
    for n, doc in enumerate(docs, 1):
        try:
            value = json.loads(doc)
        except json.JSONDecodeError as e:
            found.append(f"line {n}: not JSON ({e.msg}): {doc[:200]}")
            continue
        for err in validator.iter_errors(value):
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            found.append(f"line {n}: {where}: {err.message[:300]}")
    return found


bad = 0
for entry in open(manifest):
    what, name, mode, path = entry.rstrip("\n").split("\t")
    found = errors(name, mode, path)
    if found:
        bad += 1
        print(f"bad\t{what}\t{'; '.join(found[:5])}")
    else:
        print(f"ok\t{what}")
sys.exit(1 if bad else 0)
