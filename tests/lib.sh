# Shared harness for integration tests (bash). Source it first:
#
#   . "$SOURCE_DIR/tests/lib.sh"
#   start_bus                      # a private dbus-daemon with the project's policy
#   spawn NAME cmd args...         # a background process, logged to $TEST_TMP/NAME.log
#   check "what" test-command...   # one assertion
#   run cmd args...; assert_exit "what" 0   # RUN_OUT, RUN_ERR, RUN_RC
#   assert_eq / assert_contains / assert_not_contains / assert_jq
#   finish                         # prints "N passed, N failed", sets the exit status
#
# Processes come from tests/lib-proc.sh (spawn, stop_spawned, wait_spawned,
# wait_until, wait_jq): everything started there is stopped on exit (trap), by
# the PID it got, and the temporary directory is removed unless KEEP_TMP=1 (or
# a check failed: then it is kept and named).
set -u
set -o pipefail

: "${BUILD_DIR:?BUILD_DIR must point at the build tree}"
: "${SOURCE_DIR:?SOURCE_DIR must point at the source tree}"

TEST_NAME=$(basename "${0%.sh}")
TEST_TMP=$(mktemp -d "/tmp/massaged-${TEST_NAME}.XXXXXX")
# Per-user state (massagectl's once-only caution stamp) stays in the test's
# directory, never in the home of whoever runs the tests.
export XDG_STATE_HOME=$TEST_TMP/xdg-state
TESTS_PASSED=0
TESTS_FAILED=0
. "$SOURCE_DIR/tests/lib-proc.sh"
PROC_LOGDIR=$TEST_TMP
. "$SOURCE_DIR/tests/lib-massaged.sh"
. "$SOURCE_DIR/sim/private-bus.sh" # private_bus_conf, start_private_bus

log() { printf '# %s\n' "$*" >&2; }

lib_cleanup() {
	stop_all_spawned
	if [ "${KEEP_TMP:-0}" = 1 ] || [ "$TESTS_FAILED" -gt 0 ]; then
		log "kept $TEST_TMP"
	else
		rm -rf "$TEST_TMP"
	fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

pass() { TESTS_PASSED=$((TESTS_PASSED + 1)); printf 'ok %d - %s\n' "$((TESTS_PASSED + TESTS_FAILED))" "$1"; }
fail() {
	TESTS_FAILED=$((TESTS_FAILED + 1))
	printf 'not ok %d - %s\n' "$((TESTS_PASSED + TESTS_FAILED))" "$1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	return 0
}

# check "description" command args...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@" >>"$TEST_TMP/check.out"; then pass "$what"; else fail "$what" "command failed: $*"; fi
}

# assert_eq "description" expected actual
assert_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

# assert_contains "description" needle haystack
assert_contains() {
	case $3 in
	*"$2"*) pass "$1" ;;
	*) fail "$1" "expected to contain: $2" "actual: $3" ;;
	esac
}

# assert_not_contains "description" needle haystack
assert_not_contains() {
	case $3 in
	*"$2"*) fail "$1" "expected not to contain: $2" "actual: $3" ;;
	*) pass "$1" ;;
	esac
}

finish() {
	printf '%d passed, %d failed\n' "$TESTS_PASSED" "$TESTS_FAILED"
	[ "$TESTS_FAILED" -eq 0 ]
	exit $?
}

# start_bus [EXTRA_POLICY_XML]: a private bus configured like the system bus
# (default deny), with the project's own policy files, and the test user allowed
# what the service users would be: owning org.bluez (the simulator) and
# org.massaged, calling both. DBUS_SYSTEM_BUS_ADDRESS points at it.
start_bus() {
	# Other users (the policy checks) must reach the socket.
	chmod 755 "$TEST_TMP"
	start_private_bus bus "$TEST_TMP" "$SOURCE_DIR" "${1:-}" || exit 1
	export DBUS_SYSTEM_BUS_ADDRESS=$PRIVATE_BUS_ADDRESS
	# Tools that only know the session bus (gdbus --session) use the same one.
	export DBUS_SESSION_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
}

# check_policy_dir WHAT DIR: a real dbus-daemon, configured as a system bus
# with DIR as its system.d, starts (and stops again); dbus-daemon refuses to
# start on a policy file it cannot parse. Its output stays in bus.log.
check_policy_dir() {
	cat >"$TEST_TMP/bus.conf" <<-XML
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=$TEST_TMP/bus.socket</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default"><allow user="*"/></policy>
	  <includedir>$2</includedir>
	</busconfig>
	XML
	spawn bus dbus-daemon --config-file="$TEST_TMP/bus.conf" --nofork --nopidfile --print-address
	if wait_until 5 test -S "$TEST_TMP/bus.socket" && is_running bus; then
		pass "$1"
	else
		fail "$1" "$(cat "$TEST_TMP/bus.log")"
	fi
	stop_spawned bus
}

# verify_root ROOT: VERIFY_ROOT, a copy of ROOT (an installed or unpacked
# tree) with this machine's systemd units added where ROOT has none of that
# name, for systemd-analyze verify --root (our units name dbus.service, ...).
verify_root() {
	local u units=lib/systemd/system
	VERIFY_ROOT=$TEST_TMP/verify-root
	cp -a "$1" "$VERIFY_ROOT"
	mkdir -p "$VERIFY_ROOT/usr/$units"
	for u in /$units/* /usr/$units/*; do
		[ -e "$u" ] || continue
		[ -e "$VERIFY_ROOT/$units/${u##*/}" ] || [ -e "$VERIFY_ROOT/usr/$units/${u##*/}" ] ||
			cp -a "$u" "$VERIFY_ROOT/usr/$units/"
	done
}

# check_unit_verifies WHAT ROOT UNIT: systemd-analyze verify --root=ROOT UNIT
# succeeds and says nothing (its output is the failure's detail).
check_unit_verifies() {
	if systemd-analyze verify --man=no --root="$2" "$3" >"$TEST_TMP/verify.log" 2>&1 &&
		! grep -q . "$TEST_TMP/verify.log"; then
		pass "$1"
	else
		fail "$1" "$(cat "$TEST_TMP/verify.log")"
	fi
}

# (has_name NAME, start_massaged: tests/lib-massaged.sh)

# run command args...: runs it in the foreground with stdin from /dev/null;
# stdout, stderr and the exit status land in RUN_OUT, RUN_ERR and RUN_RC.
RUN_OUT=""
RUN_ERR=""
RUN_RC=0
run() {
	RUN_RC=0
	"$@" >"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err" </dev/null || RUN_RC=$?
	RUN_OUT=$(cat "$TEST_TMP/run.out")
	RUN_ERR=$(cat "$TEST_TMP/run.err")
}

# assert_exit "description" STATUS: the last `run` exited with STATUS.
assert_exit() {
	if [ "$RUN_RC" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected exit status $2, got $RUN_RC" "stdout: $RUN_OUT" "stderr: $RUN_ERR"
	fi
}

# assert_same_list "description" WANT HAVE: two sorted lists, one item a line,
# are the same; a failure says what is missing from HAVE and what is unexpected.
assert_same_list() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "missing: $(comm -23 <(echo "$2") <(echo "$3") | tr '\n' ' ')" \
			"unexpected: $(comm -13 <(echo "$2") <(echo "$3") | tr '\n' ' ')"
	fi
}

# assert_jq "description" FILTER JSON: jq -e FILTER is true for JSON (which
# must also be valid JSON).
assert_jq() {
	local out
	if out=$(printf '%s' "$3" | jq -e "$2" 2>&1); then
		pass "$1"
	else
		fail "$1" "jq -e '$2' failed: $out" "json: $3"
	fi
}
