#!/usr/bin/env bash
# Every safety mutant still applies to the tree (./dev mutate --check): a
# refactor that moves or renames a mitigation's code must move its mutant
# with it, or the proof that a test guards that rule silently disappears.
# The mutation run itself (a rebuild per mutant) is ./dev mutate, not here.
. "$SOURCE_DIR/tests/lib.sh"

run "$SOURCE_DIR/tests/mutants/run.sh" --check
assert_exit "./dev mutate --check: exit 0" 0
assert_eq "no stale mutant" "" "$(grep -v ' applies$' <<<"$RUN_OUT")"
check "it checked the mutants" test "$(grep -c ' applies$' <<<"$RUN_OUT")" -ge 50
finish
