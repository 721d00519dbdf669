/* The systemd watchdog; see watchdog.h. */
#include "daemon/watchdog.h"

#include <systemd/sd-daemon.h>

#include "daemon/log.h"

struct _MsdWatchdog {
    guint64 interval_us;
    GSource *ping;
    gboolean failing; /* the last ping could not be sent: log once, not every time */
};

static void ping(MsdWatchdog *w)
{
    int r = sd_notify(0, "WATCHDOG=1");
    if (r < 0 && !w->failing)
        msd_warning("cannot send the watchdog ping to the service manager: %s", g_strerror(-r));
    else if (r >= 0 && w->failing)
        msd_info("watchdog pings reach the service manager again");
    w->failing = r < 0;
}

static gboolean on_ping(gpointer user_data)
{
    ping(user_data);
    return G_SOURCE_CONTINUE;
}

MsdWatchdog *msd_watchdog_new(GMainContext *context)
{
    MsdWatchdog *w = g_new0(MsdWatchdog, 1);
    uint64_t usec = 0;
    /* Keep the variables (0): nothing else reads them, and a test may start
     * a second watchdog in the same process. */
    int r = sd_watchdog_enabled(0, &usec);
    if (r < 0) {
        msd_warning("ignoring WATCHDOG_USEC=%s, WATCHDOG_PID=%s: %s", g_getenv("WATCHDOG_USEC"),
                    g_getenv("WATCHDOG_PID"), g_strerror(-r));
        return w;
    }
    if (r == 0 || usec == 0)
        return w;
    w->interval_us = usec;
    /* Half the interval, as sd_watchdog_enabled(3) advises: one late ping
     * (a busy moment) is not yet a kill. */
    guint period_ms = (guint)MAX(1, MIN(usec / 2 / 1000, G_MAXUINT));
    w->ping = g_timeout_source_new(period_ms);
    g_source_set_callback(w->ping, on_ping, w, NULL);
    g_source_set_static_name(w->ping, "systemd watchdog ping");
    g_source_attach(w->ping, context);
    msd_info("systemd watchdog: %" G_GUINT64_FORMAT " ms, a ping every %u ms", usec / 1000,
             period_ms);
    ping(w);
    return w;
}

void msd_watchdog_free(MsdWatchdog *watchdog)
{
    if (!watchdog)
        return;
    if (watchdog->ping) {
        g_source_destroy(watchdog->ping);
        g_source_unref(watchdog->ping);
    }
    g_free(watchdog);
}

guint64 msd_watchdog_get_interval_us(MsdWatchdog *watchdog)
{
    return watchdog->interval_us;
}

void msd_watchdog_notify_stopping(MsdWatchdog *watchdog)
{
    int r = sd_notify(0, "STOPPING=1");
    if (r < 0)
        msd_warning("cannot tell the service manager that massaged is stopping: %s",
                    g_strerror(-r));
}
