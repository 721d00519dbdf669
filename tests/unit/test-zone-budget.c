/* The zone budget on its own: segments in, the first violation out. Each
 * rule at its edge (accepted) and just past it (refused), with where and
 * when it was passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "protocol/zone-budget.h"

#define S(x)    ((guint64)(x)*1000)
#define MINS(x) ((guint64)(x)*60 * 1000)

#define HAM   MP_MUSCLE_HAMSTRINGS
#define BF    MP_MUSCLE_BICEPS_FEMORIS
#define ST    MP_MUSCLE_SEMITENDINOSUS
#define SM    MP_MUSCLE_SEMIMEMBRANOSUS
#define CALF  MP_MUSCLE_CALVES
#define GLUTE MP_MUSCLE_GLUTES
#define FULL  MP_ZONE_FULL_LENGTH
#define PROX  MP_ZONE_PROXIMAL
#define MID   MP_ZONE_MID
#define DIST  MP_ZONE_DISTAL
#define LEFT  MP_SIDE_LEFT
#define RIGHT MP_SIDE_RIGHT

static MpZoneBudget *budget(void)
{
    MpSafetyLimits l;
    mp_safety_limits_init(&l); /* 3 min in a row, 30 s rest, 5 min per muscle and side */
    return mp_zone_budget_new(&l);
}

static gboolean work(MpZoneBudget *b, MpMuscle m, MpZone z, MpSide s, guint64 ms,
                     MpZoneViolation *v)
{
    return mp_zone_budget_add(b, m, z, s, ms, TRUE, v);
}

static void assert_where(const MpZoneViolation *v, const char *expected)
{
    g_autofree char *where = mp_zone_violation_where(v);
    assert_string_equal(where, expected);
}

static void test_continuous_edge(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, CALF, MID, LEFT, MINS(2), &v));
    assert_true(work(b, CALF, MID, LEFT, MINS(1), &v)); /* exactly 3 min */
    assert_false(work(b, CALF, MID, LEFT, 1, &v));      /* 1 ms more */
    assert_int_equal(v.rule, MP_ZONE_RULE_CONTINUOUS);
    assert_int_equal(v.exposure_ms, MINS(3) + 1);
    assert_int_equal(v.limit_ms, MINS(3));
    assert_int_equal(v.offset_ms, 0);
    assert_where(&v, "calves mid (left)");
    assert_int_equal(mp_zone_budget_elapsed(b), MINS(3) + 1);
}

/* The dodge of the issue: 3-minute steps split by 1 s rests. */
static void test_short_rest_does_not_reset(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, HAM, FULL, LEFT, MINS(3), &v));
    mp_zone_budget_rest(b, S(1));
    assert_false(work(b, HAM, FULL, LEFT, MINS(3), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_CONTINUOUS);
    assert_int_equal(v.exposure_ms, MINS(6)); /* the rest itself is not counted */
    assert_int_equal(v.offset_ms, 0);
    assert_where(&v, "hamstrings full-length (left)"); /* every cell of it at once */

    /* 1 ms short of the minimum rest is still not a rest. */
    g_autoptr(MpZoneBudget) c = budget();
    assert_true(work(c, CALF, FULL, LEFT, MINS(2), &v));
    mp_zone_budget_rest(c, S(30) - 1);
    assert_false(work(c, CALF, FULL, LEFT, MINS(2), &v));
    assert_int_equal(v.exposure_ms, MINS(4));
    assert_int_equal(v.offset_ms, MINS(1));

    /* Exactly the minimum is. */
    g_autoptr(MpZoneBudget) d = budget();
    assert_true(work(d, CALF, FULL, LEFT, MINS(3), &v));
    mp_zone_budget_rest(d, S(30));
    assert_true(work(d, CALF, FULL, LEFT, MINS(2), &v));

    /* Two short rests do not add up when work on the same cell splits them. */
    g_autoptr(MpZoneBudget) e = budget();
    assert_true(work(e, CALF, FULL, LEFT, MINS(1), &v));
    mp_zone_budget_rest(e, S(20));
    assert_true(work(e, CALF, FULL, LEFT, S(1), &v));
    mp_zone_budget_rest(e, S(20));
    assert_false(work(e, CALF, FULL, LEFT, MINS(2), &v));
    assert_int_equal(v.exposure_ms, MINS(3) + S(1));

    /* An inactive segment is a rest whatever it names. */
    g_autoptr(MpZoneBudget) f = budget();
    assert_true(work(f, CALF, FULL, LEFT, MINS(3), &v));
    assert_true(mp_zone_budget_add(f, CALF, FULL, LEFT, S(30), FALSE, &v));
    assert_true(work(f, CALF, FULL, LEFT, MINS(2), &v));
}

/* The other dodge: hamstrings full-length, then biceps-femoris mid. */
static void test_overlapping_zones(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, HAM, FULL, LEFT, MINS(2), &v));
    assert_false(work(b, BF, MID, LEFT, MINS(2), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_CONTINUOUS);
    assert_int_equal(v.exposure_ms, MINS(4));
    assert_int_equal(v.offset_ms, MINS(1));
    assert_where(&v, "biceps-femoris mid (left)");

    /* The reverse: only one cell of the hamstrings step had been worked. */
    g_autoptr(MpZoneBudget) c = budget();
    assert_true(work(c, BF, MID, LEFT, MINS(2), &v));
    assert_false(work(c, HAM, FULL, LEFT, MINS(2), &v));
    assert_where(&v, "biceps-femoris mid (left)");
    g_autofree char *text = mp_zone_violation_describe(&v, HAM, FULL);
    assert_string_equal(text, "4min in a row on biceps-femoris mid (left), which hamstrings "
                              "full-length overlaps, above the maximum of 3min");

    /* A zone across the three muscles: hamstrings mid after hamstrings full-length. */
    g_autoptr(MpZoneBudget) d = budget();
    assert_true(work(d, HAM, FULL, RIGHT, MINS(2), &v));
    assert_false(work(d, HAM, MID, RIGHT, MINS(2), &v));
    assert_where(&v, "hamstrings mid (right)");

    /* A muscle along its zones: semitendinosus full-length after hamstrings full-length. */
    g_autoptr(MpZoneBudget) e = budget();
    assert_true(work(e, SM, FULL, RIGHT, MINS(1), &v));
    assert_true(work(e, HAM, FULL, RIGHT, MINS(1), &v));
    assert_false(work(e, SM, FULL, RIGHT, MINS(2), &v));
    assert_where(&v, "semimembranosus full-length (right)");

    /* An unset zone is full-length. */
    g_autoptr(MpZoneBudget) f = budget();
    assert_true(work(f, CALF, PROX, LEFT, MINS(2), &v));
    assert_false(work(f, CALF, MP_ZONE_NONE, LEFT, MINS(2), &v));
    assert_where(&v, "calves proximal (left)");
}

static void test_what_does_not_overlap(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    /* Proximal, mid and distal are apart; so are the three muscles, glutes
     * and calves; and the sides (none is a side of its own). */
    assert_true(work(b, BF, PROX, LEFT, MINS(3), &v));
    assert_true(work(b, BF, DIST, LEFT, MINS(1), &v));
    assert_true(work(b, ST, PROX, LEFT, MINS(3), &v));
    assert_true(work(b, SM, PROX, LEFT, MINS(3), &v));
    assert_true(work(b, GLUTE, FULL, LEFT, MINS(3), &v));
    assert_true(work(b, CALF, FULL, LEFT, MINS(3), &v));
    assert_true(work(b, BF, PROX, RIGHT, MINS(3), &v));
    assert_true(work(b, BF, PROX, MP_SIDE_NONE, MINS(3), &v));
    /* Work elsewhere is a rest for this cell: ST, SM, glutes, calves and the
     * right side came between BF proximal (left) and now. */
    assert_true(work(b, BF, PROX, LEFT, S(1), &v));
    /* The total counts every cell of the muscle: 3 + 1 + 0:01 + 1. */
    assert_false(work(b, BF, MID, LEFT, MINS(1), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    /* A muscle-less active segment exposes nothing. */
    assert_true(work(b, MP_MUSCLE_NONE, FULL, LEFT, MINS(10), &v));
}

static void test_session_total(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, CALF, PROX, LEFT, MINS(3), &v));
    assert_true(work(b, CALF, DIST, LEFT, MINS(2), &v));  /* exactly 5 min */
    mp_zone_budget_rest(b, MINS(30));                     /* rests do not refill it */
    assert_true(work(b, CALF, PROX, RIGHT, MINS(3), &v)); /* per side */
    assert_false(work(b, CALF, MID, LEFT, S(10), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    assert_int_equal(v.exposure_ms, MINS(5) + S(10));
    assert_int_equal(v.limit_ms, MINS(5));
    assert_int_equal(v.offset_ms, 0);
    assert_int_equal(v.zone, MP_ZONE_NONE);
    assert_where(&v, "calves (left)");
    g_autofree char *text = mp_zone_violation_describe(&v, CALF, MID);
    assert_string_equal(text, "5min 10s in this session on calves (left), above the maximum of "
                              "5min per muscle and side");
}

/* Hamstrings counts for each of its three muscles. */
static void test_total_hamstrings(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, BF, DIST, LEFT, MINS(3), &v));
    assert_false(work(b, HAM, PROX, LEFT, MINS(3), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    assert_int_equal(v.offset_ms, MINS(2));
    assert_where(&v, "biceps-femoris (left)");
    g_autofree char *text = mp_zone_violation_describe(&v, HAM, PROX);
    assert_string_equal(text, "6min in this session on biceps-femoris (left), which hamstrings "
                              "covers, above the maximum of 5min per muscle and side");

    /* All three alike: named as hamstrings. */
    g_autoptr(MpZoneBudget) c = budget();
    assert_true(work(c, HAM, PROX, LEFT, MINS(3), &v));
    assert_true(work(c, HAM, DIST, LEFT, MINS(2), &v));
    assert_false(work(c, HAM, MID, LEFT, S(1), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    assert_where(&v, "hamstrings (left)");
}

/* Both rules in one segment: the one passed first is reported. */
static void test_first_violation(void **state)
{
    (void)state;
    g_autoptr(MpZoneBudget) b = budget();
    MpZoneViolation v;
    assert_true(work(b, CALF, PROX, LEFT, MINS(3), &v));
    mp_zone_budget_rest(b, S(30));
    assert_true(work(b, CALF, PROX, LEFT, MINS(1) + S(30), &v)); /* 4:30 in all */
    /* Continuous passed 1:30 in, the total 30 s in. */
    assert_false(work(b, CALF, PROX, LEFT, MINS(2), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    assert_int_equal(v.offset_ms, S(30));

    g_autoptr(MpZoneBudget) c = budget();
    assert_true(work(c, CALF, PROX, LEFT, MINS(2) + S(50), &v));
    mp_zone_budget_rest(c, S(1));
    /* Continuous passed 10 s in, the total 2:10 in. */
    assert_false(work(c, CALF, PROX, LEFT, MINS(3), &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_CONTINUOUS);
    assert_int_equal(v.offset_ms, S(10));
}

/* Stricter limits from a config, and a copy that answers "what if"
 * without touching the original. */
static void test_limits_and_copy(void **state)
{
    (void)state;
    MpSafetyLimits l;
    mp_safety_limits_init(&l);
    l.min_rest_ms = MINS(1);
    l.max_muscle_ms = MINS(4);
    g_autoptr(MpZoneBudget) b = mp_zone_budget_new(&l);
    MpZoneViolation v;
    assert_true(work(b, CALF, PROX, LEFT, MINS(2), &v));
    mp_zone_budget_rest(b, S(45));
    g_autoptr(MpZoneBudget) what_if = mp_zone_budget_copy(b);
    assert_false(work(what_if, CALF, PROX, LEFT, MINS(2), &v)); /* 45 s is no rest now */
    assert_int_equal(v.rule, MP_ZONE_RULE_CONTINUOUS);
    assert_int_equal(mp_zone_budget_elapsed(what_if), MINS(4) + S(45));
    assert_int_equal(mp_zone_budget_elapsed(b), MINS(2) + S(45));
    mp_zone_budget_rest(b, S(15));
    assert_true(work(b, CALF, PROX, LEFT, MINS(2), &v)); /* the original is untouched */
    assert_false(work(b, CALF, DIST, LEFT, 1, &v));
    assert_int_equal(v.rule, MP_ZONE_RULE_TOTAL);
    assert_int_equal(v.limit_ms, MINS(4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuous_edge),   cmocka_unit_test(test_short_rest_does_not_reset),
        cmocka_unit_test(test_overlapping_zones), cmocka_unit_test(test_what_does_not_overlap),
        cmocka_unit_test(test_session_total),     cmocka_unit_test(test_total_hamstrings),
        cmocka_unit_test(test_first_violation),   cmocka_unit_test(test_limits_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
