/* Time spans in the systemd style: "90s", "1m30s", "2min", "1.5s", "500ms",
 * "1h 5min". Programmes count in integer milliseconds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest span the parser accepts: a day. Longer is a typo, and keeping
 * spans small means sums of many steps can never overflow a guint64. */
#define MP_TIMESPAN_MAX_MS (24ull * 3600ull * 1000ull)

typedef enum {
    MP_TIMESPAN_UNIT_REQUIRED = 0, /* a programme: "90" is an error (seconds? minutes?) */
    /* A configuration file: a number alone ("30", "1.5") is seconds. Only
     * the whole value: "1m30" still needs its unit. The errors then speak of
     * "a duration" and show the bare form. */
    MP_TIMESPAN_BARE_SECONDS = 1 << 0,
} MpTimespanFlags;

/* Parses `s` into milliseconds: one or more NUMBER UNIT parts ("1m30s",
 * "1h 5min"), a NUMBER with at most three decimals of a second ("1.5s"),
 * units ms/msec, s/sec/second(s), m/min/minute(s), h/hr/hour(s). The span
 * must be at most `max_ms` (at most MP_TIMESPAN_MAX_MS). Errors (MP_ERROR,
 * INVALID or RANGE) quote `s` and say what is wrong in words fit for a
 * diagnostic: "needs a unit, e.g. 90s", "is too long (at most 1h)". The one
 * duration parser: programmes, client profiles, massaged.conf and
 * massaged-mqtt's configuration. */
gboolean mp_timespan_parse_full(const char *s, MpTimespanFlags flags, guint64 max_ms,
                                guint64 *out_ms, GError **error);
/* A programme's span: mp_timespan_parse_full(s, MP_TIMESPAN_UNIT_REQUIRED,
 * MP_TIMESPAN_MAX_MS, ...). */
gboolean mp_timespan_parse(const char *s, guint64 *out_ms, GError **error);

typedef enum {
    /* The way a therapist writes it: "1min 30s", "1.5s", "500ms", "0s";
     * exact, and parses back to the same value. */
    MP_TIMESPAN_STYLE_LONG,
    /* Short labels for chart axes and tables: "1m30s", "1h5m", "45s",
     * "500ms"; a second or more is shown to the second, except below 10 s
     * where one decimal is kept ("1.5s"). Not always exact. */
    MP_TIMESPAN_STYLE_COMPACT,
} MpTimespanStyle;

/* The one span formatter. */
char *mp_timespan_format_style(guint64 ms, MpTimespanStyle style);
/* mp_timespan_format_style(ms, MP_TIMESPAN_STYLE_LONG). */
char *mp_timespan_format(guint64 ms);

G_END_DECLS
