#!/usr/bin/env bash
# The session history (daemon/history.c) on the real binaries: a row per
# session with its outcome, detail, client label, note and the caller's uid
# from the bus; rows survive a restart in order; a SIGKILL mid-session
# leaves an "interrupted" row after the restart; the file is mode 0640 and
# WAL; a corrupt file is moved aside and a fresh one used, and devices work
# throughout; KeepRows trims old rows; bad Start options are refused with
# what and why. Read with python3's sqlite3 (the real SQLite, another
# process, as a therapist's tool would).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

export MASSAGECTL_NO_CAUTION=1
DB_FILE=$MSD_STATE/history.sqlite3
start_left_right || exit 1
write_steps "$MSD_DATA/programmes/short.programme" Short \
	"one hamstrings proximal 4s 20%" "two hamstrings distal 4s 30%"
write_long_programme "$MSD_DATA/programmes/long.programme" 60s

# hist SQL: rows as "a|b|c" lines (NULL as empty).
hist() {
	python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
for r in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))' "$DB_FILE" "$1"
}

restart_massaged() { # [SIG]
	stop_spawned massaged "${1:-TERM}"
	cat "$TEST_TMP/massaged.log" >>"$TEST_TMP/massaged-before.log"
	start_massaged --time-scale 5 || exit 1
	mgr StartDiscovery >/dev/null
	wait_until 10 has_object "$(devpath $A)" && wait_until 10 has_object "$(devpath $B)"
}

start_massaged --time-scale 5 || exit 1
check "discover" mgr StartDiscovery
check "A appears" wait_until 10 has_object "$(devpath $A)"
check "B appears" wait_until 10 has_object "$(devpath $B)"
assert_eq "the database is created mode 0640" 640 "$(stat -c %a "$DB_FILE")"
assert_eq "in WAL mode" wal "$(hist 'PRAGMA journal_mode')"
assert_eq "schema version 1" 1 "$(hist 'PRAGMA user_version')"

# The client label names a stored profile (an unknown one is refused, so
# a typo never drops a client's limits): two profiles without limits.
for label in ann-b bo.jr; do
	printf '[Client]\nLabel=%s\n' "$label" >"$TEST_TMP/$label.client"
	check "client profile $label stored" "$M" client add "$TEST_TMP/$label.client"
done
# 1: completed, with a client and a note
run "$M" start short --device $A --wait --client ann-b --note "left knee: keep off the back"
assert_exit "session 1 completed" 0
# 2: stopped from another shell
spawn w2 "$M" start long --device $B --wait
check "session 2 plays" wait_until 10 grep -q "waiting for its end" "$TEST_TMP/w2.log"
check "session 2 has its running row" wait_until 5 prints 1 hist "SELECT count(*) FROM sessions WHERE outcome = 'running'"
check "stop it" "$M" stop $B
wait_spawned w2 10
assert_eq "session 2 stopped (exit 10)" 10 "$SPAWN_RC"
# 3: a failed start (A off)
check "A off" sim_call SetPowered sb "$A" false
run "$M" start short --device $A --client ann-b
assert_exit "session 3 fails (exit 4)" 4
check "A on" sim_call SetPowered sb "$A" true

# --- the rows survive a restart, in order, with the right outcomes
restart_massaged
assert_eq "three rows in order with their outcomes" \
	"1|short|completed
2|long|stopped
3|short|error" "$(hist 'SELECT id, programme_id, outcome FROM sessions ORDER BY started_at, id')"
assert_eq "row 1: client, note, steps, device, driver" \
	"ann-b|left knee: keep off the back|2|2|$A|Left|reference|Short" \
	"$(hist 'SELECT client, note, steps_played, steps_total, device_address, device_name, driver, programme_name FROM sessions WHERE id=1')"
assert_eq "row 1: the caller's uid from the bus (this test's user)" "$(id -u)" "$(hist 'SELECT caller_uid FROM sessions WHERE id=1')"
assert_eq "row 1: peak intensity 30" 30.0 "$(hist 'SELECT peak_intensity FROM sessions WHERE id=1')"
assert_eq "row 1: a programme hash (SHA-256 of its text)" \
	"$(sha256sum "$MSD_DATA/programmes/short.programme" | cut -d' ' -f1)" "$(hist 'SELECT programme_hash FROM sessions WHERE id=1')"
assert_eq "row 1: UTC start and end, end after start" 1 \
	"$(hist "SELECT started_at LIKE '____-__-__T__:__:__.___Z' AND ended_at > started_at FROM sessions WHERE id=1")"
assert_contains "row 2: who stopped it" "stopped by" "$(hist 'SELECT detail FROM sessions WHERE id=2')"
assert_contains "row 3: why it failed, in words" "switched off, out of reach" "$(hist 'SELECT detail FROM sessions WHERE id=3')"
assert_eq "row 3: nothing played" "0|ann-b" "$(hist 'SELECT steps_played, client FROM sessions WHERE id=3')"

# --- massagectl history, after the restart
run "$M" history
assert_exit "history: exit 0" 0
assert_eq "history lists the three sessions in order with their outcomes" \
	"1 short completed
2 long stopped
3 short error" "$(tail -n +2 <<<"$RUN_OUT" | awk '{print $1, $4, $(NF-1)}')"
run "$M" --json history --client ann-b
assert_eq "--client filters; --json gives the rows" "1 completed,3 error" \
	"$(jq -r '.sessions | map("\(.id) \(.outcome)") | join(",")' <<<"$RUN_OUT")"
run "$M" --json history --device $B --outcome stopped
assert_eq "--device and --outcome filter" "2" "$(jq -r '.sessions | map(.id) | join(",")' <<<"$RUN_OUT")"
run "$M" --json history --limit 1
assert_eq "--limit 1: the newest" "3" "$(jq -r '.sessions | map(.id) | join(",")' <<<"$RUN_OUT")"
run "$M" --json history --since 2000-01-01 --until 2000-01-02
assert_eq "--since/--until: nothing in 2000" "0" "$(jq '.sessions | length' <<<"$RUN_OUT")"
run "$M" history show 1
assert_exit "history show 1: exit 0" 0
assert_contains "show: the note" "left knee: keep off the back" "$RUN_OUT"
assert_contains "show: the detail" "played all 2 steps" "$RUN_OUT"
run "$M" history show 99
assert_exit "history show 99: exit 3 (not found)" 3
assert_contains "it says so" "no session 99 in the history" "$RUN_ERR"
run "$M" history show abc
assert_exit "history show abc: usage (exit 2)" 2
# Filters validated with clear errors (by the daemon; the CLI only passes them).
run "$M" history --since yesterday
assert_exit "--since yesterday: exit 6 (invalid)" 6
assert_contains "it names the filter and the forms" 'filter "since": "yesterday" is not a date (2026-12-05)' "$RUN_ERR"
run "$M" history --outcome lost
assert_exit "--outcome lost: exit 6" 6
assert_contains "it lists the outcomes" 'filter "outcome": "lost" is not one of running, completed' "$RUN_ERR"
run "$M" history --limit 0
assert_exit "--limit 0: usage (exit 2)" 2
assert_contains "a bad address is refused by the daemon" "is not a Bluetooth address" \
	"$(msd_error /org/massaged Manager1 QueryHistory 'a{sv}' 1 device s 'AA:BB')"
assert_contains "an unknown filter is refused" 'unknown filter "colour"' \
	"$(msd_error /org/massaged Manager1 QueryHistory 'a{sv}' 1 colour s red)"
# A note with a comma, quotes and a line break, through the CSV and back.
printf '%s' 'said "ouch", then
fine' >"$TEST_TMP/note.txt"
run "$M" start short --device $B --wait --client bo.jr --note "$(cat "$TEST_TMP/note.txt")"
assert_exit "a session with an awkward note completes" 0
run "$M" history export --csv --output "$TEST_TMP/h.csv"
assert_exit "export --csv: exit 0" 0
assert_eq "the CSV parses (python3 csv): a header and four rows in order, fields intact" \
	"id,programme_id,outcome,client|1,short,completed,ann-b|2,long,stopped,|3,short,error,ann-b|4,short,completed,bo.jr|note-ok" \
	"$(python3 - "$TEST_TMP/h.csv" "$TEST_TMP/note.txt" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
out = ["id,programme_id,outcome,client"]
out += [",".join([r["id"], r["programme_id"], r["outcome"], r["client"]]) for r in rows]
out.append("note-ok" if rows[-1]["note"] == open(sys.argv[2]).read() else "note-bad: %r" % rows[-1]["note"])
print("|".join(out))
PY
)"
run "$M" history export --csv --output "$TEST_TMP/h.csv"
assert_exit "export never overwrites a file: exit 2" 2
run "$M" history export
assert_exit "export without --csv: usage (exit 2)" 2

# --- SIGKILL mid-session: "interrupted" after the restart
"$M" start long --device $B --no-caution >/dev/null
check "session 5 has its running row" wait_until 5 prints running hist 'SELECT outcome FROM sessions WHERE id=5'
restart_massaged KILL
assert_eq "massaged was killed" 137 "$SPAWN_RC"
assert_eq "row 5 is interrupted after the restart" "5|long|interrupted" \
	"$(hist 'SELECT id, programme_id, outcome FROM sessions WHERE id=5')"
assert_contains "it says why" "massaged ended while the session ran" "$(hist 'SELECT detail FROM sessions WHERE id=5')"
run "$M" --json history --outcome interrupted
assert_eq "massagectl history shows it interrupted" "5 interrupted" "$(jq -r '.sessions[] | "\(.id) \(.outcome)"' <<<"$RUN_OUT")"
assert_contains "the daemon's log says so" "marked interrupted" "$(cat "$TEST_TMP/massaged.log")"

# --- bad options: refused with what and why, nothing recorded
rows=$(hist 'SELECT count(*) FROM sessions')
check "B idle" wait_prop 10 "$(devpath $B)" Device1 Session '"/"'
run "$M" start short --device $B --client "$(printf 'x%.0s' $(seq 65))"
assert_exit "a 65-byte client label: exit 6 (invalid)" 6
assert_contains "it names the limit" "at most 64" "$RUN_ERR"
run "$M" start short --device $B --client "$(printf 'a\033b')"
assert_exit "a control character in the label: exit 6" 6
assert_contains "it says which byte" "found byte 0x1b" "$RUN_ERR"
assert_eq "nothing recorded for refused starts" "$rows" "$(hist 'SELECT count(*) FROM sessions')"

# --- a corrupt database: moved aside, a fresh one, devices work
stop_spawned massaged TERM
head -c 4096 /dev/urandom >"$DB_FILE"
rm -f "$DB_FILE-wal" "$DB_FILE-shm"
start_massaged --time-scale 5 || exit 1
check "massaged runs on a corrupt history" has_name org.massaged
assert_contains "it says it moved the file aside" "moving it aside and starting a fresh one" "$(cat "$TEST_TMP/massaged.log")"
check "the damaged file is kept aside" compgen -G "$MSD_STATE/history.sqlite3.corrupt-*"
mgr StartDiscovery >/dev/null
check "B appears" wait_until 10 has_object "$(devpath $B)"
run "$M" start short --device $B --wait
assert_exit "a session plays and completes on the fresh database" 0
assert_eq "the fresh database has it" "1|completed" "$(hist 'SELECT id, outcome FROM sessions')"
assert_eq "the fresh database is mode 0640 too" 640 "$(stat -c %a "$DB_FILE")"

# --- retention: KeepRows
printf '[History]\nKeepRows=2\n' >"$MSD_CONF"
stop_spawned massaged TERM
start_massaged --time-scale 5 || exit 1
mgr StartDiscovery >/dev/null
check "B appears" wait_until 10 has_object "$(devpath $B)"
for i in 1 2; do
	run "$M" start short --device $B --wait --note "run $i"
	assert_exit "retention session $i completes" 0
done
assert_eq "KeepRows=2 keeps the newest two" "run 1
run 2" "$(hist 'SELECT note FROM sessions ORDER BY id')"

# --- a bad [History] key: a located error
printf '[History]\nKeepDays=soon\n' >"$MSD_CONF"
stop_spawned massaged TERM
run massaged_once
assert_contains "KeepDays=soon is refused, naming the key" '[History] KeepDays: "soon" is not a whole number' "$RUN_ERR$RUN_OUT"

assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged-before.log" "$TEST_TMP/massaged.log")"
finish
