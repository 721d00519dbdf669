#!/usr/bin/env bash
# The Debian packages (ctest label "package"): builds them with
# debian/build-packages.sh (dpkg-buildpackage -us -uc -b from a copy of the
# tree; about a minute on an idle 2-core machine), then
#  - each package's file list is exactly tests/package/PACKAGE.files;
#  - lintian reports no error (warnings are listed in the log);
#  - the maintainer scripts create the user before the directories and
#    purge removes the state directory;
#  - the extracted massaged package: systemd-analyze verify on its unit,
#    xmllint on its D-Bus policy, interface XML and polkit actions (against
#    polkit's DTD), a real dbus-daemon accepts its policy files.
. "$SOURCE_DIR/tests/lib.sh"

out=$TEST_TMP/deb
if "$SOURCE_DIR/debian/build-packages.sh" "$out" >"$TEST_TMP/build-packages.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b builds the packages"
else
	fail "dpkg-buildpackage -us -uc -b builds the packages" "$(tail -n 30 "$TEST_TMP/build-packages.log")"
	finish
fi

# --- file lists ----------------------------------------------------------------
expected_list() { # PACKAGE
	local line f
	while IFS= read -r line; do
		case $line in
		'#'* | '') ;;
		@PROGRAMMES@) for f in "$SOURCE_DIR"/data/programmes/*.programme; do echo "/usr/share/massaged/programmes/${f##*/}"; done ;;
		@DEVICES@) for f in "$SOURCE_DIR"/data/devices/*.device; do echo "/usr/share/massaged/devices/${f##*/}"; done ;;
		*) echo "$line" ;;
		esac
	done <"$SOURCE_DIR/tests/package/$1.files"
}
# One list per package: a package added to debian/control gets its list here.
for list in "$SOURCE_DIR"/tests/package/*.files; do
	pkg=$(basename "$list" .files)
	deb=$(ls "$out/${pkg}"_*.deb 2>/dev/null | head -n1)
	if [ -z "$deb" ]; then
		fail "$pkg: a .deb was built"
		continue
	fi
	want=$(expected_list "$pkg" | sort)
	have=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's|^\./|/|' | sort)
	assert_same_list "$pkg: the files are exactly tests/package/$pkg.files" "$want" "$have"
done

for deb in "$out"/*.deb; do
	pkg=$(basename "$deb" | cut -d_ -f1)
	case $pkg in *-dbgsym) continue ;; esac
	check "$pkg has a file list in tests/package/" test -f "$SOURCE_DIR/tests/package/$pkg.files"
done

# --- lintian -------------------------------------------------------------------
# Exit status 1 is "errors found", 2 "lintian itself failed".
lrc=0
lintian --no-tag-display-limit "$out"/massaged_*.changes >"$TEST_TMP/lintian.log" 2>&1 || lrc=$?
log "lintian (exit $lrc):"
sed 's/^/#   /' "$TEST_TMP/lintian.log" >&2
assert_eq "lintian: no errors" "" "$(grep '^E:' "$TEST_TMP/lintian.log" || true)"
assert_eq "lintian: ran to the end (exit 0, or 1 for errors)" 1 "$([ "$lrc" -le 1 ] && echo 1 || echo "$lrc")"

# --- maintainer scripts ----------------------------------------------------------
ctl=$TEST_TMP/control
deb=$(ls "$out"/massaged_*.deb | head -n1)
dpkg-deb -e "$deb" "$ctl"
postinst=$(cat "$ctl/postinst" 2>/dev/null)
assert_contains "postinst: systemd-sysusers creates the users" "systemd-sysusers" "$postinst"
assert_contains "postinst: systemd-tmpfiles creates the directories" "systemd-tmpfiles" "$postinst"
users_at=$(grep -n 'systemd-sysusers' "$ctl/postinst" | head -n1 | cut -d: -f1)
dirs_at=$(grep -n 'systemd-tmpfiles' "$ctl/postinst" | head -n1 | cut -d: -f1)
check "postinst: the user exists before its directories are created" test "${users_at:-99999}" -lt "${dirs_at:-0}"
assert_contains "postinst: the unit is enabled" "deb-systemd-helper enable 'massaged.service'" "$postinst"
assert_contains "postrm: purge removes the state directory" "rm -rf /var/lib/massaged" "$(cat "$ctl/postrm")"

# massaged-mqtt needs a broker configured first: its user is created, its
# unit is neither enabled nor started.
mctl=$TEST_TMP/control-mqtt
dpkg-deb -e "$(ls "$out"/massaged-mqtt_*.deb | head -n1)" "$mctl"
mpostinst=$(cat "$mctl/postinst" 2>/dev/null)
assert_contains "massaged-mqtt postinst: systemd-sysusers creates its user" "systemd-sysusers" "$mpostinst"
# dh_installsystemd --no-enable: enabled again on upgrade only if the admin had enabled it.
assert_contains "massaged-mqtt postinst: the unit is not enabled at install" \
	"if deb-systemd-helper debian-installed 'massaged-mqtt.service'" "$mpostinst"
assert_not_contains "massaged-mqtt postinst: the unit is not started" "deb-systemd-invoke start" "$mpostinst"
assert_contains "massaged-mqtt: /etc/massaged/mqtt.conf is a conffile" "/etc/massaged/mqtt.conf" \
	"$(cat "$mctl/conffiles" 2>/dev/null)"

# --- the extracted package ---------------------------------------------------------
root=$TEST_TMP/root
dpkg-deb -x "$deb" "$root"
unit=$root/lib/systemd/system/massaged.service
assert_eq "the unit runs as _massaged" "_massaged" "$(sed -n 's/^User=//p' "$unit")"
verify_root "$root"
dpkg-deb -x "$(ls "$out"/massaged-mqtt_*.deb | head -n1)" "$VERIFY_ROOT"
for u in massaged.service massaged-mqtt.service; do
	check_unit_verifies "systemd-analyze verify: the packaged $u, no complaints" "$VERIFY_ROOT" "$u"
done
for f in "$root"/usr/share/dbus-1/system.d/*.conf; do
	check "xmllint: ${f##*/} is well-formed" xmllint --noout "$f"
done
introspect_dtd=/usr/share/xml/dbus-1/introspect.dtd
f=$root/usr/share/dbus-1/interfaces/org.massaged.xml
if [ -f "$introspect_dtd" ]; then
	check "xmllint: org.massaged.xml is valid introspection XML" xmllint --noout --dtdvalid "$introspect_dtd" "$f"
else
	check "xmllint: org.massaged.xml is well-formed" xmllint --noout "$f"
fi
policy=$root/usr/share/polkit-1/actions/org.massaged.policy
polkit_dtd=/usr/share/polkit-1/policyconfig-1.dtd
if [ -f "$polkit_dtd" ]; then
	check "xmllint: org.massaged.policy is valid against polkit's DTD" xmllint --noout --dtdvalid "$polkit_dtd" "$policy"
else
	check "xmllint: org.massaged.policy is well-formed" xmllint --noout "$policy"
fi
# Every action the daemon asks about (daemon/authority.h) is declared.
actions=$(sed -n 's/^#define MSD_ACTION_[A-Z_]* *"\(.*\)"/\1/p' "$SOURCE_DIR/daemon/authority.h")
check "daemon/authority.h names polkit actions" test -n "$actions"
for a in $actions; do
	check "the polkit policy declares $a" xmllint --xpath "//action[@id='$a']" "$policy"
done

check_policy_dir "a real dbus-daemon starts with the packaged policy files" "$root/usr/share/dbus-1/system.d"
finish
