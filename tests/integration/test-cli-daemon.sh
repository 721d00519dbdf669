#!/usr/bin/env bash
# massagectl against the real daemon: every daemon command in human and --json
# form, the documented exit codes, Ctrl-C on --follow stopping the device (seen
# in the sim's command log), and a caller outside group "massage" refused by
# the project's own D-Bus policy.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:07
B=AA:BB:CC:00:00:08
mctl() { "$M" --data-dir "$MSD_DATA" "$@"; }
# run mctl ARGS...: tests/lib.sh's run (RUN_OUT, RUN_ERR, RUN_RC).

start_bus

# --- no daemon: exit 7 and a hint, in both forms
run mctl status
assert_eq "no daemon: exit 7" 7 "$RUN_RC"
assert_contains "no daemon: says so" "massaged is not running" "$RUN_ERR"
assert_contains "no daemon: says how to start it" "systemctl start massaged" "$RUN_ERR"
run mctl --json status
assert_eq "no daemon --json: exit 7" 7 "$RUN_RC"
assert_eq "no daemon --json: error object" "unreachable 7" "$(jq -r '"\(.error.name) \(.error.code)"' <<<"$RUN_OUT")"

# The sim forgets a never-connected device 30 s after discovery stops, as
# bluetoothd does (TemporaryTimeout); this test scans once and connects the
# second device much later, so it keeps devices for ever.
printf '[Sim]\ntemporary-timeout=0\n' >"$TEST_TMP/world.conf"
start_sim sim --config "$TEST_TMP/world.conf" --device "reference,name=Pulse One,address=$A" \
	--device "lovense,name=LVS-Buzz,address=$B" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
write_programme "$MSD_DATA/programmes/unused.programme" "Never played"
# Long steps for the interactive parts: a loaded machine, where every
# massagectl call takes a while, must not see the programme end under them.
write_long_programme "$MSD_DATA/programmes/long.programme" 30s
cat >"$MSD_DATA/programmes/percussive.programme" <<'PROG'
[Programme]
Name=Percussion only
Kind=percussion

[Step only]
Muscle=hamstrings
Zone=mid
Duration=20s
Intensity=20%
PROG
start_massaged --time-scale 5 || exit 1

# --- status, scan, devices
run mctl
assert_eq "plain massagectl shows the status" 0 "$RUN_RC"
assert_contains "status: version and adapter" "on hci0" "$RUN_OUT"
run mctl scan --timeout 2
assert_eq "scan: exit 0" 0 "$RUN_RC"
assert_contains "scan: finds the reference device" "found $A Pulse One (reference, " "$RUN_OUT"
assert_contains "scan: finds the Lovense device" "found $B LVS-Buzz (lovense, vibration)" "$RUN_OUT"
run mctl --json scan --timeout 1
assert_eq "scan --json: both devices" "$A $B" "$(jq -r '[.devices[].address] | join(" ")' <<<"$RUN_OUT")"
run mctl scan --timeout 0
assert_eq "scan --timeout 0: usage error" 2 "$RUN_RC"
run mctl devices
assert_contains "devices: table" "ADDRESS" "$RUN_OUT"
assert_contains "devices: a row" "$B  LVS-Buzz" "$RUN_OUT"
run mctl devices --json
assert_eq "devices --json (after the command)" 2 "$(jq '.devices | length' <<<"$RUN_OUT")"

# --- DEV resolution and connect
run mctl info
assert_eq "info without DEV and nothing connected: exit 4" 4 "$RUN_RC"
run mctl connect Nobody
assert_eq "connect an unknown device: exit 3" 3 "$RUN_RC"
assert_contains "connect unknown: names it" "no device matches 'Nobody'" "$RUN_ERR"
run mctl connect
assert_eq "connect without DEV: usage" 2 "$RUN_RC"
run mctl connect "AA:BB:CC:00:00"
assert_eq "an ambiguous prefix: usage" 2 "$RUN_RC"
assert_contains "an ambiguous prefix: says so" "matches 2 devices" "$RUN_ERR"
run mctl connect puls
assert_eq "connect by a name prefix (any case)" 0 "$RUN_RC"
assert_contains "connect: says what" "Connected $A Pulse One (reference)" "$RUN_OUT"
run mctl --json info
assert_eq "info: the one connected device" "$A true reference" \
	"$(jq -r '"\(.address) \(.connected) \(.driver)"' <<<"$RUN_OUT")"
run mctl info "$A"
assert_contains "info: human form" "Driver:    reference" "$RUN_OUT"
run mctl battery
assert_contains "battery: the reference device reports one" "$A Pulse One: " "$RUN_OUT"
run mctl --json battery "$A"
check "battery --json: a number for the connected device" \
	jq -e '.devices[0].battery | type == "number"' <<<"$RUN_OUT"

# --- start, the session controls, stop
run mctl start nosuch
assert_eq "start an unknown programme: exit 3" 3 "$RUN_RC"
run mctl start long --scale 5
assert_eq "start --scale out of range: usage" 2 "$RUN_RC"
run mctl start long
assert_eq "start: exit 0" 0 "$RUN_RC"
assert_contains "start: says how to stop" "massagectl stop" "$RUN_OUT"
run mctl start long
assert_eq "start on a busy device: exit 5" 5 "$RUN_RC"
assert_contains "busy: names the device and what it plays" \
	"Pulse One ($A) is already playing programme \"long\"" "$RUN_ERR"
assert_not_contains "busy: no D-Bus object paths" "/org/massaged" "$RUN_ERR"
run mctl start percussive --device "$B"
assert_eq "a percussion programme on a vibration device: exit 6" 6 "$RUN_RC"
assert_contains "kind mismatch: names the device and its kind" \
	"LVS-Buzz ($B) is a vibration device" "$RUN_ERR"
assert_not_contains "kind mismatch: no D-Bus object paths" "/org/massaged" "$RUN_ERR"
run mctl pause
assert_eq "pause" "0 Paused" "$RUN_RC ${RUN_OUT%%:*}"
check "paused" wait_prop 3 "$(devpath $A)" Device1 State '"ready"'
run mctl status
assert_contains "status: a paused session says why, and how to go on" \
	"paused by a person; \`massagectl resume\` to go on" "$RUN_OUT"
run mctl --json status
assert_eq "status --json: pause_reason user" "paused user" \
	"$(jq -r '.sessions[0] | "\(.state) \(.pause_reason)"' <<<"$RUN_OUT")"
run mctl --json resume
assert_eq "resume --json: exit 0" 0 "$RUN_RC"
check "resume --json: a session object" jq -e '.path | startswith("/org/massaged/session/")' <<<"$RUN_OUT"
run mctl --json status
assert_eq "status --json: playing, no pause_reason" "playing null" \
	"$(jq -r '.sessions[0] | "\(.state) \(.pause_reason)"' <<<"$RUN_OUT")"
run mctl status
assert_not_contains "status: no pause words while playing" "massagectl resume" "$RUN_OUT"
# The device's own button: the device paused it, in words and in --json;
# a person's resume goes on.
check "the device's own button" sim_call PressButton s "$A"
check "status --json: pause_reason device-stopped" wait_until 5 \
	out_jq '.sessions[0].pause_reason == "device-stopped"' "$M" --data-dir "$MSD_DATA" --json status
run mctl status
assert_contains "status: the device stopped itself, in words" \
	"paused: the device stopped itself (its button or its watchdog); \`massagectl resume\` to go on" "$RUN_OUT"
run mctl resume
assert_eq "resume after the device stopped itself" 0 "$RUN_RC"
check "running again" wait_prop 5 "$(devpath $A)" Device1 State '"running"'
run mctl next
assert_eq "next" 0 "$RUN_RC"
run mctl previous
assert_eq "previous" 0 "$RUN_RC"
run mctl --json adjust -20
assert_eq "adjust -20 from 100: scale 80" "80" "$(jq -r .scale <<<"$RUN_OUT")"
run mctl adjust 250
assert_eq "adjust 250: usage" 2 "$RUN_RC"
run mctl adjust +5 "$A"
assert_contains "adjust +5 with DEV" "now 85%" "$RUN_OUT"
mark=$(log_mark)
run mctl stop "$A"
assert_eq "stop DEV" "0" "$RUN_RC"
check "stop DEV reached the device" wait_simlog 2 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"
run mctl pause
assert_eq "pause with no session: exit 3" 3 "$RUN_RC"

# --- start --follow: JSON lines to the end, and the exit code of a completed programme
run mctl --json start gentle --follow --device "$A"
assert_eq "--follow --json: exit 0 when completed" 0 "$RUN_RC"
assert_eq "--follow --json: the last line is the finish" "finished completed" \
	"$(tail -n1 <<<"$RUN_OUT" | jq -r '"\(.event) \(.outcome)"')"
check "--follow --json: every line is JSON with a session" \
	out_jq 'all(.programme == "gentle")' jq -s . <<<"$RUN_OUT"
check "--follow --json: every line has a pause_reason (null when playing)" \
	out_jq 'all(has("pause_reason"))' jq -s . <<<"$RUN_OUT"

# --- Ctrl-C on --follow stops the device
check "device idle" wait_prop 3 "$(devpath $A)" Device1 Session '"/"'
spawn follower "$M" --data-dir "$MSD_DATA" start long --follow --device "$A"
check "the followed session plays" wait_prop 5 "$(devpath $A)" Device1 State '"running"'
# Paused by someone else: the follower says so in words, and how to go on.
run mctl pause
check "--follow: a pause in words" wait_until 5 grep -qF \
	"paused by a person; \`massagectl resume\` to go on" "$TEST_TMP/follower.log"
run mctl resume
check "--follow: playing again, after the pause" wait_until 5 bash -c \
	"sed -n '/paused by a person/,\$p' '$TEST_TMP/follower.log' | grep -q ' playing\$'"
check "the followed session plays again" wait_prop 5 "$(devpath $A)" Device1 State '"running"'
mark=$(log_mark)
stop_spawned follower INT
assert_eq "Ctrl-C: exit 9 (interrupted)" 9 "$SPAWN_RC"
assert_contains "Ctrl-C: says it stopped" "Stopped." "$(cat "$TEST_TMP/follower.log")"
assert_not_contains "Ctrl-C: no GLib warning" "CRITICAL" "$(cat "$TEST_TMP/follower.log")"
check "Ctrl-C: the stop reached the device" wait_simlog 2 "select(.dev==\"$A\" and .cmd==\"stop\" and .t_ns > $mark)"

# --- stop alone stops every device
run mctl connect LVS-Buzz
assert_eq "connect the second device" 0 "$RUN_RC"
# Its protocol has a battery query ("Battery;"): massaged asks on connect.
check "battery: the Lovense device was asked (Battery;)" wait_simlog 3 "select(.dev==\"$B\" and .cmd==\"battery\")"
check "battery: its answer reaches massagectl (85 %)" wait_until 3 \
	prints_line "$B LVS-Buzz: 85%" "$M" battery LVS-Buzz
run mctl start long --device LVS-Buzz
assert_eq "start on the Lovense device" 0 "$RUN_RC"
check "the Lovense device runs" wait_prop 5 "$(devpath $B)" Device1 State '"running"'
mark=$(log_mark)
run mctl --json stop
assert_eq "stop (all) --json: exit 0" 0 "$RUN_RC"
assert_eq "stop (all) --json: both connected devices stopped, none left" "$A $B|0" \
	"$(jq -r '"\([.stopped[].address] | sort | join(" "))|\(.not_stopped | length)"' <<<"$RUN_OUT")"
check "stop (all): the Lovense device got Vibrate:0" wait_simlog 2 \
	"select(.dev==\"$B\" and .hex==\"56 69 62 72 61 74 65 3a 30 3b\" and .t_ns > $mark)"

# --- monitor: JSON lines of changes
spawn monitor-cli "$M" --json monitor
# Its first line comes once it follows massaged's objects: nothing is missed after it.
check "monitor: says it is monitoring" wait_until 10 grep -q '"event":"monitoring"' "$TEST_TMP/monitor-cli.log"
run mctl start gentle --device "$A" --scale 50
check "monitor: sees the session start" wait_until 5 grep -q '"event":"session","what":"started"' \
	"$TEST_TMP/monitor-cli.log"
check "monitor: sees the device's state change" wait_until 5 grep -q '"event":"state"' \
	"$TEST_TMP/monitor-cli.log"
run mctl stop
stop_spawned monitor-cli INT
assert_eq "monitor: exits 0 on Ctrl-C" 0 "$SPAWN_RC"
check "monitor: every line is JSON" jq -e . "$TEST_TMP/monitor-cli.log"

# --- the programme store through the daemon
cat >"$TEST_TMP/bad.programme" <<'PROG'
[Programme]
Name=Too hot
Kind=any

[Step hot]
Muscle=hamstrings
Duration=10s
Intensity=160%
PROG
run mctl programme import "$TEST_TMP/bad.programme"
assert_eq "import an invalid programme: exit 6" 6 "$RUN_RC"
assert_contains "import: the located diagnostic" "[Step hot] Intensity:" "$RUN_ERR"
write_programme "$TEST_TMP/good.programme" "Evening release"
run mctl --json programme import "$TEST_TMP/good.programme"
assert_eq "import: the id is a slug of the name" "evening-release" "$(jq -r .id <<<"$RUN_OUT")"
run mctl programme export evening-release
assert_eq "export: the stored text, unchanged" "$(cat "$TEST_TMP/good.programme")" "$RUN_OUT"
run mctl programme export evening-release -o "$TEST_TMP/good.programme"
assert_eq "export -o never overwrites" 1 "$RUN_RC"
assert_contains "export -o: says so" "good.programme: exists; not overwriting it" "$RUN_ERR"
assert_eq "export -o: the file is as it was" "$(mctl programme export evening-release)" \
	"$(cat "$TEST_TMP/good.programme")"
run mctl programme export evening-release -o "$TEST_TMP/exported.programme"
assert_eq "export -o to a new file: exit 0, nothing on stdout" "0 " "$RUN_RC $RUN_OUT"
assert_eq "export -o: the stored text in the file" "$(cat "$TEST_TMP/good.programme")" \
	"$(cat "$TEST_TMP/exported.programme")"
run mctl programme remove unused
assert_eq "remove a built-in: exit 6, not 8 (a permission the caller lacks)" 6 "$RUN_RC"
assert_contains "remove a built-in: says why" "is a built-in programme and cannot be removed" "$RUN_ERR"
assert_not_contains "remove a built-in: no group hint" "group" "$RUN_ERR"
run mctl programme remove evening-release
assert_eq "remove an imported one" 0 "$RUN_RC"
run mctl programme export evening-release
assert_eq "export a removed one: exit 3" 3 "$RUN_RC"

# --- disconnect
run mctl disconnect "$A"
assert_contains "disconnect" "Disconnected $A" "$RUN_OUT"

# --- a caller outside group "massage" (and no polkit on this bus): may stop
# and look, may not act (docs/security.md; test-daemon-polkit.sh has the rest)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	NOBODY_OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$M" connect "$A" 2>&1) && NOBODY_RC=0 || NOBODY_RC=$?
	assert_eq "nobody: connect refused with exit 8" 8 "$NOBODY_RC"
	assert_contains "nobody: told about the group" "group 'massage'" "$NOBODY_OUT"
	assert_contains "nobody: told about the polkit action" "org.massaged.control" "$NOBODY_OUT"
	assert_eq "nobody: one line of error and one of hint, no bus internals" 2 "$(wc -l <<<"$NOBODY_OUT")"
	assert_not_contains "nobody: no D-Bus error names" "org.freedesktop" "$NOBODY_OUT"
	NOBODY_OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$M" stop 2>&1) && NOBODY_RC=0 || NOBODY_RC=$?
	assert_eq "nobody: may stop (a stop is never refused)" 0 "$NOBODY_RC"
	NOBODY_OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$M" --json devices 2>&1) && NOBODY_RC=0 || NOBODY_RC=$?
	assert_eq "nobody: may still look (devices)" 0 "$NOBODY_RC"
else
	fail "the policy test needs root and setpriv to act as another user"
fi

check "massaged still runs" is_running massaged
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
