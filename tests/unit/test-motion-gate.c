/* MsdMotionGate on a fake clock: the cap, the start rule, the edge jump, the
 * rise rate (checked on the whole emitted series), decreases and rests at
 * once, rest() cancelling a ramp, a programme's own ramp at the limit passing
 * unchanged, time_scale, bad input, no repeated emissions, the getters, and an
 * owner that asks again from inside its emit callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "daemon/motion-gate.h"

#define T0 ((gint64)1000000000) /* the fake clock's start: like a real uptime */
#define MS ((gint64)1000)
#define S  ((gint64)1000000)

typedef struct {
    gint64 t;
    double level;
    gboolean from_rest;
} Em;

typedef struct {
    MsdClock *clock;
    MsdMotionGate *g;
    MpSafetyLimits lim;
    double time_scale;
    GArray *em; /* Em, in emission order */
    /* For the re-entrancy test: on the first emission, ask for this. */
    double reenter_target;
    gboolean reentered;
} Fx;

static void on_emit(double level, gboolean from_rest, gpointer data)
{
    Fx *fx = data;
    Em e = {msd_clock_now(fx->clock), level, from_rest};
    g_array_append_val(fx->em, e);
    if (fx->reenter_target > 0 && !fx->reentered) {
        fx->reentered = TRUE;
        msd_motion_gate_request(fx->g, fx->reenter_target, FALSE);
    }
}

static Fx *fx_new_with(const MpSafetyLimits *lim, double time_scale)
{
    Fx *fx = g_new0(Fx, 1);
    fx->clock = msd_clock_new_fake(T0);
    fx->lim = *lim;
    fx->time_scale = time_scale;
    fx->em = g_array_new(FALSE, FALSE, sizeof(Em));
    fx->g = msd_motion_gate_new(fx->clock, &fx->lim, time_scale, 1.0, on_emit, fx);
    assert_non_null(fx->g);
    return fx;
}

static Fx *fx_new(double time_scale)
{
    MpSafetyLimits lim;
    mp_safety_limits_init(&lim);
    return fx_new_with(&lim, time_scale);
}

static void fx_free(Fx *fx)
{
    msd_motion_gate_free(fx->g);
    /* The gate's timer goes with it. */
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    msd_clock_unref(fx->clock);
    g_array_unref(fx->em);
    g_free(fx);
}

static guint n_em(Fx *fx)
{
    return fx->em->len;
}

static Em *em(Fx *fx, guint i)
{
    assert_true(i < fx->em->len);
    return &g_array_index(fx->em, Em, i);
}

static Em *last(Fx *fx)
{
    assert_true(fx->em->len > 0);
    return em(fx, fx->em->len - 1);
}

/* Emission i is at `level` (to float rounding), from rest or not. */
static void assert_em(Fx *fx, guint i, double level, gboolean from_rest)
{
    assert_true(fabs(em(fx, i)->level - level) < 1e-9);
    if (from_rest)
        assert_true(em(fx, i)->from_rest);
    else
        assert_false(em(fx, i)->from_rest);
}

/* No emission from `from` on is above `cap`. */
static void assert_never_above(Fx *fx, guint from, double cap)
{
    for (guint i = from; i < n_em(fx); i++)
        assert_true(em(fx, i)->level <= cap + 1e-9);
}

static double rate_per_us(Fx *fx)
{
    return fx->lim.max_rise_per_s * fx->time_scale / 1e6;
}

/* No rise between any two emissions in [from, n) exceeds
 * rate × elapsed + slack. `from` is an instant rise (a start or an edge
 * jump) or anything after it. */
static void assert_rise_range(Fx *fx, guint from, guint to, double slack)
{
    for (guint i = from; i < to; i++) {
        for (guint j = i + 1; j < to; j++) {
            double rise = em(fx, j)->level - em(fx, i)->level;
            double budget = rate_per_us(fx) * (double)(em(fx, j)->t - em(fx, i)->t) + slack;
            if (rise > budget + 1e-9)
                fail_msg("emission %u (%g at +%" G_GINT64_FORMAT " us) rises %g above emission %u "
                         "(%g at +%" G_GINT64_FORMAT " us): more than %g",
                         j, em(fx, j)->level, em(fx, j)->t - T0, rise, i, em(fx, i)->level,
                         em(fx, i)->t - T0, budget);
        }
    }
}

static void assert_rise_within(Fx *fx, guint from, double slack)
{
    assert_rise_range(fx, from, n_em(fx), slack);
}

/* Each emission in [from, n) is one quantum above the one before, none from
 * rest, and the level is never above the cap. */
static void assert_unit_steps(Fx *fx, guint from)
{
    for (guint i = from; i < n_em(fx); i++) {
        assert_false(em(fx, i)->from_rest);
        if (i > 0)
            assert_true(fabs(em(fx, i)->level - em(fx, i - 1)->level - 1.0) < 1e-9);
    }
}

/* From rest to `level` (<= the start limit), then held long enough that the
 * rise budget is full. Clears the record. */
static void settle_at(Fx *fx, double level)
{
    msd_motion_gate_request(fx->g, level, FALSE);
    msd_fake_clock_advance(fx->clock, 10 * S);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - level) < 1e-9);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    g_array_set_size(fx->em, 0);
}

/* ---- the cap ---- */

static void test_cap(void **state)
{
    /* The default cap (100): 150 is cut to 100, at an edge too. */
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    msd_motion_gate_request(fx->g, 150, TRUE);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 100) < 1e-9);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 100) < 1e-9);
    assert_never_above(fx, 0, 100);
    fx_free(fx);

    /* A stricter cap from the config: 60. */
    MpSafetyLimits lim;
    mp_safety_limits_init(&lim);
    lim.max_intensity = 60;
    fx = fx_new_with(&lim, 1);
    assert_true(fabs(msd_motion_gate_get_cap(fx->g) - 60) < 1e-9);
    settle_at(fx, 30);
    msd_motion_gate_request(fx->g, 80, FALSE);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 60) < 1e-9);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 60) < 1e-9);
    assert_never_above(fx, 0, 60);
    fx_free(fx);

    /* A cap below the start limit: from rest, the cap at once and no more. */
    lim.max_intensity = 20;
    fx = fx_new_with(&lim, 1);
    msd_motion_gate_request(fx->g, 100, FALSE);
    assert_int_equal(n_em(fx), 1);
    assert_em(fx, 0, 20, TRUE);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), 1);
    fx_free(fx);
}

/* ---- the start rule and the rise rate ---- */

/* A session cap (a client profile's MaxIntensity): lower than the limits'
 * cap, it holds on every later request, brings a higher level down at once,
 * can never raise the limits' cap, and lifts again. */
static void test_session_cap(void **state)
{
    MpSafetyLimits lim;
    mp_safety_limits_init(&lim);
    lim.max_intensity = 60;
    Fx *fx = fx_new_with(&lim, 1);
    settle_at(fx, 50);
    msd_motion_gate_set_session_cap(fx->g, 40);
    assert_true(fabs(last(fx)->level - 40) < 1e-9); /* down at once */
    assert_true(fabs(msd_motion_gate_get_cap(fx->g) - 40) < 1e-9);
    guint from = n_em(fx);
    msd_motion_gate_request(fx->g, 100, TRUE);
    msd_motion_gate_request(fx->g, 55, FALSE);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_never_above(fx, from, 40);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 40) < 1e-9);
    /* Above the limits' cap: the limits' cap stays. */
    msd_motion_gate_set_session_cap(fx->g, 90);
    assert_true(fabs(msd_motion_gate_get_cap(fx->g) - 60) < 1e-9);
    msd_motion_gate_set_session_cap(fx->g, 30);
    msd_motion_gate_set_session_cap(fx->g, -1);
    assert_true(fabs(msd_motion_gate_get_cap(fx->g) - 60) < 1e-9);
    msd_motion_gate_request(fx->g, 55, FALSE);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 55) < 1e-9);
    fx_free(fx);
}

static void test_start_from_rest(void **state)
{
    Fx *fx = fx_new(1);
    assert_true(fabs(fx->lim.max_start_intensity - 30) < 1e-9);
    assert_true(fabs(fx->lim.max_rise_per_s - 10) < 1e-9);

    msd_motion_gate_request(fx->g, 100, FALSE);
    /* At once, inside the call: the start limit, from rest. */
    assert_int_equal(n_em(fx), 1);
    assert_int_equal(em(fx, 0)->t, T0);
    assert_em(fx, 0, 30, TRUE);
    assert_true(msd_motion_gate_is_ramping(fx->g));

    msd_fake_clock_advance(fx->clock, 60 * S);
    /* Then one point at a time up to 100: 70 more emissions. */
    assert_int_equal(n_em(fx), 71);
    assert_unit_steps(fx, 1);
    assert_true(fabs(last(fx)->level - 100) < 1e-9);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    /* Level 30+k on the line 30 + 10 %/s, half a quantum ahead (the
     * programme's rounding): at (k - 0.5) × 100 ms, within a microsecond
     * or two of float rounding, never before. */
    for (guint k = 1; k <= 70; k++) {
        gint64 line = T0 + (gint64)((k - 0.5) * 100 * MS);
        gint64 t = em(fx, k)->t;
        if (t < line - 1 || t > line + 2)
            fail_msg("level %u at +%" G_GINT64_FORMAT " us, expected +%" G_GINT64_FORMAT, 30 + k,
                     t - T0, line - T0);
    }
    /* Never more than the rate since the start (plus the half quantum),
     * never more than rate × elapsed + the slack between any two. */
    assert_rise_within(fx, 0, 0.5);
    assert_rise_within(fx, 1, 2);
    fx_free(fx);
}

static void test_start_rule_beats_edge(void **state)
{
    /* From rest, a step edge does not allow the jump: the start rule wins. */
    Fx *fx = fx_new(1);
    msd_motion_gate_request(fx->g, 60, TRUE);
    assert_int_equal(n_em(fx), 1);
    assert_em(fx, 0, 30, TRUE);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 60) < 1e-9);
    assert_unit_steps(fx, 1);
    assert_rise_within(fx, 0, 0.5);
    /* 60 is reached no sooner than the line allows: 29.5 points at 10 %/s. */
    assert_true(last(fx)->t >= T0 + 2950 * MS - 1);
    fx_free(fx);

    /* Below the start limit: that level at once, from rest, and no ramp. */
    fx = fx_new(1);
    msd_motion_gate_request(fx->g, 20, FALSE);
    assert_int_equal(n_em(fx), 1);
    assert_em(fx, 0, 20, TRUE);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    fx_free(fx);
}

/* ---- the jump at a step edge ---- */

static void test_edge_jump(void **state)
{
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    gint64 t = msd_clock_now(fx->clock);

    /* 40 points at an edge: at once, no ramp. */
    msd_motion_gate_request(fx->g, 70, TRUE);
    assert_int_equal(n_em(fx), 1);
    assert_int_equal(em(fx, 0)->t, t);
    assert_em(fx, 0, 70, FALSE);
    assert_false(msd_motion_gate_is_ramping(fx->g));

    /* Down again (at once), hold, then 60 points at an edge: 40 at once, the
     * rest at the rate. */
    msd_motion_gate_request(fx->g, 30, FALSE);
    msd_fake_clock_advance(fx->clock, 10 * S);
    g_array_set_size(fx->em, 0);
    t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 90, TRUE);
    assert_int_equal(n_em(fx), 1);
    assert_true(fabs(em(fx, 0)->level - 70) < 1e-9);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    /* Nothing more for the next 49 ms: the jump is all the edge allows. */
    msd_fake_clock_advance(fx->clock, 49 * MS);
    assert_int_equal(n_em(fx), 1);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), 21);
    assert_unit_steps(fx, 1);
    assert_true(fabs(last(fx)->level - 90) < 1e-9);
    /* 19.5 points at 10 %/s after the jump. */
    assert_true(last(fx)->t >= t + 1950 * MS - 1 && last(fx)->t <= t + 1950 * MS + 2);
    assert_rise_within(fx, 0, 0.5);
    fx_free(fx);
}

static void test_rise_without_edge_is_ramped(void **state)
{
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    gint64 t = msd_clock_now(fx->clock);

    /* The same 40 points without an edge: only the banked slack (two
     * quanta) at once, then one point per 100 ms. */
    msd_motion_gate_request(fx->g, 70, FALSE);
    assert_int_equal(n_em(fx), 1);
    assert_em(fx, 0, 32, FALSE);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), 39);
    assert_unit_steps(fx, 1);
    for (guint k = 1; k < 39; k++) {
        gint64 line = t + (gint64)k * 100 * MS;
        assert_true(em(fx, k)->t >= line - 1 && em(fx, k)->t <= line + 2);
    }
    assert_true(fabs(last(fx)->level - 70) < 1e-9);
    assert_rise_within(fx, 0, 2);
    fx_free(fx);
}

/* ---- decreases, rests, rest() ---- */

static void test_decrease_and_zero_at_once(void **state)
{
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    msd_motion_gate_request(fx->g, 70, TRUE);
    g_array_set_size(fx->em, 0);

    gint64 t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 40, FALSE);
    assert_int_equal(n_em(fx), 1);
    assert_int_equal(em(fx, 0)->t, t);
    assert_em(fx, 0, 40, FALSE);

    msd_motion_gate_request(fx->g, 0, FALSE);
    assert_int_equal(n_em(fx), 2);
    assert_int_equal(em(fx, 1)->t, t);
    assert_true(em(fx, 1)->level == 0);
    assert_false(em(fx, 1)->from_rest);
    assert_false(msd_motion_gate_is_ramping(fx->g));

    /* A programme's rest step (a level of 0) is a rest: the next rise
     * obeys the start rule, or at a step edge the validator's jump from 0
     * (a step after a rest may start at max_jump), never more. */
    msd_fake_clock_advance(fx->clock, 10 * S);
    msd_motion_gate_request(fx->g, 70, TRUE);
    assert_int_equal(n_em(fx), 3);
    assert_em(fx, 2, 40, TRUE);
    msd_motion_gate_request(fx->g, 0, FALSE);
    msd_fake_clock_advance(fx->clock, 10 * S);
    msd_motion_gate_request(fx->g, 70, FALSE);
    assert_int_equal(n_em(fx), 5);
    assert_em(fx, 4, 30, TRUE);
    fx_free(fx);
}

static void test_rest_resets_and_cancels(void **state)
{
    Fx *fx = fx_new(1);
    msd_motion_gate_request(fx->g, 100, FALSE);
    msd_fake_clock_advance(fx->clock, 1 * S);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    guint n = n_em(fx);
    assert_true(msd_motion_gate_get_level(fx->g) > 30);

    /* The motor stopped (the owner sent the stop): nothing emitted, the
     * ramp is gone. */
    msd_motion_gate_rest(fx->g);
    assert_int_equal(n_em(fx), n);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    assert_true(msd_motion_gate_get_level(fx->g) == 0);
    assert_true(msd_motion_gate_get_target(fx->g) == 0);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), n);

    /* The next level obeys the start rule, even at an edge. */
    msd_motion_gate_request(fx->g, 100, TRUE);
    assert_int_equal(n_em(fx), n + 1);
    assert_em(fx, n_em(fx) - 1, 30, TRUE);

    /* And after a finished ramp too, with the budget full. */
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 100) < 1e-9);
    msd_motion_gate_rest(fx->g);
    n = n_em(fx);
    msd_motion_gate_request(fx->g, 70, TRUE);
    assert_int_equal(n_em(fx), n + 1);
    assert_em(fx, n_em(fx) - 1, 30, TRUE);
    /* A request of 0 at rest emits nothing. */
    msd_motion_gate_rest(fx->g);
    msd_motion_gate_request(fx->g, 0, FALSE);
    assert_int_equal(n_em(fx), n + 1);
    fx_free(fx);
}

static void test_lowered_target_stops_ramp(void **state)
{
    Fx *fx = fx_new(1);
    msd_motion_gate_request(fx->g, 100, FALSE);
    msd_fake_clock_advance(fx->clock, 1 * S);
    double level = msd_motion_gate_get_level(fx->g);
    assert_true(level >= 39 && level <= 40);

    /* Below the level: that level at once, and the ramp is over. */
    gint64 t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 35, FALSE);
    assert_int_equal(last(fx)->t, t);
    assert_true(fabs(last(fx)->level - 35) < 1e-9);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    guint n = n_em(fx);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), n);
    fx_free(fx);

    /* Above the level: the ramp ends at the new target, never above it. */
    fx = fx_new(1);
    msd_motion_gate_request(fx->g, 100, FALSE);
    msd_fake_clock_advance(fx->clock, 1 * S);
    n = n_em(fx);
    msd_motion_gate_request(fx->g, 45, FALSE);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 45) < 1e-9);
    assert_never_above(fx, n, 45);
    assert_unit_steps(fx, 1);
    assert_rise_within(fx, 0, 0.5);
    fx_free(fx);
}

/* ---- a programme's own ramp at the limit ---- */

/* The levels an engine sends for a ramp from `v0` at `t` rising at exactly
 * the limit rate, quantised to the nearest point as mp_quantise() does: level
 * v0+k from (k - 0.5) / rate seconds (programme time), each delivered
 * `jitter_ms[k % n]` late (negative: early). Each must pass unchanged, at
 * once, and the gate must add nothing of its own. */
static void play_ramp(Fx *fx, gint64 t, double v0, int points, const int *jitter_ms, int n_jitter)
{
    double rate = fx->lim.max_rise_per_s; /* points per programme second */
    for (int k = 1; k <= points; k++) {
        double prog_ms = ceil((k - 0.5) * 1000.0 / rate - 1e-9);
        gint64 at = t + (gint64)(prog_ms * MS / fx->time_scale) + jitter_ms[k % n_jitter] * MS;
        assert_true(msd_fake_clock_next_deadline(fx->clock) > at); /* no ramp of its own */
        msd_fake_clock_advance_to(fx->clock, at);
        guint n = n_em(fx);
        msd_motion_gate_request(fx->g, v0 + k, FALSE);
        if (n_em(fx) != n + 1)
            fail_msg("level %g asked at +%" G_GINT64_FORMAT " us was not passed at once", v0 + k,
                     at - t);
        assert_int_equal(last(fx)->t, at);
        assert_true(fabs(last(fx)->level - (v0 + k)) < 1e-9);
        assert_false(last(fx)->from_rest);
        assert_false(msd_motion_gate_is_ramping(fx->g));
    }
}

static void test_programme_ramp_passes(void **state)
{
    static const int on_time[] = {0};
    static const int late[] = {0, 1, 3, 2, 0, 3};
    static const int both[] = {3, -3, 0, 2, -2, 1, -1};

    /* After a hold, early or late by a few ms. */
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    play_ramp(fx, msd_clock_now(fx->clock), 30, 30, both, G_N_ELEMENTS(both));
    fx_free(fx);

    /* Straight after the start from rest (a first step "ramp 20 → 50"),
     * delivered as the engine's timers deliver: at the millisecond of the
     * change or a little late. */
    fx = fx_new(1);
    msd_motion_gate_request(fx->g, 20, FALSE);
    play_ramp(fx, T0, 20, 30, on_time, 1);
    fx_free(fx);
    fx = fx_new(1);
    msd_motion_gate_request(fx->g, 20, FALSE);
    play_ramp(fx, T0, 20, 30, late, G_N_ELEMENTS(late));
    fx_free(fx);

    /* Straight after a jump at a step edge (30, then "ramp 50 → 80"). */
    fx = fx_new(1);
    settle_at(fx, 30);
    gint64 t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 50, TRUE);
    assert_int_equal(n_em(fx), 1);
    play_ramp(fx, t, 50, 30, late, G_N_ELEMENTS(late));
    fx_free(fx);

    /* Ten times faster, after a hold. */
    fx = fx_new(10);
    settle_at(fx, 30);
    play_ramp(fx, msd_clock_now(fx->clock), 30, 60, on_time, 1);
    fx_free(fx);
}

static void test_early_level_after_jump_held_to_line(void **state)
{
    /* Straight after a jump the budget is empty but for the rounding: a level
     * that comes 3 ms before the line waits for it (3 ms), no more. */
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    gint64 t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 50, TRUE);
    msd_fake_clock_advance_to(fx->clock, t + 47 * MS);
    msd_motion_gate_request(fx->g, 51, FALSE);
    assert_int_equal(n_em(fx), 1);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 10 * MS);
    assert_int_equal(n_em(fx), 2);
    assert_true(fabs(last(fx)->level - 51) < 1e-9);
    assert_true(last(fx)->t >= t + 50 * MS - 1 && last(fx)->t <= t + 50 * MS + 2);
    fx_free(fx);
}

/* ---- time_scale ---- */

static void test_time_scale(void **state)
{
    Fx *fx = fx_new(10);
    msd_motion_gate_request(fx->g, 100, FALSE);
    assert_true(fabs(em(fx, 0)->level - 30) < 1e-9);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_int_equal(n_em(fx), 71);
    assert_unit_steps(fx, 1);
    /* 100 %/s in real time: 69.5 points take 695 ms. */
    assert_true(last(fx)->t >= T0 + 695 * MS - 1 && last(fx)->t <= T0 + 695 * MS + 2);
    assert_rise_within(fx, 0, 0.5);
    fx_free(fx);
}

/* ---- bad input ---- */

static void test_bad_input(void **state)
{
    Fx *fx = fx_new(1);
    /* At rest: nothing to do, nothing emitted. */
    msd_motion_gate_request(fx->g, NAN, TRUE);
    msd_motion_gate_request(fx->g, -5, FALSE);
    msd_motion_gate_request(fx->g, -INFINITY, FALSE);
    assert_int_equal(n_em(fx), 0);
    assert_true(msd_motion_gate_get_target(fx->g) == 0);
    assert_true(msd_motion_gate_get_level(fx->g) == 0);

    /* Above 100 from rest: still the start limit. */
    msd_motion_gate_request(fx->g, 1e300, TRUE);
    assert_int_equal(n_em(fx), 1);
    assert_true(fabs(em(fx, 0)->level - 30) < 1e-9);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 100) < 1e-9);

    /* While in motion, a level that is not a number is a rest, at once. */
    msd_fake_clock_advance(fx->clock, 2 * S);
    msd_motion_gate_request(fx->g, NAN, FALSE);
    assert_true(last(fx)->level == 0);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    msd_motion_gate_request(fx->g, 30, FALSE);
    assert_true(last(fx)->from_rest);
    msd_motion_gate_request(fx->g, INFINITY, TRUE);
    assert_true(last(fx)->level == 0);
    msd_motion_gate_request(fx->g, 30, FALSE);
    msd_motion_gate_request(fx->g, -1, FALSE);
    assert_true(last(fx)->level == 0);
    for (guint i = 0; i < n_em(fx); i++)
        assert_true(isfinite(em(fx, i)->level) && em(fx, i)->level >= 0 && em(fx, i)->level <= 100);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    fx_free(fx);
}

/* ---- repeats ---- */

static void test_repeats_emit_nothing(void **state)
{
    Fx *fx = fx_new(1);
    settle_at(fx, 30);
    for (int i = 0; i < 10; i++) {
        msd_motion_gate_request(fx->g, 30, i % 2);
        msd_fake_clock_advance(fx->clock, 10 * MS);
    }
    assert_int_equal(n_em(fx), 0);

    /* During a ramp, asking again for the same target every 10 ms changes
     * neither the levels nor their pace. */
    gint64 t = msd_clock_now(fx->clock);
    msd_motion_gate_request(fx->g, 40, FALSE);
    for (int i = 0; i < 200; i++) {
        msd_fake_clock_advance(fx->clock, 10 * MS);
        msd_motion_gate_request(fx->g, 40, FALSE);
    }
    assert_int_equal(n_em(fx), 9); /* 32 at once, then 33 … 40 */
    assert_true(fabs(em(fx, 0)->level - 32) < 1e-9);
    assert_unit_steps(fx, 1);
    assert_true(last(fx)->t >= t + 800 * MS - 1);
    assert_rise_within(fx, 0, 2);
    fx_free(fx);
}

/* ---- getters ---- */

static void test_getters(void **state)
{
    Fx *fx = fx_new(1);
    assert_true(msd_motion_gate_get_level(fx->g) == 0);
    assert_true(msd_motion_gate_get_target(fx->g) == 0);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    assert_true(fabs(msd_motion_gate_get_cap(fx->g) - 100) < 1e-9);

    msd_motion_gate_request(fx->g, 50, FALSE);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 30) < 1e-9);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 50) < 1e-9);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 1 * S);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 40) < 1e-9);
    assert_true(msd_motion_gate_is_ramping(fx->g));
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 50) < 1e-9);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 50) < 1e-9);
    assert_false(msd_motion_gate_is_ramping(fx->g));
    fx_free(fx);
}

/* ---- an owner that asks again from its emit callback ---- */

static void test_request_from_emit(void **state)
{
    Fx *fx = fx_new(1);
    fx->reenter_target = 35;
    msd_motion_gate_request(fx->g, 100, FALSE); /* emits 30; the callback asks for 35 */
    assert_true(fx->reentered);
    /* One ramp, to the latest target. */
    assert_true(msd_fake_clock_n_pending(fx->clock) <= 1);
    assert_true(fabs(msd_motion_gate_get_target(fx->g) - 35) < 1e-9);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(last(fx)->level - 35) < 1e-9);
    assert_never_above(fx, 0, 35);
    assert_unit_steps(fx, 1);
    fx_free(fx);
}

/* ---- everything at once, at random ---- */

static void test_random(void **state)
{
    Fx *fx = fx_new(1);
    GRand *r = g_rand_new_with_seed(11);
    GArray *instants = g_array_new(FALSE, FALSE, sizeof(guint)); /* starts, edge rises */
    gboolean resting = TRUE;
    gboolean hard = TRUE; /* resting by rest(), not by a level of 0 */
    for (int i = 0; i < 3000; i++) {
        int action = g_rand_int_range(r, 0, 20);
        guint n = n_em(fx);
        if (action == 0) {
            msd_motion_gate_rest(fx->g);
            resting = TRUE;
            hard = TRUE;
            assert_int_equal(n_em(fx), n);
            assert_false(msd_motion_gate_is_ramping(fx->g));
        } else if (action < 12) {
            gboolean edge = g_rand_int_range(r, 0, 4) == 0;
            double target = g_rand_int_range(r, -10, 130);
            double before = msd_motion_gate_get_level(fx->g);
            msd_motion_gate_request(fx->g, target, edge);
            if (n_em(fx) > n) {
                Em *e = em(fx, n);
                assert_int_equal(n_em(fx), n + 1);
                if (e->level > before + 1e-9) {
                    /* A rise: from rest at most the start, at an edge at
                     * most the jump (or the budget), otherwise the budget. */
                    if (resting) {
                        assert_true(e->from_rest);
                        assert_true(e->level <= (edge && !hard ? 40 : 30) + 1e-9);
                    } else {
                        assert_false(e->from_rest);
                        assert_true(e->level - before <= (edge ? 40 : 2) + 1e-9);
                    }
                    if (resting || edge)
                        g_array_append_val(instants, n);
                } else {
                    assert_false(e->from_rest);
                }
                resting = e->level == 0;
                if (e->level > 0)
                    hard = FALSE;
            }
        } else {
            msd_fake_clock_advance(fx->clock, g_rand_int_range(r, 1, 3000) * MS);
            if (n_em(fx) > n) {
                resting = FALSE;
                hard = FALSE;
            }
        }
        for (guint j = n; j < n_em(fx); j++) {
            Em *e = em(fx, j);
            assert_true(e->level >= 0 && e->level <= 100);
            if (j > 0 && !e->from_rest)
                assert_true(fabs(e->level - em(fx, j - 1)->level) > 1e-9);
        }
    }
    /* Between two instant rises: never more than the rate since the first
     * (plus the rounding's half quantum), nor than rate × elapsed + the slack
     * between any two emissions. */
    assert_true(instants->len > 10);
    guint end = n_em(fx);
    g_array_append_val(instants, end);
    for (guint k = 0; k + 1 < instants->len; k++) {
        guint a = g_array_index(instants, guint, k), b = g_array_index(instants, guint, k + 1);
        for (guint j = a + 1; j < b; j++)
            assert_true(em(fx, j)->level - em(fx, a)->level <=
                        rate_per_us(fx) * (double)(em(fx, j)->t - em(fx, a)->t) + 0.5 + 1e-9);
        assert_rise_range(fx, a + 1, b, 2);
    }
    g_array_unref(instants);
    msd_motion_gate_request(fx->g, 77, FALSE);
    msd_fake_clock_advance(fx->clock, 60 * S);
    assert_true(fabs(msd_motion_gate_get_level(fx->g) - 77) < 1e-9);
    g_rand_free(r);
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_session_cap),
        cmocka_unit_test(test_start_from_rest),
        cmocka_unit_test(test_start_rule_beats_edge),
        cmocka_unit_test(test_edge_jump),
        cmocka_unit_test(test_rise_without_edge_is_ramped),
        cmocka_unit_test(test_decrease_and_zero_at_once),
        cmocka_unit_test(test_rest_resets_and_cancels),
        cmocka_unit_test(test_lowered_target_stops_ramp),
        cmocka_unit_test(test_programme_ramp_passes),
        cmocka_unit_test(test_early_level_after_jump_held_to_line),
        cmocka_unit_test(test_time_scale),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_repeats_emit_nothing),
        cmocka_unit_test(test_getters),
        cmocka_unit_test(test_request_from_emit),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
