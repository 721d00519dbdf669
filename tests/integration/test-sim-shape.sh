#!/usr/bin/env bash
# massage-sim exports the shape bluetoothd has: compares its objects and its
# introspection with tests/data/bluez-shape.txt (recorded from BlueZ's API
# documents), so drift in data/org.bluez.xml or the export code is caught.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
start_sim sim --device reference --discovery-delay 50 --connect-delay 50 --resolve-delay 50
SHAPE=$SOURCE_DIR/tests/data/bluez-shape.txt

out=$(client discover $DEV1 -- connect $DEV1 -- wait-resolved $DEV1 -- \
	shape /org/bluez/hci0 $DEV1_PATH $DEV1_PATH/service000a $DEV1_PATH/service000a/char000d \
	$DEV1_PATH/service000a/char000d/desc000f)
grep -v '^found\|^ok' <<<"$out" | sort -u >"$TEST_TMP/interfaces.actual"
grep -v '^#\|^object ' "$SHAPE" | sort -u >"$TEST_TMP/interfaces.expected"
if diff -u "$TEST_TMP/interfaces.expected" "$TEST_TMP/interfaces.actual" >"$TEST_TMP/interfaces.diff"; then
	pass "interfaces, methods, signals and properties match bluetoothd's"
else
	fail "interfaces differ from tests/data/bluez-shape.txt" "$(cat "$TEST_TMP/interfaces.diff")"
fi

# The object tree from the ObjectManager at /, paths reduced to patterns.
busctl --system --json=short call org.bluez / org.freedesktop.DBus.ObjectManager GetManagedObjects |
	jq -r '.data[0] | to_entries[] | "object \(.key) \(.value | keys | sort | join(" "))"' |
	sed -E 's#/hci[0-9]+#/hciN#; s#dev_([0-9A-F]{2}_){5}[0-9A-F]{2}#dev_XX_XX_XX_XX_XX_XX#;
		s#/service[0-9a-f]{4}#/serviceHHHH#; s#/char[0-9a-f]{4}#/charHHHH#; s#/desc[0-9a-f]{4}#/descHHHH#' |
	sort -u >"$TEST_TMP/objects.actual"
echo "object / org.freedesktop.DBus.ObjectManager" >>"$TEST_TMP/objects.actual"
sort -u -o "$TEST_TMP/objects.actual" "$TEST_TMP/objects.actual"
grep '^object ' "$SHAPE" | sort -u >"$TEST_TMP/objects.expected"
if diff -u "$TEST_TMP/objects.expected" "$TEST_TMP/objects.actual" >"$TEST_TMP/objects.diff"; then
	pass "object paths and their interfaces match bluetoothd's"
else
	fail "objects differ from tests/data/bluez-shape.txt" "$(cat "$TEST_TMP/objects.diff")"
fi
assert_contains "the ObjectManager is at /" "org.freedesktop.DBus.ObjectManager" \
	"$(busctl --system introspect org.bluez / 2>&1)"

# The paths themselves: bluetoothd's naming, handles as 4 lowercase hex digits.
bad=$(bluez_paths | grep -vE '^/$|^/org(/bluez(/hci[0-9]+(/dev_([0-9A-F]{2}_){5}[0-9A-F]{2}(/service[0-9a-f]{4}(/char[0-9a-f]{4}(/desc[0-9a-f]{4})?)?)?)?)?)?$' || true)
assert_eq "every object path is named as bluetoothd names it" "" "$bad"

stop_sim sim
finish
