/* The engine test fixture shared by test-engine.c and test-engine-zones.c:
 * an MsdEngine on a fake clock (from T0) over a programme given as text,
 * whose callbacks record every event (intensity with the sink's step_edge,
 * stop, step, state, Finished) with its clock time; the Finished reason and
 * message; and the readers of that record. Include after <cmocka.h>. */
#pragma once

#include <math.h>

#include "daemon/engine.h"
#include "daemon/writer.h"
#include "programme-fixture.h"
#include "protocol/timeline.h"

#define T0 ((gint64)1000000000) /* the fake clock's start: like a real uptime */
#define MS ((gint64)1000)
#define S  ((gint64)1000000)

typedef enum {
    EV_INTENSITY,
    EV_STOP,
    EV_STEP,
    EV_STATE,
    EV_FINISH,
} EvKind;

typedef struct {
    gint64 t;
    EvKind kind;
    double v;
    gboolean edge; /* EV_INTENSITY: the sink's step_edge */
} Ev;

typedef struct {
    MsdClock *clock;
    MpProgramme *p;
    MpTimeline *tl;
    MsdEngine *e;
    GArray *ev;
    gboolean finished;
    MsdFinishReason reason;
    char *message;
    MsdWriter *writer; /* NULL: the sink only records */
} Fx;

static void rec(Fx *fx, EvKind kind, double v)
{
    Ev ev = {msd_clock_now(fx->clock), kind, v, FALSE};
    g_array_append_val(fx->ev, ev);
}

static void cb_intensity(MsdEngine *e, double v, gboolean step_edge, gpointer d)
{
    Fx *fx = d;
    rec(fx, EV_INTENSITY, v);
    g_array_index(fx->ev, Ev, fx->ev->len - 1).edge = step_edge;
    if (fx->writer)
        msd_writer_set_intensity(fx->writer, v);
}

static void cb_stop(MsdEngine *e, gpointer d)
{
    Fx *fx = d;
    rec(fx, EV_STOP, 0);
    if (fx->writer)
        msd_writer_stop(fx->writer, NULL, NULL);
}

static void cb_step(MsdEngine *e, const MpTimelineEntry *entry, gpointer d)
{
    rec(d, EV_STEP, entry->index);
}

static void cb_state(MsdEngine *e, MsdEngineState s, gpointer d)
{
    rec(d, EV_STATE, s);
}

static void cb_finished(MsdEngine *e, MsdFinishReason r, const char *msg, gpointer d)
{
    Fx *fx = d;
    rec(fx, EV_FINISH, r);
    fx->finished = TRUE;
    fx->reason = r;
    fx->message = g_strdup(msg);
}

static const MsdEngineCallbacks callbacks = {
    .set_intensity = cb_intensity,
    .stop = cb_stop,
    .step_changed = cb_step,
    .state_changed = cb_state,
    .finished = cb_finished,
};

/* Takes clock (NULL: a fake one at T0) and p. cfg NULL: the defaults; cb
 * NULL: the recording callbacks above (cb's user data is the Fx). */
static Fx *fx_new_programme(MsdClock *clock, MpProgramme *p, const MsdEngineConfig *cfg,
                            const MsdEngineCallbacks *cb)
{
    MsdEngineConfig defaults;
    msd_engine_config_init(&defaults);
    Fx *fx = g_new0(Fx, 1);
    fx->clock = clock ? clock : msd_clock_new_fake(T0);
    fx->p = p;
    fx->tl = mp_timeline_new(fx->p);
    fx->ev = g_array_new(FALSE, FALSE, sizeof(Ev));
    g_autoptr(GError) error = NULL;
    fx->e = msd_engine_new(fx->clock, fx->tl, cfg ? cfg : &defaults, cb ? cb : &callbacks, fx, NULL,
                           &error);
    assert_null(error);
    assert_non_null(fx->e);
    return fx;
}

/* The programme parsed, not validated: the engine's own limits are tested. */
G_GNUC_UNUSED static Fx *fx_new_cfg(const char *text, const MsdEngineConfig *cfg)
{
    return fx_new_programme(NULL, parse_ok(text), cfg, NULL);
}

G_GNUC_UNUSED static Fx *fx_new(const char *text)
{
    return fx_new_cfg(text, NULL);
}

/* The programme loaded (validated against cfg's limits; NULL: defaults). */
G_GNUC_UNUSED static Fx *fx_new_validated(const char *text, const MsdEngineConfig *cfg)
{
    MsdEngineConfig defaults;
    msd_engine_config_init(&defaults);
    return fx_new_programme(NULL, load_ok(text, &(cfg ? cfg : &defaults)->limits), cfg, NULL);
}

static void fx_free(Fx *fx)
{
    msd_engine_free(fx->e);
    mp_timeline_free(fx->tl);
    mp_programme_unref(fx->p);
    g_array_unref(fx->ev);
    g_free(fx->message);
    msd_clock_unref(fx->clock);
    g_free(fx);
}

G_GNUC_UNUSED static void advance(Fx *fx, gint64 us)
{
    msd_fake_clock_advance(fx->clock, us);
}

G_GNUC_UNUSED static void advance_s(Fx *fx, double seconds)
{
    msd_fake_clock_advance(fx->clock, (gint64)llround(seconds * S));
}

/* Starts fx's engine and plays for `seconds` of the fake clock; returns fx. */
G_GNUC_UNUSED static Fx *fx_play(Fx *fx, double seconds)
{
    msd_engine_start(fx->e);
    advance_s(fx, seconds);
    return fx;
}

/* The events of one kind, from index `from`. */
static GArray *of_kind(Fx *fx, EvKind kind, guint from)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(Ev));
    for (guint i = from; i < fx->ev->len; i++) {
        Ev *ev = &g_array_index(fx->ev, Ev, i);
        if (ev->kind == kind)
            g_array_append_val(a, *ev);
    }
    return a;
}

G_GNUC_UNUSED static const Ev *last_ev(Fx *fx)
{
    assert_true(fx->ev->len > 0);
    return &g_array_index(fx->ev, Ev, fx->ev->len - 1);
}

/* The intensity the sink was left at: the last one sent, 0 after a stop,
 * -1 before anything. */
G_GNUC_UNUSED static double last_intensity(Fx *fx)
{
    for (guint i = fx->ev->len; i-- > 0;) {
        Ev *ev = &g_array_index(fx->ev, Ev, i);
        if (ev->kind == EV_INTENSITY)
            return ev->v;
        if (ev->kind == EV_STOP)
            return 0;
    }
    return -1;
}
