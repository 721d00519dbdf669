# lateness.awk: each scheduled change against the write that carried it.
#   awk -v scale=S -v skip_ms=K -f lateness.awk SCHEDULE WRITES
# SCHEDULE: "t_ms level" from bench-schedule (programme time);
# WRITES: "t_ns value" of the device's intensity writes, the first line being
# the session's first command (the origin, programme time 0).
# Changes before skip_ms (programme time) are left out: the start's rise ramp
# holds the output below the programme there by design.
# The origin is the first write, itself a little late, so every other write
# looks early by that much: writes up to 25 ms early are accepted (negative
# lateness), less than the gap between two changes of the wave.
# Prints one lateness in ms (real time, negative = early) per matched change,
# and on stderr "unmatched N".
NR == FNR {
	if ($2 != last) { st[++n] = $1; sl[n] = $2; last = $2 }
	next
}
{ wt[++m] = $1; wv[m] = $2 }
END {
	origin = wt[1]; j = 2; unmatched = 0
	for (i = 1; i <= n; i++) {
		if (st[i] < skip_ms) continue
		due = origin + st[i] * 1e6 / scale
		# The first write from 25 ms before due to 1 s after it that reaches
		# this level or goes past it in the direction of the change: a
		# late write is coalesced by the daemon (latest value wins), so
		# one write can carry several changes, each as late as it was.
		d = (i > 1 && sl[i] < sl[i - 1]) ? -1 : 1
		while (j <= m && wt[j] < due - 25e6) j++
		k = j
		while (k <= m && wt[k] <= due + 1e9 && (wv[k] - sl[i]) * d < 0) k++
		if (k > m || wt[k] > due + 1e9) { unmatched++; continue }
		printf "%.3f\n", (wt[k] - due) / 1e6
		j = k
	}
	print "unmatched " unmatched > "/dev/stderr"
}
