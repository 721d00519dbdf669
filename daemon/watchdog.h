/* The systemd watchdog: when the service manager asks for keep-alive pings
 * (WatchdogSec= in the unit: WATCHDOG_USEC, and WATCHDOG_PID naming this
 * process), WATCHDOG=1 goes out every half interval from a timeout source on
 * the daemon's main loop. The ping comes from the loop itself, never from a
 * thread: a loop that hangs stops pinging, systemd kills the daemon and
 * restarts it, and the restarted daemon stops the devices the hung one left
 * in motion (the in-motion record). Without the variables it does nothing. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsdWatchdog MsdWatchdog;

/* Reads the environment (sd_watchdog_enabled()); when a watchdog is asked
 * for, sends a first ping at once and attaches the ping source to `context`
 * (NULL: the global default context, the one g_main_loop_new(NULL, ...)
 * runs). Never fails: a malformed WATCHDOG_USEC is logged and ignored. */
MsdWatchdog *msd_watchdog_new(GMainContext *context);
/* Stops pinging. */
void msd_watchdog_free(MsdWatchdog *watchdog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdWatchdog, msd_watchdog_free)

/* The interval systemd asked for, in µs; 0 when no watchdog runs. */
guint64 msd_watchdog_get_interval_us(MsdWatchdog *watchdog);

/* Tells the service manager the daemon is shutting down (STOPPING=1), when
 * it runs under one (NOTIFY_SOCKET); the pings go on until the loop ends,
 * since stopping the devices still runs on it. */
void msd_watchdog_notify_stopping(MsdWatchdog *watchdog);

G_END_DECLS
