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
#                           its log and returns 1; an empty MSD_STATE
#                           leaves --state-dir out (MSD_STATE= start_massaged)
#   massaged_once [massaged args...]
#                           massaged on the same directories in the
#                           foreground, for a start it must refuse (a bad
#                           configuration, a second instance): under
#                           `timeout 20`, so one that does not exit is 124
#   has_name NAME           the (system) bus has an owner for NAME
#   write_steps FILE NAME STEP...
#                           a programme file of plain steps (below)
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

# msd_argv: MSD_ARGV, massaged's command line on the layout's directories.
msd_argv() {
	MSD_ARGV=("$MASSAGED" --config "$MSD_CONF" --config-dir "$MSD_CONF.d" --data-dir "$MSD_DATA")
	if [ -n "$MSD_STATE" ]; then MSD_ARGV+=(--state-dir "$MSD_STATE"); fi
}

massaged_once() {
	msd_argv
	timeout 20 "${MSD_ARGV[@]}" "$@"
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
	msd_argv
	spawn "$name" "${MSD_ARGV[@]}" ${verbose:+"$verbose"} "$@"
	if ! wait_until "$timeout" has_name org.massaged; then
		printf '# massaged (%s) did not claim org.massaged; its log:\n' "$name" >&2
		cat "$PROC_LOGDIR/$name.log" >&2
		return 1
	fi
}

# write_steps FILE NAME STEP...: a programme named NAME (Kind=any), one
# [Step ID] per STEP "ID MUSCLE ZONE DURATION INTENSITY", in order; "-" leaves
# a key out (a rest: "rest - - 30s -"), and INTENSITY is the rest of the
# words ("climb hamstrings proximal 10s ramp 20% 60%").
write_steps() {
	local file=$1 name=$2 step id muscle zone duration intensity
	shift 2
	{
		printf '[Programme]\nName=%s\nKind=any\n' "$name"
		for step in "$@"; do
			read -r id muscle zone duration intensity <<<"$step"
			printf '\n[Step %s]\n' "$id"
			[ "$muscle" = - ] || printf 'Muscle=%s\n' "$muscle"
			[ "$zone" = - ] || printf 'Zone=%s\n' "$zone"
			printf 'Duration=%s\n' "$duration"
			[ "$intensity" = - ] || printf 'Intensity=%s\n' "$intensity"
		done
	} >"$file"
}
