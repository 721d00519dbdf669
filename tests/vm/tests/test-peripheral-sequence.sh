#!/usr/bin/env bash
# Real stack: a burst of reference frames written back to back (write without
# response) from hci0 to massage-sim --peripheral on hci1. With one ATT
# bearer ([GATT] Channels = 1) they must reach the device in order; with EATT
# bluetoothd may reorder them across channels, and the reference protocol's
# sequence numbers must make the device end in the newest state anyway:
# it applies only frames newer than the last applied one (the rest are ACKed
# STALE), so the applied sequence numbers only ever rise and the last one
# wins. The test checks both the invariant (any bearer) and, with one
# channel, the order; it prints how many frames arrived out of order.
. "$VM_TOOLS/lib-guest.sh"
. "$(dirname "$0")/lib-peripheral.sh"

channels=$(gatt_channels)
log "bluetoothd [GATT] Channels = ${channels:-unknown (default 3: EATT)}"
power_adapters
start_peripheral reference,name=MassageSeq,keepalive-timeout=10000,force-period=600000
discover_and_connect

# START through WriteValue, then 15 INTENSITY frames back to back through the
# central's AcquireWrite socket (no D-Bus round trip between them, as a
# daemon streaming frames writes them).
burst=()
for i in $(seq 2 16); do
	burst+=("$(frame intensity $((i * 5)) "$i")")
done
t0=$(ms)
client wait-resolved "$PERIPH" 15000 -- write "$PERIPH" "$CONTROL" "$(frame start 30 1)" command \
	-- acquire-write "$PERIPH" "$CONTROL" "${burst[@]}" -- sleep 1500 -- release >"$TEST_TMP/burst.out"
rc=$?
log "burst of 16 frames took $(($(ms) - t0)) ms (rc $rc)"
check "burst written" test "$rc" -eq 0

arrived=$(jq -r 'select(.cmd) | .seq' "$SIM_LOG" | tr '\n' ' ')
applied=$(jq -r 'select(.cmd and (.error | not)) | .seq' "$SIM_LOG" | tr '\n' ' ')
log "arrival order: $arrived"
log "applied: $applied"
check "all 16 frames reached the device" test "$(echo $arrived | wc -w)" -eq 16
# shellcheck disable=SC2086
check "applied sequence numbers only rise" \
	awk 'BEGIN { for (i = 2; i < ARGC; i++) if (ARGV[i] + 0 <= ARGV[i - 1] + 0) exit 1; exit 0 }' $applied
check "the newest frame (seq 16, intensity 80) is the device's state" \
	test "$(jq -r 'select(.cmd and (.error | not)) | "\(.seq):\(.value)"' "$SIM_LOG" | tail -1)" = "16:80"
check "refused frames were refused as stale only" \
	test "$(jq -r 'select(.cmd and .error) | .error' "$SIM_LOG" | sort -u | grep -vc 'status 5$')" -eq 0
out_of_order=$(echo $arrived | awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i + 0 < $(i - 1) + 0) n++; print n }')
log "frames arriving after a newer one: $out_of_order"
if [ "${channels:-3}" = 1 ]; then
	check "one ATT bearer: every frame in order" test "$arrived" = "$(seq 1 16 | tr '\n' ' ')"
fi
client disconnect "$PERIPH"
stop_spawned sim
cp "$SIM_LOG" "${RESULT_DIR:-/tmp}/peripheral-sequence.jsonl" 2>/dev/null || true
finish
