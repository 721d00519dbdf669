/* MsdEngine on a fake clock: every change at its exact deadline, no drift,
 * pause/resume/next/previous/adjust, the caps and the softening ramp, the
 * sink's step_edge, waiting for a lost device (the window is the device's),
 * a device that stopped by itself, and a stop at every end (also through a
 * real writer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "engine-fixture.h"
#include "fake-transport.h"

/* a 0..10 s constant 20, b 10..30 s ramp 20->40, rest 30..35 s, c 35..45 s constant 30 */
static const char basic_text[] = "[Programme]\nName=T\nKind=percussion\n\n"
                                 "[Step a]\nMuscle=hamstrings\nZone=proximal\nDuration=10s\n"
                                 "Intensity=constant 20%\n\n"
                                 "[Step b]\nMuscle=hamstrings\nZone=mid\nDuration=20s\n"
                                 "Intensity=ramp 20% 40%\n\n"
                                 "[Step rest]\nDuration=5s\nIntensity=0%\n\n"
                                 "[Step c]\nMuscle=hamstrings\nZone=distal\nDuration=10s\n"
                                 "Intensity=constant 30%\n";

/* Every step change at its scheduled instant, the finish at the end with a
 * stop to the device before Finished. */
static void test_steps_at_exact_times_and_finish(void **state)
{
    Fx *fx = fx_new(basic_text);
    msd_engine_start(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PLAYING);
    advance_s(fx, 100);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, 0);
    const gint64 want_t[] = {0, 10 * S, 30 * S, 35 * S};
    assert_int_equal(steps->len, 4);
    for (guint i = 0; i < 4; i++) {
        assert_int_equal(g_array_index(steps, Ev, i).t, T0 + want_t[i]);
        assert_int_equal((guint)g_array_index(steps, Ev, i).v, i);
    }
    assert_true(fx->finished);
    assert_int_equal(fx->reason, MSD_FINISH_COMPLETED);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_FINISHED);
    /* The tail: stop, state finished, Finished — all at 45 s. */
    guint n = fx->ev->len;
    Ev *stop = &g_array_index(fx->ev, Ev, n - 3);
    assert_int_equal(stop->kind, EV_STOP);
    assert_int_equal(stop->t, T0 + 45 * S);
    assert_int_equal(g_array_index(fx->ev, Ev, n - 2).kind, EV_STATE);
    assert_int_equal(last_ev(fx)->kind, EV_FINISH);
    /* Nothing left scheduled. */
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    fx_free(fx);
}

/* Every intensity the sink gets is the programme's quantised value at the
 * instant it is sent, and the sink gets exactly one call per change, at the
 * change: compared with a walk of mp_timeline_next_change(). */
static void check_against_walk(Fx *fx, double time_scale)
{
    g_autoptr(GArray) got = of_kind(fx, EV_INTENSITY, 0);
    g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(Ev));
    guint64 dur = mp_timeline_duration(fx->tl);
    double prev = -1;
    for (guint64 t = 0; t < dur; t = mp_timeline_next_change(fx->tl, t, 1.0)) {
        double v = mp_quantise(mp_timeline_intensity(fx->tl, t), 1.0);
        if (v != prev) {
            Ev ev = {T0 + (gint64)ceil((double)t * 1000.0 / time_scale), EV_INTENSITY, v, FALSE};
            g_array_append_val(want, ev);
            prev = v;
        }
    }
    assert_int_equal(got->len, want->len);
    for (guint i = 0; i < want->len; i++) {
        Ev *g = &g_array_index(got, Ev, i), *w = &g_array_index(want, Ev, i);
        if (g->t != w->t || g->v != w->v)
            fail_msg("change %u: got %g at %" G_GINT64_FORMAT " us, want %g at %" G_GINT64_FORMAT,
                     i, g->v, g->t - T0, w->v, w->t - T0);
    }
}

static void test_every_change_on_time(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 60);
    check_against_walk(fx, 1.0);
    fx_free(fx);
}

/* Ten minutes of waves: thousands of changes, each exactly at its deadline
 * computed from the start, the last one too — no drift. Also at an odd time
 * scale, where deadlines are rounded up to the microsecond. */
static const char wave_text[] = "[Programme]\nName=W\nKind=percussion\n\n"
                                "[Step w]\nMuscle=hamstrings\nZone=mid\nDuration=10min\n"
                                "Intensity=wave 20% 40% period=8s\n";

static void test_no_drift_long_wave(void **state)
{
    const double scales[] = {1.0, 7.0, 0.5};
    for (guint i = 0; i < G_N_ELEMENTS(scales); i++) {
        MsdEngineConfig cfg;
        msd_engine_config_init(&cfg);
        cfg.time_scale = scales[i];
        Fx *fx = fx_new_cfg(wave_text, &cfg);
        msd_engine_start(fx->e);
        /* Advance in uneven slices: the result must not depend on them. */
        for (int k = 0; k < 700 && !fx->finished; k++)
            msd_fake_clock_advance(fx->clock, (gint64)(3.7 * S / scales[i]) + k);
        assert_true(fx->finished);
        check_against_walk(fx, scales[i]);
        g_autoptr(GArray) got = of_kind(fx, EV_INTENSITY, 0);
        assert_true(got->len > 2000);
        assert_int_equal(last_ev(fx)->t, T0 + (gint64)ceil(600000.0 * 1000.0 / scales[i]));
        fx_free(fx);
    }
}

/* Pause freezes programme time and stops the device; resume plays on from
 * the same point, and the next step comes exactly as late as the pause. */
static void test_pause_resume(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 4);
    assert_true(msd_engine_pause(fx->e));
    assert_false(msd_engine_pause(fx->e));
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    assert_int_equal(last_ev(fx)->kind, EV_STATE);
    assert_int_equal(g_array_index(fx->ev, Ev, fx->ev->len - 2).kind, EV_STOP);
    assert_int_equal(msd_engine_get_position(fx->e), 4000);
    guint mark = fx->ev->len;
    advance_s(fx, 100);
    assert_int_equal(fx->ev->len, mark); /* nothing while paused */
    assert_int_equal(msd_engine_get_position(fx->e), 4000);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0); /* no polling */
    assert_true(msd_engine_resume(fx->e));
    assert_false(msd_engine_resume(fx->e));
    assert_int_equal(last_intensity(fx), 20);
    advance_s(fx, 6);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, mark);
    assert_int_equal(steps->len, 1);
    assert_int_equal(g_array_index(steps, Ev, 0).t, T0 + 110 * S);
    assert_int_equal(msd_engine_get_position(fx->e), 10000);
    assert_int_equal(msd_engine_get_entry_started_at(fx->e), T0 + 110 * S);
    fx_free(fx);
}

/* Next jumps to the next entry's start, Previous to the previous entry's;
 * both work while paused (position and step move, nothing is sent), and
 * Next on the last entry completes the session. */
static void test_next_previous(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 3);
    assert_true(msd_engine_next(fx->e, NULL));
    assert_int_equal(msd_engine_get_position(fx->e), 10000);
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 1);
    guint mark = fx->ev->len;
    advance_s(fx, 20); /* b lasts 20 s from now */
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, mark);
    assert_int_equal(steps->len, 1);
    assert_int_equal(g_array_index(steps, Ev, 0).t, T0 + 23 * S);
    assert_int_equal(g_array_index(steps, Ev, 0).v, 2);
    assert_true(msd_engine_previous(fx->e, NULL)); /* from rest back to b's start */
    assert_int_equal(msd_engine_get_position(fx->e), 10000);
    /* A user jump from the rest's 0 % up to b's 20 % is ramped, no jump. */
    assert_int_equal(last_intensity(fx), 0);
    advance_s(fx, 2.05);
    assert_int_equal(last_intensity(fx), 20);
    assert_true(msd_engine_previous(fx->e, NULL));
    assert_true(msd_engine_previous(fx->e, NULL)); /* the first entry: its own start */
    assert_int_equal(msd_engine_get_position(fx->e), 0);
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 0);

    assert_true(msd_engine_pause(fx->e));
    mark = fx->ev->len;
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(msd_engine_next(fx->e, NULL));
    assert_int_equal(msd_engine_get_position(fx->e), 30000);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, mark);
    assert_int_equal(sent->len, 0);
    g_autoptr(GArray) moved = of_kind(fx, EV_STEP, mark);
    assert_int_equal(moved->len, 2);
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(msd_engine_next(fx->e, NULL)); /* past the last: completed */
    assert_true(fx->finished);
    assert_int_equal(fx->reason, MSD_FINISH_COMPLETED);
    assert_false(msd_engine_next(fx->e, NULL));
    fx_free(fx);
}

/* Asserts that from event `from` on, no rise of the sent intensity is
 * steeper than `rate` per second after the first `allow` points. */
static void assert_rise_limited(Fx *fx, guint from, double rate, double allow)
{
    double prev = -1;
    gint64 prev_t = 0;
    for (guint i = from; i < fx->ev->len; i++) {
        Ev *ev = &g_array_index(fx->ev, Ev, i);
        if (ev->kind == EV_STOP) {
            prev = 0;
            prev_t = ev->t;
        }
        if (ev->kind != EV_INTENSITY)
            continue;
        if (prev >= 0 && ev->v > prev) {
            double dt = (double)(ev->t - prev_t) / S;
            if (ev->v - prev > rate * dt + allow + 1e-6)
                fail_msg("rise %g -> %g in %g s", prev, ev->v, dt);
        }
        prev = ev->v;
        prev_t = ev->t;
        allow = 0;
    }
}

/* A restart from rest (start, resume, device back) towards 60 %, made just
 * after event `mark`: 30 % (max_start_intensity) at once, 60 % after
 * `seconds`, and no rise steeper than 10 %/s in between. */
static void assert_soft_restart(Fx *fx, guint mark, double seconds)
{
    assert_int_equal(last_intensity(fx), 30);
    advance_s(fx, seconds);
    assert_int_equal(last_intensity(fx), 60);
    assert_rise_limited(fx, mark, 10, 30);
}

/* A 60 % step: the start gives 30 % (max_start_intensity) at once, then a
 * ramp at max_rise_per_s (10 %/s) reaching 60 % after 3 s; a resume does
 * the same. */
static const char high_text[] = "[Programme]\nName=H\nKind=percussion\n\n"
                                "[Step h]\nMuscle=hamstrings\nZone=mid\nDuration=60s\n"
                                "Intensity=constant 60%\n\n"
                                "[Step rest]\nDuration=10s\nIntensity=0%\n";

static void test_soft_start_and_resume(void **state)
{
    Fx *fx = fx_new(high_text);
    msd_engine_start(fx->e);
    assert_int_equal(last_intensity(fx), 30);
    advance_s(fx, 1.5);
    assert_int_equal(last_intensity(fx), 45);
    advance_s(fx, 1.5);
    assert_int_equal(last_intensity(fx), 60);
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, 0);
    assert_int_equal(sent->len, 31); /* 30, 31, ..., 60: one per quantum */
    assert_int_equal(g_array_index(sent, Ev, 30).t, T0 + 3 * S);
    assert_rise_limited(fx, 0, 10, 30);
    advance_s(fx, 7);
    msd_engine_pause(fx->e);
    advance_s(fx, 5);
    guint mark = fx->ev->len;
    msd_engine_resume(fx->e);
    assert_soft_restart(fx, mark, 10);
    /* The programme time lost to softening is not made up: the step still
     * ends 60 s of programme time after it began. */
    assert_int_equal(msd_engine_get_position(fx->e), 20000);
    fx_free(fx);
}

/* Adjust: the offset is capped at ±max_adjust, a rise is ramped at the
 * limit, a fall is immediate, a rest stays at 0. */
static void test_adjust(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 1);
    guint mark = fx->ev->len;
    assert_true(msd_engine_adjust(fx->e, 15) == 15);
    assert_int_equal(last_intensity(fx), 20); /* not yet: ramping */
    advance_s(fx, 1.5);
    assert_int_equal(last_intensity(fx), 35);
    assert_rise_limited(fx, mark, 10, 0);
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, mark);
    assert_int_equal(sent->len, 15);
    assert_int_equal(g_array_index(sent, Ev, 14).t, T0 + 2500 * MS);
    assert_true(msd_engine_adjust(fx->e, 100) == 20); /* capped */
    assert_true(msd_engine_adjust(fx->e, -100) == -20);
    assert_int_equal(last_intensity(fx), 0); /* 20 - 20: at once */
    assert_true(msd_engine_adjust(fx->e, 10) == -10);
    advance_s(fx, 2);
    assert_int_equal(last_intensity(fx), 10);
    assert_true(isnan(NAN) && msd_engine_adjust(fx->e, NAN) == -10); /* ignored */
    assert_true(msd_engine_adjust(fx->e, 30) == 20);
    advance_s(fx, 28); /* into the rest at 30 s */
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 2);
    assert_int_equal(last_intensity(fx), 0);
    assert_int_equal(msd_engine_get_adjust(fx->e), 20);
    fx_free(fx);
}

/* The caps: never above min(limits.max_intensity, MaxIntensity), whatever
 * the programme or the offset says; the scale option shrinks the programme. */
static const char capped_text[] = "[Programme]\nName=C\nKind=percussion\nMaxIntensity=45%\n\n"
                                  "[Step h]\nMuscle=hamstrings\nZone=mid\nDuration=30s\n"
                                  "Intensity=ramp 20% 80%\n";

static void test_caps(void **state)
{
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    for (int round = 0; round < 2; round++) {
        cfg.limits.max_intensity = round == 0 ? 100 : 35;
        double cap = round == 0 ? 45 : 35;
        Fx *fx = fx_new_cfg(capped_text, &cfg);
        msd_engine_start(fx->e);
        msd_engine_adjust(fx->e, 20);
        advance_s(fx, 40);
        g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, 0);
        double top = 0;
        for (guint i = 0; i < sent->len; i++)
            top = MAX(top, g_array_index(sent, Ev, i).v);
        assert_true(top == cap);
        fx_free(fx);
    }
    cfg.limits.max_intensity = 100;
    cfg.scale = 0.5;
    Fx *fx = fx_new_cfg(basic_text, &cfg);
    msd_engine_start(fx->e);
    assert_int_equal(last_intensity(fx), 10);
    advance_s(fx, 36);
    assert_int_equal(last_intensity(fx), 15);
    fx_free(fx);
}

/* A programme edge bigger than max_jump (an unvalidated programme) is
 * ramped; one within it is played as written. */
static const char jump_text[] = "[Programme]\nName=J\nKind=percussion\n\n"
                                "[Step a]\nMuscle=hamstrings\nZone=mid\nDuration=5s\n"
                                "Intensity=constant 10%\n\n"
                                "[Step b]\nMuscle=hamstrings\nZone=mid\nDuration=5s\n"
                                "Intensity=constant 40%\n\n"
                                "[Step c]\nMuscle=hamstrings\nZone=mid\nDuration=10s\n"
                                "Intensity=constant 95%\n";

static const char steep_text[] = "[Programme]\nName=St\nKind=percussion\n\n"
                                 "[Step a]\nMuscle=hamstrings\nZone=mid\nDuration=5s\n"
                                 "Intensity=constant 20%\n\n"
                                 "[Step b]\nMuscle=hamstrings\nZone=mid\nDuration=2s\n"
                                 "Intensity=ramp 20% 80%\n\n"
                                 "[Step c]\nMuscle=hamstrings\nZone=mid\nDuration=10s\n"
                                 "Intensity=constant 80%\n";
static const char at_limit_text[] = "[Programme]\nName=L\nKind=percussion\n\n"
                                    "[Step a]\nMuscle=hamstrings\nZone=mid\nDuration=5s\n"
                                    "Intensity=constant 20%\n\n"
                                    "[Step b]\nMuscle=hamstrings\nZone=mid\nDuration=6s\n"
                                    "Intensity=ramp 20% 80%\n\n"
                                    "[Step w]\nMuscle=hamstrings\nZone=mid\nDuration=40s\n"
                                    "Intensity=wave 20% 50% period=10s\n";

static void test_programme_jump_limit(void **state)
{
    Fx *fx = fx_play(fx_new(jump_text), 5);
    assert_int_equal(last_intensity(fx), 40); /* +30: within max_jump, as written */
    advance_s(fx, 5);
    assert_int_equal(last_intensity(fx), 80); /* +55 asked: +40 at once, then the ramp */
    advance_s(fx, 1);
    assert_int_equal(last_intensity(fx), 90);
    advance_s(fx, 0.5);
    assert_int_equal(last_intensity(fx), 95);
    fx_free(fx);
}

/* The device drops: programme time frozen; it returns: play on from the
 * same programme time, softly. */
static void test_device_lost_and_back(void **state)
{
    Fx *fx = fx_play(fx_new(high_text), 12);
    assert_int_equal(last_intensity(fx), 60);
    msd_engine_device_lost(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_WAITING_DEVICE);
    assert_int_equal(msd_engine_get_position(fx->e), 12000);
    advance_s(fx, 29);
    assert_false(fx->finished);
    assert_int_equal(msd_engine_get_position(fx->e), 12000);
    guint mark = fx->ev->len;
    msd_engine_device_back(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PLAYING);
    assert_int_equal(g_array_index(fx->ev, Ev, mark).kind, EV_STOP); /* known state first */
    assert_soft_restart(fx, mark, 3);
    advance_s(fx, 45); /* 48 s of the step were left */
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, mark);
    assert_int_equal(steps->len, 1);
    assert_int_equal(g_array_index(steps, Ev, 0).t, T0 + (12 + 29 + 48) * S);
    advance_s(fx, 5);
    assert_false(fx->finished);
    fx_free(fx);
}

/* The engine runs no reconnect window of its own (the device's link owns
 * the only one): it waits, with nothing scheduled, however long it takes,
 * and ends "device-lost" (a stop first) only when told the device is gone.
 * A user pause during the wait keeps it paused when the device returns. */
static void test_device_lost_waits_for_the_link(void **state)
{
    Fx *fx = fx_play(fx_new(high_text), 5);
    msd_engine_device_lost(fx->e);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0); /* no window here */
    guint mark = fx->ev->len;
    advance_s(fx, 3600);
    assert_false(fx->finished);
    assert_int_equal(fx->ev->len, mark);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_WAITING_DEVICE);
    msd_engine_device_gone(fx->e, "the device did not come back");
    assert_true(fx->finished);
    assert_int_equal(fx->reason, MSD_FINISH_DEVICE_LOST);
    assert_string_equal(msd_finish_reason_to_string(fx->reason), "device-lost");
    assert_string_equal(fx->message, "the device did not come back");
    assert_int_equal(g_array_index(fx->ev, Ev, fx->ev->len - 3).kind, EV_STOP);
    assert_int_equal(msd_engine_get_position(fx->e), 5000);
    msd_engine_device_gone(fx->e, NULL); /* idempotent */
    msd_engine_stop(fx->e);
    assert_int_equal(last_ev(fx)->kind, EV_FINISH);
    fx_free(fx);

    fx = fx_play(fx_new(high_text), 5);
    msd_engine_device_lost(fx->e);
    assert_true(msd_engine_pause(fx->e));
    advance_s(fx, 2);
    msd_engine_device_back(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    assert_int_equal(last_intensity(fx), 0);
    assert_true(msd_engine_resume(fx->e));
    assert_int_equal(last_intensity(fx), 30);
    assert_int_equal(msd_engine_get_position(fx->e), 5000);
    fx_free(fx);
}

/* The sink's step_edge: TRUE exactly for a rise at an entry's start or a
 * pulse's rising edge reached by the programme's own course (where the
 * validator allows an instant rise, and the device's motion gate does too);
 * FALSE for falls, ramps, waves, softening ramps, start, Resume, device
 * back, Adjust, scale, Next and Previous. */
static const char pulse_text[] = "[Programme]\nName=P\nKind=percussion\n\n"
                                 "[Step p]\nMuscle=hamstrings\nZone=mid\nDuration=9s\n"
                                 "Intensity=pulse 30% on=2s off=1s low=10%\n";

/* The intensities sent from event `from` on with step_edge TRUE, as
 * "value@ms" (ms since T0); `rises` counts every rise. */
static char *edges_from(Fx *fx, guint from, guint *rises)
{
    GString *out = g_string_new(NULL);
    double prev = -1;
    *rises = 0;
    for (guint i = 0; i < fx->ev->len; i++) {
        Ev *ev = &g_array_index(fx->ev, Ev, i);
        if (ev->kind == EV_STOP)
            prev = 0;
        if (ev->kind != EV_INTENSITY)
            continue;
        if (i >= from) {
            if (ev->v > prev)
                (*rises)++;
            if (ev->edge)
                g_string_append_printf(out, "%s%g@%" G_GINT64_FORMAT, out->len ? " " : "", ev->v,
                                       (ev->t - T0) / MS);
        }
        prev = ev->v;
    }
    return g_string_free(out, FALSE);
}

/* A programme played untouched from its start for `seconds`: the edges it
 * gives, and more than `rises_above` rises in all. */
typedef struct {
    const char *what;
    const char *text;
    double seconds;
    const char *edges;
    guint rises_above;
} EdgeCase;

static void test_step_edge(void **state)
{
    const EdgeCase cases[] = {
        /* a 20 -> b ramp 20..40 -> rest 0 -> c 30: only c's start is an
         * edge rise (b starts where a ends; the rest is a fall). */
        {"basic", basic_text, 50, "30@35000", 20},
        /* 10 -> 40 within max_jump; 40 -> 95 gives 80 at once (an edge),
         * then a softening ramp to 95 (not an edge). */
        {"jump", jump_text, 20, "40@5000 80@10000", 10},
        /* A wave: rises all the way, never an edge. */
        {"wave", wave_text, 60, "", 20},
        /* A ramp too steep, held to the limit by a softening ramp that
         * carries on across the edge into c: the rise at the edge is the
         * ramp's. */
        {"steep", steep_text, 20, "", 50},
        /* A pulse: each rising edge is one (the validator allows max_jump
         * there); the start and the falls are not. */
        {"pulse", pulse_text, 10, "30@3000 30@6000", 0},
    };
    guint rises;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const EdgeCase *c = &cases[i];
        Fx *fx = fx_new(c->text);
        msd_engine_start(fx->e);
        advance_s(fx, c->seconds);
        g_autofree char *edges = edges_from(fx, 0, &rises);
        if (strcmp(edges, c->edges) != 0 || rises <= c->rises_above)
            fail_msg("%s: edges \"%s\", want \"%s\"; %u rises, want more than %u", c->what, edges,
                     c->edges, rises, c->rises_above);
        fx_free(fx);
    }

    /* The soft start's ramp (30 % at once, then 10 %/s) crosses 50 % at
     * 2 s, exactly where b begins: that rise is the ramp's, not an edge's. */
    Fx *fx =
        fx_new("[Programme]\nName=R\nKind=percussion\n\n"
               "[Step a]\nMuscle=hamstrings\nZone=mid\nDuration=2s\nIntensity=constant 60%\n\n"
               "[Step b]\nMuscle=hamstrings\nZone=mid\nDuration=10s\nIntensity=constant 70%\n");
    msd_engine_start(fx->e);
    advance_s(fx, 2);
    assert_int_equal(last_intensity(fx), 50);
    assert_int_equal(last_ev(fx)->t, T0 + 2 * S);
    advance_s(fx, 5);
    g_autofree char *ramp = edges_from(fx, 0, &rises);
    assert_string_equal(ramp, "");
    assert_int_equal(last_intensity(fx), 70);
    fx_free(fx);

    /* A person's actions: Next, Adjust, Resume, device back, scale,
     * Previous. Never an edge, though each rises. */
    fx = fx_play(fx_new(jump_text), 1);
    guint mark = fx->ev->len;
    assert_true(msd_engine_next(fx->e, NULL)); /* b: 10 -> 40, ramped */
    advance_s(fx, 2);                          /* b at 7 s */
    msd_engine_adjust(fx->e, 10);
    advance_s(fx, 1); /* 8 s */
    msd_engine_pause(fx->e);
    msd_engine_resume(fx->e);
    advance_s(fx, 0.5);
    msd_engine_device_lost(fx->e);
    msd_engine_device_back(fx->e);
    advance_s(fx, 0.5); /* 9 s */
    msd_engine_set_scale(fx->e, 0.5);
    msd_engine_set_scale(fx->e, 1.0);
    advance_s(fx, 0.5);
    assert_true(msd_engine_previous(fx->e, NULL)); /* a: 10 + 10 */
    advance_s(fx, 1);
    assert_int_equal(msd_engine_get_position(fx->e), 1000);
    g_autofree char *user = edges_from(fx, mark, &rises);
    assert_string_equal(user, "");
    assert_true(rises > 30);
    fx_free(fx);
}

/* The device says it stopped by itself while playing: paused exactly as a
 * person's Pause (stop to the sink, time frozen), reason "device-stopped",
 * and nothing reaches the sink again — not after a drop and a return — until
 * a person resumes, which restarts softly. */
static void test_device_stopped_while_playing(void **state)
{
    Fx *fx = fx_play(fx_new(high_text), 12);
    assert_int_equal(last_intensity(fx), 60);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_NONE);
    assert_string_equal(msd_pause_reason_to_string(msd_engine_get_pause_reason(fx->e)), "");
    assert_true(msd_engine_device_stopped(fx->e));
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    assert_int_equal(g_array_index(fx->ev, Ev, fx->ev->len - 2).kind, EV_STOP);
    assert_int_equal(last_ev(fx)->kind, EV_STATE);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    assert_string_equal(msd_pause_reason_to_string(msd_engine_get_pause_reason(fx->e)),
                        "device-stopped");
    assert_true(msd_engine_user_paused(fx->e));
    assert_int_equal(msd_engine_get_position(fx->e), 12000);

    guint mark = fx->ev->len;
    advance_s(fx, 300);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    assert_false(msd_engine_device_stopped(fx->e)); /* again: nothing new */
    assert_false(msd_engine_pause(fx->e));
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    msd_engine_device_lost(fx->e);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    msd_engine_device_back(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    advance_s(fx, 60);
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, mark);
    assert_int_equal(sent->len, 0);

    mark = fx->ev->len;
    assert_true(msd_engine_resume(fx->e));
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_NONE);
    assert_soft_restart(fx, mark, 3);
    assert_int_equal(msd_engine_get_position(fx->e), 15000);
    fx_free(fx);
}

/* Not playing: the device's stop changes only the reason. Idle and
 * finished: nothing at all. Waiting for the device: it comes back paused. */
static void test_device_stopped_when_still(void **state)
{
    Fx *fx = fx_new(high_text);
    assert_false(msd_engine_device_stopped(fx->e));
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_IDLE);
    assert_int_equal(fx->ev->len, 0);

    msd_engine_start(fx->e);
    advance_s(fx, 2);
    assert_true(msd_engine_pause(fx->e));
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_USER);
    assert_string_equal(msd_pause_reason_to_string(MSD_PAUSE_USER), "user");
    guint mark = fx->ev->len;
    assert_false(msd_engine_device_stopped(fx->e));
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    assert_int_equal(fx->ev->len, mark);
    assert_true(msd_engine_resume(fx->e));
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_NONE);

    /* Waiting for the device: it would play on by itself (no reason)... */
    advance_s(fx, 2);
    msd_engine_device_lost(fx->e);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_NONE);
    /* ...until the device says it stopped: then it comes back paused. */
    assert_false(msd_engine_device_stopped(fx->e));
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_WAITING_DEVICE);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    assert_true(msd_engine_pause(fx->e)); /* a person too: the device's reason stays */
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_DEVICE_STOPPED);
    mark = fx->ev->len;
    msd_engine_device_back(fx->e);
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PAUSED);
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, mark);
    assert_int_equal(sent->len, 0);
    assert_true(msd_engine_resume(fx->e));
    assert_int_equal(last_intensity(fx), 30);

    msd_engine_stop(fx->e);
    mark = fx->ev->len;
    assert_false(msd_engine_device_stopped(fx->e));
    assert_int_equal(fx->ev->len, mark);
    assert_int_equal(msd_engine_get_pause_reason(fx->e), MSD_PAUSE_NONE);
    fx_free(fx);
}

/* Stop: finished "stopped" after a stop to the sink; idempotent; the
 * session's own calls after it are refused. */
static void test_stop_and_fail(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 2.5);
    msd_engine_stop(fx->e);
    assert_true(fx->finished);
    assert_int_equal(msd_engine_get_position(fx->e), 2500); /* where it stopped */
    assert_int_equal(fx->reason, MSD_FINISH_STOPPED);
    guint n = fx->ev->len;
    msd_engine_stop(fx->e);
    msd_engine_fail(fx->e, "again");
    assert_false(msd_engine_pause(fx->e));
    assert_false(msd_engine_resume(fx->e));
    assert_false(msd_engine_next(fx->e, NULL));
    msd_engine_device_lost(fx->e);
    assert_int_equal(fx->ev->len, n);
    assert_null(msd_engine_get_entry(fx->e));
    fx_free(fx);

    fx = fx_new(basic_text);
    msd_engine_start(fx->e);
    msd_engine_fail(fx->e, "the device reported error 3");
    assert_int_equal(fx->reason, MSD_FINISH_ERROR);
    assert_string_equal(fx->message, "the device reported error 3");
    assert_string_equal(msd_finish_reason_to_string(fx->reason), "error");
    assert_string_equal(msd_engine_state_to_string(MSD_ENGINE_WAITING_DEVICE), "waiting-device");
    fx_free(fx);
}

/* The played range (one side's pass) and the time scale. */
static const char sided_text[] = "[Programme]\nName=S\nKind=percussion\nSides=left,right\n\n"
                                 "[Step a]\nMuscle=hamstrings\nZone=mid\nDuration=10s\n"
                                 "Intensity=constant 20%\n\n"
                                 "[Step rest]\nDuration=5s\nIntensity=0%\n";

static void test_range_and_time_scale(void **state)
{
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    cfg.range_start_ms = 15000; /* the right side's pass */
    cfg.time_scale = 10;
    Fx *fx = fx_new_cfg(sided_text, &cfg);
    msd_engine_start(fx->e);
    assert_int_equal(msd_engine_get_entry(fx->e)->side, MP_SIDE_RIGHT);
    advance_s(fx, 1);
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 3);
    assert_false(fx->finished);
    advance_s(fx, 0.5);
    assert_true(fx->finished);
    assert_int_equal(last_ev(fx)->t, T0 + 1500 * MS);
    fx_free(fx);

    cfg.range_start_ms = 0;
    cfg.range_end_ms = 15000; /* the left side only */
    cfg.time_scale = 1;
    fx = fx_new_cfg(sided_text, &cfg);
    msd_engine_start(fx->e);
    advance_s(fx, 20);
    assert_true(fx->finished);
    assert_int_equal(last_ev(fx)->t, T0 + 15 * S);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, 0);
    assert_int_equal(steps->len, 2);
    fx_free(fx);

    /* A bad configuration is refused with a message. */
    g_autoptr(MsdClock) clock = msd_clock_new_fake(0);
    g_autoptr(MpProgramme) p = parse_ok(sided_text);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    g_autoptr(GError) error = NULL;
    cfg.time_scale = 0;
    assert_null(msd_engine_new(clock, tl, &cfg, &callbacks, NULL, NULL, &error));
    assert_non_null(strstr(error->message, "time_scale"));
    g_clear_error(&error);
    cfg.time_scale = 1;
    cfg.range_start_ms = 30000;
    cfg.range_end_ms = 0;
    assert_null(msd_engine_new(clock, tl, &cfg, &callbacks, NULL, NULL, &error));
    assert_non_null(strstr(error->message, "nothing to play"));
}

/* Engine into a real writer into the fake transport: a flood of Adjust
 * calls becomes a few writes within the min gap rules, and the session's
 * end puts a stop on the wire as the last frame. */
static void test_engine_through_writer(void **state)
{
    Fx *fx = fx_new(basic_text);
    g_autoptr(MpDriver) driver = test_driver_new(MP_WRITE_WITH_RESPONSE, 50, 0, 1);
    FakeTransport ft;
    ft_init(&ft, fx->clock);
    fx->writer = msd_writer_new(fx->clock, driver, &ft_vtable, &ft);
    msd_writer_set_connected(fx->writer, TRUE);
    msd_engine_start(fx->e);
    for (int i = 0; i < 1000; i++) {
        msd_engine_adjust(fx->e, (i % 2) ? 0.5 : -0.5);
        msd_fake_clock_advance(fx->clock, 1 * MS);
    }
    advance_s(fx, 60);
    assert_true(fx->finished);
    assert_true(ft.log->len < 100);
    for (guint i = 1; i < ft.log->len; i++)
        assert_true(ft_rec(&ft, i)->t_us - ft_rec(&ft, i - 1)->t_us >= 50 * MS ||
                    ft_rec(&ft, i)->b[0] == (0xC0 | MP_CMD_STOP));
    const Rec *last = ft_rec(&ft, ft.log->len - 1);
    assert_int_equal(last->b[0], 0xC0 | MP_CMD_STOP);
    assert_int_equal(last->t_us, T0 + 45 * S);
    msd_writer_free(fx->writer);
    fx->writer = NULL;
    ft_clear(&ft);
    fx_free(fx);
}

/* The real clock on a main loop, 100 times faster: the same steps in the
 * same order, none before its deadline, and a completed finish. Checked for
 * order and "not early", never for how late. */
static GMainLoop *real_loop;

static void real_finished(MsdEngine *e, MsdFinishReason r, const char *msg, gpointer d)
{
    cb_finished(e, r, msg, d);
    g_main_loop_quit(real_loop);
}

static gboolean real_timeout(gpointer data)
{
    fail_msg("the session did not finish within 20 s on the real clock");
    return G_SOURCE_REMOVE;
}

static void test_real_clock_smoke(void **state)
{
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    cfg.time_scale = 100;
    MsdEngineCallbacks cb = callbacks;
    cb.finished = real_finished;
    Fx *fx = fx_new_programme(msd_clock_new_real(), parse_ok(basic_text), &cfg, &cb);
    real_loop = g_main_loop_new(NULL, FALSE);
    guint to = g_timeout_add_seconds(20, real_timeout, NULL);
    gint64 start = msd_clock_now(fx->clock);
    msd_engine_start(fx->e);
    g_main_loop_run(real_loop);
    g_source_remove(to);
    g_main_loop_unref(real_loop);
    assert_int_equal(fx->reason, MSD_FINISH_COMPLETED);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, 0);
    const gint64 want_ms[] = {0, 10000, 30000, 35000};
    assert_int_equal(steps->len, 4);
    for (guint i = 0; i < 4; i++) {
        assert_int_equal((guint)g_array_index(steps, Ev, i).v, i);
        assert_true(g_array_index(steps, Ev, i).t - start >= want_ms[i] * 1000 / 100);
    }
    assert_true(last_ev(fx)->t - start >= 45000 * 1000 / 100);
    fx_free(fx);
}

/* Random user actions, device drops and device-reported stops against the
 * safety invariants: nothing above the cap, nothing sent unless playing, a
 * restart (start, resume, device back) at most max_start_intensity at once,
 * no rise steeper than the limit (plus the validated jump, only where the
 * sink was told step_edge), nothing sent after the device stopped itself
 * until a person resumed, exactly one Finished with a stop just before it,
 * nothing after it and no timer left behind. */
static MsdEngineState state_in_cb;
static void cb_intensity_checked(MsdEngine *e, double v, gboolean step_edge, gpointer d)
{
    state_in_cb = msd_engine_get_state(e);
    assert_int_equal(state_in_cb, MSD_ENGINE_PLAYING);
    cb_intensity(e, v, step_edge, d);
}

static void test_random_actions(void **state)
{
    const char *texts[] = {basic_text, high_text,  jump_text,     capped_text,
                           sided_text, steep_text, at_limit_text, pulse_text};
    MsdEngineCallbacks cb = callbacks;
    cb.set_intensity = cb_intensity_checked;
    for (guint32 seed = 1; seed <= 100; seed++) {
        GRand *rand = g_rand_new_with_seed(seed);
        MsdEngineConfig cfg;
        msd_engine_config_init(&cfg);
        cfg.time_scale = (seed % 4 == 0) ? 3 : 1;
        cfg.limits.max_intensity = (seed % 5 == 0) ? 50 : 100;
        Fx *fx = fx_new_programme(NULL, parse_ok(texts[seed % G_N_ELEMENTS(texts)]), &cfg, &cb);
        double cap = MIN(cfg.limits.max_intensity, fx->p->max_intensity);
        msd_engine_start(fx->e);
        gboolean device_stopped = FALSE; /* and no person resumed since */
        for (int step = 0; step < 400 && !fx->finished; step++) {
            int op = g_rand_int_range(rand, 0, 103);
            guint before = fx->ev->len;
            gboolean resumed = FALSE;
            if (op < 10)
                msd_engine_pause(fx->e);
            else if (op < 20)
                resumed = msd_engine_resume(fx->e);
            else if (op >= 100) {
                msd_engine_device_stopped(fx->e);
                MsdEngineState st = msd_engine_get_state(fx->e);
                device_stopped = st == MSD_ENGINE_PAUSED || st == MSD_ENGINE_WAITING_DEVICE;
            } else if (op < 24)
                msd_engine_next(fx->e, NULL);
            else if (op < 30)
                msd_engine_previous(fx->e, NULL);
            else if (op < 45)
                msd_engine_adjust(fx->e, g_rand_double_range(rand, -30, 30));
            else if (op < 49)
                msd_engine_device_lost(fx->e);
            else if (op < 56)
                msd_engine_device_back(fx->e);
            else
                msd_fake_clock_advance(fx->clock, g_rand_int_range(rand, 0, 3 * S));
            if (resumed)
                device_stopped = FALSE;
            else if (device_stopped) {
                g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, before);
                if (sent->len)
                    fail_msg("seed %u: %g sent after the device stopped itself, with no resume",
                             seed, g_array_index(sent, Ev, 0).v);
            }
        }
        if (!fx->finished)
            msd_engine_stop(fx->e);

        double prev = 0;
        gint64 prev_t = 0;
        gint64 play_t = -1; /* when playing (re)started */
        gboolean after_stop = TRUE;
        guint finishes = 0;
        for (guint i = 0; i < fx->ev->len; i++) {
            Ev *ev = &g_array_index(fx->ev, Ev, i);
            if (finishes)
                fail_msg("seed %u: an event after Finished", seed);
            if (ev->kind == EV_STOP) {
                after_stop = TRUE;
                prev = 0;
                prev_t = ev->t;
            } else if (ev->kind == EV_STATE && ev->v == MSD_ENGINE_PLAYING) {
                play_t = ev->t;
            } else if (ev->kind == EV_FINISH) {
                finishes++;
                assert_int_equal(g_array_index(fx->ev, Ev, i - 2).kind, EV_STOP);
            } else if (ev->kind == EV_INTENSITY) {
                if (ev->v > cap + 1e-9 || ev->v < 0)
                    fail_msg("seed %u: %g outside 0..%g", seed, ev->v, cap);
                double dt = (double)(ev->t - prev_t) / S * cfg.time_scale;
                if (after_stop && ev->t == play_t) {
                    /* The restart itself: at most max_start_intensity at
                     * once, and never an edge. */
                    if (ev->v > cfg.limits.max_start_intensity + 1e-9 || ev->edge)
                        fail_msg("seed %u: %g at a restart (step_edge %d)", seed, ev->v, ev->edge);
                } else {
                    /* Anything else: the rise limit (one quantum of rounding),
                     * plus the validated jump only where step_edge says so. */
                    double allowed =
                        cfg.limits.max_rise_per_s * dt + 1 + (ev->edge ? cfg.limits.max_jump : 0);
                    if (ev->v - prev > allowed + 1e-9)
                        fail_msg("seed %u: rise %g -> %g in %g s (step_edge %d)", seed, prev, ev->v,
                                 dt, ev->edge);
                }
                after_stop = FALSE;
                prev = ev->v;
                prev_t = ev->t;
            }
        }
        assert_int_equal(finishes, 1);
        assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
        fx_free(fx);
        g_rand_free(rand);
    }
}

/* A softening ramp survives Next and Previous without a jump: its line is
 * restarted at the new position from the output now (found by the random
 * test: the line was kept in programme time, so a jump forward of 9 s
 * allowed +90 points at once, and a jump back wrapped around). */
static void test_ramp_across_jumps(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 1);
    msd_engine_adjust(fx->e, 20); /* 20 -> 40, ramping */
    advance_s(fx, 0.5);
    assert_int_equal(last_intensity(fx), 25);
    guint mark = fx->ev->len;
    msd_engine_next(fx->e, NULL); /* b at 20 % + 20: still a ramp from 25 */
    assert_int_equal(last_intensity(fx), 25);
    advance_s(fx, 0.5);
    assert_int_equal(last_intensity(fx), 30);
    msd_engine_previous(fx->e, NULL); /* back to a: 20 + 20 */
    assert_int_equal(last_intensity(fx), 30);
    advance_s(fx, 0.5);
    assert_int_equal(last_intensity(fx), 35);
    assert_rise_limited(fx, mark, 10, 0);
    fx_free(fx);
}

/* A ramp steeper than max_rise_per_s (a programme validated against looser
 * limits, or not at all) is held to the limit, and the lag it leaves is not
 * turned into a jump at the next step's edge; a ramp at the limit plays
 * exactly as written. */
static void test_slope_guard(void **state)
{
    Fx *fx = fx_play(fx_new(steep_text), 20);
    assert_rise_limited(fx, 0, 10, 20);
    /* 20 -> 80 at 10 %/s from 5 s: 80 reached at 11 s, not at 7 s. */
    g_autoptr(GArray) sent = of_kind(fx, EV_INTENSITY, 0);
    Ev *last = &g_array_index(sent, Ev, sent->len - 1);
    assert_true(last->v == 80);
    assert_true(last->t >= T0 + 11 * S - 100 * MS && last->t <= T0 + 11 * S);
    fx_free(fx);

    fx = fx_new(at_limit_text); /* 10 %/s, and a wave at 30 * pi / 10 = 9.4 %/s */
    msd_engine_start(fx->e);
    advance_s(fx, 60);
    check_against_walk(fx, 1.0);
    fx_free(fx);
}

/* msd_engine_set_scale (Session1.Adjust's unit): a lower scale applies at
 * once, a higher one is softened like Adjust, out-of-range values are
 * ignored, and the caps still hold. */
static void test_set_scale(void **state)
{
    Fx *fx = fx_play(fx_new(high_text), 5);
    assert_int_equal(last_intensity(fx), 60);
    assert_true(msd_engine_set_scale(fx->e, 0.5) == 0.5);
    assert_int_equal(last_intensity(fx), 30); /* down: at once */
    guint mark = fx->ev->len;
    assert_true(msd_engine_set_scale(fx->e, 1.0) == 1.0);
    assert_int_equal(last_intensity(fx), 30); /* up: ramped */
    advance_s(fx, 1.5);
    assert_int_equal(last_intensity(fx), 45);
    advance_s(fx, 1.5);
    assert_int_equal(last_intensity(fx), 60);
    assert_rise_limited(fx, mark, 10, 0);
    assert_true(msd_engine_set_scale(fx->e, 0.05) == 1.0); /* ignored */
    assert_true(msd_engine_set_scale(fx->e, NAN) == 1.0);
    assert_true(msd_engine_set_scale(fx->e, 1.5) == 1.0);
    assert_int_equal(last_intensity(fx), 60);
    /* Paused: stored, applied (softly) on resume. */
    msd_engine_pause(fx->e);
    assert_true(msd_engine_set_scale(fx->e, 0.4) == 0.4);
    msd_engine_resume(fx->e);
    assert_int_equal(last_intensity(fx), 24);
    fx_free(fx);
}

/* What a state_changed listener reads inside the callback (the session
 * publishes Elapsed and StepStartedAt from there) is already right: on
 * resume, the step's start is shifted by the pause. */
static gint64 started_in_cb = -1;
static guint64 position_in_cb;

static void cb_state_reading(MsdEngine *e, MsdEngineState s, gpointer d)
{
    cb_state(e, s, d);
    if (s == MSD_ENGINE_PLAYING) {
        started_in_cb = msd_engine_get_entry_started_at(e);
        position_in_cb = msd_engine_get_position(e);
    }
}

static void test_state_listener_reads(void **state)
{
    MsdEngineCallbacks cb = callbacks;
    cb.state_changed = cb_state_reading;
    Fx *fx = fx_new_programme(NULL, parse_ok(basic_text), NULL, &cb);
    msd_engine_start(fx->e);
    advance_s(fx, 12); /* 2 s into b */
    msd_engine_pause(fx->e);
    advance_s(fx, 30);
    msd_engine_resume(fx->e);
    assert_int_equal(position_in_cb, 12000);
    assert_int_equal(started_in_cb, T0 + 40 * S); /* resumed at 42 s, 2 s into b */
    assert_int_equal(msd_engine_get_entry_started_at(fx->e), T0 + 40 * S);
    fx_free(fx);
}

/* Every bad configuration is refused with a message naming the setting. */
typedef struct {
    const char *field;
    void (*apply)(MsdEngineConfig *c);
} BadConfig;

static void bad_scale_time(MsdEngineConfig *c)
{
    c->time_scale = -1;
}
static void bad_quantum(MsdEngineConfig *c)
{
    c->quantum = 0;
}
static void bad_scale(MsdEngineConfig *c)
{
    c->scale = 1.5;
}
static void bad_adjust(MsdEngineConfig *c)
{
    c->max_adjust = NAN;
}
static void bad_max(MsdEngineConfig *c)
{
    c->limits.max_intensity = 120;
}
static void bad_rise(MsdEngineConfig *c)
{
    c->limits.max_rise_per_s = 0;
}
static void bad_jump(MsdEngineConfig *c)
{
    c->limits.max_jump = -1;
}

static void test_bad_configs(void **state)
{
    const BadConfig cases[] = {
        {"time_scale", bad_scale_time}, {"quantum", bad_quantum},   {"scale", bad_scale},
        {"max_adjust", bad_adjust},     {"max_intensity", bad_max}, {"max_rise_per_s", bad_rise},
        {"max_jump", bad_jump},
    };
    g_autoptr(MsdClock) clock = msd_clock_new_fake(0);
    g_autoptr(MpProgramme) p = parse_ok(basic_text);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        MsdEngineConfig cfg;
        msd_engine_config_init(&cfg);
        cases[i].apply(&cfg);
        g_autoptr(GError) error = NULL;
        assert_null(msd_engine_new(clock, tl, &cfg, &callbacks, NULL, NULL, &error));
        assert_non_null(error);
        if (!strstr(error->message, cases[i].field))
            fail_msg("%s: \"%s\" does not name it", cases[i].field, error->message);
    }
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    MsdEngineCallbacks no_sink = callbacks;
    no_sink.stop = NULL;
    g_autoptr(GError) error = NULL;
    assert_null(msd_engine_new(clock, tl, &cfg, &no_sink, NULL, NULL, &error));
    assert_non_null(strstr(error->message, "sink"));
}

/* The getters a session publishes, while paused; user_data freed with the
 * engine. */
static void count_destroy(gpointer data)
{
    (*(int *)data)++;
}

static void noop_intensity(MsdEngine *e, double v, gboolean step_edge, gpointer d)
{
}

static void noop_stop(MsdEngine *e, gpointer d)
{
}

static void test_getters_and_destroy(void **state)
{
    Fx *fx = fx_play(fx_new(basic_text), 12);
    assert_true(msd_engine_get_intensity(fx->e) == 22);
    msd_engine_pause(fx->e);
    assert_true(msd_engine_user_paused(fx->e));
    assert_true(msd_engine_get_intensity(fx->e) == 0);
    advance_s(fx, 5);
    /* Paused: as if it resumed now, 2 s into b. */
    assert_int_equal(msd_engine_get_entry_started_at(fx->e), T0 + 15 * S);
    fx_free(fx);

    int destroyed = 0;
    g_autoptr(MsdClock) clock = msd_clock_new_fake(0);
    g_autoptr(MpProgramme) p = parse_ok(basic_text);
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    MsdEngineCallbacks cb = {.set_intensity = noop_intensity, .stop = noop_stop};
    MsdEngine *e = msd_engine_new(clock, tl, &cfg, &cb, &destroyed, count_destroy, NULL);
    msd_engine_start(e);
    msd_fake_clock_advance(clock, 100 * S); /* no optional callbacks: still fine */
    assert_int_equal(msd_engine_get_state(e), MSD_ENGINE_FINISHED);
    msd_engine_free(e);
    assert_int_equal(destroyed, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_at_exact_times_and_finish),
        cmocka_unit_test(test_every_change_on_time),
        cmocka_unit_test(test_no_drift_long_wave),
        cmocka_unit_test(test_pause_resume),
        cmocka_unit_test(test_next_previous),
        cmocka_unit_test(test_soft_start_and_resume),
        cmocka_unit_test(test_adjust),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_programme_jump_limit),
        cmocka_unit_test(test_device_lost_and_back),
        cmocka_unit_test(test_device_lost_waits_for_the_link),
        cmocka_unit_test(test_step_edge),
        cmocka_unit_test(test_device_stopped_while_playing),
        cmocka_unit_test(test_device_stopped_when_still),
        cmocka_unit_test(test_stop_and_fail),
        cmocka_unit_test(test_range_and_time_scale),
        cmocka_unit_test(test_engine_through_writer),
        cmocka_unit_test(test_real_clock_smoke),
        cmocka_unit_test(test_random_actions),
        cmocka_unit_test(test_ramp_across_jumps),
        cmocka_unit_test(test_slope_guard),
        cmocka_unit_test(test_set_scale),
        cmocka_unit_test(test_state_listener_reads),
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_getters_and_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
