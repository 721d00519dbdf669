# pair.awk: for every start time in the first file (one ns value a line, ascending),
# the first event time in the second file (ascending) after it; prints the
# difference in microseconds. Events that precede a start are skipped, so a
# stray frame is never paired with a later call.
#   awk -f pair.awk STARTS EVENTS
NR == FNR { s[++ns] = $1; next }
{ e[++ne] = $1 }
END {
	j = 1
	for (i = 1; i <= ns; i++) {
		while (j <= ne && e[j] <= s[i]) j++
		if (j > ne) break
		if (i < ns && e[j] > s[i + 1]) continue # no event before the next start: lost
		printf "%d\n", (e[j] - s[i]) / 1000
		j++
	}
}
