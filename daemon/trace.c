/* The benchmarks' timing trace: see trace.h. */
#include "daemon/trace.h"

#include <stdio.h>
#include <time.h>

gboolean msd_trace_enabled;

void msd_trace_init(void)
{
    const char *v = g_getenv("MASSAGED_TRACE");
    msd_trace_enabled = v && *v && !g_str_equal(v, "0");
}

void msd_trace_emit(const char *what, const char *device, const char *detail)
{
    /* CLOCK_MONOTONIC, the clock of massage-sim's command log, read here
     * rather than in the log writer so the stamp is the event's own. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr, "MASSAGED_TRACE %lld %s %s %s\n",
            (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, what, device ? device : "-",
            detail ? detail : "");
    fflush(stderr);
}
