/* MsdEngine: a programme timeline played on absolute deadlines, with the
 * play-time safety rules. The model is in docs/engine.md; in short:
 * programme time t maps to the clock as anchor + t / time_scale, every wake-up
 * is at deadline_for(next change) computed from the anchor, and every output
 * goes through target() (caps) and the softening ramp (rise limit). */
#include "daemon/engine.h"

#include <gio/gio.h>
#include <math.h>

#include "daemon/msd-error.h"
#include "protocol/timespan.h"
#include "protocol/zone-budget.h"

/* Why the output is being evaluated: the programme's own course, a user
 * action that may jump (Adjust, Next, Previous), or a restart from stopped
 * (start, resume, device back). The softening rule differs for each. */
typedef enum {
    CAUSE_PROGRAMME,
    CAUSE_USER,
    CAUSE_RESTART,
} Cause;

#define EPS 1e-9

struct _MsdEngine {
    MsdClock *clock;
    const MpTimeline *tl;
    MsdEngineConfig cfg;
    MsdEngineCallbacks cb;
    gpointer user_data;
    GDestroyNotify destroy;

    MsdEngineState state;
    guint64 range_start;
    guint64 range_end;
    double cap; /* min(limits.max_intensity, the programme's MaxIntensity) */

    gint64 anchor_us;    /* clock time of programme time 0, while playing */
    guint64 pos_ms;      /* programme time of the last evaluation; frozen when not playing */
    guint64 expected_ms; /* programme time the pending timer is for */
    guint timer;         /* the next change */
    gint entry_index;    /* -1: none yet */
    double out;          /* the last value sent to the sink */
    gboolean out_valid;
    double adjust;
    /* Not NONE: only a person's Resume plays again (also across a device
     * drop and return). */
    MsdPauseReason pause_reason;

    gboolean ramp_active; /* the softening ramp: output <= v0 + rate * (t - t0) */
    guint64 ramp_t0;
    double ramp_v0;

    /* The slope guard inside a ramp or wave step: the lowest line of slope
     * max_rise_per_s through the outputs since the step (or the last user
     * action) began is slope_m + rate * t. */
    gboolean slope_valid;
    double slope_m;

    /* What has actually been played, for the zone limits at play time:
     * programme time entry by entry while playing, and every stretch not
     * playing (pause, waiting for the device) as a rest in real time. */
    MpZoneBudget *played;
    guint64 played_from;  /* programme time the current stretch of play began */
    gint64 stopped_at_us; /* clock time play last stopped; -1 while playing or never played */
};

static const char *const state_names[] = {
    [MSD_ENGINE_IDLE] = "idle",         [MSD_ENGINE_PLAYING] = "playing",
    [MSD_ENGINE_PAUSED] = "paused",     [MSD_ENGINE_WAITING_DEVICE] = "waiting-device",
    [MSD_ENGINE_FINISHED] = "finished",
};

const char *msd_engine_state_to_string(MsdEngineState state)
{
    return (gsize)state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

static const char *const reason_names[] = {
    [MSD_FINISH_COMPLETED] = "completed",
    [MSD_FINISH_STOPPED] = "stopped",
    [MSD_FINISH_DEVICE_LOST] = "device-lost",
    [MSD_FINISH_ERROR] = "error",
};

const char *msd_finish_reason_to_string(MsdFinishReason reason)
{
    return (gsize)reason < G_N_ELEMENTS(reason_names) ? reason_names[reason] : "unknown";
}

static const char *const pause_names[] = {
    [MSD_PAUSE_NONE] = "",
    [MSD_PAUSE_USER] = "user",
    [MSD_PAUSE_DEVICE_STOPPED] = "device-stopped",
};

const char *msd_pause_reason_to_string(MsdPauseReason reason)
{
    return (gsize)reason < G_N_ELEMENTS(pause_names) ? pause_names[reason] : "unknown";
}

void msd_engine_config_init(MsdEngineConfig *c)
{
    mp_safety_limits_init(&c->limits);
    c->time_scale = 1.0;
    c->quantum = 1.0;
    c->scale = 1.0;
    c->max_adjust = 20.0;
    c->range_start_ms = 0;
    c->range_end_ms = 0;
}

MsdEngine *msd_engine_new(MsdClock *clock, const MpTimeline *timeline,
                          const MsdEngineConfig *config, const MsdEngineCallbacks *callbacks,
                          gpointer user_data, GDestroyNotify destroy, GError **error)
{
    g_return_val_if_fail(clock && timeline && config && callbacks, NULL);
    const MsdEngineConfig *c = config;
    const char *bad = NULL;
    if (!callbacks->set_intensity || !callbacks->stop)
        bad = "the sink callbacks set_intensity and stop are required";
    else if (!(c->time_scale > 0 && c->time_scale <= 10000))
        bad = "time_scale must be above 0 and at most 10000";
    else if (!(c->quantum > 0 && c->quantum <= 10))
        bad = "quantum must be above 0 and at most 10 percent";
    else if (!(c->scale > 0 && c->scale <= 1))
        bad = "scale must be above 0 and at most 1";
    else if (!(c->max_adjust >= 0 && c->max_adjust <= 100))
        bad = "max_adjust must be within 0..100";
    else if (!(c->limits.max_intensity > 0 && c->limits.max_intensity <= 100))
        bad = "limits.max_intensity must be above 0 and at most 100";
    else if (!(c->limits.max_rise_per_s > 0))
        bad = "limits.max_rise_per_s must be above 0";
    else if (!(c->limits.max_jump >= 0 && c->limits.max_start_intensity >= 0))
        bad = "limits.max_jump and limits.max_start_intensity must not be negative";
    if (bad) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "engine: %s", bad);
        return NULL;
    }
    guint64 duration = mp_timeline_duration(timeline);
    guint64 end = c->range_end_ms ? MIN(c->range_end_ms, duration) : duration;
    if (c->range_start_ms >= end) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "engine: nothing to play between %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT
                    " ms (the programme lasts %" G_GUINT64_FORMAT " ms)",
                    c->range_start_ms, end, duration);
        return NULL;
    }

    MsdEngine *e = g_new0(MsdEngine, 1);
    e->clock = msd_clock_ref(clock);
    e->tl = timeline;
    e->cfg = *config;
    e->cb = *callbacks;
    e->user_data = user_data;
    e->destroy = destroy;
    e->state = MSD_ENGINE_IDLE;
    e->range_start = c->range_start_ms;
    e->range_end = end;
    const MpProgramme *p = mp_timeline_programme(timeline);
    double prog_cap = p && p->max_intensity > 0 ? p->max_intensity : 100.0;
    e->cap = MIN(c->limits.max_intensity, prog_cap);
    e->pos_ms = e->range_start;
    e->entry_index = -1;
    e->played = mp_zone_budget_new(&c->limits);
    e->stopped_at_us = -1;
    return e;
}

void msd_engine_free(MsdEngine *e)
{
    if (!e)
        return;
    msd_clock_clear(e->clock, &e->timer);
    if (e->destroy)
        e->destroy(e->user_data);
    mp_zone_budget_free(e->played);
    msd_clock_unref(e->clock);
    g_free(e);
}

/* ---- time ---- */

/* The clock offset of programme time t from the anchor, rounded up so that
 * the position computed at that deadline is never before t. */
static gint64 offset_us(const MsdEngine *e, guint64 t_ms)
{
    return (gint64)ceil((double)t_ms * 1000.0 / e->cfg.time_scale);
}

static gint64 deadline_for(const MsdEngine *e, guint64 t_ms)
{
    return e->anchor_us + offset_us(e, t_ms);
}

/* Sets the anchor so that programme time `t_ms` is now. */
static void anchor_at(MsdEngine *e, guint64 t_ms)
{
    e->anchor_us = msd_clock_now(e->clock) - offset_us(e, t_ms);
}

static guint64 position_now(const MsdEngine *e)
{
    if (e->state != MSD_ENGINE_PLAYING)
        return e->pos_ms;
    gint64 elapsed = msd_clock_now(e->clock) - e->anchor_us;
    guint64 t = elapsed > 0 ? (guint64)floor((double)elapsed * e->cfg.time_scale / 1000.0) : 0;
    return CLAMP(MAX(t, e->pos_ms), e->range_start, e->range_end);
}

/* ---- output ---- */

/* The capped, adjusted, quantised intensity the programme asks for at t. A
 * rest (programme 0 %) stays 0 whatever the user offset. */
static double target_at(const MsdEngine *e, guint64 t)
{
    double base = mp_timeline_intensity(e->tl, t);
    if (!(base > 0))
        return 0;
    double v = base * e->cfg.scale + e->adjust;
    v = mp_quantise(v, e->cfg.quantum) * e->cfg.quantum; /* as the timeline quantises */
    return CLAMP(v, 0, e->cap);
}

static double ramp_ceiling(const MsdEngine *e, guint64 t)
{
    double dt = t > e->ramp_t0 ? (double)(t - e->ramp_t0) : 0.0;
    return e->ramp_v0 + e->cfg.limits.max_rise_per_s * dt / 1000.0;
}

static void start_ramp(MsdEngine *e, guint64 t, double v0)
{
    e->ramp_active = TRUE;
    e->ramp_t0 = t;
    e->ramp_v0 = v0;
}

/* ---- what has been played (the zone limits) ---- */

/* Feeds the timeline between programme times `from` and `to` into `b`,
 * entry by entry. Returns the first entry that passes a limit (with its
 * violation in `*v`), or NULL. */
static const MpTimelineEntry *feed_range(const MpTimeline *tl, MpZoneBudget *b, guint64 from,
                                         guint64 to, MpZoneViolation *v)
{
    const MpTimelineEntry *bad = NULL;
    const MpTimelineEntry *first = from < to ? mp_timeline_entry_at(tl, from) : NULL;
    for (guint i = first ? first->index : mp_timeline_n_entries(tl); i < mp_timeline_n_entries(tl);
         i++) {
        const MpTimelineEntry *en = mp_timeline_entry(tl, i);
        if (en->start_ms >= to)
            break;
        const MpStep *step = en->step;
        guint64 a = MAX(en->start_ms, from), z = MIN(en->end_ms, to);
        MpZoneViolation ev;
        if (!mp_zone_budget_add(b, step->muscle, step->zone, en->side, z - a,
                                !mp_envelope_is_rest(&step->intensity), &ev) &&
            !bad) {
            bad = en;
            *v = ev;
        }
    }
    return bad;
}

/* Records the play since played_from up to programme time t. */
static void record_play(MsdEngine *e, guint64 t)
{
    MpZoneViolation v;
    feed_range(e->tl, e->played, e->played_from, t, &v);
    e->played_from = MAX(t, e->played_from);
}

/* The stretch not playing since play last stopped, in real ms. */
static guint64 stopped_ms(const MsdEngine *e)
{
    if (e->stopped_at_us < 0)
        return 0;
    gint64 d = msd_clock_now(e->clock) - e->stopped_at_us;
    return d > 0 ? (guint64)d / 1000 : 0;
}

static void set_state(MsdEngine *e, MsdEngineState state)
{
    if (e->state == state)
        return;
    /* Every way into and out of playing passes here: a stop starts a rest
     * (real time), playing again ends it. The play itself was recorded by
     * freeze() or finish(), which also know the exact position. */
    if (state == MSD_ENGINE_PLAYING) {
        mp_zone_budget_rest(e->played, stopped_ms(e));
        e->stopped_at_us = -1;
        e->played_from = e->pos_ms;
    } else if (e->state == MSD_ENGINE_PLAYING) {
        e->stopped_at_us = msd_clock_now(e->clock);
    }
    e->state = state;
    if (e->cb.state_changed)
        e->cb.state_changed(e, state, e->user_data);
}

/* The device is (being) stopped: the output is 0 and the next rise starts
 * from there. */
static void sink_stop(MsdEngine *e)
{
    e->out = 0;
    e->out_valid = TRUE;
    e->ramp_active = FALSE;
    e->slope_valid = FALSE;
    e->cb.stop(e, e->user_data);
}

static void finish(MsdEngine *e, MsdFinishReason reason, const char *message)
{
    if (e->state == MSD_ENGINE_FINISHED)
        return;
    /* Where it ended, for Elapsed. */
    e->pos_ms = reason == MSD_FINISH_COMPLETED ? e->range_end : position_now(e);
    if (e->state == MSD_ENGINE_PLAYING)
        record_play(e, e->pos_ms);
    msd_clock_clear(e->clock, &e->timer);
    sink_stop(e);
    set_state(e, MSD_ENGINE_FINISHED);
    if (e->cb.finished)
        e->cb.finished(e, reason, message, e->user_data); /* may free e */
}

static void timer_fired(gpointer data);

static void schedule_next(MsdEngine *e, guint64 t)
{
    guint64 next = mp_timeline_next_change(e->tl, t, e->cfg.quantum);
    if (e->ramp_active) {
        /* When the ramp's ceiling reaches the next output level. */
        double level = e->out + e->cfg.quantum;
        double ms = ceil((level - e->ramp_v0) * 1000.0 / e->cfg.limits.max_rise_per_s - EPS);
        guint64 at = e->ramp_t0 + (guint64)MAX(ms, 0.0);
        next = MIN(next, MAX(at, t + 1));
    }
    next = MIN(next, e->range_end);
    e->expected_ms = next;
    msd_clock_clear(e->clock, &e->timer);
    e->timer = msd_clock_schedule(e->clock, deadline_for(e, next), timer_fired, e);
}

static void evaluate(MsdEngine *e, guint64 t, Cause cause)
{
    e->pos_ms = t;
    const MpTimelineEntry *entry = t < e->range_end ? mp_timeline_entry_at(e->tl, t) : NULL;
    if (!entry) {
        finish(e, MSD_FINISH_COMPLETED, NULL);
        return;
    }
    gboolean edge = (gint)entry->index != e->entry_index;
    if (edge) {
        e->entry_index = (gint)entry->index;
        if (e->cb.step_changed)
            e->cb.step_changed(e, entry, e->user_data);
    }

    double target = target_at(e, t);
    double cur = e->out_valid ? e->out : 0;
    /* Where the validator allows an instant rise (of max_jump at most, which
     * the ramps below hold to): an entry's start or a pulse's rising edge
     * reached by the programme's own course. Not inside one of our softening
     * ramps: a rise there is the ramp's, however it lines up with an edge. */
    gboolean may_jump = cause == CAUSE_PROGRAMME && !e->ramp_active &&
                        (edge || entry->step->intensity.kind == MP_ENVELOPE_PULSE);
    const MpSafetyLimits *lim = &e->cfg.limits;
    double rate = lim->max_rise_per_s;
    MpEnvelopeKind env = entry->step->intensity.kind;
    gboolean continuous = env == MP_ENVELOPE_RAMP || env == MP_ENVELOPE_WAVE;
    if (cause != CAUSE_PROGRAMME || edge || !continuous)
        e->slope_valid = FALSE;
    if (cause == CAUSE_RESTART) {
        /* From stopped: the first max_start_intensity points at once (what
         * the validator allows a programme's first intensity), then the rise
         * limit. */
        if (target > lim->max_start_intensity + EPS)
            start_ramp(e, t, lim->max_start_intensity);
        else
            e->ramp_active = FALSE;
    } else if (!e->ramp_active && target > cur + EPS) {
        if (cause == CAUSE_USER)
            start_ramp(e, t, cur); /* Adjust, Next, Previous: no jump at all */
        else if (target - cur > lim->max_jump + EPS)
            start_ramp(e, t, cur + lim->max_jump); /* more than the validator allows */
        else if (e->slope_valid) {
            /* A ramp or wave steeper than the limit (a programme validated
             * against looser limits, or not at all): hold it to the line.
             * One quantum of slack for rounding of a slope at the limit. */
            double line = e->slope_m + rate * (double)t / 1000.0;
            if (target > line + e->cfg.quantum + EPS)
                start_ramp(e, t, MAX(line, cur));
        }
    }

    double value = target;
    if (e->ramp_active) {
        double ceiling = ramp_ceiling(e, t);
        if (target <= ceiling + EPS) {
            e->ramp_active = FALSE;
        } else {
            /* Quantised down, so the output never runs above the ceiling. */
            value = floor(ceiling / e->cfg.quantum + EPS) * e->cfg.quantum;
            value = CLAMP(value, 0, target);
        }
    }
    double m = value - rate * (double)t / 1000.0;
    if (continuous && (!e->slope_valid || m < e->slope_m)) {
        e->slope_m = m;
        e->slope_valid = TRUE;
    }
    if (!e->out_valid || fabs(value - e->out) > EPS) {
        gboolean step_edge = may_jump && value > cur + EPS;
        e->out = value;
        e->out_valid = TRUE;
        e->cb.set_intensity(e, value, step_edge, e->user_data);
    }
    if (e->state == MSD_ENGINE_PLAYING)
        schedule_next(e, t);
}

static void timer_fired(gpointer data)
{
    MsdEngine *e = data;
    e->timer = 0;
    if (e->state != MSD_ENGINE_PLAYING)
        return;
    /* With a real clock we may wake late: evaluate where we are, but never
     * before the change we woke for (rounding of the deadline). */
    guint64 t = MAX(position_now(e), e->expected_ms);
    evaluate(e, MIN(t, e->range_end), CAUSE_PROGRAMME);
}

/* Play from e->pos_ms: anchor there, restart softly. */
static void play_from_pos(MsdEngine *e)
{
    /* Anchor first: state_changed listeners read the position and the
     * step's start time, which derive from the anchor while playing. */
    anchor_at(e, e->pos_ms);
    set_state(e, MSD_ENGINE_PLAYING);
    evaluate(e, e->pos_ms, CAUSE_RESTART);
}

/* ---- the API ---- */

void msd_engine_start(MsdEngine *e)
{
    g_return_if_fail(e->state == MSD_ENGINE_IDLE);
    e->pos_ms = e->range_start;
    e->out = 0;
    e->out_valid = FALSE; /* the first value always goes out */
    play_from_pos(e);
}

/* Freeze programme time where it is now. */
static void freeze(MsdEngine *e)
{
    e->pos_ms = position_now(e);
    if (e->state == MSD_ENGINE_PLAYING)
        record_play(e, e->pos_ms);
    msd_clock_clear(e->clock, &e->timer);
}

/* Playing -> paused for `why`; waiting for the device: come back paused. */
static gboolean pause_for(MsdEngine *e, MsdPauseReason why)
{
    if (e->state == MSD_ENGINE_WAITING_DEVICE) {
        e->pause_reason = why; /* stay paused when the device returns */
        return TRUE;
    }
    if (e->state != MSD_ENGINE_PLAYING)
        return FALSE;
    freeze(e);
    /* Before the state change: its listeners read the reason. */
    e->pause_reason = why;
    sink_stop(e);
    set_state(e, MSD_ENGINE_PAUSED);
    return TRUE;
}

gboolean msd_engine_pause(MsdEngine *e)
{
    /* The device's own stop, when it came first, stays the reason: it says
     * more about why the motor is still. */
    if (e->state == MSD_ENGINE_WAITING_DEVICE && e->pause_reason != MSD_PAUSE_NONE)
        return TRUE;
    return pause_for(e, MSD_PAUSE_USER);
}

gboolean msd_engine_device_stopped(MsdEngine *e)
{
    if (e->state == MSD_ENGINE_PAUSED || e->state == MSD_ENGINE_WAITING_DEVICE) {
        /* Already still: only the reason changes (and a device that returns
         * after this comes back paused). */
        e->pause_reason = MSD_PAUSE_DEVICE_STOPPED;
        return FALSE;
    }
    return pause_for(e, MSD_PAUSE_DEVICE_STOPPED); /* FALSE when idle or finished */
}

gboolean msd_engine_resume(MsdEngine *e)
{
    if (e->state == MSD_ENGINE_WAITING_DEVICE) {
        e->pause_reason = MSD_PAUSE_NONE; /* play on when the device returns */
        return TRUE;
    }
    if (e->state != MSD_ENGINE_PAUSED)
        return FALSE;
    e->pause_reason = MSD_PAUSE_NONE;
    play_from_pos(e);
    return TRUE;
}

static gboolean can_move(MsdEngine *e)
{
    return e->state == MSD_ENGINE_PLAYING || e->state == MSD_ENGINE_PAUSED ||
           e->state == MSD_ENGINE_WAITING_DEVICE;
}

/* Moves to programme time t (an entry's start). Playing: re-anchor and
 * evaluate as a user action; otherwise only the frozen position and the step
 * change. */
static void move_to(MsdEngine *e, guint64 t)
{
    /* Play goes on from t: what lies between was not played. */
    e->played_from = t;
    if (t >= e->range_end) {
        finish(e, MSD_FINISH_COMPLETED, NULL);
        return;
    }
    if (e->state == MSD_ENGINE_PLAYING) {
        msd_clock_clear(e->clock, &e->timer);
        anchor_at(e, t);
        /* A ramp's line is in programme time, which just jumped: restart it
         * from the current output (evaluate() does, if still rising). */
        e->ramp_active = FALSE;
        evaluate(e, t, CAUSE_USER);
        return;
    }
    e->pos_ms = t;
    const MpTimelineEntry *entry = mp_timeline_entry_at(e->tl, t);
    if (entry && (gint)entry->index != e->entry_index) {
        e->entry_index = (gint)entry->index;
        if (e->cb.step_changed)
            e->cb.step_changed(e, entry, e->user_data);
    }
}

/* Would playing on from programme time `target` (no pause from now on)
 * break a zone limit, given what has been played and rested so far? The
 * engine itself does not change. */
static gboolean check_move(MsdEngine *e, guint64 target, const char *what, GError **error)
{
    g_autoptr(MpZoneBudget) b = mp_zone_budget_copy(e->played);
    MpZoneViolation v;
    if (e->state == MSD_ENGINE_PLAYING)
        feed_range(e->tl, b, e->played_from, position_now(e), &v);
    else
        mp_zone_budget_rest(b, stopped_ms(e));
    const MpTimelineEntry *bad = feed_range(e->tl, b, target, e->range_end, &v);
    if (!bad)
        return TRUE;
    g_autofree char *broken = mp_zone_violation_describe(&v, bad->step->muscle, bad->step->zone);
    g_autofree char *rest = mp_timespan_format(e->cfg.limits.min_rest_ms);
    if (v.rule == MP_ZONE_RULE_CONTINUOUS)
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "%s refused: step \"%s\" would then make %s; only a rest of at least %s ends "
                    "a run (pause first, or let the programme go on)",
                    what, bad->step->id, broken, rest);
    else
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "%s refused: step \"%s\" would then make %s", what, bad->step->id, broken);
    return FALSE;
}

static gboolean refuse_not_started(MsdEngine *e, const char *what, GError **error)
{
    g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "%s: the session is %s", what,
                msd_engine_state_to_string(e->state));
    return FALSE;
}

gboolean msd_engine_next(MsdEngine *e, GError **error)
{
    if (!can_move(e))
        return refuse_not_started(e, "Next", error);
    const MpTimelineEntry *cur = mp_timeline_entry_at(e->tl, position_now(e));
    const MpTimelineEntry *next = cur ? mp_timeline_entry(e->tl, cur->index + 1) : NULL;
    guint64 t = next ? MIN(next->start_ms, e->range_end) : e->range_end;
    if (!check_move(e, t, "Next", error))
        return FALSE;
    freeze(e);
    move_to(e, t);
    return TRUE;
}

gboolean msd_engine_previous(MsdEngine *e, GError **error)
{
    if (!can_move(e))
        return refuse_not_started(e, "Previous", error);
    const MpTimelineEntry *cur = mp_timeline_entry_at(e->tl, position_now(e));
    guint64 t = e->range_start;
    if (cur && cur->index > 0) {
        const MpTimelineEntry *prev = mp_timeline_entry(e->tl, cur->index - 1);
        t = MAX(prev->start_ms, e->range_start);
    }
    if (!check_move(e, t, "Previous", error))
        return FALSE;
    freeze(e);
    move_to(e, t);
    return TRUE;
}

double msd_engine_adjust(MsdEngine *e, double delta)
{
    if (isfinite(delta))
        e->adjust = CLAMP(e->adjust + delta, -e->cfg.max_adjust, e->cfg.max_adjust);
    double adjust = e->adjust; /* evaluate() may finish, and finished() may free e */
    if (e->state == MSD_ENGINE_PLAYING) {
        guint64 t = position_now(e);
        msd_clock_clear(e->clock, &e->timer);
        evaluate(e, t, CAUSE_USER);
    }
    return adjust;
}

double msd_engine_set_scale(MsdEngine *e, double scale)
{
    if (isfinite(scale) && scale >= 0.1 && scale <= 1.0)
        e->cfg.scale = scale;
    double in_force = e->cfg.scale; /* evaluate() may finish, and finished() may free e */
    if (e->state == MSD_ENGINE_PLAYING) {
        guint64 t = position_now(e);
        msd_clock_clear(e->clock, &e->timer);
        evaluate(e, t, CAUSE_USER);
    }
    return in_force;
}

void msd_engine_stop(MsdEngine *e)
{
    finish(e, MSD_FINISH_STOPPED, NULL);
}

void msd_engine_fail(MsdEngine *e, const char *message)
{
    finish(e, MSD_FINISH_ERROR, message);
}

void msd_engine_device_lost(MsdEngine *e)
{
    if (e->state != MSD_ENGINE_PLAYING && e->state != MSD_ENGINE_PAUSED)
        return;
    freeze(e);
    /* The link is gone, but if any of it still works the device must stop:
     * the sink decides what it can do (a disconnected writer refuses). */
    sink_stop(e);
    set_state(e, MSD_ENGINE_WAITING_DEVICE);
    /* No timer: the device's link owns the reconnect window and ends the
     * session (msd_engine_device_gone) when it gives up. */
}

void msd_engine_device_back(MsdEngine *e)
{
    if (e->state != MSD_ENGINE_WAITING_DEVICE)
        return;
    /* A device that kept running on its own while unreachable is brought to
     * a known state before the soft restart. */
    sink_stop(e);
    if (e->pause_reason != MSD_PAUSE_NONE) {
        set_state(e, MSD_ENGINE_PAUSED);
        return;
    }
    play_from_pos(e);
}

void msd_engine_device_gone(MsdEngine *e, const char *message)
{
    finish(e, MSD_FINISH_DEVICE_LOST, message);
}

MsdEngineState msd_engine_get_state(MsdEngine *e)
{
    return e->state;
}

guint64 msd_engine_get_position(MsdEngine *e)
{
    return position_now(e);
}

const MpTimelineEntry *msd_engine_get_entry(MsdEngine *e)
{
    if (e->entry_index < 0 || e->state == MSD_ENGINE_FINISHED)
        return NULL;
    return mp_timeline_entry(e->tl, (guint)e->entry_index);
}

gint64 msd_engine_get_entry_started_at(MsdEngine *e)
{
    const MpTimelineEntry *entry = msd_engine_get_entry(e);
    if (!entry)
        return 0;
    if (e->state == MSD_ENGINE_PLAYING)
        return deadline_for(e, entry->start_ms);
    /* Not playing: as if it resumed now. */
    return msd_clock_now(e->clock) - offset_us(e, e->pos_ms) + offset_us(e, entry->start_ms);
}

double msd_engine_get_intensity(MsdEngine *e)
{
    return e->out_valid ? e->out : 0;
}

double msd_engine_get_adjust(MsdEngine *e)
{
    return e->adjust;
}

MsdPauseReason msd_engine_get_pause_reason(MsdEngine *e)
{
    if (e->state != MSD_ENGINE_PAUSED && e->state != MSD_ENGINE_WAITING_DEVICE)
        return MSD_PAUSE_NONE;
    return e->pause_reason;
}

gboolean msd_engine_user_paused(MsdEngine *e)
{
    return msd_engine_get_pause_reason(e) != MSD_PAUSE_NONE;
}
