/* The daemon as a library: configuration, the driver registry, the programme
 * and client stores, the session history, the in-motion record and crash
 * recovery, the org.massaged objects and the BlueZ client. main.c parses the
 * command line, guards the bus connection (memory trim, error bound), starts
 * the systemd watchdog, claims the bus name and runs the loop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
    char *config_file; /* NULL: <sysconfdir>/massaged.conf (optional) */
    char *config_dir;  /* NULL: <config_file's dir>/massaged.conf.d */
    char *data_dir;    /* programmes/ and devices/ under it */
    char *state_dir;   /* imported programmes, clients, history, the in-motion record */
    char *device_dir;  /* extra *.device files (overrides [Devices] Directory) */
    char *adapter;     /* overrides [Bluetooth] Adapter */
    double time_scale; /* 1: real time */
    gboolean verbose;
} MsdOptions;

/* Frees the strings (for g_auto(MsdOptions)). */
void msd_options_clear(MsdOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MsdOptions, msd_options_clear)

typedef struct _MsdDaemon MsdDaemon;

/* Reads the configuration, the device files and the programmes. */
MsdDaemon *msd_daemon_new(const MsdOptions *options, GError **error);
void msd_daemon_free(MsdDaemon *daemon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdDaemon, msd_daemon_free)

/* Exports the objects on `connection` and starts following org.bluez. The
 * caller claims the bus name afterwards. */
gboolean msd_daemon_start(MsdDaemon *daemon, GDBusConnection *connection, GError **error);

/* Ends every session and stops every device; calls `done` once every stop
 * frame went out or `timeout_ms` passed, whichever comes first. */
void msd_daemon_shutdown(MsdDaemon *daemon, const char *reason, guint timeout_ms, GSourceFunc done,
                         gpointer user_data);

G_END_DECLS
