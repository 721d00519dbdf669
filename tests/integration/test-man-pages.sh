#!/usr/bin/env bash
# The man pages and the bash completion say what the code does: every option
# of massaged (daemon/main.c) is in massaged(8); every command and option of
# massagectl (cli/main.c's table and every GOptionEntry in cli/*.c) is in
# massagectl(1) and offered by the completion; every group and key of the
# configuration (daemon/msd-config.c) is in massaged.conf(5); every
# [Programme] and [Step] key of docs/programmes.md is in massaged.programme(5).
# Read from the sources, so a new option without documentation fails here.
. "$SOURCE_DIR/tests/lib.sh"

man_dir=$SOURCE_DIR/docs/man
completion=$SOURCE_DIR/data/bash-completion/massagectl

# render PAGE: the page as plain text, wide, so words are not hyphenated.
render() { LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$man_dir/$1" 2>/dev/null; }

# long_options FILE...: the long names of the GOptionEntry tables in FILE.
long_options() {
	grep -h -o '{"[a-z][a-z-]*", [^,]*, [^,]*, G_OPTION_ARG' "$@" | cut -d'"' -f2 | sort -u
}

for page in massaged.8 massagectl.1 massaged.conf.5 massaged.programme.5; do
	check "$page exists" test -f "$man_dir/$page"
done

# --- massaged(8) ---------------------------------------------------------------
if [ -f "$SOURCE_DIR/daemon/main.c" ]; then
	text=$(render massaged.8)
	missing=""
	for opt in $(long_options "$SOURCE_DIR/daemon/main.c"); do
		grep -q -- "--$opt" <<<"$text" || missing+=" --$opt"
	done
	assert_eq "massaged(8) documents every option of daemon/main.c" "" "$missing"
fi

# --- massagectl(1) and the completion ------------------------------------------
text=$(render massagectl.1)
commands=$(sed -n '/commands\[\] = {/,/{NULL/s/^ *{"\([a-z]*\)",.*/\1/p' "$SOURCE_DIR/cli/main.c")
assert_contains "cli/main.c's command table is readable" "status" "$commands"
missing=""
for c in $commands; do
	grep -Eq "^ {7}$c( |$)" <<<"$text" || missing+=" $c"
done
assert_eq "massagectl(1) has an entry for every command of cli/main.c" "" "$missing"

subs=$(sed -n '/programme_commands\[\] = {/,/{NULL/s/^ *{"\([a-z]*\)",.*/\1/p' "$SOURCE_DIR/cli/cmd-programme.c" 2>/dev/null)
missing=""
for s in $subs; do
	grep -Eq "^ {7}programme $s( |$)" <<<"$text" || missing+=" $s"
done
assert_eq "massagectl(1) has every programme sub-command of cli/cmd-programme.c" "" "$missing"

missing_man="" missing_bc=""
for opt in $(long_options "$SOURCE_DIR"/cli/*.c) json data-dir device-dir version help all; do
	grep -q -- "--$opt" <<<"$text" || missing_man+=" --$opt"
	grep -q -- "--$opt\\b" "$completion" || missing_bc+=" --$opt"
done
assert_eq "massagectl(1) documents every option in cli/" "" "$missing_man"
assert_eq "the bash completion offers every option in cli/" "" "$missing_bc"
missing=""
for c in $commands $subs; do
	grep -qw -- "$c" "$completion" || missing+=" $c"
done
assert_eq "the bash completion knows every command and programme sub-command" "" "$missing"

# --- massaged.conf(5) ----------------------------------------------------------
if [ -f "$SOURCE_DIR/daemon/msd-config.c" ]; then
	text=$(render massaged.conf.5)
	groups=$(sed -n 's/.*groups\[\] = {\(.*\)};/\1/p' "$SOURCE_DIR/daemon/msd-config.c" | grep -o '"[A-Za-z]*"' | tr -d '"')
	assert_contains "msd-config.c's groups are readable" "Safety" "$groups"
	missing=""
	for g in $groups; do grep -q "^\[$g\]" <<<"$text" || missing+=" [$g]"; done
	assert_eq "massaged.conf(5) has a section for every group" "" "$missing"
	keys=$(awk '/_keys\[\] = \{/ { on = 1 } on { print } on && /\};/ { on = 0 }' "$SOURCE_DIR/daemon/msd-config.c" |
		grep -o '"[A-Za-z]*"' | tr -d '"' | sort -u)
	assert_contains "msd-config.c's keys are readable" "MaxIntensity" "$keys"
	missing=""
	for k in $keys; do grep -Eq "^ {7}$k=" <<<"$text" || missing+=" $k"; done
	assert_eq "massaged.conf(5) documents every key" "" "$missing"
fi

# --- massaged.programme(5) -----------------------------------------------------
text=$(render massaged.programme.5)
keys=$(sed -n '/^## `\[Programme\]`/,/^## Time spans/s/^| `\([A-Za-z]*\)` |.*/\1/p' "$SOURCE_DIR/docs/programmes.md" | sort -u)
assert_contains "docs/programmes.md's key tables are readable" "Intensity" "$keys"
missing=""
for k in $keys; do grep -Eq "^ {7}$k=" <<<"$text" || missing+=" $k"; done
assert_eq "massaged.programme(5) documents every key of docs/programmes.md" "" "$missing"

finish
