#!/usr/bin/env bash
# The programme store under bad input (issue 17, defects 1-5), on the real
# massaged and massagectl over a private bus with the real policy:
#  1. an import never overwrites a stored file it did not write (an
#     unloadable stored programme keeps its id; --replace is the explicit way);
#  2. every input is bounded: `import /dev/zero` fails fast, the daemon
#     refuses text over 1 MiB;
#  3. invalid UTF-8 or NUL in imported text gets validate's located
#     diagnostic, without a GLib-CRITICAL;
#  4. temporary files of interrupted imports are removed at start;
#  5. errors and logs quote a bounded prefix of what they were given.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

PY=/usr/bin/python3
start_bus

# programme FILE NAME INTENSITY: a ramp up to INTENSITY, then a step at it.
programme() {
	printf '[Programme]\nName=%s\nSummary=%s\nKind=any\n\n[Step warm]\nMuscle=hamstrings\nZone=full-length\nDuration=10s\nIntensity=ramp 10%% %s\n\n[Step work]\nMuscle=hamstrings\nZone=full-length\nDuration=4s\nIntensity=%s\n' \
		"$2" "$2 at $3" "$3" "$3" >"$1"
}

# --- 1. an unloadable stored programme keeps its id
start_massaged || exit 1
programme "$TEST_TMP/strong60.programme" Strong 60%
run "$M" programme import "$TEST_TMP/strong60.programme"
assert_exit "import Strong at 60 %" 0
old=$(cat "$MSD_STATE/programmes/strong.programme")
stop_spawned massaged
printf '[Safety]\nMaxIntensity=50%%\n' >"$MSD_CONF.d/50-strict.conf"
start_massaged || exit 1
assert_contains "the stricter daemon leaves strong.programme out, and says its id stays taken" \
	'id "strong" stays taken' "$(cat "$TEST_TMP/massaged.log")"
programme "$TEST_TMP/strong40.programme" Strong 40%
run "$M" --json programme import "$TEST_TMP/strong40.programme"
assert_exit "import another Strong (40 %)" 0
assert_eq "... it gets a new id, not the unloadable one's" '"strong-2"' "$(jq -c .id <<<"$RUN_OUT")"
assert_eq "... and the stored strong.programme still holds the old text" "$old" \
	"$(cat "$MSD_STATE/programmes/strong.programme")"
# A file put in the directory by hand after the start is not overwritten either.
programme "$MSD_STATE/programmes/hand.programme" Hand 10%
cp "$MSD_STATE/programmes/hand.programme" "$TEST_TMP/hand-copy"
programme "$TEST_TMP/hand.programme" Hand 20%
run "$M" --json programme import "$TEST_TMP/hand.programme"
assert_eq "import of a name whose file appeared since the start: a new id" '"hand-2"' \
	"$(jq -c .id <<<"$RUN_OUT")"
check "... the file put there by hand is untouched" cmp -s "$TEST_TMP/hand-copy" \
	"$MSD_STATE/programmes/hand.programme"
# --replace is the explicit way.
run "$M" --json programme import --replace "$TEST_TMP/strong40.programme"
assert_exit "import --replace" 0
assert_eq "... stores under the Name's own id" '"strong"' "$(jq -c .id <<<"$RUN_OUT")"
assert_eq "... and strong.programme now holds the new text" "$(cat "$TEST_TMP/strong40.programme")" \
	"$(cat "$MSD_STATE/programmes/strong.programme")"
assert_contains "... which the daemon lists" "strong" "$(mgr ListProgrammes | jq -r '[.data[0][][0]] | join(" ")')"
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
stop_spawned massaged
start_massaged || exit 1
write_programme "$TEST_TMP/gentle.programme" "Gentle"
run "$M" programme import --replace "$TEST_TMP/gentle.programme"
assert_exit "import --replace of a built-in's id: refused (exit 8)" 8
assert_contains "... saying why" "built-in" "$RUN_ERR"
check "... and nothing is written" test ! -e "$MSD_STATE/programmes/gentle.programme"

# --- 2. bounded input
run timeout 30 "$M" programme import /dev/zero
assert_exit "import /dev/zero: refused as invalid (exit 6), not killed by the timeout" 6
assert_contains "... naming the bound" "larger than 1048576 bytes" "$RUN_ERR"
head -c 1100000 /dev/zero | tr '\0' '#' >"$TEST_TMP/big.programme"
run "$M" programme import "$TEST_TMP/big.programme"
assert_exit "import of a 1.1 MB file: exit 6" 6
big_call() { # METHOD: calls it with a 1.1 MB string argument; prints the error name and length
	"$PY" - "$1" <<-'PY'
	import sys
	import dbus
	bus = dbus.SystemBus()
	obj = bus.get_object("org.massaged", "/org/massaged")
	try:
	    getattr(obj, sys.argv[1])("# " + "x" * 1100000 + "\n", dbus_interface="org.massaged.Manager1")
	    print("success")
	except dbus.exceptions.DBusException as e:
	    print(e.get_dbus_name(), len(e.get_dbus_message()))
	PY
}
out=$(big_call ImportProgramme)
assert_contains "the daemon refuses an ImportProgramme over 1 MiB as InvalidProgramme" \
	"org.massaged.Error.InvalidProgramme" "$out"
check "... with a short error (${out##* } bytes)" test "${out##* }" -lt 200
out=$(big_call GetProgramme)
assert_contains "GetProgramme of a 1.1 MB id: NotFound" "org.massaged.Error.NotFound" "$out"
check "... quoting a bounded prefix of it (${out##* } bytes)" test "${out##* }" -lt 200
check "the daemon is still up" is_running massaged
run timeout 20 "$M" device check /dev/zero
assert_contains "device check /dev/zero: refused at once, not read" "not a regular file" "$RUN_ERR$RUN_OUT"
head -c 300000 /dev/zero | tr '\0' '#' >"$TEST_TMP/big.device"
run timeout 20 "$M" device check "$TEST_TMP/big.device"
assert_contains "device check of a 300 KB file: refused by size" "larger than 262144 bytes" "$RUN_ERR$RUN_OUT"
MSD_CONF=/dev/zero MSD_STATE=$TEST_TMP/other-state run massaged_once
check "massaged --config /dev/zero: exits non-zero at once (status $RUN_RC, not 124)" \
	test "$RUN_RC" -ne 0 -a "$RUN_RC" -ne 124
assert_contains "... saying why" "not a regular file" "$RUN_ERR"

# --- 3. invalid UTF-8 and NUL: located diagnostics, no GLib-CRITICAL
# refused_text FILE LINE WHAT: validate locates the problem at LINE; import
# refuses the text (exit 6) with that same diagnostic, and no GLib-CRITICAL.
refused_text() {
	local want
	run env G_DEBUG=fatal-criticals "$M" programme validate "$1"
	want=$(grep ":$2: " <<<"$RUN_OUT")
	check "validate reports the line of the $3" test -n "$want"
	run env G_DEBUG=fatal-criticals "$M" programme import "$1"
	assert_exit "import of text with the $3: exit 6 (no critical aborting it)" 6
	assert_contains "... with validate's located diagnostic" "$want" "$RUN_ERR"
	assert_not_contains "... and no GLib-CRITICAL" "CRITICAL" "$RUN_ERR"
}
printf '[Programme]\nName=Bad\nSummary=bad \xff here\nKind=any\n\n[Step only]\nDuration=4s\nIntensity=10%%\n' \
	>"$TEST_TMP/utf8.programme"
refused_text "$TEST_TMP/utf8.programme" 3 "invalid UTF-8"
printf '[Programme]\nName=Bad\nSummary=bad\nKind=any\n\n[Step only]\nDuration=4s\x00\nIntensity=10%%\n' \
	>"$TEST_TMP/nul.programme"
refused_text "$TEST_TMP/nul.programme" 7 "NUL byte"
assert_eq "nothing new was stored" "hand-2.programme hand.programme strong-2.programme strong.programme" \
	"$(cd "$MSD_STATE/programmes" && ls | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"

# --- 5. a refused 1000-step import writes a bounded error and log
{
	printf '[Programme]\nName=Many\nSummary=many\nKind=any\n'
	for i in $(seq 1 1000); do printf '\n[Step s%d]\nDuration=1s\nIntensity=160%%\n' "$i"; done
} >"$TEST_TMP/many.programme"
before=$(stat -c %s "$TEST_TMP/massaged.log")
run "$M" programme import "$TEST_TMP/many.programme"
assert_exit "import of 1000 bad steps: exit 6" 6
check "... the error is bounded (${#RUN_ERR} bytes)" test "${#RUN_ERR}" -lt 3000
assert_contains "... and counts what it left out" "more errors" "$RUN_ERR"
after=$(stat -c %s "$TEST_TMP/massaged.log")
check "... the daemon logged $((after - before)) bytes about it (< 1000)" test $((after - before)) -lt 1000

# --- 4. temporary files of interrupted imports are removed at start
stop_spawned massaged
printf 'half a progr' >"$MSD_STATE/programmes/strong.programme.Ab12Cd"
# A stored file with a NUL byte: the daemon names it and the line (the reader
# massagectl uses), never cuts it at the NUL; the file is kept.
cp "$TEST_TMP/nul.programme" "$MSD_STATE/programmes/nulstored.programme"
printf 'half a progr' >"$MSD_STATE/programmes/.goutputstream-XYZ"
start_massaged || exit 1
check "a stale import temporary file is removed at start" \
	test ! -e "$MSD_STATE/programmes/strong.programme.Ab12Cd"
check "... a file that is not one is left alone" test -e "$MSD_STATE/programmes/.goutputstream-XYZ"
assert_contains "a stored file with a NUL byte is named at its line in the log" \
	"nulstored.programme:7: [Step only] the line contains a NUL byte" "$(cat "$TEST_TMP/massaged.log")"
check "... and kept" test -s "$MSD_STATE/programmes/nulstored.programme"
check "... and the stored programmes are all still there" test -s "$MSD_STATE/programmes/strong.programme" \
	-a -s "$MSD_STATE/programmes/strong-2.programme"

finish
