/* The evaluator: Sides expanded into a flat list of entries with absolute
 * times, intensity(t), and the exact next instant the quantised intensity
 * changes, found by inverting the envelope rather than by scanning. */
#include "protocol/timeline.h"

#include <math.h>

struct _MpTimeline {
    MpProgramme *programme;
    GArray *entries; /* MpTimelineEntry */
    guint64 duration_ms;
};

static void add_entry(MpTimeline *tl, const MpStep *step, MpSide side)
{
    MpTimelineEntry e = {
        .step = step,
        .side = side,
        .index = tl->entries->len,
        .start_ms = tl->duration_ms,
        .end_ms = tl->duration_ms + step->duration_ms,
    };
    g_array_append_val(tl->entries, e);
    tl->duration_ms = e.end_ms;
}

MpTimeline *mp_timeline_new(MpProgramme *p)
{
    g_return_val_if_fail(p != NULL, NULL);
    MpTimeline *tl = g_new0(MpTimeline, 1);
    tl->programme = mp_programme_ref(p);
    tl->entries = g_array_new(FALSE, TRUE, sizeof(MpTimelineEntry));

    /* Without Sides the steps run once, each on its own Side (if any). With
     * Sides, the steps run once per pass; a step with a Side override plays
     * only in the pass of that side (docs/programmes.md, "Sides"). */
    if (p->n_sides == 0) {
        for (guint i = 0; i < p->steps->len; i++) {
            const MpStep *step = g_ptr_array_index(p->steps, i);
            add_entry(tl, step, step->side);
        }
    } else {
        for (guint pass = 0; pass < p->n_sides && pass < 2; pass++) {
            MpSide side = p->sides[pass];
            for (guint i = 0; i < p->steps->len; i++) {
                const MpStep *step = g_ptr_array_index(p->steps, i);
                if (step->side != MP_SIDE_NONE && step->side != side)
                    continue;
                add_entry(tl, step, side);
            }
        }
    }
    return tl;
}

void mp_timeline_free(MpTimeline *tl)
{
    if (!tl)
        return;
    g_array_unref(tl->entries);
    mp_programme_unref(tl->programme);
    g_free(tl);
}

MpProgramme *mp_timeline_programme(const MpTimeline *tl)
{
    return tl->programme;
}

guint64 mp_timeline_duration(const MpTimeline *tl)
{
    return tl->duration_ms;
}

guint mp_timeline_n_entries(const MpTimeline *tl)
{
    return tl->entries->len;
}

const MpTimelineEntry *mp_timeline_entry(const MpTimeline *tl, guint index)
{
    if (index >= tl->entries->len)
        return NULL;
    return &g_array_index(tl->entries, MpTimelineEntry, index);
}

const MpTimelineEntry *mp_timeline_entry_at(const MpTimeline *tl, guint64 t_ms)
{
    if (t_ms >= tl->duration_ms || tl->entries->len == 0)
        return NULL;
    /* Binary search: the last entry with start <= t. Zero-length entries
     * (refused by the validator) are skipped naturally: end > t fails. */
    guint lo = 0, hi = tl->entries->len;
    while (hi - lo > 1) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(tl->entries, MpTimelineEntry, mid).start_ms <= t_ms)
            lo = mid;
        else
            hi = mid;
    }
    const MpTimelineEntry *e = &g_array_index(tl->entries, MpTimelineEntry, lo);
    return t_ms < e->end_ms ? e : NULL;
}

double mp_timeline_intensity(const MpTimeline *tl, guint64 t_ms)
{
    const MpTimelineEntry *e = mp_timeline_entry_at(tl, t_ms);
    if (!e)
        return 0.0;
    return mp_envelope_eval(&e->step->intensity, t_ms - e->start_ms, e->step->duration_ms);
}

gint mp_quantise(double intensity, double quantum)
{
    if (!(quantum > 0.0))
        quantum = 1.0;
    if (!(intensity > 0.0)) /* also NaN */
        return 0;
    double level = floor(intensity / quantum + 0.5);
    return level > (double)G_MAXINT ? G_MAXINT : (gint)level;
}

/* One envelope over one step, with the level we are leaving. */
typedef struct {
    const MpEnvelope *env;
    guint64 d;
    double quantum;
    gint q;
} Search;

static gboolean differs(const Search *s, guint64 t)
{
    return mp_quantise(mp_envelope_eval(s->env, t, s->d), s->quantum) != s->q;
}

/* The smallest t in [lo, hi) at which the level differs from s->q, or hi.
 * The envelope must be monotone on [lo, hi), which makes "differs" false
 * and then true. `guess` is the analytic answer; it is checked and moved by
 * single milliseconds until exact. Rounding keeps it within a millisecond or
 * two; bisection is only a safety net should that ever fail. */
static guint64 first_change(const Search *s, guint64 lo, guint64 hi, double guess)
{
    if (lo >= hi)
        return hi;
    /* lo first: the level may already differ where the piece starts (a
     * new half period). Only once level(lo) == q is "differs" false then
     * true across the piece, so that checking hi - 1 settles "never". */
    if (differs(s, lo))
        return lo;
    if (!differs(s, hi - 1))
        return hi;
    /* Now the answer is in (lo, hi - 1]. */
    guint64 c;
    if (!(guess > (double)lo)) /* also NaN */
        c = lo + 1;
    else if (guess >= (double)(hi - 1))
        c = hi - 1;
    else
        c = (guint64)ceil(guess);
    for (int i = 0; i < 16; i++) {
        gboolean at = differs(s, c);
        if (at && !differs(s, c - 1))
            return c;
        if (at)
            c--; /* too late: c - 1 already differs */
        else
            c++; /* too early */
    }
    guint64 yes = hi - 1, no = lo;
    while (yes - no > 1) {
        guint64 mid = no + (yes - no) / 2;
        if (differs(s, mid))
            yes = mid;
        else
            no = mid;
    }
    return yes;
}

/* The intensity at which the level leaves q, going up or down. */
static double threshold(const Search *s, gboolean rising)
{
    return rising ? ((double)s->q + 0.5) * s->quantum : ((double)s->q - 0.5) * s->quantum;
}

static guint64 ramp_next(const Search *s, guint64 from)
{
    const MpEnvelope *env = s->env;
    if (env->a == env->b)
        return s->d;
    double thr = threshold(s, env->b > env->a);
    double guess = (thr - env->a) / (env->b - env->a) * (double)s->d;
    return first_change(s, from, s->d, guess);
}

static guint64 pulse_next(const Search *s, guint64 t)
{
    const MpEnvelope *env = s->env;
    guint64 cycle = env->on_ms + env->off_ms;
    if (env->on_ms == 0 || env->off_ms == 0 ||
        mp_quantise(env->a, s->quantum) == mp_quantise(env->b, s->quantum))
        return s->d;
    guint64 r = t % cycle;
    guint64 edge = r < env->on_ms ? t - r + env->on_ms : t - r + cycle;
    return MIN(edge, s->d);
}

static guint64 wave_next(const Search *s, guint64 from)
{
    const MpEnvelope *env = s->env;
    guint64 p = env->period_ms;
    if (p == 0 || mp_quantise(env->a, s->quantum) == mp_quantise(env->b, s->quantum))
        return s->d;
    /* Monotone pieces: half periods. Piece k holds the integers t with
     * floor(2t / P) = k; even pieces go from A towards B, odd ones back.
     * Each period reaches both ends, so a change turns up within a few
     * pieces; the loop never walks the whole step. */
    while (from < s->d) {
        guint64 k = 2 * from / p;
        guint64 piece_end = MIN(s->d, ((k + 1) * p + 1) / 2);
        gboolean towards_b = k % 2 == 0;
        gboolean rising = towards_b ? env->b > env->a : env->a > env->b;
        double thr = threshold(s, rising);
        double x = CLAMP((thr - env->a) / (env->b - env->a), 0.0, 1.0);
        double phi = acos(1.0 - 2.0 * x); /* in [0, pi] */
        if (!towards_b)
            phi = 2.0 * G_PI - phi;
        double guess = (double)(k / 2 * p) + phi * (double)p / (2.0 * G_PI);
        guint64 c = first_change(s, from, piece_end, guess);
        if (c < piece_end)
            return c;
        from = piece_end;
    }
    return s->d;
}

guint64 mp_timeline_next_change(const MpTimeline *tl, guint64 t_ms, double quantum)
{
    const MpTimelineEntry *e = mp_timeline_entry_at(tl, t_ms);
    if (!e)
        return G_MAXUINT64;
    if (!(quantum > 0.0))
        quantum = 1.0;
    const MpEnvelope *env = &e->step->intensity;
    Search s = {
        .env = env,
        .d = e->step->duration_ms,
        .quantum = quantum,
    };
    guint64 t = t_ms - e->start_ms;
    s.q = mp_quantise(mp_envelope_eval(env, t, s.d), quantum);
    guint64 from = t + 1;
    guint64 next;
    /* The entry's end is always a change: the next entry starts there, or
     * the programme ends (intensity 0). */
    switch (env->kind) {
    case MP_ENVELOPE_RAMP:
        next = ramp_next(&s, from);
        break;
    case MP_ENVELOPE_WAVE:
        next = wave_next(&s, from);
        break;
    case MP_ENVELOPE_PULSE:
        next = pulse_next(&s, t);
        break;
    case MP_ENVELOPE_CONSTANT:
    default:
        next = s.d;
        break;
    }
    return e->start_ms + MIN(next, s.d);
}
