#!/usr/bin/env bash
# Safety mutation runner: ./dev mutate [--list | --check] [ID...]
#
# Each mutant in tests/mutants/safety.mutants is one small edit that removes
# or weakens a safety mitigation. For each, this script applies the edit to a
# scratch copy of the tree (never the real one), rebuilds it incrementally
# (ASan + UBSan, as ./dev test), and runs only the tests the mutant names.
# A mutant must be killed: some named test fails. One whose edit no longer
# applies (the text is gone or not unique) is "stale"; one that no longer
# compiles is "broken" (a compile error kills nothing a test checks, so it
# does not count as killed). Either, or a survivor, makes the exit status 1.
#
# Before any mutant, the pristine copy runs the same tests: if they fail
# unmutated, every mutant would look killed, so the run stops there.
#
# Environment: MUTATE_DIR (scratch, default build-mutate/), MUTATE_TIMEOUT
# (seconds per test, default 300), MUTATE_JOBS (ctest -j, default 2),
# MUTANTS_FILE (the list).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
list=${MUTANTS_FILE:-$top/tests/mutants/safety.mutants}
work=${MUTATE_DIR:-$top/build-mutate}
src=$work/src
bld=$work/build
logs=$work/logs
timeout=${MUTATE_TIMEOUT:-300}
jobs=${MUTATE_JOBS:-2}

log() { printf '==> %s\n' "$*" >&2; }
die() {
	printf 'mutate: %s\n' "$*" >&2
	exit 2
}

# ---- the list ----

ids=()
declare -A M_HAZARD M_FILE M_OLD M_NEW M_TESTS M_LINE
declare -A cur=()
cur_line=0

flush() {
	[ ${#cur[@]} -eq 0 ] && return
	local k id=${cur[id]:-}
	[ -n "$id" ] || die "$list:$cur_line: a mutant without id:"
	for k in hazard file old tests; do
		[ -n "${cur[$k]:-}" ] || die "$list:$cur_line: mutant $id has no $k:"
	done
	[ -n "${cur[new]+set}" ] || die "$list:$cur_line: mutant $id has no new: (write 'new:' for a deletion)"
	[ -z "${M_FILE[$id]:-}" ] || die "$list:$cur_line: mutant $id is listed twice"
	ids+=("$id")
	M_HAZARD[$id]=${cur[hazard]}
	M_FILE[$id]=${cur[file]}
	M_OLD[$id]=${cur[old]}
	M_NEW[$id]=${cur[new]}
	M_TESTS[$id]=${cur[tests]}
	M_LINE[$id]=$cur_line
	cur=()
}

parse_list() {
	[ -f "$list" ] || die "no mutant list at $list"
	local line key val n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		[[ $line == '#'* ]] && continue
		if [[ $line =~ ^[[:blank:]]*$ ]]; then
			flush
			continue
		fi
		[[ $line == *:* ]] || die "$list:$n: expected 'key: value'"
		key=${line%%:*}
		val=${line#*:}
		val=${val#"${val%%[![:blank:]]*}"}
		case $key in
		id | hazard | file | old | new | tests | why) ;;
		*) die "$list:$n: unknown key '$key' (id, hazard, file, old, new, tests, why)" ;;
		esac
		[ ${#cur[@]} -eq 0 ] && cur_line=$n
		[ -z "${cur[$key]+set}" ] || die "$list:$n: '$key' twice in one mutant"
		cur[$key]=$val
	done <"$list"
	flush
}

# old:/new: escapes: \n newline, \t tab, \\ backslash; nothing else.
decode() {
	local s=$1
	s=${s//'\\'/$'\x01'}
	s=${s//'\n'/$'\n'}
	s=${s//'\t'/$'\t'}
	s=${s//$'\x01'/'\'}
	printf '%s' "$s"
}

# ---- the scratch tree ----

# Copies every file git knows (tracked or untracked, not ignored) whose
# content differs, so unchanged files keep their timestamps and the build
# stays incremental; a copied file is newer than its objects.
sync_tree() {
	mkdir -p "$src" "$logs"
	local f
	declare -A want=()
	while IFS= read -r -d '' f; do
		[ -f "$top/$f" ] || continue
		want[$f]=1
		if ! cmp -s "$top/$f" "$src/$f"; then
			mkdir -p "$src/$(dirname "$f")"
			cp "$top/$f" "$src/$f"
		fi
	done < <(git -C "$top" ls-files -z -co --exclude-standard)
	while IFS= read -r -d '' f; do
		f=${f#"$src"/}
		[ -n "${want[$f]:-}" ] || rm -f "$src/$f"
	done < <(find "$src" -type f -print0)
}

build() { # log file
	nice cmake --build "$bld" -j"$(nproc)" -- --no-print-directory >"$1" 2>&1
}

# Runs ctest on a regex; prints the failed test names (one a line) on stdout.
run_tests() { # regex log
	local rc
	(cd "$bld" && nice ctest -R "$1" --timeout "$timeout" -j"$jobs" --no-tests=error \
		--output-on-failure) >"$2" 2>&1
	rc=$?
	[ $rc -eq 0 ] && return 0
	sed -n '/tests FAILED:/,$s/^[[:blank:]]*[0-9]\{1,\} - \([^ ]*\).*/\1/p' "$2"
	grep -q 'tests FAILED:' "$2" || echo "(ctest exit $rc)"
	return 1
}

# The checks that failed, from a test log: cmocka's "[  FAILED  ] test_x"
# and tests/lib.sh's "not ok N - what"; the first three.
failed_checks() { # log
	sed -n -e 's/^\[  FAILED  \] \(test_[^ ]*\)$/\1/p' -e 's/^not ok [0-9]* - //p' "$1" |
		awk '!seen[$0]++' | head -n 3 | awk 'NR > 1 { printf "; " } { printf "%s", $0 }'
}

current_file=''
current_text=''
restore() {
	[ -n "$current_file" ] || return 0
	printf '%s' "$current_text" >"$current_file"
	current_file=''
}
trap restore EXIT
trap 'exit 130' INT TERM

# Applies mutant $1 (with "check": only checks that it would); returns 1
# (stale) with the reason in $stale_reason. Not to be called in a subshell:
# restore() needs what it sets.
apply() {
	local id=$1 path=$src/${M_FILE[$1]}
	[ -f "$path" ] || {
		stale_reason="no file ${M_FILE[$id]}"
		return 1
	}
	local old new text rest n=0
	old=$(decode "${M_OLD[$id]}")
	new=$(decode "${M_NEW[$id]}")
	[ "$old" != "$new" ] || {
		stale_reason="old and new are the same"
		return 1
	}
	text=$(
		cat "$path"
		printf x
	)
	text=${text%x}
	rest=$text
	while [[ $rest == *"$old"* ]]; do
		n=$((n + 1))
		rest=${rest#*"$old"}
	done
	[ $n -eq 1 ] || {
		stale_reason="the old text occurs $n times in ${M_FILE[$id]}, not once"
		return 1
	}
	[ "${2:-}" != check ] || return 0
	current_file=$path
	current_text=$text
	printf '%s' "${text/"$old"/"$new"}" >"$path"
}

# ---- main ----

parse_list
if [ "${1:-}" = --list ]; then
	for id in "${ids[@]}"; do
		printf '%-32s hazard %-9s %-30s %s\n' "$id" "${M_HAZARD[$id]}" "${M_FILE[$id]}" \
			"${M_TESTS[$id]}"
	done
	exit 0
fi
check_only=0
if [ "${1:-}" = --check ]; then
	check_only=1
	shift
fi
selected=()
if [ $# -gt 0 ]; then
	for id in "$@"; do
		[ -n "${M_FILE[$id]:-}" ] || die "no mutant '$id' in $list (./dev mutate --list)"
		selected+=("$id")
	done
else
	selected=("${ids[@]}")
fi
[ ${#selected[@]} -gt 0 ] || die "no mutants in $list"

if [ $check_only = 1 ]; then
	# Each edit against the real tree's text, in memory: nothing is written.
	src=$top
	bad=0
	for id in "${selected[@]}"; do
		if apply "$id" check; then
			printf '%s applies\n' "$id"
		else
			printf '%s → stale: %s\n' "$id" "$stale_reason"
			bad=$((bad + 1))
		fi
	done
	exit $((bad > 0))
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$src/tests/lsan.supp:print_suppressions=0}
export G_SLICE=always-malloc G_DEBUG=gc-friendly

log "copying the tree to $src"
sync_tree
if [ ! -f "$bld/CMakeCache.txt" ]; then
	cmake -S "$src" -B "$bld" -DCMAKE_BUILD_TYPE=Debug -DMASSAGED_SANITIZE=ON >/dev/null ||
		die "cmake failed in $bld"
fi
log "building the pristine copy (ASan + UBSan)"
build "$logs/pristine.build.log" || {
	tail -n 40 "$logs/pristine.build.log" >&2
	die "the pristine tree does not build (log: $logs/pristine.build.log)"
}
# The tests every selected mutant names, as one regex of names (ctest's
# regexes allow only a few groups, so the mutants' own cannot be joined).
declare -A names=()
for id in "${selected[@]}"; do
	matched=$(cd "$bld" && ctest -N -R "${M_TESTS[$id]}" | sed -n 's/^ *Test *#[0-9]*: *//p')
	[ -n "$matched" ] || die "mutant $id: its tests '${M_TESTS[$id]}' match no test (ctest -N -R)"
	for n in $matched; do names[$n]=1; done
done
all="^($(
	IFS='|'
	echo "${!names[*]}"
))\$"
log "running the selected tests on the pristine copy"
if ! failed=$(run_tests "$all" "$logs/pristine.test.log"); then
	printf '%s\n' "$failed" >&2
	die "the pristine tree fails the tests above (log: $logs/pristine.test.log); no mutant can be judged"
fi

killed=0 survived=0 stale=0 broken=0
for id in "${selected[@]}"; do
	h=${M_HAZARD[$id]}
	[[ $h == [0-9]* ]] && h="hazard $h"
	if ! apply "$id"; then
		printf '%s (%s) → stale: %s (%s line %s)\n' "$id" "$h" "$stale_reason" "${list#"$top"/}" \
			"${M_LINE[$id]}"
		stale=$((stale + 1))
		continue
	fi
	if ! build "$logs/$id.build.log"; then
		restore
		printf '%s (%s) → killed (build): does not compile, see %s\n' "$id" "$h" \
			"$logs/$id.build.log"
		broken=$((broken + 1))
		continue
	fi
	if failed=$(run_tests "${M_TESTS[$id]}" "$logs/$id.test.log"); then
		printf '%s (%s) → SURVIVED %s (log: %s)\n' "$id" "$h" "${M_TESTS[$id]}" \
			"$logs/$id.test.log"
		survived=$((survived + 1))
	else
		checks=$(failed_checks "$logs/$id.test.log")
		printf '%s (%s) → killed by %s: %s\n' "$id" "$h" "$(echo $failed)" \
			"${checks:-no named check failed (a crash or a timeout?), see $logs/$id.test.log}"
		killed=$((killed + 1))
	fi
	restore
done
# Every mutated file must be back as it was (a mutant left in place would
# make every later one look killed).
for id in "${selected[@]}"; do
	cmp -s "$src/${M_FILE[$id]}" "$top/${M_FILE[$id]}" ||
		printf 'mutate: warning: %s is not the tree'"'"'s after the run\n' "${M_FILE[$id]}" >&2
done

total=${#selected[@]}
printf '%d mutants: %d killed, %d survived, %d stale, %d broken (killed only by the build)\n' \
	"$total" "$killed" "$survived" "$stale" "$broken"
[ "$killed" -eq "$total" ]
