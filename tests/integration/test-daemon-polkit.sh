#!/usr/bin/env bash
# The daemon's polkit path (daemon/authority.c, docs/security.md) on a private
# bus, with the real D-Bus policy file, against a stand-in polkit authority
# (tests/tools/fake-polkit) that answers yes, no, challenge, or "yes for
# members of group G" (what org.massaged.rules says for group "massage"):
#  - reads and stops are open to every account and never ask polkit;
#  - control (Connect, Start, Pause, ...) and programme management ask polkit,
#    with the caller as subject; yes lets the call through, no and challenge
#    refuse it with PermissionDenied naming the action;
#  - a caller allowed to start can always stop, whatever polkit says later;
#  - polkit unreachable: control refused (fail closed), stop still works.
# Also, with the real policy file: a bystander may list objects, may not
# set properties. The callers are nobody (primary group nogroup) and daemon (not in nogroup),
# run with setpriv; the daemon itself runs as the test user (root).
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

if ! command -v setpriv >/dev/null || [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1 ||
	! id daemon >/dev/null 2>&1 || ! getent group nogroup >/dev/null; then
	fail "this test needs root, setpriv and the users nobody and daemon, group nogroup"
	finish
fi
FAKE=$BUILD_DIR/tests/tools/fake-polkit
me=$(id -un)
start_bus "<policy user=\"$me\"><allow own=\"org.freedesktop.PolicyKit1\"/>
  <allow send_destination=\"org.freedesktop.PolicyKit1\"/></policy>"

A=AA:BB:CC:00:00:21
DEV=$(devpath $A)
start_sim sim --device "reference,name=Pulse,address=$A" || exit 1
write_programme "$MSD_DATA/programmes/gentle.programme" "Gentle test"
start_massaged || exit 1
check "discover (the daemon's own user: no polkit)" mgr StartDiscovery
check "device appears" wait_until 10 has_object "$DEV"

as_nobody() { setpriv --reuid=nobody --regid=nogroup --init-groups "$@"; }
as_daemon() { setpriv --reuid=daemon --regid=daemon --init-groups "$@"; }
# call_as WHO PATH IFACE METHOD [SIG ARGS...]: busctl as WHO; output and error in OUT, status in RC.
call_as() {
	local who=$1 path=$2 iface=$3 method=$4
	shift 4
	RC=0
	OUT=$("as_$who" busctl --system --json=short call org.massaged "$path" "org.massaged.$iface" \
		"$method" "$@" 2>&1) || RC=$?
}
polkit_log() { cat "$TEST_TMP/polkit.log" 2>/dev/null; }
# start_polkit ANSWERS...: (re)starts the stand-in authority.
start_polkit() {
	if [ -n "${SPAWNED[polkit]:-}" ]; then stop_spawned polkit; fi
	spawn polkit "$FAKE" "$@"
	wait_until 10 grep -q '^ready' "$TEST_TMP/polkit.log" || { log "fake-polkit did not start"; polkit_log >&2; exit 1; }
}

start_polkit org.massaged.control=group:nogroup org.massaged.manage-programmes=no

# --- the group rule: nobody (in nogroup) may control, daemon may not
call_as daemon "$DEV" Device1 Connect
assert_eq "not in the group: Connect refused" 1 "$RC"
assert_contains "... with PermissionDenied" "Not authorized" "$OUT"
assert_contains "... naming the action" "org.massaged.control" "$OUT"
assert_contains "polkit was asked about daemon's Connect, and said no" \
	"check org.massaged.control uid=$(id -u daemon) interactive=1 -> no" "$(polkit_log)"
check "the device stayed disconnected" msd_prop_is "$DEV" Device1 Connected false

call_as nobody "$DEV" Device1 Connect
assert_eq "in the group: Connect allowed" 0 "$RC"
assert_contains "polkit said yes for nobody" "check org.massaged.control uid=65534 interactive=1 -> yes" "$(polkit_log)"
check "connected" wait_prop 10 "$DEV" Device1 Connected true

call_as nobody /org/massaged Manager1 Start osa{sv} "$DEV" gentle 0
assert_eq "in the group: Start allowed" 0 "$RC"
S=$(jq -r '.data[0]' <<<"$OUT" 2>/dev/null)
check "running" wait_prop 10 "$DEV" Device1 State '"running"'

# --- reads are open and never ask
before=$(polkit_log | wc -l)
call_as daemon "$S" Session1 Pause
assert_eq "not in the group: Pause refused" 1 "$RC"
RC=0
OUT=$(as_daemon busctl --system --json=short get-property org.massaged "$S" org.massaged.Session1 Programme 2>&1) || RC=$?
assert_eq "a bystander may read a session's properties" '0 "gentle"' "$RC $(jq -c .data <<<"$OUT")"
call_as daemon /org/massaged Manager1 ListProgrammes
assert_eq "a bystander may list programmes" 0 "$RC"
assert_eq "the reads asked polkit nothing (only the Pause did)" $((before + 1)) "$(polkit_log | wc -l)"

RC=0
OUT=$(as_daemon busctl --system --json=short call org.massaged /org/massaged \
	org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1) || RC=$?
assert_eq "a bystander may list the objects (to find what to stop)" 0 "$RC"
RC=0
OUT=$(as_daemon busctl --system set-property org.massaged /org/massaged org.massaged.Manager1 \
	Version s 9 2>&1) || RC=$?
assert_contains "the D-Bus policy refuses Properties.Set to a bystander" "access denied" "${OUT,,}"

# --- programme management is its own action
call_as nobody /org/massaged Manager1 ImportProgramme s "$(cat "$MSD_DATA/programmes/gentle.programme")"
assert_contains "group for control only: import refused, naming the action" \
	"org.massaged.manage-programmes" "$OUT"

# --- a challenge is a refusal that says authentication would help
start_polkit org.massaged.control=challenge
call_as daemon "$S" Session1 Adjust d 50
assert_contains "challenge: refused, needs authentication" "needs authentication" "$OUT"

# --- the one who started may always stop: polkit now says no to everything
start_polkit
before=$(polkit_log | wc -l)
call_as nobody "$S" Session1 Pause
assert_contains "polkit says no now: nobody's Pause refused" "Not authorized" "$OUT"
call_as nobody "$S" Session1 Stop
assert_eq "... but nobody's Session1.Stop works" 0 "$RC"
check "the device stopped" wait_prop 10 "$DEV" Device1 State '"ready"'
assert_eq "the stop asked polkit nothing" $((before + 1)) "$(polkit_log | wc -l)"

# --- polkit unreachable: control fails closed, stop works
start_polkit org.massaged.control=yes
S=$(start_session "$DEV" gentle)
check "running again (the test user's own Start)" wait_prop 10 "$DEV" Device1 State '"running"'
stop_spawned polkit
call_as nobody "$S" Session1 Adjust d 50
assert_eq "polkit gone: Adjust refused" 1 "$RC"
assert_contains "... saying polkit could not be asked" "could not be asked" "$OUT"
call_as daemon /org/massaged Manager1 StopAll
assert_eq "polkit gone: a bystander's StopAll works" 0 "$RC"
check "the device stopped" wait_prop 10 "$DEV" Device1 State '"ready"'

# --- massagectl says which action and which group
RC=0
OUT=$(as_daemon env XDG_STATE_HOME=/nonexistent "$BUILD_DIR/cli/massagectl" connect "$A" 2>&1) || RC=$?
assert_eq "massagectl: permission denied is exit 8" 8 "$RC"
assert_contains "massagectl: names the polkit action" "org.massaged.control" "$OUT"
assert_contains "massagectl: names the group" "group 'massage'" "$OUT"

check "massaged still runs" is_running massaged
assert_not_contains "no sanitizer reports" "Sanitizer" "$(cat "$TEST_TMP/massaged.log")"
finish
