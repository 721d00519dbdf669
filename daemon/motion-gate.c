/* The motion gate: cap, start, jump and rise-rate rules on every level that
 * goes to a motor. See motion-gate.h for the rules and why. */
#include "daemon/motion-gate.h"

#include <math.h>

#define EPS 1e-9

struct _MsdMotionGate {
    MsdClock *clock;
    MpSafetyLimits limits;
    double rate_per_us; /* rise budget gained per real microsecond */
    double quantum;
    double cap;   /* min(limits.max_intensity, the session cap) */
    double slack; /* the most rise budget the bucket holds */
    MsdMotionGateEmit emit;
    gpointer user_data;

    gboolean at_rest;
    /* At rest by msd_motion_gate_rest() (a stop, a connect, a device that
     * stopped itself), not by a programme's rest step (a level of 0). */
    gboolean hard_rest;
    double level;  /* last emitted */
    double target; /* last requested, capped */
    double bucket; /* rise budget, points */
    gint64 bucket_at_us;
    guint timer; /* the next step of a ramp */
};

MsdMotionGate *msd_motion_gate_new(MsdClock *clock, const MpSafetyLimits *limits, double time_scale,
                                   double quantum, MsdMotionGateEmit emit, gpointer user_data)
{
    g_return_val_if_fail(clock && limits && emit, NULL);
    g_return_val_if_fail(time_scale > 0 && quantum > 0, NULL);
    g_return_val_if_fail(limits->max_rise_per_s > 0, NULL); /* the ramp's timer divides by it */
    MsdMotionGate *g = g_new0(MsdMotionGate, 1);
    g->clock = msd_clock_ref(clock);
    g->limits = *limits;
    g->cap = limits->max_intensity;
    g->rate_per_us = limits->max_rise_per_s * time_scale / 1e6;
    g->quantum = quantum;
    /* Two quanta: a programme's ramp at exactly the limit, whose levels the
     * engine's timers deliver a little early or late, passes unchanged. */
    g->slack = 2 * quantum;
    g->emit = emit;
    g->user_data = user_data;
    g->at_rest = TRUE;
    g->hard_rest = TRUE;
    g->bucket_at_us = msd_clock_now(clock);
    return g;
}

void msd_motion_gate_free(MsdMotionGate *g)
{
    if (!g)
        return;
    msd_clock_clear(g->clock, &g->timer);
    msd_clock_unref(g->clock);
    g_free(g);
}

static void refill(MsdMotionGate *g, gint64 now)
{
    if (now > g->bucket_at_us)
        g->bucket = MIN(g->slack, g->bucket + g->rate_per_us * (double)(now - g->bucket_at_us));
    g->bucket_at_us = now;
}

static double quantise_down(const MsdMotionGate *g, double v)
{
    return floor(v / g->quantum + EPS) * g->quantum;
}

static void evaluate(MsdMotionGate *g, gboolean step_edge);

static void on_ramp_timer(gpointer data)
{
    MsdMotionGate *g = data;
    g->timer = 0;
    evaluate(g, FALSE);
}

static void evaluate(MsdMotionGate *g, gboolean step_edge)
{
    gint64 now = msd_clock_now(g->clock);
    refill(g, now);
    msd_clock_clear(g->clock, &g->timer);

    if (g->target <= g->level + EPS) {
        /* Down (or level): at once. */
        if (fabs(g->target - g->level) > EPS || (g->target <= 0 && !g->at_rest)) {
            g->level = g->target;
            if (g->target <= 0)
                g->at_rest = TRUE;
            g->emit(g->level, FALSE, g->user_data);
        }
        return;
    }

    double allowed;
    gboolean instant = FALSE; /* a start or an edge jump: the budget starts again */
    if (g->at_rest) {
        /* After a programme's own rest step, its next step may rise by the
         * validator's jump at the edge (validated as a jump from 0); after a
         * stop only the start intensity. */
        allowed = g->limits.max_start_intensity;
        if (step_edge && !g->hard_rest)
            allowed = MAX(allowed, g->limits.max_jump);
        instant = TRUE;
    } else if (step_edge) {
        allowed = MAX(g->level + g->limits.max_jump, g->level + g->bucket);
        instant = TRUE;
    } else {
        allowed = g->level + g->bucket;
    }
    double next = g->target <= allowed + EPS ? g->target : quantise_down(g, allowed);
    if (next > g->level + EPS) {
        gboolean from_rest = g->at_rest;
        /* After a start or a jump the ramp's line starts at the new level,
         * half a quantum up: programme levels are rounded to the nearest
         * quantum (mp_quantise()), so a ramp at exactly the limit reaches
         * each level half a quantum early and must pass on time. */
        g->bucket = instant ? g->quantum / 2 : MAX(0, g->bucket - (next - g->level));
        g->at_rest = FALSE;
        g->hard_rest = FALSE;
        g->level = next;
        g->emit(next, from_rest, g->user_data);
    }
    if (g->level < g->target - EPS) {
        /* When the bucket holds the next quantum (or what is left). */
        double need = MIN(g->quantum, g->target - g->level) - g->bucket;
        double wait =
            need > 0 ? MIN(ceil(need / g->rate_per_us), (double)G_USEC_PER_SEC * 3600) : 0;
        /* emit() may have asked again (and scheduled): one timer only. */
        msd_clock_clear(g->clock, &g->timer);
        g->timer = msd_clock_schedule(g->clock, now + MAX((gint64)wait, 1), on_ramp_timer, g);
    }
}

void msd_motion_gate_request(MsdMotionGate *g, double target, gboolean step_edge)
{
    if (!isfinite(target) || target < 0)
        target = 0;
    g->target = MIN(target, g->cap);
    evaluate(g, step_edge);
}

void msd_motion_gate_set_session_cap(MsdMotionGate *g, double cap)
{
    g->cap =
        cap >= 0 && isfinite(cap) ? MIN(cap, g->limits.max_intensity) : g->limits.max_intensity;
    if (g->target > g->cap + EPS) {
        /* Down at once; the programme's next level is cut again anyway. */
        g->target = g->cap;
        evaluate(g, FALSE);
    }
}

void msd_motion_gate_rest(MsdMotionGate *g)
{
    msd_clock_clear(g->clock, &g->timer);
    g->at_rest = TRUE;
    g->hard_rest = TRUE;
    g->level = 0;
    g->target = 0;
    g->bucket = 0;
    g->bucket_at_us = msd_clock_now(g->clock);
}

double msd_motion_gate_get_level(MsdMotionGate *g)
{
    return g->level;
}

double msd_motion_gate_get_target(MsdMotionGate *g)
{
    return g->target;
}

gboolean msd_motion_gate_is_ramping(MsdMotionGate *g)
{
    return g->timer != 0;
}

double msd_motion_gate_get_cap(MsdMotionGate *g)
{
    return g->cap;
}
