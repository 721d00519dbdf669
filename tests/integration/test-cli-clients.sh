#!/usr/bin/env bash
# Client profiles on the real binaries with massage-sim (docs/clients.md):
# every `massagectl client` subcommand; bad profile files refused with
# located errors; a profile that tries to raise a daemon limit refused; and
# `start --client` with a 40 % cap and the left side left out: a two-sided
# programme plays the right pass only and no frame on the sim's command log
# is ever above 40 %, after an `adjust` up too. Profiles survive a restart.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl
A=AA:BB:CC:00:00:31
DEV=$(devpath $A)

# mc ARGS...: massagectl, no general caution; OUT, ERR, RC.
mc() {
	OUT=$(TMPDIR=$TEST_TMP MASSAGECTL_NO_CAUTION=1 "$M" --data-dir "$MSD_DATA" "$@" 2>"$TEST_TMP/err") && RC=0 || RC=$?
	ERR=$(cat "$TEST_TMP/err")
}

# The daemon's own cap is 60 %: the programme's 60 % is allowed, a
# profile's 80 % is a raise.
printf '[Safety]\nMaxIntensity=60%%\nMaxSessionTime=30min\n' >"$MSD_CONF"
cat >"$MSD_DATA/programmes/both-legs.programme" <<'PROG'
[Programme]
Name=Both legs
Kind=any
Sides=left,right

[Step warm]
Muscle=hamstrings
Zone=full-length
Duration=10s
Intensity=25%

[Step work]
Muscle=hamstrings
Zone=mid
Duration=60s
Intensity=60%

[Step rest]
Duration=5s
PROG

cat >"$TEST_TMP/jones.client" <<'EOF2'
# Mrs Jones: recent strain on the left hamstring.
[Client]
Label=mrs-jones
Notes=Prefers a slow start.
Cautions=Recent strain, left hamstring.\nKeep off the varicose vein behind the right knee.
MaxIntensity=40%
ExcludeSides=left
EOF2

start_bus
start_sim sim --device "reference,name=Client Ref,address=$A" || exit 1
start_massaged --time-scale 5 || exit 1
monitor_signals
"$M" scan --timeout 2 >/dev/null 2>&1
check "the device connects" "$M" connect "$A"

# --- list when empty, add, list, show, export
mc client list
assert_eq "list with no profiles: exit 0" 0 "$RC"
assert_contains "... says so" "No client profiles" "$OUT"
mc client add "$TEST_TMP/jones.client"
assert_eq "add: exit 0" 0 "$RC"
assert_contains "... names the label" "Added client 'mrs-jones'" "$OUT"
check "the profile is stored in the state directory, mode 0600" \
	test "$(stat -c %a "$MSD_STATE/clients/mrs-jones.client")" = 600
mc client add "$TEST_TMP/jones.client"
assert_eq "add the same label again: refused (exit 6)" 6 "$RC"
assert_contains "... says it exists" 'a client profile "mrs-jones" exists already' "$ERR"
mc client list
assert_contains "list: label and summary" "mrs-jones" "$OUT"
assert_contains "... the summary names the cap and the side" "max 40%, leaves out left side" "$OUT"
mc --json client list
assert_jq "list --json" '.clients | length == 1 and .[0].label == "mrs-jones"' "$OUT"
mc client show mrs-jones
assert_eq "show: exit 0" 0 "$RC"
assert_contains "show: the cap" "40%" "$OUT"
assert_contains "show: the cautions, line by line" "Keep off the varicose vein" "$OUT"
mc --json client show mrs-jones
assert_jq "show --json" '.label == "mrs-jones" and .max_intensity == 40 and .exclude_sides == ["left"] and (.cautions | test("\n"))' "$OUT"
mc client export mrs-jones
assert_eq "export: exit 0" 0 "$RC"
printf '%s\n' "$OUT" >"$TEST_TMP/exported.client"
assert_contains "export: the canonical text" "MaxIntensity=40%" "$OUT"
sed -i 's/^Label=mrs-jones$/Label=mrs-jones-copy/' "$TEST_TMP/exported.client"
mc client add "$TEST_TMP/exported.client"
assert_eq "an exported profile imports again (as another label)" 0 "$RC"
mc client show nobody
assert_eq "show an unknown label: exit 3" 3 "$RC"
mc client show "../etc"
assert_eq "show a label with a slash: refused (exit 6)" 6 "$RC"

# --- bad files: every error, located with the file's name and line
cat >"$TEST_TMP/bad.client" <<'EOF2'
[Client]
Label=bad one
MaxIntensity=140%
ExcludeSides=left,middle
MaxIntensty=30%
EOF2
mc client add "$TEST_TMP/bad.client"
assert_eq "a bad profile: exit 6" 6 "$RC"
assert_contains "... the label, at its line" "$TEST_TMP/bad.client:2: [Client] Label:" "$ERR"
assert_contains "... the range" "$TEST_TMP/bad.client:3: [Client] MaxIntensity: 140% is outside" "$ERR"
assert_contains "... the side" "$TEST_TMP/bad.client:4: [Client] ExcludeSides: unknown side" "$ERR"
assert_contains "... the typo, with a suggestion" "$TEST_TMP/bad.client:5: [Client] MaxIntensty: unknown key; did you mean MaxIntensity?" "$ERR"

# --- a profile may only tighten: 80 % above the daemon's 60 % is refused by
# the daemon, with the line and both values; busctl shows it is the daemon's.
printf '[Client]\nLabel=loose\nMaxIntensity=80%%\nMaxSessionTime=1h\n' >"$TEST_TMP/loose.client"
mc client add "$TEST_TMP/loose.client"
assert_eq "a profile that raises a limit: refused (exit 6)" 6 "$RC"
assert_contains "... MaxIntensity, located" "line 3: [Client] MaxIntensity: 80% is above the daemon's MaxIntensity of 60%; a profile may only lower limits" "$ERR"
assert_contains "... MaxSessionTime, located" "line 4: [Client] MaxSessionTime: 1h is longer than the daemon's MaxSessionTime of 30min" "$ERR"
err=$(msd_error /org/massaged Manager1 SaveClient sb "$(cat "$TEST_TMP/loose.client")" false)
assert_contains "SaveClient itself refuses it (not only the CLI)" "80% is above the daemon's MaxIntensity of 60%" "$err"
check "nothing of it is stored" test ! -e "$MSD_STATE/clients/loose.client"

# --- start --client: cautions first, the right pass only, never above 40 %
mark=$(log_mark)
mc start both-legs --client mrs-jones --scale 50
assert_eq "start --client: exit 0" 0 "$RC"
assert_contains "the profile's cautions before the start" "Recent strain, left hamstring." "$ERR"
assert_contains "... each line" "Keep off the varicose vein behind the right knee." "$ERR"
assert_contains "what was skipped, and the cap" "capped at 40%; skipped: left side" "$ERR"
S=$(msd_prop "$DEV" Device1 Session | tr -d '"')
assert_eq "the session plays one pass: 3 steps" 3 "$(msd_prop "$S" Session1 StepCount)"
assert_eq "Session1.Client" '"mrs-jones"' "$(msd_prop "$S" Session1 Client)"
assert_eq "Session1.Skipped" '["left side"]' "$(msd_prop "$S" Session1 Skipped)"
check "the work step begins" wait_prop 20 "$S" Session1 StepName '"work"'
mc adjust 100 "$A"
assert_eq "adjust up to 100 % during the capped session: accepted" 0 "$RC"
check "the motor reaches the cap" wait_simlog 20 \
	"select(.dev==\"$A\" and .cmd==\"intensity\" and .value == 40 and .t_ns > $mark)"
check "the session finishes" wait_finished 40 "$S" completed
peak=$(simlog "select(.dev==\"$A\" and (.cmd==\"intensity\" or .cmd==\"start\") and .t_ns > $mark) | .value" | sort -n | tail -n1)
check "no frame above 40 % on the sim's log (peak $peak)" awk -v v="$peak" 'BEGIN { exit !(v == 40) }'
check "the session never stepped on the left side" \
	bash -c "! grep -q \"^$S: .*'Side': <'left'>\" '$TEST_TMP/monitor.log'"
check "... and played the right" grep -q "^$S: .*'Side': <'right'>" "$TEST_TMP/monitor.log"

check "Session1.Intensity never showed more than 40 % either" \
	bash -c "! grep -E \"^$S: .*'Intensity': <(4[1-9]|[5-9][0-9]|100)\" '$TEST_TMP/monitor.log'"

# After the session the daemon's cap is back: the profile's lived with it.
wait_prop 5 "$DEV" Device1 Session '"/"' || log "the session did not let go of the device"
mark=$(log_mark)
check "SetIntensity 55 after the session" msd_call "$DEV" Device1 SetIntensity d 55
check "... reaches 55 (the cap was lifted)" wait_prop 30 "$DEV" Device1 Intensity 55
check "stop" "$M" stop "$A"

mc start both-legs --client nobody
assert_eq "start with an unknown client: exit 3" 3 "$RC"
assert_contains "... names it" 'no client profile "nobody"' "$ERR"
err=$(gdbus_error /org/massaged org.massaged.Manager1.Start "$DEV" both-legs "{'client': <'nobody'>}")
assert_contains "Start with an unknown client label: NotFound" "org.massaged.Error.NotFound" "$err"

# --- profiles that leave nothing, or too long a session: refused, nothing moves
printf '[Client]\nLabel=nothing\nExcludeSides=left,right\n' >"$TEST_TMP/nothing.client"
printf '[Client]\nLabel=short\nMaxSessionTime=30s\n' >"$TEST_TMP/short.client"
mc client add "$TEST_TMP/nothing.client"
mc client add "$TEST_TMP/short.client"
mc start both-legs --client nothing
assert_eq "a profile that leaves nothing to play: refused (exit 6)" 6 "$RC"
assert_contains "... says so" "leaves nothing of the programme to play" "$ERR"
mc start both-legs --client short
assert_eq "a programme longer than the profile's MaxSessionTime: refused (exit 6)" 6 "$RC"
assert_contains "... with both lengths" 'lasts 2min 30s with client profile "short" applied; the profile'"'"'s MaxSessionTime is 30s' "$ERR"
err=$(gdbus_error /org/massaged org.massaged.Manager1.Start "$DEV" both-legs "{'client': <''>}")
assert_contains "Start with an empty client label: refused" "org.massaged.Error.InvalidArgs" "$err"
check "nothing of these started a session" test "$(msd_prop "$DEV" Device1 Session)" = '"/"'
mc client remove nothing
mc client remove short

# --- edit: $EDITOR on a copy; valid edits are stored, bad ones are not
EDITOR="sed -i s/^MaxIntensity=40%/MaxIntensity=35%/" mc client edit mrs-jones
assert_eq "edit: exit 0" 0 "$RC"
mc --json client show mrs-jones
assert_jq "... the edit is stored" '.max_intensity == 35' "$OUT"
EDITOR="sed -i s/^MaxIntensity=35%/MaxIntensity=95%/" mc client edit mrs-jones
assert_eq "edit to raise a limit: refused (exit 6)" 6 "$RC"
assert_contains "... located" "[Client] MaxIntensity: 95% is above the daemon's MaxIntensity of 60%" "$ERR"
assert_contains "... the edit is kept for the person" "your edit is kept in" "$ERR"
EDITOR="sed -i s/^ExcludeSides=left/ExcludeSides=lfet/" mc client edit mrs-jones
assert_eq "edit with a typo: refused (exit 6)" 6 "$RC"
assert_contains "... located in the edited file" '.client:6: [Client] ExcludeSides: unknown side (left or right) "lfet"' "$ERR"
EDITOR=true mc client edit mrs-jones
assert_eq "edit without a change: exit 0" 0 "$RC"
assert_contains "... and says so" "No changes to client 'mrs-jones'." "$OUT"
EDITOR=true mc --json client edit mrs-jones
assert_jq "... with --json, the label as a saved edit prints it (not words)" \
	'. == {"label": "mrs-jones"}' "$OUT"
mc --json client show mrs-jones
assert_jq "the stored profile is unchanged by the refused edits" '.max_intensity == 35 and .exclude_sides == ["left"]' "$OUT"

# --- profiles survive a restart of the daemon
stop_spawned massaged
start_massaged --time-scale 5 || exit 1
mc client list
assert_contains "after a restart: still stored" "mrs-jones" "$OUT"

# --- remove
mc client remove mrs-jones-copy
assert_eq "remove: exit 0" 0 "$RC"
check "... the file is gone" test ! -e "$MSD_STATE/clients/mrs-jones-copy.client"
mc client remove mrs-jones-copy
assert_eq "remove again: exit 3" 3 "$RC"
mc --json client list
assert_jq "list after remove" '.clients | map(.label) == ["mrs-jones"]' "$OUT"

finish
