#!/usr/bin/env bash
# One help style at every level (issue 14): "Usage:" once, every line within
# 80 columns, descriptions aligned; an unknown command or programme id gets a
# "did you mean" when it is a plausible slip, and the hint has no stray space.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

M=$BUILD_DIR/cli/massagectl

# widest LINES...: the display width of the longest line.
widest() { LC_ALL=C.UTF-8 awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'; }

run "$M" --help
assert_exit "--help: exit 0" 0
assert_eq "--help: 'Usage:' once" 1 "$(grep -c 'Usage:' <<<"$RUN_OUT")"
check "--help: every line fits 80 columns" test "$(widest <<<"$RUN_OUT")" -le 80
assert_contains "--help: the start line is short" "  start PROGRAMME [OPTIONS]" "$RUN_OUT"
assert_contains "--help: the exit codes of --wait and --follow" "10 stopped, 11 device lost" "$RUN_OUT"
run "$M" help
assert_eq "'massagectl help' is --help" "$("$M" --help)" "$RUN_OUT"

# Every command and sub-command: the same layout.
for cmd in status scan devices connect disconnect info start pause resume next previous adjust \
	stop battery monitor; do
	run "$M" "$cmd" --help
	assert_exit "$cmd --help: exit 0" 0
	assert_eq "$cmd --help: begins with its usage" "Usage: massagectl $cmd" \
		"$(head -n1 <<<"$RUN_OUT" | cut -d' ' -f1-3)"
	assert_eq "$cmd --help: 'Usage:' once" 1 "$(grep -c 'Usage:' <<<"$RUN_OUT")"
	assert_contains "$cmd --help: an Options section" $'\nOptions:\n' "$RUN_OUT"$'\n'
	assert_contains "$cmd --help: --help listed the same way" \
		"  -h, --help                  Show this help" "$RUN_OUT"
	check "$cmd --help: every line fits 80 columns" test "$(widest <<<"$RUN_OUT")" -le 80
	assert_contains "$cmd --help: lists --json (it has JSON output)" "  --json  " "$RUN_OUT"
done
# A sub-command's usage names it in full: the line can be typed as it is.
for sub in client:export programme:export history:show device:encode; do
	run "$M" "${sub%:*}" "${sub#*:}" --help
	assert_eq "${sub/:/ } --help: its usage in full" "Usage: massagectl ${sub/:/ }" \
		"$(head -n1 <<<"$RUN_OUT" | cut -d' ' -f1-4)"
done

# --- a text-only command: no --json in its help, and --json is refused
run "$M" history export --help
assert_exit "history export --help: exit 0" 0
assert_not_contains "history export --help: no --json (CSV only)" "--json" "$RUN_OUT"
run "$M" --json history export --csv
assert_exit "--json history export: a usage error" 2
assert_jq "--json history export: the error says so" \
	'.error.name == "usage" and .error.message == "history export has no JSON output: leave out --json"' "$RUN_OUT"
run "$M" history export --csv --json
assert_exit "history export --json (after the command): a usage error" 2
assert_contains "history export --json: said before any daemon is asked" "has no JSON output" "$RUN_OUT"
for table in device programme history client; do
	run "$M" "$table" --help
	assert_exit "$table --help: exit 0" 0
	assert_eq "$table --help: its usage" "Usage: massagectl $table COMMAND [ARGS]" "$(head -n1 <<<"$RUN_OUT")"
	assert_contains "$table --help: a Commands section" $'\nCommands:\n' "$RUN_OUT"
	check "$table --help: every line fits 80 columns" test "$(widest <<<"$RUN_OUT")" -le 80
done

# --- unknown commands
run "$M" bogus
assert_exit "an unknown command: exit 2" 2
assert_contains "an unknown command: named" "unknown command 'bogus'" "$RUN_ERR"
assert_contains "an unknown command: the hint, one space" "Run 'massagectl --help' for the list" "$RUN_ERR"
run "$M" progrmme list
assert_exit "a mistyped command: exit 2" 2
assert_contains "a mistyped command: did you mean" "Did you mean 'massagectl programme'?" "$RUN_ERR"
run "$M" programme shw
assert_contains "a mistyped sub-command: did you mean" "Did you mean 'massagectl programme show'?" "$RUN_ERR"
run "$M" --json progrmme
assert_jq "--json: the suggestion is the error's hint" \
	'.error.hint == "Did you mean '"'"'massagectl programme'"'"'?"' "$RUN_OUT"

# --- a mistyped programme id, through the daemon
start_bus
A=AA:BB:CC:00:00:31
start_sim sim --device "reference,name=Help One,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/evening-release.programme" "Evening release"
start_massaged || exit 1
run "$M" scan --timeout 2
assert_contains "the device is found" "found $A" "$RUN_OUT"
run "$M" start evening-relase --device "$A" --no-caution
assert_exit "a mistyped programme id: exit 3" 3
assert_contains "a mistyped programme id: did you mean" 'did you mean "evening-release"?' "$RUN_ERR"
run "$M" start zzzz --device "$A" --no-caution
assert_not_contains "a different word: no suggestion" "did you mean" "$RUN_ERR"

finish
