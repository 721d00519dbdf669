/* Timing trace for the benchmarks (bench/): with MASSAGED_TRACE=1 in the
 * environment, the daemon prints "MASSAGED_TRACE <CLOCK_MONOTONIC ns> <what>
 * <device> [<frame hex>]" on stderr at the points bench/ measures between
 * (a Stop call received, a GATT write issued). Off by default; when off,
 * each point costs one test of a global flag. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

extern gboolean msd_trace_enabled;

/* Reads MASSAGED_TRACE once, at start. */
void msd_trace_init(void);
void msd_trace_emit(const char *what, const char *device, const char *detail);

#define msd_trace(what, device, detail)                                                            \
    do {                                                                                           \
        if (G_UNLIKELY(msd_trace_enabled))                                                         \
            msd_trace_emit((what), (device), (detail));                                            \
    } while (0)

G_END_DECLS
