/* massaged: parse the command line, build the daemon, claim org.massaged last. */
#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>

#include "config.h"
#include "common/names.h"
#include "daemon/daemon.h"
#include "daemon/error-bound.h"
#include "daemon/log.h"
#include "daemon/memory-trim.h"
#include "daemon/trace.h"
#include "daemon/watchdog.h"

#define SHUTDOWN_TIMEOUT_MS 2000

typedef struct {
    GMainLoop *loop;
    MsdDaemon *daemon;
    MsdWatchdog *watchdog;
    int exit_code;
    gboolean stopping;
} App;

static gboolean on_shutdown_done(gpointer user_data)
{
    App *app = user_data;
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
}

static void begin_shutdown(App *app, const char *why)
{
    if (app->stopping)
        return;
    app->stopping = TRUE;
    msd_info("%s: stopping every device", why);
    msd_watchdog_notify_stopping(app->watchdog);
    msd_daemon_shutdown(app->daemon, "shutdown", SHUTDOWN_TIMEOUT_MS, on_shutdown_done, app);
}

static gboolean on_signal(gpointer user_data)
{
    begin_shutdown(user_data, "signal received");
    return G_SOURCE_CONTINUE;
}

static void on_name_acquired(GDBusConnection *conn, const char *name, gpointer user_data)
{
    msd_info("ready: %s on the bus", name);
}

static void on_name_lost(GDBusConnection *conn, const char *name, gpointer user_data)
{
    App *app = user_data;
    /* Another instance owns the name, or the bus went away: a second daemon
     * must never drive the same devices. */
    msd_warning("lost (or could not own) the bus name %s: exiting", name);
    app->exit_code = EXIT_FAILURE;
    begin_shutdown(app, "bus name lost");
}

/* --state-dir, else the first of systemd's StateDirectory= directories
 * ($STATE_DIRECTORY, colon-separated), else the built-in default: started by
 * hand, by the unit, or by a packager's unit with another StateDirectory=,
 * the daemon finds the same imported programmes and in-motion record that
 * systemd set up for it. */
static gboolean resolve_state_dir(MsdOptions *opts, GError **error)
{
    const char *env = g_getenv("STATE_DIRECTORY");
    if (opts->state_dir) {
        /* An explicit option wins. */
    } else if (env && *env) {
        g_auto(GStrv) dirs = g_strsplit(env, ":", 2);
        if (!g_path_is_absolute(dirs[0])) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "$STATE_DIRECTORY: \"%s\" is not an absolute path", dirs[0]);
            return FALSE;
        }
        opts->state_dir = g_strdup(dirs[0]);
    } else {
        opts->state_dir = g_strdup(MASSAGED_STATEDIR);
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_auto(MsdOptions) opts = {.time_scale = 1.0};
    gboolean version = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &opts.config_file,
         "Configuration file (default " MASSAGED_SYSCONFDIR "/massaged.conf)", "FILE"},
        {"config-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.config_dir,
         "Drop-in directory (default: the file's name + .d)", "DIR"},
        {"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.data_dir,
         "Data directory with programmes/ and devices/ (default " MASSAGED_DATADIR ")", "DIR"},
        {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.state_dir,
         "State directory: imported programmes, the in-motion record (default "
         "$STATE_DIRECTORY, else " MASSAGED_STATEDIR ")",
         "DIR"},
        {"device-dir", 0, 0, G_OPTION_ARG_FILENAME, &opts.device_dir,
         "Extra directory of *.device files", "DIR"},
        {"adapter", 'i', 0, G_OPTION_ARG_STRING, &opts.adapter, "Bluetooth adapter (hci0)", "NAME"},
        {"time-scale", 0, 0, G_OPTION_ARG_DOUBLE, &opts.time_scale,
         "Play programmes N times faster (tests and demonstrations only)", "N"},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, "Debug messages", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- massage device daemon");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("massaged: %s\n", error->message);
        return 2;
    }
    if (version) {
        g_print("massaged %s\n", MASSAGED_VERSION);
        return 0;
    }
    if (!(opts.time_scale >= 1 && opts.time_scale <= 1000)) {
        g_printerr("massaged: --time-scale %g is outside 1..1000\n", opts.time_scale);
        return 2;
    }
    if (!resolve_state_dir(&opts, &error)) {
        g_printerr("massaged: %s\n", error->message);
        return 2;
    }
    msd_log_init(opts.verbose);
    msd_trace_init();
    msd_info("massaged %s starting; state directory %s", MASSAGED_VERSION, opts.state_dir);
    if (opts.time_scale != 1)
        msd_warning("*** --time-scale %g: programmes play %g times faster than real time. "
                    "For tests and demonstrations only, never on a person. ***",
                    opts.time_scale, opts.time_scale);

    g_autoptr(MsdDaemon) daemon = msd_daemon_new(&opts, &error);
    if (!daemon) {
        g_printerr("massaged: %s\n", error->message);
        return 1;
    }
    /* DBUS_SYSTEM_BUS_ADDRESS points tests at their private bus. */
    g_autoptr(GDBusConnection) conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!conn) {
        g_printerr("massaged: cannot connect to the system bus: %s\n", error->message);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(conn, FALSE);
    msd_memory_trim_install(conn);
    msd_error_bound_install(conn);

    /* A first ping now, then one from this loop every half interval (see
     * watchdog.h). No READY=1: the unit is Type=dbus, and owning
     * org.massaged (claimed last) is what tells systemd the daemon is ready. */
    g_autoptr(MsdWatchdog) watchdog = msd_watchdog_new(NULL);
    App app = {.loop = g_main_loop_new(NULL, FALSE), .daemon = daemon, .watchdog = watchdog};
    /* Objects and the BlueZ subscription first, the name last: a client
     * that sees the name can use everything at once. */
    if (!msd_daemon_start(daemon, conn, &error)) {
        g_printerr("massaged: %s\n", error->message);
        g_main_loop_unref(app.loop);
        return 1;
    }
    guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &app);
    guint sigint = g_unix_signal_add(SIGINT, on_signal, &app);
    guint owner =
        g_bus_own_name_on_connection(conn, MSD_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                     on_name_acquired, on_name_lost, &app, NULL);
    g_main_loop_run(app.loop);

    g_bus_unown_name(owner);
    g_source_remove(sigterm);
    g_source_remove(sigint);
    g_dbus_connection_flush_sync(conn, NULL, NULL);
    g_main_loop_unref(app.loop);
    msd_info("exiting");
    return app.exit_code;
}
