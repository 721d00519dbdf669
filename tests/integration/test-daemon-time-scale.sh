#!/usr/bin/env bash
# --time-scale is for tests and demonstrations (docs/safety.md, hazard 13):
# massaged refuses a value outside 1..1000 before it touches the bus or a
# device. Each refused start is bounded by `timeout`, so a daemon that
# wrongly accepted the value fails here instead of running on.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/integration/daemon-lib.sh"

start_bus # a daemon that wrongly starts must find our bus, not the machine's

refuse() { # value
	run massaged_once --time-scale "$1"
	assert_exit "--time-scale $1: exit status 2" 2
	assert_contains "--time-scale $1: says the range" "--time-scale $1 is outside 1..1000" "$RUN_ERR"
}

refuse 1001
refuse 0.5
refuse 0
refuse -5

# The edges are accepted: the daemon starts and says how fast it plays.
for v in 1000 1; do
	start_massaged --time-scale "$v" || exit 1
	assert_eq "--time-scale $v: TimeScale property" "$v" "$(msd_prop /org/massaged Manager1 TimeScale)"
	stop_spawned massaged TERM
done

finish
