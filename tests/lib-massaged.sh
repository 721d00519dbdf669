# shellcheck shell=bash
# The one way to start massaged (bash), for the integration tests
# (tests/integration/daemon-lib.sh), the real-stack tests
# (tests/vm/tests/lib-daemon.sh), the benchmarks (bench/lib.sh) and the demo
# (sim/demo.sh). Source tests/lib-proc.sh first (spawn, wait_until).
#
#   msd_layout DIR          MSD_DATA, MSD_STATE, MSD_CONF (+ .d) under DIR, created
#   start_massaged [--name NAME] [--quiet] [--timeout S] [massaged args...]
#                           spawns massaged on its own directories and waits
#                           for org.massaged on the bus; on failure prints
#                           its log and returns 1
#   has_name NAME           the (system) bus has an owner for NAME
set -o pipefail

MASSAGED=${MASSAGED:-$BUILD_DIR/daemon/massaged}

msd_layout() {
	MSD_DATA=$1/data
	MSD_STATE=$1/state
	MSD_CONF=$1/massaged.conf
	mkdir -p "$MSD_DATA/programmes" "$MSD_DATA/devices" "$MSD_STATE" "$MSD_CONF.d"
	: >"$MSD_CONF"
}

has_name() {
	[ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
		NameHasOwner s "$1" 2>/dev/null)" = "b true" ]
}

# --quiet leaves out --verbose (the benchmarks: logging is not what they
# measure). The environment of the call reaches the daemon
# (MASSAGED_TRACE=1 start_massaged ...).
start_massaged() {
	local name=massaged verbose=--verbose timeout=10
	while [ $# -gt 0 ]; do
		case $1 in
		--name) name=$2; shift 2 ;;
		--quiet) verbose=; shift ;;
		--timeout) timeout=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	spawn "$name" "$MASSAGED" ${verbose:+"$verbose"} --config "$MSD_CONF" --config-dir "$MSD_CONF.d" \
		--data-dir "$MSD_DATA" --state-dir "$MSD_STATE" "$@"
	if ! wait_until "$timeout" has_name org.massaged; then
		printf '# massaged (%s) did not claim org.massaged; its log:\n' "$name" >&2
		cat "$PROC_LOGDIR/$name.log" >&2
		return 1
	fi
}
