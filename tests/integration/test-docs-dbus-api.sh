#!/usr/bin/env bash
# docs/dbus-api.md is written from data/org.massaged.xml, the API's one source
# (docs/gen-dbus-api.py): a change to one without the other fails here, with
# the difference and the command that brings them together.
. "$SOURCE_DIR/tests/lib.sh"

if out=$(python3 "$SOURCE_DIR/docs/gen-dbus-api.py" | diff -u "$SOURCE_DIR/docs/dbus-api.md" - 2>&1); then
	pass "docs/dbus-api.md matches data/org.massaged.xml"
else
	fail "docs/dbus-api.md matches data/org.massaged.xml" \
		"run: python3 docs/gen-dbus-api.py > docs/dbus-api.md" "$(head -n 40 <<<"$out")"
fi
finish
