#!/usr/bin/env bash
# massage-sim's command log: one JSON line per write a device receives (time,
# device, characteristic, bytes, decoded meaning), events, flushed per line.
. "$SOURCE_DIR/tests/lib.sh"
. "$SOURCE_DIR/tests/lib-sim.sh"

start_bus
start_sim sim --device reference --device theragun,address=$TG --device lovense,address=$LV \
	--discovery-delay 50 --connect-delay 50 --resolve-delay 50

REF_INT=$(enc reference intensity 40 7)
TG_SPEED=$(enc theragun speed 2400)
LV_VIB=$(enc lovense intensity 50)
assert_eq "the Theragun speed frame is the documented one" "aa 70 01 03 09 60 03" "$TG_SPEED"

client discover $DEV1 -- connect $DEV1 -- wait-resolved $DEV1 -- write $DEV1 $REF_CONTROL "$REF_INT" command -- \
	write $DEV1 $REF_CONTROL "de ad" command -- \
	discover $TG -- connect $TG -- wait-resolved $TG -- write $TG $TG_WRITE "$TG_SPEED" request -- \
	discover $LV -- connect $LV -- wait-resolved $LV -- write $LV $LV_WRITE "$LV_VIB" request >/dev/null

ref=$(jq -c "select(.char == \"$REF_CONTROL\" and .cmd)" "$SIM_LOG")
assert_eq "reference: one line, decoded with its sequence number" \
	"{\"dev\":\"$DEV1\",\"char\":\"$REF_CONTROL\",\"hex\":\"$REF_INT\",\"cmd\":\"intensity\",\"value\":40,\"seq\":7}" \
	"$(jq -c 'del(.t_ns)' <<<"$ref")"
assert_eq "an undecodable frame is logged with an error and no meaning" "de ad true null" \
	"$(jq -r "select(.char == \"$REF_CONTROL\" and .error) | \"\(.hex) \(.error | length > 0) \(.cmd)\"" "$SIM_LOG")"
assert_eq "theragun: the issue's example line" \
	"{\"dev\":\"$TG\",\"char\":\"$TG_WRITE\",\"hex\":\"aa 70 01 03 09 60 03\",\"cmd\":\"speed\",\"value\":2400}" \
	"$(jq -c "select(.dev == \"$TG\" and .hex) | del(.t_ns)" "$SIM_LOG")"
assert_eq "lovense: Vibrate:10; decoded as level 10 of 20" "speed 10 $LV_WRITE" \
	"$(jq -r "select(.dev == \"$LV\" and .hex) | \"\(.cmd) \(.value) \(.char)\"" "$SIM_LOG")"
assert_eq "... which the model runs at 50 %" "50" "$(sim_state $LV intensity)"

# t_ns is CLOCK_MONOTONIC in ns: close to the uptime clock, never decreasing.
t=$(jq -r "select(.hex == \"$TG_SPEED\") | .t_ns" "$SIM_LOG")
up_ns=$(awk '{ printf "%.0f", $1 * 1000000000 }' /proc/uptime)
diff_s=$(( (up_ns - t) / 1000000000 ))
assert_eq "t_ns is CLOCK_MONOTONIC (within 60 s of now)" "yes" "$([ "${diff_s#-}" -lt 60 ] && echo yes || echo no)"
assert_eq "t_ns never decreases" "yes" \
	"$(jq -s '[.[].t_ns] | . == sort' "$SIM_LOG" | sed 's/true/yes/')"
assert_eq "every line is one JSON object with t_ns and dev" "0" \
	"$(jq -c 'select((.t_ns | type) != "number" or (.dev | type) != "string")' "$SIM_LOG" | wc -l)"
assert_eq "events: connect for each of the three devices" "3" "$(log_count '.event == "connect"')"

# Flushed per line: a write is in the file while the sim still runs. The sim
# answers a write request after the device took (and logged) it, so its line
# is there the moment the write returns: looked for by its bytes, not by
# counting lines (the reference device's own events may land in between).
TG_STOP=$(enc theragun stop)
client write $TG $TG_WRITE "$TG_STOP" request >/dev/null
assert_eq "a new write is a new line at once" "1" \
	"$(jq -c "select(.dev == \"$TG\" and .hex == \"$TG_STOP\")" "$SIM_LOG" | wc -l)"
assert_eq "... decoded as stop" "stop" "$(jq -r "select(.dev == \"$TG\" and .hex == \"$TG_STOP\") | .cmd" "$SIM_LOG")"

stop_sim sim
assert_eq "the disconnects at exit are logged too" "3" "$(log_count '.event == "disconnect" and .reason == "bluetoothd-exit"')"
finish
