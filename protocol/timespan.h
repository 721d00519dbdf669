/* Time spans in the systemd style: "90s", "1m30s", "2min", "1.5s", "500ms",
 * "1h 5min". Programmes count in integer milliseconds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest span the parser accepts: a day. Longer is a typo, and keeping
 * spans small means sums of many steps can never overflow a guint64. */
#define MP_TIMESPAN_MAX_MS (24ull * 3600ull * 1000ull)

/* Parses `s` into milliseconds. Errors (MP_ERROR_INVALID / MP_ERROR_RANGE)
 * say what is wrong in words fit for a diagnostic: "needs a unit, e.g. 90s". */
gboolean mp_timespan_parse(const char *s, guint64 *out_ms, GError **error);
/* Formats milliseconds the way a therapist writes them: "1min 30s", "1.5s",
 * "500ms", "0s". The result parses back to the same value. */
char *mp_timespan_format(guint64 ms);

G_END_DECLS
