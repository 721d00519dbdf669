#!/usr/bin/env bash
# massaged without devices: configuration errors, the bus name (claimed last,
# never queued), the D-Bus policy, the programme store through Manager1,
# and a clean exit on SIGTERM. A real dbus-daemon, the real massaged.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

start_bus
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"

# --- a bad configuration is a clear error naming file, group and key
printf '[Safety]\nMaxIntensity=250%%\n' >"$MSD_CONF.d/50-bad.conf"
out=$(massaged_once 2>&1)
rc=$?
check "bad config: massaged exits non-zero (not 124: it did not hang)" test "$rc" -ne 0 -a "$rc" -ne 124
assert_contains "bad config: names the file" "50-bad.conf" "$out"
assert_contains "bad config: names group and key" "[Safety] MaxIntensity" "$out"
printf '[Reconect]\nWindow=5s\n' >"$MSD_CONF.d/50-bad.conf"
out=$(massaged_once 2>&1)
assert_contains "bad config: an unknown group is named" "[Reconect]" "$out"
rm "$MSD_CONF.d/50-bad.conf"
printf '[Safety]\nMaxSessionTime=20min\n[Reconnect]\nWindow=5s\n' >"$MSD_CONF.d/10-ok.conf"

# --- start, claim the name
start_massaged --time-scale 10 || exit 1
assert_eq "Version property" '"'"$("$MASSAGED" --version | cut -d' ' -f2)"'"' \
	"$(msd_prop /org/massaged Manager1 Version)"
assert_eq "TimeScale property" "10" "$(msd_prop /org/massaged Manager1 TimeScale)"
assert_contains "--time-scale is logged loudly" "10 times faster" "$(cat "$TEST_TMP/massaged.log")"
check "ObjectManager answers" busctl --system call org.massaged /org/massaged \
	org.freedesktop.DBus.ObjectManager GetManagedObjects

# --- a second instance does not queue for the name: it exits
massaged_once >"$TEST_TMP/second.log" 2>&1
rc=$?
check "a second massaged exits non-zero (not 124: it did not queue)" test "$rc" -ne 0 -a "$rc" -ne 124
check "the first one still runs" is_running massaged

# --- built-in programmes
list=$(mgr ListProgrammes | jq -c '.data[0]')
assert_eq "ListProgrammes: the built-in with its duration (2 sides x 10 s)" \
	'[["gentle","Gentle test","Test programme",20000]]' "$list"
text=$(mgr GetProgramme s gentle | jq -r '.data[0]')
assert_eq "GetProgramme returns the stored text" "$(cat "$MSD_DATA/programmes/gentle.programme")" "$text"
assert_contains "GetProgramme of an unknown id: NotFound" "org.massaged.Error.NotFound" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.GetProgramme nosuch)"

# --- validation: located diagnostics, nothing stored
bad=$(sed 's/^Intensity=30%/Intensity=160%/' "$MSD_DATA/programmes/gentle.programme")
diags=$(mgr ValidateProgramme s "$bad" | jq -c '.data[0]')
line=$(grep -n '^Intensity=160%' <<<"$bad" | cut -d: -f1)
assert_eq "ValidateProgramme: one error, at the line of the bad key" \
	"error $line [Step work] Intensity" \
	"$(jq -r '.[] | select(.[0]=="error") | "\(.[0]) \(.[1]) \(.[2])"' <<<"$diags" | head -n1)"
assert_eq "ValidateProgramme of a good text: no diagnostics" "[]" \
	"$(mgr ValidateProgramme s "$(cat "$MSD_DATA/programmes/gentle.programme")" | jq -c '.data[0]')"

err=$(gdbus_error /org/massaged org.massaged.Manager1.ImportProgramme "$bad")
assert_contains "ImportProgramme of a bad text: InvalidProgramme" "org.massaged.Error.InvalidProgramme" "$err"
assert_contains "... with the located diagnostic" "line $line: [Step work] Intensity:" "$err"
assert_eq "... and nothing stored" "" "$(find "$MSD_STATE" -type f ! -name 'history.sqlite3*')"
err=$(gdbus_error /org/massaged org.massaged.Manager1.ImportProgramme "not a programme at all")
assert_contains "ImportProgramme of garbage: InvalidProgramme" "org.massaged.Error.InvalidProgramme" "$err"
assert_eq "... nothing stored" "" "$(find "$MSD_STATE" -type f ! -name 'history.sqlite3*')"

# --- import: stable, de-duplicated ids, atomic files
good=$(sed 's/^Name=.*/Name=My Own: Release!/' "$MSD_DATA/programmes/gentle.programme")
assert_eq "ImportProgramme: id is a slug of the Name" '"my-own-release"' \
	"$(mgr ImportProgramme s "$good" | jq -c '.data[0]')"
assert_eq "... a second import gets -2" '"my-own-release-2"' \
	"$(mgr ImportProgramme s "$good" | jq -c '.data[0]')"
assert_eq "... stored as files in the state dir" "my-own-release-2.programme my-own-release.programme" \
	"$(cd "$MSD_STATE/programmes" && ls | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
assert_eq "... the stored text is exactly the imported one" "$good" "$(cat "$MSD_STATE/programmes/my-own-release.programme")"
assert_eq "ListProgrammes: built-ins first, then imported" "gentle my-own-release my-own-release-2" \
	"$(mgr ListProgrammes | jq -r '[.data[0][][0]] | join(" ")')"

# --- remove
assert_contains "RemoveProgramme of a built-in: NotSupported" "org.massaged.Error.NotSupported" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.RemoveProgramme gentle)"
check "the built-in file is untouched" test -f "$MSD_DATA/programmes/gentle.programme"
check "RemoveProgramme of an imported one" mgr RemoveProgramme s my-own-release-2
check "... its file is gone" test ! -e "$MSD_STATE/programmes/my-own-release-2.programme"
assert_contains "RemoveProgramme of an unknown id: NotFound" "org.massaged.Error.NotFound" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.RemoveProgramme nosuch)"

# --- Start with bad arguments is refused clearly
assert_contains "Start on an unknown device: NotFound" "org.massaged.Error.NotFound" \
	"$(gdbus_error /org/massaged org.massaged.Manager1.Start /org/massaged/hci0/dev_00_11_22_33_44_55 gentle '{}')"

# --- the policy: another user may look but not act
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	check "policy: anybody may read properties" as_nobody busctl --system get-property \
		org.massaged /org/massaged org.massaged.Manager1 Version
	out=$(as_nobody busctl --system call org.massaged /org/massaged org.massaged.Manager1 \
		ImportProgramme s "$good" 2>&1)
	assert_contains "policy: a stranger may not import" "not authorized" "${out,,}"
	out=$(as_nobody busctl --system call org.massaged /org/massaged org.massaged.Manager1 StopAll 2>&1)
	assert_eq "policy: a stranger may stop every device" "a(os) 0" "$out"
else
	log "SKIP policy checks: need root, setpriv and user nobody"
fi

# --- restart: imported programmes persist under the same id
stop_spawned massaged
start_massaged || exit 1
assert_eq "after a restart: the same ids" "gentle my-own-release" \
	"$(mgr ListProgrammes | jq -r '[.data[0][][0]] | join(" ")')"

# --- SIGTERM: a clean, quick exit, the name released
start=$(date +%s%N)
stop_spawned massaged TERM
elapsed=$((($(date +%s%N) - start) / 1000000))
assert_eq "SIGTERM: exit status 0" 0 "$SPAWN_RC"
check "SIGTERM: exits within 3 s (took ${elapsed} ms)" test "$elapsed" -lt 3000
check "SIGTERM: the name is released" wait_until 2 not has_name org.massaged
assert_not_contains "no sanitizer reports" "ERROR: AddressSanitizer" "$(cat "$TEST_TMP/massaged.log")"

finish
