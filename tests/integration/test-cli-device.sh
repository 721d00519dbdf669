#!/bin/bash
# massagectl device list|encode|decode|check: the real binary, offline, with
# the shipped data directory and a private device directory.
. "$SOURCE_DIR/tests/lib.sh"

M=$BUILD_DIR/cli/massagectl
GOOD=$SOURCE_DIR/tests/data/devices/good
BAD=$SOURCE_DIR/tests/data/devices/bad
USER_DIR=$TEST_TMP/devices
mkdir -p "$USER_DIR"
export MASSAGED_DATA_DIR=$SOURCE_DIR/data
# Never the machine's /etc/massaged/devices: the test brings its own.
mctl() { "$M" --device-dir "$USER_DIR" "$@"; }

HEX_LINES='^[0-9a-f]{2}( [0-9a-f]{2})*(\n[0-9a-f]{2}( [0-9a-f]{2})*)*$'

# --- the acceptance line
run mctl device encode theragun speed 2400
assert_exit "encode theragun speed 2400 exits 0" 0
assert_eq "encode theragun speed 2400 prints the frame exactly" "aa 70 01 03 09 60 03" "$RUN_OUT"
assert_eq "... and nothing on stderr" "" "$RUN_ERR"

# --- list
run mctl device list
assert_exit "list exits 0" 0
for name in reference theragun lovense magic-motion-v1 svakom-viviana; do
	assert_contains "list shows $name" "$name" "$RUN_OUT"
done
assert_contains "list shows the origin of files" "$SOURCE_DIR/data/devices/magic-motion-v1.device" "$RUN_OUT"
assert_contains "list shows descriptions" "Theragun Gen 4" "$RUN_OUT"

run mctl --json device list
assert_exit "list --json exits 0" 0
LIST_JSON=$RUN_OUT
assert_jq "list --json: built-ins first" \
	'[.drivers[0:3][] | .name] == ["reference","theragun","lovense"]' "$LIST_JSON"
assert_jq "list --json: built-ins say so" '[.drivers[0:3][] | .origin] | all(. == "built-in")' "$LIST_JSON"
assert_jq "list --json: kinds" \
	'.drivers | map(select(.name == "magic-motion-v1"))[0].kind == "vibration"' "$LIST_JSON"
assert_jq "list --json: no load errors" '.errors == []' "$LIST_JSON"
# The characteristics, as a device file writes them: Notify and Read in the
# 128-bit form, null and [] for a file that has none.
assert_jq "list --json: a file's characteristics" \
	'.drivers | map(select(.name == "svakom-viviana"))[0] | .write == "0000ffe1-0000-1000-8000-00805f9b34fb" and .notify == "0000ffe2-0000-1000-8000-00805f9b34fb" and .read == ["00002a19-0000-1000-8000-00805f9b34fb"]' "$LIST_JSON"
assert_jq "list --json: none is null and []" \
	'.drivers | map(select(.name == "magic-motion-v1"))[0] | .notify == null and .read == []' "$LIST_JSON"
assert_jq "list --json: the write characteristic is encode's" \
	".drivers | map(select(.name == \"theragun\"))[0].write == \"$(mctl --json device encode theragun stop | jq -r .characteristic)\"" "$LIST_JSON"

# A user file overrides a shipped one by name; a broken user file is a warning.
sed 's/^Description = .*/Description = my own magic motion/' \
	"$SOURCE_DIR/data/devices/magic-motion-v1.device" >"$USER_DIR/mm.device"
printf '[Device]\nName = broken\n' >"$USER_DIR/broken.device"
run mctl --json device list
assert_jq "user file overrides the shipped one" \
	".drivers | map(select(.name == \"magic-motion-v1\"))[0].origin == \"$USER_DIR/mm.device\"" "$RUN_OUT"
assert_jq "override keeps one entry per name" \
	'[.drivers[] | select(.name == "magic-motion-v1")] | length == 1' "$RUN_OUT"
assert_jq "broken user file is reported" \
	".errors | length == 1 and (.[0] | startswith(\"$USER_DIR/broken.device:\"))" "$RUN_OUT"
run mctl device list
assert_exit "list with a broken user file still exits 0" 0
assert_contains "list warns about it on stderr" "warning: skipped $USER_DIR/broken.device:1: [Device]: missing key Kind" "$RUN_ERR"
assert_contains "list shows the override's description" "my own magic motion" "$RUN_OUT"
rm -f "$USER_DIR"/*.device
run "$M" --data-dir "$SOURCE_DIR/data" --device-dir "$USER_DIR" device list
assert_contains "--data-dir selects the shipped files" "svakom-viviana" "$RUN_OUT"
run "$M" --data-dir "$TEST_TMP/empty" --device-dir "$USER_DIR" --json device list
assert_jq "an empty data dir leaves the built-ins" '.drivers | length == 3' "$RUN_OUT"

# --- encode: exact frames
expect_frames() { # DRIVER "COMMAND [VALUE]" EXPECTED
	run mctl device encode "$1" $2
	assert_exit "encode $1 $2 exits 0" 0
	assert_eq "encode $1 $2" "$3" "$RUN_OUT"
}
expect_frames theragun "stop" "aa 07 01 03 00 00 03"
expect_frames theragun "status" "aa 10 10 00"
expect_frames lovense "intensity 50" "56 69 62 72 61 74 65 3a 31 30 3b" # Vibrate:10;
expect_frames lovense "battery" "42 61 74 74 65 72 79 3b"              # Battery;
expect_frames magic-motion-v1 "intensity 50" "0b ff 04 0a 32 32 00 04 08 32 64 00"
expect_frames magic-motion-v1 "stop" "0b ff 04 0a 32 32 00 04 08 00 64 00"
expect_frames svakom-viviana "intensity 100" "55 03 03 00 01 0a"
expect_frames svakom-viviana "mode 3" "55 03 03 00 03 01"
# A path instead of a name; every checksum function; two frames; {seq}.
expect_frames "$GOOD/checksums.device" "stop" "31 32 33 34 35 36 37 38 39 dd 31 f4 37 4b 29 b1"
expect_frames "$GOOD/acme-gun.device" "speed 2400" "a5 03 09 60 60 09 b7 6a"
expect_frames "$GOOD/acme-gun.device" "mode 2" $'a6 02 68\na6 ff 59'
expect_frames "$GOOD/acme-gun.device" "status" "a7 00 99 e6"
run mctl device encode --seq 7 "$GOOD/acme-gun.device" stop
assert_eq "encode --seq fills {seq}" "aa 08 01 00 07" "$RUN_OUT"

# Every command of every driver: frames in the documented form, or a clear
# "no such command" (exit 6) for what the device does not have.
for name in $(printf '%s' "$LIST_JSON" | jq -r '.drivers[].name'); do
	smax=$(printf '%s' "$LIST_JSON" | jq -r ".drivers[] | select(.name == \"$name\") | .speed_max")
	for cmd in start stop "intensity 0" "intensity 50" "intensity 100" "speed $smax" "mode 1" status keepalive battery; do
		run mctl device encode "$name" $cmd
		if [ "$RUN_RC" = 0 ]; then
			if printf '%s' "$RUN_OUT" | grep -Pzq "$HEX_LINES"; then
				pass "encode $name $cmd: lowercase hex frames"
			else
				fail "encode $name $cmd: lowercase hex frames" "got: $RUN_OUT"
			fi
		else
			assert_exit "encode $name $cmd: unsupported is exit 6" 6
			assert_contains "encode $name $cmd: says what is missing" "no '${cmd%% *}' command" "$RUN_ERR"
		fi
	done
	# Stop must always encode.
	run mctl device encode "$name" stop
	assert_exit "encode $name stop always works" 0
done

run mctl --json device encode theragun speed 2400
assert_jq "encode --json" \
	'.driver == "theragun" and .command == "speed" and .value == 2400 and .frames == ["aa 70 01 03 09 60 03"] and .write_type == "with-response"' \
	"$RUN_OUT"

# Refused, not clamped; bad arguments.
run mctl device encode theragun speed 9999
assert_exit "speed out of range: exit 6" 6
assert_contains "speed out of range: says the range" "outside 0..3584" "$RUN_ERR"
assert_eq "speed out of range: no frame printed" "" "$RUN_OUT"
run mctl device encode magic-motion-v1 intensity 101
assert_exit "intensity 101: exit 6" 6
run mctl --json device encode magic-motion-v1 intensity 101
assert_exit "intensity 101 --json: exit 6" 6
assert_jq "intensity 101 --json: error object" '.error.code == 6 and .error.name == "invalid" and (.error.message | contains("outside 0..100%"))' "$RUN_OUT"
run mctl device encode theragun speed fast
assert_exit "non-numeric value: usage (2)" 2
run mctl device encode theragun spin 3
assert_exit "unknown command: usage (2)" 2
assert_contains "unknown command named" "unknown command 'spin'" "$RUN_ERR"
run mctl device encode theragun intensity
assert_exit "missing value: usage (2)" 2
run mctl device encode theragn stop
assert_exit "unknown driver: not found (3)" 3
assert_contains "unknown driver: did you mean" "did you mean 'theragun'?" "$RUN_ERR"
run mctl --json device encode theragn stop
assert_jq "unknown driver --json" '.error.code == 3 and .error.name == "not-found"' "$RUN_OUT"
run mctl device encode "$TEST_TMP/none.device" stop
assert_exit "missing .device path: not found (3)" 3
run mctl device encode "$BAD/unknown-placeholder.device" stop
assert_exit "broken .device path: invalid (6)" 6
assert_contains "broken .device path: located error" "unknown-placeholder.device:11: [Commands] Intensity: unknown placeholder {levl}; did you mean {level}?" "$RUN_ERR"

# --- decode
run mctl device decode lovense 38 35 3b # "85;"
assert_exit "decode lovense battery exits 0" 0
assert_eq "decode lovense battery" "battery=85" "$RUN_OUT"
run mctl device decode "$GOOD/acme-gun.device" bb 7f 01 0b 09 60 af
assert_eq "decode a .device rule" "running=yes intensity=52.6316 speed=2400" "$RUN_OUT"
run mctl device decode "$GOOD/acme-gun.device" bb7f010b0960af
assert_eq "decode accepts hex without spaces" "running=yes intensity=52.6316 speed=2400" "$RUN_OUT"
run mctl device decode --char 2a19 svakom-viviana 40
assert_eq "decode --char 2a19 (Battery Level)" "battery=64" "$RUN_OUT"
run mctl --json device decode "$GOOD/acme-gun.device" bb 00 01 0b 09 60 30
assert_jq "decode --json" '.driver == "acme-gun" and .reading.running == true and .reading.speed == 2400' "$RUN_OUT"

run mctl device decode theragun zz
assert_exit "decode malformed hex: exit 6" 6
assert_eq "decode malformed hex: one line" 1 "$(printf '%s\n' "$RUN_ERR" | wc -l)"
assert_contains "decode malformed hex: says why" "'zz' is not hex" "$RUN_ERR"
run mctl device decode theragun a
assert_exit "decode odd digits: exit 6" 6
run mctl device decode "$GOOD/acme-gun.device" bb 00 01 0b 09 60 31
assert_exit "decode bad checksum: exit 6" 6
assert_eq "decode bad checksum: the error" \
	"massagectl: acme-gun: [Notifications] State: bad checksum in 'bb 00 01 0b 09 60 31': sum8(0..5) at byte 6 is 0x31, expected 0x30" \
	"$RUN_ERR"
run mctl device decode "$GOOD/acme-gun.device" bc
assert_exit "decode truncated: exit 6" 6
run mctl device decode "$GOOD/acme-gun.device" bc 55 00 00
assert_exit "decode oversized: exit 6" 6
run mctl --json device decode theragun zz
assert_jq "decode error --json" '.error.code == 6 and (.error.message | contains("not hex"))' "$RUN_OUT"
run mctl device decode theragun
assert_exit "decode without bytes: usage (2)" 2

# --- check
run mctl device check "$SOURCE_DIR"/data/devices/*.device "$GOOD"/*.device
assert_exit "check good files: exit 0" 0
assert_eq "check: one summary line per good file" 4 "$(printf '%s\n' "$RUN_OUT" | wc -l)"
assert_contains "check: summary names the driver" "magic-motion-v1.device: ok: magic-motion-v1 (vibration)" "$RUN_OUT"

nbad=0
for f in "$BAD"/*.device; do
	want="$f$(head -n1 "$f" | sed 's/^# expect: //')"
	run mctl device check "$f"
	if [ "$RUN_RC" = 6 ] && [ "$RUN_ERR" = "massagectl: $want" ]; then
		nbad=$((nbad + 1))
	else
		fail "check $(basename "$f")" "exit $RUN_RC" "got:  $RUN_ERR" "want: massagectl: $want"
	fi
done
assert_eq "check: every bad file in the corpus gives its located error and exit 6" \
	"$(ls "$BAD"/*.device | wc -l)" "$nbad"

run mctl device check "$GOOD/acme-gun.device" "$BAD/bad-kind.device"
assert_exit "check good + bad: exit 6" 6
assert_contains "check good + bad: good summary" "acme-gun.device: ok" "$RUN_OUT"
assert_contains "check good + bad: bad located" "bad-kind.device:4: [Device] Kind: 'vibrations' is not a kind" "$RUN_ERR"
run mctl device check "$TEST_TMP/none.device"
assert_exit "check a missing file: not found (3)" 3
run mctl device check "$TEST_TMP/none.device" "$BAD/bad-kind.device"
assert_exit "check missing + invalid: invalid (6)" 6
run mctl --json device check "$GOOD/acme-gun.device" "$BAD/bad-kind.device"
assert_exit "check --json: exit 6" 6
assert_jq "check --json" \
	'(.files | length == 2) and .files[0].ok and .files[0].name == "acme-gun" and (.files[1].ok | not) and .files[1].error.code == 6 and (.files[1].error.message | contains(":4: [Device] Kind"))' \
	"$RUN_OUT"
run mctl device check
assert_exit "check without files: usage (2)" 2

# --- help
run mctl device --help
assert_exit "device --help exits 0" 0
for sub in list encode decode check; do
	assert_contains "device --help lists $sub" "$sub" "$RUN_OUT"
	run mctl device "$sub" --help
	assert_exit "device $sub --help exits 0" 0
	assert_contains "device $sub --help shows usage" "Usage:" "$RUN_OUT"
	run mctl device --help
done
run mctl device
assert_exit "device without a sub-command: usage (2)" 2
run mctl device frobnicate
assert_exit "unknown sub-command: usage (2)" 2

finish
