#!/usr/bin/env bash
# cmake --install into a temporary DESTDIR with --prefix /usr, then:
#  - the installed tree is exactly the expected one (no file missing, none extra),
#    with executables executable and everything else not;
#  - the systemd unit passes `systemd-analyze verify` against the installed
#    ExecStart; sysusers and tmpfiles entries apply to a scratch root;
#  - the D-Bus policy files are well-formed and accepted by a real dbus-daemon,
#    the activation file names the unit, the interface XML is valid;
#  - every man page renders without a warning;
#  - bash completion completes commands, sub-commands and options.
#
# The prefix: a build tree bakes its CMAKE_INSTALL_PREFIX into the binaries
# (data, config and state directories) and into the unit's ExecStart, so
# `cmake --install --prefix /usr` of a tree configured for /usr/local installs
# a unit whose ExecStart points at /usr/local/sbin/massaged. When $BUILD_DIR
# was not configured for /usr, this test configures and builds its own tree
# (Debug: quickest to compile; no tests) for /usr, so what it installs is what a packager would.
#
# systemd-analyze verify (systemd 252): without --root it checks ExecStart on
# the host, where /usr/sbin/massaged is not installed; with --root=DESTDIR it
# resolves ExecStart inside the root but then needs the units the unit pulls in
# (sysinit.target, basic.target, dbus.socket, bluetooth.target...), which a
# DESTDIR does not have. So the verify runs on a copy of the DESTDIR with the
# host's own units added under usr/lib/systemd/system (ours win: they are in
# the root's unit dir already and the host's are only copied where missing).
# --man=no: the Documentation= man pages are checked by rendering them below;
# verify's man lookup would look at the host's man path, not the root.
. "$SOURCE_DIR/tests/lib.sh"

for tool in cmake pkg-config systemd-analyze systemd-sysusers systemd-tmpfiles xmllint man \
	dbus-daemon; do
	command -v "$tool" >/dev/null || {
		fail "$tool is installed (./dev deps installs it)"
		finish
	}
done

# --- the build to install ----------------------------------------------------

build=$BUILD_DIR
configured=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
if [ "$configured" != /usr ]; then
	log "$BUILD_DIR is configured for prefix '$configured': building a /usr tree for this test"
	build=$TEST_TMP/build
	targets=(massagectl)
	[ -f "$SOURCE_DIR/daemon/main.c" ] && targets+=(massaged)
	[ -f "$SOURCE_DIR/sim/CMakeLists.txt" ] && targets+=(massage-sim)
	[ -f "$SOURCE_DIR/mqtt/CMakeLists.txt" ] && targets+=(massaged-mqtt)
	if ! cmake -S "$SOURCE_DIR" -B "$build" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
		-DCMAKE_BUILD_TYPE=Debug >"$TEST_TMP/configure.log" 2>&1 ||
		! cmake --build "$build" -j2 --target "${targets[@]}" >"$TEST_TMP/build.log" 2>&1; then
		fail "a /usr build of the project" "see $TEST_TMP/configure.log and build.log"
		finish
	fi
fi

root=$TEST_TMP/root
if DESTDIR=$root cmake --install "$build" --prefix /usr >"$TEST_TMP/install.log" 2>&1; then
	pass "cmake --install --prefix /usr into DESTDIR"
else
	fail "cmake --install --prefix /usr into DESTDIR" "$(tail -5 "$TEST_TMP/install.log")"
	finish
fi

# --- the expected tree -------------------------------------------------------

# Where the system keeps things, asked the way CMake asks (absolute paths).
pc() { pkg-config --variable="$2" "$1" 2>/dev/null; }
unitdir=$(pc systemd systemdsystemunitdir)
sysusersdir=$(pc systemd sysusersdir)
tmpfilesdir=$(pc systemd tmpfilesdir)
servicesdir=$(pc dbus-1 system_bus_services_dir)
dbusdatadir=$(pc dbus-1 datadir)
completionsdir=$(pc bash-completion completionsdir)
: "${unitdir:=/usr/lib/systemd/system}" "${sysusersdir:=/usr/lib/sysusers.d}"
: "${tmpfilesdir:=/usr/lib/tmpfiles.d}" "${completionsdir:=/usr/share/bash-completion/completions}"

expected=(
	/usr/bin/massagectl
	/usr/share/dbus-1/interfaces/org.massaged.xml
	"$dbusdatadir/dbus-1/system.d/org.massaged.conf"
	"$dbusdatadir/dbus-1/system.d/massaged-bluez.conf"
	"$servicesdir/org.massaged.service"
	"$unitdir/massaged.service"
	"$sysusersdir/massaged.conf"
	"$tmpfilesdir/massaged.conf"
	/usr/share/man/man1/massagectl.1
	/usr/share/man/man5/massaged.conf.5
	/usr/share/man/man5/massaged.programme.5
	/usr/share/man/man8/massaged.8
	"$completionsdir/massagectl"
	/usr/share/polkit-1/actions/org.massaged.policy
	/usr/share/polkit-1/rules.d/org.massaged.rules
)
executables=(/usr/bin/massagectl)
# The daemon and the simulator are expected when this tree builds them.
if [ -f "$SOURCE_DIR/daemon/main.c" ]; then
	expected+=(/usr/sbin/massaged)
	executables+=(/usr/sbin/massaged)
else
	log "daemon/main.c is not in this tree: /usr/sbin/massaged not expected"
fi
if [ -f "$SOURCE_DIR/sim/CMakeLists.txt" ]; then
	expected+=(/usr/bin/massage-sim /usr/share/dbus-1/interfaces/org.massaged.Sim1.xml
		/usr/share/man/man1/massage-sim.1)
	executables+=(/usr/bin/massage-sim)
else
	log "sim/ is not in this tree: /usr/bin/massage-sim not expected"
fi
if [ -f "$SOURCE_DIR/mqtt/CMakeLists.txt" ]; then
	expected+=(/usr/sbin/massaged-mqtt /etc/massaged/mqtt.conf "$unitdir/massaged-mqtt.service"
		"$sysusersdir/massaged-mqtt.conf" /usr/share/man/man8/massaged-mqtt.8)
	executables+=(/usr/sbin/massaged-mqtt)
fi
for f in "$SOURCE_DIR"/data/programmes/*.programme; do
	[ -e "$f" ] && expected+=("/usr/share/massaged/programmes/${f##*/}")
done
for f in "$SOURCE_DIR"/data/devices/*.device; do
	[ -e "$f" ] && expected+=("/usr/share/massaged/devices/${f##*/}")
done
[ -f "$SOURCE_DIR/data/schemas/massagectl.schema.json" ] &&
	expected+=(/usr/share/massaged/schemas/massagectl.schema.json)
nprog=$(printf '%s\n' "${expected[@]}" | grep -c '^/usr/share/massaged/programmes/' || true)
ndev=$(printf '%s\n' "${expected[@]}" | grep -c '^/usr/share/massaged/devices/' || true)
log "expecting $nprog programmes and $ndev device files from data/"

want=$(printf '%s\n' "${expected[@]}" | sort)
have=$(cd "$root" && find . \( -type f -o -type l \) -printf '/%P\n' | sort)
assert_same_list "the installed tree is exactly the expected ${#expected[@]} files" "$want" "$have"

modes_ok=1
for f in "${expected[@]}"; do
	[ -e "$root$f" ] || continue
	is_exec=0
	for e in "${executables[@]}"; do [ "$f" = "$e" ] && is_exec=1; done
	mode=$(stat -c %a "$root$f")
	if [ $is_exec = 1 ] && [ "$mode" != 755 ]; then
		modes_ok=0 && log "$f has mode $mode, not 755"
	elif [ $is_exec = 0 ] && [ "$mode" != 644 ]; then
		modes_ok=0 && log "$f has mode $mode, not 644"
	fi
done
assert_eq "binaries are 755, data files 644" 1 "$modes_ok"

# --- systemd: the unit, sysusers, tmpfiles ----------------------------------

unit=$root$unitdir/massaged.service
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
if [ -f "$SOURCE_DIR/daemon/main.c" ]; then
	assert_eq "the unit's ExecStart is the installed daemon" /usr/sbin/massaged "$execstart"
fi

verify_root "$root" # unitdir is one of the two places it looks in
vroot=$VERIFY_ROOT
check_unit_verifies "systemd-analyze verify --root: the installed unit, no complaints" "$vroot" massaged.service
if [ -f "$SOURCE_DIR/mqtt/CMakeLists.txt" ]; then
	check_unit_verifies "systemd-analyze verify --root: massaged-mqtt.service, no complaints" "$vroot" \
		massaged-mqtt.service
	assert_eq "massaged-mqtt.service's ExecStart is the installed bridge" /usr/sbin/massaged-mqtt \
		"$(sed -n 's/^ExecStart=//p' "$root$unitdir/massaged-mqtt.service")"
fi
# The verify must be able to fail on our unit: a root without the daemon.
if [ -f "$SOURCE_DIR/daemon/main.c" ]; then
	rm "$vroot/usr/sbin/massaged"
	if systemd-analyze verify --man=no --root="$vroot" massaged.service >"$TEST_TMP/verify-neg.log" 2>&1; then
		fail "verify fails when ExecStart is missing from the root (it really checks the root)"
	else
		assert_contains "verify fails when ExecStart is missing from the root (it really checks the root)" \
			"/usr/sbin/massaged" "$(cat "$TEST_TMP/verify-neg.log")"
	fi
fi

# The activation file starts the unit, under its name or an alias it declares.
svcfile=$root$servicesdir/org.massaged.service
assert_eq "activation file: Name=org.massaged" org.massaged "$(sed -n 's/^Name=//p' "$svcfile")"
sdservice=$(sed -n 's/^SystemdService=//p' "$svcfile")
aliases=" massaged.service $(sed -n 's/^Alias=//p' "$unit" | tr '\n' ' ')"
assert_contains "activation file: SystemdService= is the unit or its alias" " $sdservice " "$aliases"
assert_eq "the unit's BusName is org.massaged" org.massaged "$(sed -n 's/^BusName=//p' "$unit")"

# sysusers and tmpfiles, applied to a scratch root as a package's postinst would.
sroot=$TEST_TMP/sys-root
cp -a "$root" "$sroot"
mkdir -p "$sroot/etc"
check "systemd-sysusers --root applies the sysusers entry" systemd-sysusers --root="$sroot" 2>>"$TEST_TMP/check.out"
assert_contains "user _massaged exists" "_massaged:" "$(cut -d: -f1 "$sroot/etc/passwd" | sed 's/$/:/')"
assert_contains "group massage exists" "massage:" "$(cut -d: -f1 "$sroot/etc/group" | sed 's/$/:/')"
if [ -f "$SOURCE_DIR/mqtt/CMakeLists.txt" ]; then
	assert_contains "user _massaged-mqtt exists" "_massaged-mqtt:" "$(cut -d: -f1 "$sroot/etc/passwd" | sed 's/$/:/')"
	assert_contains "_massaged-mqtt is in group massage" "_massaged-mqtt" \
		"$(awk -F: '$1 == "massage" { print $4 }' "$sroot/etc/group")"
fi
check "systemd-tmpfiles --root --create applies the tmpfiles entry" \
	systemd-tmpfiles --root="$sroot" --create "$sroot$tmpfilesdir/massaged.conf"
uid=$(awk -F: '$1 == "_massaged" { print $3 }' "$sroot/etc/passwd")
assert_eq "/var/lib/massaged is 0750 and owned by _massaged" "750 $uid" \
	"$(stat -c '%a %u' "$sroot/var/lib/massaged" 2>&1)"
assert_eq "/var/lib/massaged/programmes is 0750 and owned by _massaged" "750 $uid" \
	"$(stat -c '%a %u' "$sroot/var/lib/massaged/programmes" 2>&1)"
check "/etc/massaged/massaged.conf.d exists" test -d "$sroot/etc/massaged/massaged.conf.d"

# --- D-Bus -------------------------------------------------------------------

# The DTD Debian ships (busconfig.dtd) predates send_destination & co., so the
# policy files are checked for well-formedness here and for meaning by the real
# dbus-daemon below, which refuses to start on a policy it cannot parse.
for f in "$root$dbusdatadir"/dbus-1/system.d/*.conf; do
	check "xmllint: ${f##*/} is well-formed" xmllint --noout "$f"
	assert_contains "${f##*/} has the busconfig DOCTYPE" "DTD D-BUS Bus Configuration 1.0" "$(head -3 "$f")"
done
introspect_dtd=/usr/share/xml/dbus-1/introspect.dtd
for f in "$root"/usr/share/dbus-1/interfaces/*.xml; do
	if [ -f "$introspect_dtd" ]; then
		check "xmllint: ${f##*/} is valid introspection XML" xmllint --noout --dtdvalid "$introspect_dtd" "$f"
	else
		check "xmllint: ${f##*/} is well-formed" xmllint --noout "$f"
	fi
done

check_policy_dir "a real dbus-daemon starts with the installed policy files" "$root$dbusdatadir/dbus-1/system.d"
assert_not_contains "dbus-daemon has no complaint about the policy" "$root" \
	"$(grep -iv '^unix:' "$TEST_TMP/bus.log" || true)"

# --- man pages ---------------------------------------------------------------

for page in "$root"/usr/share/man/man*/*; do
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	assert_eq "man --warnings: ${page##*/} renders without a warning" "" "$out"
done
# Every exit code of cli/massagectl.h, with the name --json reports for it
# (cli/output.c), is in massagectl(1)'s EXIT STATUS as "N  text (name).".
src_codes=$(grep -o 'MCTL_EXIT_[A-Z_]* = [0-9]*' "$SOURCE_DIR/cli/massagectl.h" | while read -r sym _ n; do
	printf '%s %s\n' "$n" "$(sed -n "s/.*\[$sym\] = \"\([a-z-]*\)\".*/\1/p" "$SOURCE_DIR/cli/output.c")"
done)
man_codes=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$root/usr/share/man/man1/massagectl.1" 2>/dev/null |
	sed -n '/^EXIT STATUS/,/^ENVIRONMENT/s/^ *\([0-9][0-9]*\) .*(\([a-z-]*\))\.$/\1 \2/p')
assert_eq "massagectl(1) documents every exit code of cli/massagectl.h, with its name" \
	"$src_codes" "$man_codes"

# --- bash completion ---------------------------------------------------------

bc_main=/usr/share/bash-completion/bash_completion
if [ ! -f "$bc_main" ]; then
	fail "bash-completion is installed (./dev deps installs it)"
	finish
fi
# complete WORDS...: what the installed completion offers for the last word,
# sorted, one line, with the installed massagectl first on PATH.
complete_words() {
	PATH="$root/usr/bin:$PATH" MASSAGED_DATA_DIR="$root/usr/share/massaged" \
		bash --norc --noprofile -c '
		. "$1"; . "$2"; shift 2
		# NO_JQ=1: the completion must do without jq (it asks `type -P jq`).
		[ "${NO_JQ:-0}" = 1 ] && type() { [[ $2 == jq ]] && return 1; builtin type "$@"; }
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_massagectl massagectl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
		_ "$bc_main" "$root$completionsdir/massagectl" "$@" 2>&1
}
assert_eq "completion: commands" \
	"adjust battery client connect device devices disconnect history info monitor next pause previous programme resume scan start status stop " \
	"$(complete_words massagectl '')"
assert_eq "completion: a command from a prefix" "programme " "$(complete_words massagectl prog)"
assert_eq "completion: global options" "--data-dir --device-dir " "$(complete_words massagectl --d)"
assert_eq "completion: programme sub-commands" "export import list plot remove show validate " \
	"$(complete_words massagectl programme '')"
assert_eq "completion: device sub-commands" "check decode encode list " \
	"$(complete_words massagectl --json device '')"
assert_eq "completion: start options" "--client --device --follow --help --json --no-caution --note --scale --side --wait " \
	"$(complete_words massagectl start --)"
assert_eq "completion: --side values" "left right " "$(complete_words massagectl start x --side '')"
assert_eq "completion: stop options" "--all --help --json " "$(complete_words massagectl stop -)"
assert_eq "completion: history sub-commands" "export list show " "$(complete_words massagectl history '')"
assert_eq "completion: history export options" \
	"--client --csv --device --help --limit --outcome --output --programme --since --until " \
	"$(complete_words massagectl history export --)"
assert_eq "completion: export options" "--help --json --output " \
	"$(complete_words massagectl programme export --)"
assert_eq "completion: plot options" "--ascii --height --help --json --side --step --width " \
	"$(complete_words massagectl programme plot --)"
assert_eq "completion: plot's FILE|ID after --width N" "$(complete_words massagectl programme show '')" \
	"$(complete_words massagectl programme plot --width 60 '')"
# The commands every driver encodes (issue 2); drivers may offer more.
encode_words=" $(complete_words massagectl device encode theragun '')"
for w in start stop intensity speed mode status keepalive battery; do
	assert_contains "completion: encode offers '$w' after the driver" " $w " "$encode_words"
done
# Programme ids come from massagectl itself; checked when it can list them.
if ids=$(PATH="$root/usr/bin:$PATH" MASSAGED_DATA_DIR="$root/usr/share/massaged" \
	massagectl --json programme list 2>/dev/null) && [ "$nprog" -gt 0 ]; then
	want_ids=$(echo "$ids" | jq -r '.. | objects | select(has("id")) | .id' | sort | tr '\n' ' ')
	assert_eq "completion: start offers the programme ids" "$want_ids" "$(complete_words massagectl start '')"
	assert_eq "completion: programme remove offers the ids" "$want_ids" \
		"$(complete_words massagectl programme remove '')"
	assert_eq "completion: start offers the programme ids without jq too" "$want_ids" \
		"$(NO_JQ=1 complete_words massagectl start '')"
else
	log "'massagectl programme list' cannot list programmes in this tree: id completion not checked"
fi

finish
