#!/usr/bin/env bash
# The systemd watchdog on the real massaged: a stand-in for systemd's
# notification socket (tests/tools/notify-socket), WATCHDOG_USEC small and
# WATCHDOG_PID the daemon's own pid. Pings arrive; a daemon frozen with
# SIGSTOP sends none (what systemd would see of a hung daemon: it kills and
# restarts it); SIGCONT and they resume; SIGTERM sends STOPPING=1.
#
# No timing luck: the test's own markers go through the same socket, and
# datagrams queue in order, so once a marker is printed everything sent
# before it is printed too. The 1 s sleep below is the window being checked.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

NOTIFY=$BUILD_DIR/tests/tools/notify-socket
SOCK=$TEST_TMP/notify.sock
NLOG=$TEST_TMP/notify.log
INTERVAL_US=200000 # a ping every 100 ms

start_bus
spawn notify "$NOTIFY" listen "$SOCK"
wait_until 10 test -S "$SOCK" || { fail "the notification socket is up" "$(cat "$NLOG")"; finish; }

# mark TEXT: sends TEXT through the socket and waits until it is printed.
mark() { "$NOTIFY" send "$SOCK" "$1" && wait_until 10 grep -qx "$1" "$NLOG"; }
# between A B: the pings printed between the markers A and B.
between() { sed -n "/^$1\$/,/^$2\$/p" "$NLOG" | grep -cx 'WATCHDOG=1'; }
# pinged_after A: a ping was printed after the marker A.
pinged_after() { sed -n "/^$1\$/,\$p" "$NLOG" | grep -qx 'WATCHDOG=1'; }

# systemd sets WATCHDOG_PID to the service's main pid, known before it runs:
# a wrapper that execs keeps its pid, so it can name its own.
real=$MASSAGED
MASSAGED=$TEST_TMP/massaged-exec
cat >"$MASSAGED" <<EOF
#!/usr/bin/env bash
export WATCHDOG_PID=\$\$
exec "$real" "\$@"
EOF
chmod +x "$MASSAGED"

NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=$INTERVAL_US start_massaged || exit 1

check "WATCHDOG=1 arrives" wait_until 10 grep -qx 'WATCHDOG=1' "$NLOG"
check "... again and again (3 pings)" wait_until 10 lines_at_least 3 grep -x WATCHDOG=1 "$NLOG"
assert_contains "the watchdog is logged with its interval" "systemd watchdog: 200 ms" \
	"$(cat "$TEST_TMP/massaged.log")"

# --- frozen: no ping
signal_spawned massaged STOP
check "SIGSTOP: the daemon is stopped" wait_until 10 spawned_state_is massaged T
check "marker 1 through the socket" mark MARK-1
sleep 1 # ten ping periods
check "marker 2 through the socket" mark MARK-2
assert_eq "no ping while the daemon is frozen (10 periods)" 0 "$(between MARK-1 MARK-2)"

# --- thawed: pings again
signal_spawned massaged CONT
check "SIGCONT: pings resume" wait_until 10 pinged_after MARK-2
check "... and the daemon answers" msd_prop /org/massaged Manager1 Version

# --- shutdown
stop_spawned massaged TERM
assert_eq "SIGTERM: exit 0" 0 "$SPAWN_RC"
check "marker 3 through the socket" mark MARK-3
check "STOPPING=1 on SIGTERM" grep -qx 'STOPPING=1' "$NLOG"
check "no READY=1: the unit is Type=dbus, the bus name says ready" not grep -q READY=1 "$NLOG"

# --- not asked for: WATCHDOG_PID names another process, nothing but STOPPING=1
# (what follows marker 3)
MASSAGED=$real
NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=$INTERVAL_US WATCHDOG_PID=1 start_massaged || exit 1
check "another process's watchdog: the daemon answers" msd_prop /org/massaged Manager1 Version
stop_spawned massaged TERM
check "marker 4 through the socket" mark MARK-4
assert_eq "another process's watchdog: no ping, only STOPPING=1" "MARK-3 STOPPING=1 MARK-4" \
	"$(sed -n '/^MARK-3$/,$p' "$NLOG" | tr '\n' ' ' | sed 's/ $//')"

finish
