/* Time spans: parse "1m30s"-style text into integer milliseconds and back. */
#include "protocol/timespan.h"

#include <string.h>

#include "protocol/mp-error.h"

typedef struct {
    const char *name;
    guint64 ms;
} Unit;

/* Longest names first is not needed: a unit is the whole run of letters. */
static const Unit units[] = {
    {"ms", 1},         {"msec", 1},     {"s", 1000},       {"sec", 1000},      {"second", 1000},
    {"seconds", 1000}, {"m", 60000},    {"min", 60000},    {"minute", 60000},  {"minutes", 60000},
    {"h", 3600000},    {"hr", 3600000}, {"hour", 3600000}, {"hours", 3600000},
};

static const Unit *find_unit(const char *name, gsize len)
{
    for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
        if (strlen(units[i].name) == len && strncmp(units[i].name, name, len) == 0)
            return &units[i];
    }
    return NULL;
}

static void too_long(GError **error, const char *s, guint64 max_ms)
{
    g_autofree char *max = mp_timespan_format(max_ms);
    g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "\"%s\" is too long (at most %s)", s, max);
}

gboolean mp_timespan_parse_full(const char *s, MpTimespanFlags flags, guint64 max_ms,
                                guint64 *out_ms, GError **error)
{
    const char *p = s;
    guint64 total = 0;
    gboolean any = FALSE;
    gboolean bare_seconds = (flags & MP_TIMESPAN_BARE_SECONDS) != 0;
    max_ms = MIN(max_ms, MP_TIMESPAN_MAX_MS);

    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0') {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    bare_seconds ? "is empty; write a duration such as 30 (seconds) or 90s"
                                 : "is empty; write a time span such as 90s");
        return FALSE;
    }
    while (*p != '\0') {
        /* The number: digits, optionally a fraction. Parsed by hand into an
         * exact numerator/denominator pair so "1.5s" is exactly 1500 ms and
         * an enormous number is a clear error, not a silent wrap. */
        guint64 whole = 0, frac = 0, frac_div = 1;
        gsize digits = 0, frac_digits = 0;
        while (g_ascii_isdigit(*p)) {
            if (digits >= 9) {
                too_long(error, s, max_ms);
                return FALSE;
            }
            whole = whole * 10 + (guint64)(*p - '0');
            digits++;
            p++;
        }
        if (*p == '.') {
            p++;
            while (g_ascii_isdigit(*p)) {
                if (frac_digits >= 6) {
                    g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                                "\"%s\" is finer than a millisecond", s);
                    return FALSE;
                }
                frac = frac * 10 + (guint64)(*p - '0');
                frac_div *= 10;
                frac_digits++;
                p++;
            }
        }
        if (digits == 0 && frac_digits == 0) {
            if (bare_seconds)
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "\"%s\" is not a duration; write e.g. 30 (seconds), 90s, 1m30s, "
                            "2min or 500ms",
                            s);
            else
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "\"%s\" is not a time span; write e.g. 90s, 1m30s, 2min or 500ms", s);
            return FALSE;
        }
        while (*p == ' ' || *p == '\t')
            p++;
        const char *u = p;
        while (g_ascii_isalpha(*p))
            p++;
        static const Unit second = {"s", 1000};
        const Unit *unit = NULL;
        if (p == u && *p == '\0' && !any && bare_seconds) {
            unit = &second; /* a configuration's bare number */
        } else if (p == u) {
            /* massaged.conf reads a bare number as seconds, a programme does
             * not (seconds or minutes?): name the form that means seconds. */
            if (*p == '\0')
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "\"%s\" needs a unit: write %ss for seconds, or use ms, min or h", s,
                            s);
            else
                g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                            "\"%s\" needs a unit: ms, s, min or h (e.g. 90s)", s);
            return FALSE;
        }
        if (!unit)
            unit = find_unit(u, (gsize)(p - u));
        if (!unit) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "\"%.*s\" is not a time unit; use ms, s, min or h", (int)(p - u), u);
            return FALSE;
        }
        /* whole < 1e9 and unit <= 3.6e6: the product fits in 64 bits. */
        guint64 ms = whole * unit->ms;
        guint64 frac_num = frac * unit->ms;
        if (frac_num % frac_div != 0) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "\"%s\" is finer than a millisecond", s);
            return FALSE;
        }
        ms += frac_num / frac_div;
        total += ms;
        if (total > max_ms) {
            too_long(error, s, max_ms);
            return FALSE;
        }
        any = TRUE;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    g_assert(any);
    *out_ms = total;
    return TRUE;
}

gboolean mp_timespan_parse(const char *s, guint64 *out_ms, GError **error)
{
    return mp_timespan_parse_full(s, MP_TIMESPAN_UNIT_REQUIRED, MP_TIMESPAN_MAX_MS, out_ms, error);
}

char *mp_timespan_format_style(guint64 ms, MpTimespanStyle style)
{
    gboolean compact = style == MP_TIMESPAN_STYLE_COMPACT;
    if (ms == 0)
        return g_strdup("0s");
    if (ms < 1000)
        return g_strdup_printf("%ums", (guint)ms);
    guint64 h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, rest = ms % 1000;
    if (compact && !h && !m && sec < 10 && rest)
        return g_strdup_printf("%.1fs", (double)ms / 1000.0);
    if (compact)
        rest = 0; /* to the second */
    const char *sep = compact ? "" : " ";
    GString *s = g_string_new(NULL);
    if (h)
        g_string_append_printf(s, "%" G_GUINT64_FORMAT "h", h);
    if (m)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT "%s", s->len ? sep : "", m,
                               compact ? "m" : "min");
    if (sec || rest) {
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, s->len ? sep : "", sec);
        if (rest) {
            char frac[8];
            g_snprintf(frac, sizeof frac, "%03u", (guint)rest);
            /* Trim trailing zeros: 1.500 -> 1.5 */
            for (int i = 2; i > 0 && frac[i] == '0'; i--)
                frac[i] = '\0';
            g_string_append_printf(s, ".%s", frac);
        }
        g_string_append(s, "s");
    }
    return g_string_free(s, FALSE);
}

char *mp_timespan_format(guint64 ms)
{
    return mp_timespan_format_style(ms, MP_TIMESPAN_STYLE_LONG);
}
