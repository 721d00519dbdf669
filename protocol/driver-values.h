/* Value checks every built-in driver shares (private to protocol/).
 *
 * Drivers refuse out-of-range values with MP_ERROR_RANGE instead of clamping:
 * a clamped value is a different command from the one the caller meant, and
 * with a person under the device the caller must decide what to send. */
#pragma once

#include "protocol/driver.h"

G_BEGIN_DECLS

/* cmd->value as a percentage in 0..100 (fractions allowed). */
gboolean mp_value_percent(const MpDriver *driver, const MpCommand *cmd, double *out,
                          GError **error);
/* A START or INTENSITY as its percentage (mp_value_percent); *start_default
 * is TRUE for a START without a value (0): the driver then sends its own
 * lowest running level, never 0 (a START must start). */
gboolean mp_value_start_percent(const MpDriver *driver, const MpCommand *cmd, double *out,
                                gboolean *start_default, GError **error);
/* cmd->value as a whole number in min..max; "unit" names it in the message. */
gboolean mp_value_whole(const MpDriver *driver, const MpCommand *cmd, guint min, guint max,
                        const char *unit, guint *out, GError **error);
/* The error for a command the device has no frame for. */
gboolean mp_value_unsupported(const MpDriver *driver, const MpCommand *cmd, const char *why,
                              GError **error);

/* Sets "WHO: message" in MP_ERROR with `code` and returns FALSE, so decoders
 * can write `return mp_fail(error, NAME, MP_ERROR_INVALID, "...", ...)`. */
gboolean mp_fail(GError **error, const char *who, gint code, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

G_END_DECLS
