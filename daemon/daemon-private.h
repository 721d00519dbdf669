/* The daemon's shared state, for its own files only. */
#pragma once

#include "daemon/authority.h"
#include "daemon/bluez.h"
#include "daemon/client-store.h"
#include "common/clock.h"
#include "daemon/msd-config.h"
#include "daemon/daemon.h"
#include "daemon/device.h"
#include "daemon/history.h"
#include "daemon/motion-record.h"
#include "daemon/programme-store.h"
#include "daemon/recovery.h"
#include "massaged-api.h"
#include "protocol/registry.h"

struct _MsdDaemon {
    MsdOptions opts;
    MsdConfig config;
    double time_scale;
    MsdClock *clock;     /* the real monotonic clock, shared by writers and engines */
    MpRegistry *drivers; /* built-in drivers + *.device files */
    MsdProgrammeStore *store;
    MsdClientStore *clients; /* <statedir>/clients (daemon/client-store.h) */
    /* <statedir>/in-motion: devices set in motion and not yet seen stopped
     * (daemon/motion-record.h). device.c adds a device before its first
     * motion frame and removes it after a stop frame went out. */
    MsdMotionRecord *motion;
    /* Stops what the record named at start (daemon/recovery.h). */
    MsdRecovery *recovery;
    /* <statedir>/history.sqlite3 (daemon/history.h); NULL when off or unusable. */
    MsdHistory *history;

    GDBusConnection *conn;
    GDBusObjectManagerServer *om; /* /org/massaged */
    MsdManager1 *manager;
    MsdBluez *bluez;
    GHashTable *devices;   /* BlueZ device path -> MsdDevice* (owned) */
    GHashTable *unmatched; /* BlueZ device paths no driver matched (set) */
    GHashTable *sessions;  /* our path -> MsdSession* (owned) */
    guint next_session;
    gboolean discovery_wanted; /* a client asked for discovery */
    gboolean reconnect_scan;   /* the daemon scans for a lost device */
    gboolean scan_pending;
    gboolean shutting_down;
};

/* manager.c */
void msd_manager_export(MsdDaemon *d);
void msd_manager_update_discovering(MsdDaemon *d);

/* daemon.c */
MsdDevice *msd_daemon_find_device(MsdDaemon *d, const char *our_path);
/* By Bluetooth address (either case), or NULL. */
MsdDevice *msd_daemon_find_device_by_address(MsdDaemon *d, const char *address);
void msd_daemon_remove_session(MsdDaemon *d, MsdSession *s);
void msd_daemon_update_scan(MsdDaemon *d);
