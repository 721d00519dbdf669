/* The safety rules. A programme is checked as a whole (Sides expanded, step
 * to step) and refused whole: no rule softens or rewrites a programme, so
 * what plays is exactly what the therapist wrote and the validator passed.
 * The limits and their reasons are documented in docs/programmes.md. */
#include "protocol/programme-private.h"

#include <math.h>
#include <string.h>

#include "protocol/timeline.h"
#include "protocol/timespan.h"
#include "protocol/zone-budget.h"

typedef struct {
    const MpProgramme *p;
    const MpSafetyLimits *limits;
    GPtrArray *diags;
    gboolean ok;
} Check;

static void step_error(Check *c, const MpStep *step, const char *key, guint line,
                       const char *format, ...) G_GNUC_PRINTF(5, 6);

static void step_error(Check *c, const MpStep *step, const char *key, guint line,
                       const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_autofree char *group = g_strdup_printf("Step %s", step->id);
    mp_diag_add(c->diags, MP_DIAG_ERROR, c->p->source, line ? line : step->line, group, key, "%s",
                msg);
    c->ok = FALSE;
}

static void programme_error(Check *c, const char *key, guint line, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static void programme_error(Check *c, const char *key, guint line, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    mp_diag_add(c->diags, MP_DIAG_ERROR, c->p->source, line ? line : c->p->line, "Programme", key,
                "%s", msg);
    c->ok = FALSE;
}

/* Shortest pulse phase and wave period a device of the kind can follow:
 * a percussion motor needs about a second to change speed audibly and
 * some take write-with-response commands, so faster modulation would only
 * queue up; vibration motors follow within a couple of hundred ms. */
static guint64 min_pulse_ms(MpDeviceKind kind)
{
    return kind == MP_KIND_VIBRATION ? 200 : 1000;
}

static guint64 min_period_ms(MpDeviceKind kind)
{
    return kind == MP_KIND_VIBRATION ? 2000 : 4000;
}

static char *fmt_pct(double v)
{
    return mp_percent_format(v);
}

/* "12.3" for rates and point counts: one decimal is plenty for a message. */
static char *fmt_num(double v)
{
    char *s = g_strdup_printf("%.1f", v);
    gsize n = strlen(s);
    if (n > 2 && g_str_has_suffix(s, ".0"))
        s[n - 2] = '\0';
    return s;
}

static void check_cap(Check *c, const MpStep *step)
{
    double top = mp_envelope_max(&step->intensity);
    g_autofree char *v = fmt_pct(top);
    if (top > c->limits->max_intensity) {
        g_autofree char *cap = fmt_pct(c->limits->max_intensity);
        step_error(c, step, "Intensity", step->intensity_line, "%s is above the maximum of %s", v,
                   cap);
    } else if (top > c->p->max_intensity) {
        g_autofree char *cap = fmt_pct(c->p->max_intensity);
        step_error(c, step, "Intensity", step->intensity_line,
                   "%s is above the programme's MaxIntensity of %s", v, cap);
    }
}

static void check_rise(Check *c, const MpStep *step)
{
    const MpEnvelope *env = &step->intensity;
    double limit = c->limits->max_rise_per_s;
    g_autofree char *lim = fmt_num(limit);
    if (env->kind == MP_ENVELOPE_RAMP && env->b > env->a && step->duration_ms > 0) {
        double rate = (env->b - env->a) * 1000.0 / (double)step->duration_ms;
        if (rate > limit) {
            g_autofree char *a = fmt_pct(env->a);
            g_autofree char *b = fmt_pct(env->b);
            g_autofree char *d = mp_timespan_format(step->duration_ms);
            g_autofree char *r = fmt_num(rate);
            /* Whole seconds, rounded up, are what a therapist will type. */
            guint64 need = (guint64)ceil((env->b - env->a) / limit) * 1000;
            g_autofree char *n = mp_timespan_format(need);
            step_error(c, step, "Intensity", step->intensity_line,
                       "ramp rises from %s to %s in %s (%s%%/s), faster than the limit of "
                       "%s%%/s; make the step at least %s long",
                       a, b, d, r, lim, n);
        }
    }
    if (env->kind == MP_ENVELOPE_WAVE && env->period_ms > 0 && env->a != env->b) {
        /* The raised cosine's steepest slope: |B - A| * pi / period. */
        double rate = fabs(env->b - env->a) * G_PI * 1000.0 / (double)env->period_ms;
        if (rate > limit) {
            g_autofree char *r = fmt_num(rate);
            guint64 need = (guint64)ceil(fabs(env->b - env->a) * G_PI / limit) * 1000;
            g_autofree char *n = mp_timespan_format(need);
            step_error(c, step, "Intensity", step->intensity_line,
                       "wave rises at up to %s%%/s, faster than the limit of %s%%/s; make "
                       "period= at least %s",
                       r, lim, n);
        }
    }
}

static void check_timing(Check *c, const MpStep *step)
{
    const MpEnvelope *env = &step->intensity;
    MpDeviceKind kind = c->p->kind;
    const char *kname = mp_device_kind_to_string(kind);
    if (env->kind == MP_ENVELOPE_WAVE) {
        g_autofree char *per = mp_timespan_format(env->period_ms);
        g_autofree char *min = mp_timespan_format(min_period_ms(kind));
        if (env->period_ms == 0)
            step_error(c, step, "Intensity", step->intensity_line,
                       "period=0s: a wave needs a period longer than 0");
        else if (env->period_ms < min_period_ms(kind))
            step_error(c, step, "Intensity", step->intensity_line,
                       "period=%s is shorter than the minimum of %s for Kind=%s", per, min, kname);
    }
    if (env->kind == MP_ENVELOPE_PULSE) {
        const char *names[2] = {"on", "off"};
        guint64 values[2] = {env->on_ms, env->off_ms};
        for (int i = 0; i < 2; i++) {
            g_autofree char *v = mp_timespan_format(values[i]);
            g_autofree char *min = mp_timespan_format(min_pulse_ms(kind));
            if (values[i] == 0)
                step_error(c, step, "Intensity", step->intensity_line,
                           "%s=0s: a pulse needs %s= longer than 0", names[i], names[i]);
            else if (values[i] < min_pulse_ms(kind))
                step_error(c, step, "Intensity", step->intensity_line,
                           "%s=%s is shorter than the minimum of %s for Kind=%s", names[i], v, min,
                           kname);
        }
        if (env->on_ms + env->off_ms > step->duration_ms && env->on_ms > 0)
            step_error(c, step, "Intensity", step->intensity_line,
                       "one pulse (on + off) is longer than the step");
        double jump = env->a - env->b;
        if (jump > c->limits->max_jump) {
            g_autofree char *a = fmt_pct(env->a);
            g_autofree char *b = fmt_pct(env->b);
            g_autofree char *j = fmt_num(jump);
            g_autofree char *m = fmt_num(c->limits->max_jump);
            step_error(c, step, "Intensity", step->intensity_line,
                       "pulse rises from %s to %s at once (%s points), above the largest "
                       "instant rise of %s points; raise low=",
                       b, a, j, m);
        }
    }
    if (env->kind == MP_ENVELOPE_WAVE && env->period_ms > step->duration_ms)
        step_error(c, step, "Intensity", step->intensity_line,
                   "period= is longer than the step, so the wave never completes");
    if (step->speed >= 0.0 && kind == MP_KIND_VIBRATION)
        step_error(c, step, "Speed", step->speed_line,
                   "vibration devices have no speed apart from intensity; remove Speed or "
                   "use Kind=percussion");
}

gboolean mp_programme_validate_steps(const MpProgramme *p, const MpSafetyLimits *limits,
                                     GPtrArray *diagnostics)
{
    Check c = {.p = p, .limits = limits, .diags = diagnostics, .ok = TRUE};
    /* An unset MaxIntensity (100 %) simply defers to the limits. */
    if (p->max_intensity_line != 0 && p->max_intensity > limits->max_intensity) {
        g_autofree char *v = fmt_pct(p->max_intensity);
        g_autofree char *cap = fmt_pct(limits->max_intensity);
        programme_error(&c, "MaxIntensity", p->max_intensity_line, "%s is above the maximum of %s",
                        v, cap);
    }
    for (guint i = 0; i < p->steps->len; i++) {
        const MpStep *step = g_ptr_array_index(p->steps, i);
        check_cap(&c, step);
        check_rise(&c, step);
        check_timing(&c, step);
    }
    return c.ok;
}

/* The level a step ends at (the limit as t reaches its end). */
static double end_level(const MpStep *step)
{
    const MpEnvelope *env = &step->intensity;
    guint64 d = step->duration_ms;
    if (env->kind == MP_ENVELOPE_PULSE)
        return mp_envelope_eval(env, d > 0 ? d - 1 : 0, d);
    return mp_envelope_eval(env, d, d);
}

/* The first level above 0 a step reaches at once (not by a gradual rise):
 * 0 if it starts at 0 and rises smoothly. */
static double first_instant_level(const MpStep *step)
{
    const MpEnvelope *env = &step->intensity;
    if (env->kind == MP_ENVELOPE_PULSE && env->a <= 0.0)
        return env->b;
    return env->a;
}

static gboolean already(GHashTable *seen, const MpStep *step)
{
    if (g_hash_table_contains(seen, step))
        return TRUE;
    g_hash_table_add(seen, (gpointer)step);
    return FALSE;
}

static void check_timeline(Check *c)
{
    const MpProgramme *p = c->p;
    g_autoptr(MpTimeline) tl = mp_timeline_new((MpProgramme *)p);
    const MpSafetyLimits *lim = c->limits;

    gboolean any = FALSE;
    for (guint i = 0; i < p->steps->len; i++) {
        const MpStep *step = g_ptr_array_index(p->steps, i);
        any = any || !mp_envelope_is_rest(&step->intensity);
    }
    if (p->steps->len > 0 && !any) {
        programme_error(c, NULL, 0, "every step is at 0%%; the programme would do nothing");
        return;
    }

    guint64 total = mp_timeline_duration(tl);
    if (total > lim->max_session_ms) {
        g_autofree char *t = mp_timespan_format(total);
        g_autofree char *m = mp_timespan_format(lim->max_session_ms);
        programme_error(c, NULL, 0, "lasts %s%s, above the maximum of %s", t,
                        p->n_sides == 2 ? " with both sides" : "", m);
    }

    g_autoptr(GHashTable) zone_seen = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) total_seen = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) jump_seen = g_hash_table_new(NULL, NULL);
    g_autoptr(MpZoneBudget) budget = mp_zone_budget_new(lim);
    const MpStep *prev = NULL;
    gboolean started = FALSE;

    for (guint i = 0; i < mp_timeline_n_entries(tl); i++) {
        const MpTimelineEntry *e = mp_timeline_entry(tl, i);
        const MpStep *step = e->step;
        gboolean rest = mp_envelope_is_rest(&step->intensity);

        /* Time on one part of the body: the same budget the engine keeps
         * at play time (overlapping zones together, only a long enough rest
         * resets a run, a total per muscle and side). One diagnostic per
         * step and rule, even when both passes break it. */
        MpZoneViolation zv;
        if (!mp_zone_budget_add(budget, step->muscle, step->zone, e->side, step->duration_ms, !rest,
                                &zv) &&
            !already(zv.rule == MP_ZONE_RULE_CONTINUOUS ? zone_seen : total_seen, step)) {
            g_autofree char *what = mp_zone_violation_describe(&zv, step->muscle, step->zone);
            if (zv.rule == MP_ZONE_RULE_CONTINUOUS) {
                g_autofree char *r = mp_timespan_format(lim->min_rest_ms);
                step_error(c, step, "Duration", step->duration_line,
                           "%s; only a rest of at least %s ends a run: add one, or move to a "
                           "zone that does not overlap",
                           what, r);
            } else {
                step_error(c, step, "Duration", step->duration_line, "%s; spend less time on it",
                           what);
            }
        }

        /* Instant rises: the very first level, then every step edge. */
        if (!rest) {
            double first = first_instant_level(step);
            if (!started) {
                started = TRUE;
                if (first > lim->max_start_intensity && !already(jump_seen, step)) {
                    g_autofree char *v = fmt_pct(first);
                    g_autofree char *m = fmt_pct(lim->max_start_intensity);
                    step_error(c, step, "Intensity", step->intensity_line,
                               "starts at %s; a programme may start at %s at most (start lower "
                               "or ramp up)",
                               v, m);
                }
            } else {
                double from = prev ? end_level(prev) : 0.0;
                double start = mp_envelope_eval(&step->intensity, 0, step->duration_ms);
                double jump = start - from;
                if (jump > lim->max_jump && !already(jump_seen, step)) {
                    g_autofree char *v = fmt_pct(start);
                    g_autofree char *f = fmt_pct(from);
                    g_autofree char *j = fmt_num(jump);
                    g_autofree char *m = fmt_num(lim->max_jump);
                    step_error(c, step, "Intensity", step->intensity_line,
                               "starts at %s, %s points above the %s before it; the largest "
                               "instant rise is %s points",
                               v, j, f, m);
                }
            }
        }
        prev = step;
    }
}

gboolean mp_programme_validate(const MpProgramme *p, const MpSafetyLimits *limits,
                               GPtrArray *diagnostics)
{
    MpSafetyLimits defaults;
    if (!limits) {
        mp_safety_limits_init(&defaults);
        limits = &defaults;
    }
    gboolean ok = mp_programme_validate_steps(p, limits, diagnostics);
    Check c = {.p = p, .limits = limits, .diags = diagnostics, .ok = TRUE};
    if (p->steps->len == 0) {
        programme_error(&c, NULL, 0, "the programme has no steps");
        return FALSE;
    }
    check_timeline(&c);
    return ok && c.ok;
}
