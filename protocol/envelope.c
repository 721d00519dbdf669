/* Intensity envelopes: their text form, their value at a time, their range. */
#include "protocol/programme-private.h"

#include <math.h>
#include <string.h>

#include "protocol/mp-error.h"
#include "protocol/timespan.h"

double mp_envelope_eval(const MpEnvelope *env, guint64 t_ms, guint64 duration_ms)
{
    switch (env->kind) {
    case MP_ENVELOPE_CONSTANT:
        return env->a;
    case MP_ENVELOPE_RAMP:
        if (duration_ms == 0 || t_ms >= duration_ms)
            return env->b;
        /* One rounding per operation, each monotone in t: the ramp is
         * monotone in t, which mp_timeline_next_change relies on. */
        return env->a + (env->b - env->a) * ((double)t_ms / (double)duration_ms);
    case MP_ENVELOPE_WAVE: {
        if (env->period_ms == 0)
            return env->a;
        /* Reduce t modulo the period in integers first, so the phase is as
         * exact at the 1000th period as at the first. */
        guint64 r = t_ms % env->period_ms;
        double phase = 2.0 * G_PI * (double)r / (double)env->period_ms;
        return env->a + (env->b - env->a) * (1.0 - cos(phase)) / 2.0;
    }
    case MP_ENVELOPE_PULSE: {
        guint64 cycle = env->on_ms + env->off_ms;
        if (cycle == 0)
            return env->a;
        return t_ms % cycle < env->on_ms ? env->a : env->b;
    }
    }
    return 0.0;
}

double mp_envelope_max(const MpEnvelope *env)
{
    return env->kind == MP_ENVELOPE_CONSTANT ? env->a : MAX(env->a, env->b);
}

double mp_envelope_min(const MpEnvelope *env)
{
    return env->kind == MP_ENVELOPE_CONSTANT ? env->a : MIN(env->a, env->b);
}

gboolean mp_envelope_is_rest(const MpEnvelope *env)
{
    return mp_envelope_max(env) <= 0.0;
}

gboolean mp_percent_parse(const char *s, double *out, GError **error)
{
    const char *p = s;
    gsize digits = 0, frac = 0;
    double v = 0.0, scale = 0.1;

    if (*p == '-') {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "\"%s\" is negative", s);
        return FALSE;
    }
    if (*p == '+')
        p++;
    /* Hand-rolled, not strtod: no exponents, no "inf"/"nan", no locale,
     * and a bounded number of digits so enormous values are refused. */
    while (g_ascii_isdigit(*p)) {
        if (++digits > 7) {
            g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "\"%s\" is far too large", s);
            return FALSE;
        }
        v = v * 10.0 + (*p - '0');
        p++;
    }
    if (*p == '.') {
        p++;
        while (g_ascii_isdigit(*p)) {
            if (++frac > 3) {
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "\"%s\" has more than 3 decimals",
                            s);
                return FALSE;
            }
            v += (*p - '0') * scale;
            scale /= 10.0;
            p++;
        }
    }
    if (digits == 0 && frac == 0) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "\"%s\" is not a percentage; write e.g. 40%%", s);
        return FALSE;
    }
    if (*p != '%') {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "\"%s\" needs a %% sign, e.g. 40%%", s);
        return FALSE;
    }
    if (p[1] != '\0') {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "\"%s\" is not a percentage; write e.g. 40%%", s);
        return FALSE;
    }
    /* Round to the 0.001 % the format allows, so 0.1+0.2 style noise never
     * makes a value compare above a limit it equals. */
    *out = round(v * 1000.0) / 1000.0;
    return TRUE;
}

char *mp_percent_format(double percent)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_snprintf(buf, sizeof buf, "%.3f", percent);
    /* Trim "40.500" to "40.5" and "40.000" to "40". */
    char *dot = strchr(buf, '.');
    if (dot) {
        char *end = buf + strlen(buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    return g_strdup_printf("%s%%", buf);
}

static const char *const envelope_words[] = {"constant", "ramp", "wave", "pulse", NULL};

typedef struct {
    const char *name;
    gboolean seen;
    char *value;
} Param;

/* Reads "name=value" parameters into `params`; everything about them that
 * can go wrong is said here. */
static gboolean parse_params(char **words, Param *params, const char *const *names,
                             const char *envelope, GError **error)
{
    for (gsize i = 0; words[i]; i++) {
        const char *eq = strchr(words[i], '=');
        g_autofree char *name =
            eq ? g_strndup(words[i], (gsize)(eq - words[i])) : g_strdup(words[i]);
        Param *param = NULL;
        for (gsize j = 0; params[j].name; j++) {
            if (g_str_equal(params[j].name, name))
                param = &params[j];
        }
        if (!param) {
            const char *hint = mp_suggest(name, names);
            if (!eq && !hint)
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "unexpected \"%s\" in %s", words[i],
                            envelope);
            else if (hint)
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "unknown %s parameter \"%s\"; did you mean %s=?", envelope, name, hint);
            else
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "unknown %s parameter \"%s\"",
                            envelope, name);
            return FALSE;
        }
        if (!eq) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "%s needs a value, e.g. %s=%s", name,
                        name, g_str_equal(name, "low") ? "20%" : "2s");
            return FALSE;
        }
        if (param->seen) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "%s= is given twice", name);
            return FALSE;
        }
        param->seen = TRUE;
        param->value = (char *)eq + 1;
    }
    return TRUE;
}

static gboolean parse_span_param(const Param *param, guint64 *out, GError **error)
{
    g_autoptr(GError) local = NULL;
    if (!mp_timespan_parse(param->value, out, &local)) {
        g_set_error(error, MP_ERROR, local->code, "%s=%s", param->name, local->message);
        return FALSE;
    }
    return TRUE;
}

/* words[0] is the envelope's name, the levels follow. */
static gboolean need_levels(char **words, guint n, const char *usage, GError **error)
{
    for (guint i = 1; i <= n; i++) {
        if (!words[i] || strchr(words[i], '=')) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "%s needs %u level%s, e.g. %s", words[0],
                        n, n == 1 ? "" : "s", usage);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean mp_envelope_parse(const char *s, MpEnvelope *out, GError **error)
{
    g_auto(GStrv) all = g_strsplit_set(s, " \t", -1);
    g_autoptr(GPtrArray) words = g_ptr_array_new();
    for (gsize i = 0; all[i]; i++) {
        if (*all[i])
            g_ptr_array_add(words, all[i]);
    }
    g_ptr_array_add(words, NULL);
    char **w = (char **)words->pdata;
    MpEnvelope env = {.kind = MP_ENVELOPE_CONSTANT};

    if (!w[0]) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "is empty; write e.g. 40%%, ramp 30%% 60%% or wave 30%% 50%% period=6s");
        return FALSE;
    }
    /* A bare percentage is a constant. */
    if (g_ascii_isdigit(w[0][0]) || w[0][0] == '.' || w[0][0] == '-' || w[0][0] == '+') {
        if (w[1]) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "unexpected \"%s\" after the intensity",
                        w[1]);
            return FALSE;
        }
        if (!mp_percent_parse(w[0], &env.a, error))
            return FALSE;
        *out = env;
        return TRUE;
    }

    const char *kind = w[0];
    if (g_str_equal(kind, "constant")) {
        if (!need_levels(w, 1, "constant 40%", error))
            return FALSE;
        if (!mp_percent_parse(w[1], &env.a, error))
            return FALSE;
        if (w[2]) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "unexpected \"%s\" in constant", w[2]);
            return FALSE;
        }
    } else if (g_str_equal(kind, "ramp")) {
        env.kind = MP_ENVELOPE_RAMP;
        if (!need_levels(w, 2, "ramp 30% 60%", error))
            return FALSE;
        if (!mp_percent_parse(w[1], &env.a, error) || !mp_percent_parse(w[2], &env.b, error))
            return FALSE;
        if (w[3]) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "unexpected \"%s\" in ramp", w[3]);
            return FALSE;
        }
    } else if (g_str_equal(kind, "wave")) {
        env.kind = MP_ENVELOPE_WAVE;
        if (!need_levels(w, 2, "wave 30% 50% period=6s", error))
            return FALSE;
        if (!mp_percent_parse(w[1], &env.a, error) || !mp_percent_parse(w[2], &env.b, error))
            return FALSE;
        Param params[] = {{.name = "period"}, {NULL}};
        static const char *const names[] = {"period", NULL};
        if (!parse_params(w + 3, params, names, "wave", error))
            return FALSE;
        if (!params[0].seen) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "wave needs a period, e.g. wave 30%% 50%% period=6s");
            return FALSE;
        }
        if (!parse_span_param(&params[0], &env.period_ms, error))
            return FALSE;
    } else if (g_str_equal(kind, "pulse")) {
        env.kind = MP_ENVELOPE_PULSE;
        if (!need_levels(w, 1, "pulse 60% on=2s off=1s", error))
            return FALSE;
        if (!mp_percent_parse(w[1], &env.a, error))
            return FALSE;
        Param params[] = {{.name = "on"}, {.name = "off"}, {.name = "low"}, {NULL}};
        static const char *const names[] = {"on", "off", "low", NULL};
        if (!parse_params(w + 2, params, names, "pulse", error))
            return FALSE;
        if (!params[0].seen || !params[1].seen) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "pulse needs on= and off=, e.g. pulse 60%% on=2s off=1s");
            return FALSE;
        }
        if (!parse_span_param(&params[0], &env.on_ms, error) ||
            !parse_span_param(&params[1], &env.off_ms, error))
            return FALSE;
        if (params[2].seen) {
            g_autoptr(GError) local = NULL;
            if (!mp_percent_parse(params[2].value, &env.b, &local)) {
                g_set_error(error, MP_ERROR, local->code, "low=%s", local->message);
                return FALSE;
            }
        }
    } else {
        const char *hint = mp_suggest(kind, envelope_words);
        if (hint)
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown envelope \"%s\"; did you mean %s?", kind, hint);
        else
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "unknown envelope \"%s\"; use a percentage, constant, ramp, wave or "
                        "pulse",
                        kind);
        return FALSE;
    }
    *out = env;
    return TRUE;
}

char *mp_envelope_to_string(const MpEnvelope *env)
{
    g_autofree char *a = mp_percent_format(env->a);
    g_autofree char *b = mp_percent_format(env->b);
    switch (env->kind) {
    case MP_ENVELOPE_CONSTANT:
        return g_strdup(a);
    case MP_ENVELOPE_RAMP:
        return g_strdup_printf("ramp %s %s", a, b);
    case MP_ENVELOPE_WAVE: {
        g_autofree char *period = mp_timespan_format(env->period_ms);
        /* Spaces would split the parameter: write "1min30s" not "1min 30s". */
        g_auto(GStrv) parts = g_strsplit(period, " ", -1);
        g_autofree char *joined = g_strjoinv("", parts);
        return g_strdup_printf("wave %s %s period=%s", a, b, joined);
    }
    case MP_ENVELOPE_PULSE: {
        g_autofree char *on = mp_timespan_format(env->on_ms);
        g_autofree char *off = mp_timespan_format(env->off_ms);
        g_auto(GStrv) on_parts = g_strsplit(on, " ", -1);
        g_auto(GStrv) off_parts = g_strsplit(off, " ", -1);
        g_autofree char *on_j = g_strjoinv("", on_parts);
        g_autofree char *off_j = g_strjoinv("", off_parts);
        if (env->b > 0.0)
            return g_strdup_printf("pulse %s on=%s off=%s low=%s", a, on_j, off_j, b);
        return g_strdup_printf("pulse %s on=%s off=%s", a, on_j, off_j);
    }
    }
    return g_strdup("?");
}
