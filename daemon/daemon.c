#include "daemon/daemon.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "config.h"
#include "common/names.h"
#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/session.h"

/* ---- BlueZ events ---- */

static MsdDevice *device_by_bluez_path(MsdDaemon *d, const char *path)
{
    return g_hash_table_lookup(d->devices, path);
}

/* The driver the in-motion record names for `address` (borrowed), when it is
 * recorded and the driver is loaded: a device found again after a crash is matched by
 * what drove it, even when its advertisement alone would not say (no name
 * in it yet). */
static MpDriver *recorded_driver(MsdDaemon *d, const char *address)
{
    if (!address || !d->motion)
        return NULL;
    g_autoptr(GPtrArray) entries = msd_motion_record_list(d->motion);
    const char *name = NULL;
    for (guint i = 0; i < entries->len && !name; i++) {
        MsdMotionEntry *e = entries->pdata[i];
        if (e->driver && g_ascii_strcasecmp(e->address, address) == 0)
            name = e->driver;
    }
    if (!name)
        return NULL;
    /* Only a loaded driver, by its name (never a path to load from). */
    g_autoptr(GPtrArray) drivers = mp_registry_list(d->drivers);
    for (guint i = 0; i < drivers->len; i++)
        if (g_str_equal(((MpDriver *)drivers->pdata[i])->name, name))
            return drivers->pdata[i];
    return NULL;
}

static void try_match(MsdDaemon *d, GDBusProxy *proxy)
{
    const char *path = g_dbus_proxy_get_object_path(proxy);
    MsdDevice *dev = device_by_bluez_path(d, path);
    if (dev) {
        msd_device_set_bluez_proxy(dev, proxy);
        msd_recovery_device_seen(d->recovery, msd_device_get_address(dev));
        return;
    }
    g_autofree char *name = msd_proxy_get_string(proxy, "Name");
    if (!name)
        name = msd_proxy_get_string(proxy, "Alias");
    g_auto(GStrv) uuids = msd_proxy_get_strv(proxy, "UUIDs");
    MpDriver *driver = mp_registry_match(d->drivers, name, (const char *const *)uuids);
    if (!driver) {
        g_autofree char *address = msd_proxy_get_string(proxy, "Address");
        driver = recorded_driver(d, address);
        if (driver)
            msd_dev_info(address, "%s: the driver the in-motion record names: %s", path,
                         driver->name);
    }
    if (!driver) {
        if (!g_hash_table_contains(d->unmatched, path))
            msd_debug("%s (%s): no driver matches", path, name ? name : "no name");
        g_hash_table_add(d->unmatched, g_strdup(path));
        return;
    }
    g_hash_table_remove(d->unmatched, path);
    dev = msd_device_new(d, proxy, driver);
    g_hash_table_insert(d->devices, g_strdup(path), dev);
    g_dbus_object_manager_server_export(d->om, msd_device_get_object(dev));
    msd_recovery_device_seen(d->recovery, msd_device_get_address(dev));
}

static void on_device_added(gpointer user_data, GDBusProxy *proxy)
{
    try_match(user_data, proxy);
}

static void on_device_removed(gpointer user_data, const char *path)
{
    MsdDaemon *d = user_data;
    g_hash_table_remove(d->unmatched, path);
    MsdDevice *dev = device_by_bluez_path(d, path);
    /* Keep our object: the device may come back (bluetoothd restarting, the
     * device re-advertising), and a session may be waiting for it. */
    if (dev)
        msd_device_set_bluez_proxy(dev, NULL);
}

static void on_device_changed(gpointer user_data, GDBusProxy *proxy, GVariant *changed)
{
    MsdDaemon *d = user_data;
    const char *path = g_dbus_proxy_get_object_path(proxy);
    MsdDevice *dev = device_by_bluez_path(d, path);
    if (dev) {
        msd_device_bluez_changed(dev, proxy, changed);
        return;
    }
    /* The name often arrives later, in the scan response: drivers with name
     * patterns can only match then. */
    g_autoptr(GVariant) name = g_variant_lookup_value(changed, "Name", NULL);
    g_autoptr(GVariant) uuids = g_variant_lookup_value(changed, "UUIDs", NULL);
    if (g_hash_table_contains(d->unmatched, path) &&
        g_str_equal(g_dbus_proxy_get_interface_name(proxy), BLUEZ_DEVICE_IFACE) &&
        (name || uuids)) {
        try_match(d, proxy);
    }
}

static void on_gatt_changed(gpointer user_data, const char *device_path)
{
    MsdDaemon *d = user_data;
    MsdDevice *dev = device_by_bluez_path(d, device_path);
    if (dev)
        msd_device_gatt_changed(dev);
}

static void on_rediscover(GObject *src, GAsyncResult *res, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    d->scan_pending = FALSE;
    if (!msd_bluez_start_discovery_finish(d->bluez, res, &error))
        msd_warning("restarting discovery: %s", error->message);
    msd_manager_update_discovering(d);
}

static void on_scan_stopped(GObject *src, GAsyncResult *res, gpointer user_data)
{
    MsdDaemon *d = user_data;
    g_autoptr(GError) error = NULL;
    if (!msd_bluez_stop_discovery_finish(d->bluez, res, &error))
        msd_warning("stopping the reconnect scan: %s", error->message);
    msd_manager_update_discovering(d);
}

/* Scanning is wanted by a client (StartDiscovery) or by a device that
 * dropped and whose BlueZ object is gone (bluetoothd restarted and forgot
 * it): the daemon scans to find it again. Called whenever either changes. */
void msd_daemon_update_scan(MsdDaemon *d)
{
    if (!d->bluez)
        return;
    gboolean need_reconnect_scan = FALSE;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v))
        need_reconnect_scan |= msd_device_needs_scan(v);
    /* A device a crashed massaged left moving, which bluetoothd does not
     * know (yet): recovery waits for it to be found. */
    need_reconnect_scan |= msd_recovery_needs_scan(d->recovery);
    g_autoptr(GDBusProxy) adapter = msd_bluez_get_adapter(d->bluez);
    if (!adapter || !msd_proxy_get_bool(adapter, "Powered"))
        return;
    gboolean discovering = msd_proxy_get_bool(adapter, "Discovering");
    gboolean want = d->discovery_wanted || need_reconnect_scan;
    if (want && !discovering && !d->scan_pending) {
        if (need_reconnect_scan && !d->discovery_wanted)
            msd_info("scanning to find a lost (or recorded) device again");
        d->scan_pending = TRUE;
        g_auto(GStrv) uuids = mp_registry_service_uuids(d->drivers);
        msd_bluez_start_discovery(d->bluez, (const char *const *)uuids, on_rediscover, d);
    } else if (!want && discovering && d->reconnect_scan) {
        d->reconnect_scan = FALSE;
        msd_bluez_stop_discovery(d->bluez, on_scan_stopped, d);
    }
    if (want && !d->discovery_wanted)
        d->reconnect_scan = TRUE;
}

static void on_adapter_changed(gpointer user_data)
{
    MsdDaemon *d = user_data;
    /* Discovery is lost when bluetoothd restarts; the daemon asked for it,
     * so it asks again. */
    msd_daemon_update_scan(d);
    msd_manager_update_discovering(d);
}

/* ---- public ---- */

MsdDevice *msd_daemon_find_device(MsdDaemon *d, const char *our_path)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (g_str_equal(msd_device_get_path(v), our_path))
            return v;
    return NULL;
}

MsdDevice *msd_daemon_find_device_by_address(MsdDaemon *d, const char *address)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (g_ascii_strcasecmp(msd_device_get_address(v), address) == 0)
            return v;
    return NULL;
}

void msd_options_clear(MsdOptions *o)
{
    g_clear_pointer(&o->config_file, g_free);
    g_clear_pointer(&o->config_dir, g_free);
    g_clear_pointer(&o->data_dir, g_free);
    g_clear_pointer(&o->state_dir, g_free);
    g_clear_pointer(&o->device_dir, g_free);
    g_clear_pointer(&o->adapter, g_free);
}

static void options_copy(MsdOptions *dst, const MsdOptions *src)
{
    dst->config_file = g_strdup(src->config_file);
    dst->config_dir = g_strdup(src->config_dir);
    dst->data_dir = g_strdup(src->data_dir);
    dst->state_dir = g_strdup(src->state_dir);
    dst->device_dir = g_strdup(src->device_dir);
    dst->adapter = g_strdup(src->adapter);
    dst->time_scale = src->time_scale;
    dst->verbose = src->verbose;
}

/* The in-motion record, before anything can set a motor moving. A daemon
 * that cannot remember what it set moving cannot promise a stop after a
 * crash, so it does not start: a record it cannot read (nothing known, and
 * rewriting it could lose addresses) or a state directory it cannot write
 * (the first device set moving would find no place to be recorded). */
static gboolean open_motion_record(MsdDaemon *d, const char *state_dir, GError **error)
{
    static const char why[] = "massaged records there the devices it sets moving, to stop them "
                              "after a crash, and does not start without it (docs/state.md)";
    g_autoptr(GError) e = NULL;
    d->motion = msd_motion_record_open(state_dir, &e);
    if (!d->motion) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "the in-motion record: %s; %s", e->message,
                    why);
        return FALSE;
    }
    if (g_access(state_dir, W_OK | X_OK) != 0) {
        int errsv = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED,
                    "the in-motion record: cannot write to %s: %s; %s", state_dir,
                    g_strerror(errsv), why);
        return FALSE;
    }
    g_autoptr(GPtrArray) recorded = msd_motion_record_list(d->motion);
    msd_info("in-motion record %s: %u device(s) recorded", msd_motion_record_get_path(d->motion),
             recorded->len);
    return TRUE;
}

MsdDaemon *msd_daemon_new(const MsdOptions *options, GError **error)
{
    g_autoptr(MsdDaemon) d = g_new0(MsdDaemon, 1);
    options_copy(&d->opts, options);
    msd_config_init(&d->config);
    d->clock = msd_clock_new_real();
    d->devices =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)msd_device_free);
    d->unmatched = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    d->sessions =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)msd_session_free);

    /* An explicitly named file must exist; the default one may not. */
    gboolean required = options->config_file != NULL;
    g_autofree char *conf = options->config_file
                                ? g_strdup(options->config_file)
                                : g_build_filename(MASSAGED_SYSCONFDIR, "massaged.conf", NULL);
    g_autofree char *dropins =
        options->config_dir ? g_strdup(options->config_dir) : g_strconcat(conf, ".d", NULL);
    if (!msd_config_load(&d->config, conf, required, dropins, error))
        return NULL;
    if (options->adapter) {
        g_autoptr(GError) e = NULL;
        g_autofree char *text = g_strdup_printf("[Bluetooth]\nAdapter=%s\n", options->adapter);
        if (!msd_config_load_data(&d->config, text, "--adapter", &e)) {
            g_propagate_error(error, g_steal_pointer(&e));
            return NULL;
        }
    }
    d->time_scale = options->time_scale > 0 ? options->time_scale : 1.0;

    const char *data_dir = options->data_dir ? options->data_dir : MASSAGED_DATADIR;
    const char *state_dir = options->state_dir ? options->state_dir : MASSAGED_STATEDIR;
    if (!open_motion_record(d, state_dir, error))
        return NULL;

    d->drivers = mp_registry_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    g_autofree char *shipped = g_build_filename(data_dir, "devices", NULL);
    mp_registry_load_dir(d->drivers, shipped, errors);
    g_autofree char *etc_devices = g_build_filename(MASSAGED_SYSCONFDIR, "devices", NULL);
    if (!options->config_file) /* tests point at their own files only */
        mp_registry_load_dir(d->drivers, etc_devices, errors);
    if (d->config.device_dir)
        mp_registry_load_dir(d->drivers, d->config.device_dir, errors);
    if (options->device_dir)
        mp_registry_load_dir(d->drivers, options->device_dir, errors);
    for (guint i = 0; i < errors->len; i++)
        msd_warning("device file skipped: %s", ((GError *)errors->pdata[i])->message);
    g_autoptr(GPtrArray) drivers = mp_registry_list(d->drivers);
    for (guint i = 0; i < drivers->len; i++) {
        MpDriver *drv = drivers->pdata[i];
        msd_info("driver %s (%s)", drv->name, drv->origin ? drv->origin : "built-in");
    }

    d->store = msd_programme_store_new(data_dir, state_dir, &d->config.safety);
    msd_programme_store_load(d->store);
    /* Never fatal: without it the devices work as ever (history.h). */
    if (d->config.history_enabled) {
        MsdHistoryRetention keep = {.keep_days = d->config.history_keep_days,
                                    .keep_rows = d->config.history_keep_rows};
        d->history = msd_history_open(state_dir, &keep);
    } else {
        msd_info("history: off ([History] Enabled=false)");
    }
    d->clients = msd_client_store_new(state_dir, &d->config.safety);
    msd_client_store_load(d->clients);
    return g_steal_pointer(&d);
}

/* ---- recovery (daemon/recovery.h) on the real daemon ---- */

static MsdDevice *recovery_find(gpointer ctx, const char *address)
{
    MsdDaemon *d = ctx;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (g_ascii_strcasecmp(msd_device_get_address(v), address) != 0)
            continue;
        /* Without bluetoothd's object a connect cannot even be tried: wait
         * (and scan) until it comes back. */
        g_autoptr(GDBusProxy) obj = msd_bluez_get_interface(d->bluez, k, BLUEZ_DEVICE_IFACE);
        return obj ? v : NULL;
    }
    return NULL;
}

static void recovery_stop(gpointer ctx, MsdDevice *dev, MsdWriteDone done, gpointer user_data)
{
    msd_device_stop_reaching(dev, "recovery", done, user_data);
}

static gboolean recovery_still_recorded(gpointer ctx, const char *address, gint64 since)
{
    MsdDaemon *d = ctx;
    g_autoptr(GPtrArray) entries = msd_motion_record_list(d->motion);
    for (guint i = 0; i < entries->len; i++) {
        MsdMotionEntry *e = entries->pdata[i];
        if (g_ascii_strcasecmp(e->address, address) == 0)
            return e->since == since;
    }
    return FALSE;
}

static void recovery_scan_changed(gpointer ctx)
{
    msd_daemon_update_scan(ctx);
}

static const MsdRecoveryOps recovery_ops = {
    .find = recovery_find,
    .stop = recovery_stop,
    .still_recorded = recovery_still_recorded,
    .scan_changed = recovery_scan_changed,
};

static const MsdBluezCallbacks bluez_callbacks = {
    .device_added = on_device_added,
    .device_removed = on_device_removed,
    .device_changed = on_device_changed,
    .gatt_changed = on_gatt_changed,
    .adapter_changed = on_adapter_changed,
};

gboolean msd_daemon_start(MsdDaemon *d, GDBusConnection *conn, GError **error)
{
    d->conn = g_object_ref(conn);
    d->recovery = msd_recovery_new(d->clock, &recovery_ops, d);
    d->om = g_dbus_object_manager_server_new(MSD_ROOT_PATH);
    msd_manager_export(d);
    g_dbus_object_manager_server_set_connection(d->om, conn);
    if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(d->manager), conn,
                                          MSD_ROOT_PATH, error))
        return FALSE;
    d->bluez = msd_bluez_new(conn, d->config.adapter, &bluez_callbacks, d, error);
    if (!d->bluez)
        return FALSE;
    msd_info("following org.bluez, adapter %s", msd_bluez_adapter_path(d->bluez));
    /* Devices bluetoothd already knows (cached, or discovered before we started). */
    g_autolist(GDBusProxy) existing = msd_bluez_get_devices(d->bluez);
    for (GList *l = existing; l; l = l->next)
        try_match(d, l->data);
    /* Before the bus name is claimed (main.c claims it last), so no client
     * request comes before recovery holds the recorded devices. */
    g_autoptr(GPtrArray) recorded = msd_motion_record_list(d->motion);
    msd_recovery_start(d->recovery, recorded);
    msd_manager_update_discovering(d);
    return TRUE;
}

/* ---- shutdown ---- */

typedef struct {
    MsdDaemon *daemon;
    guint pending;
    guint timeout_id;
    GSourceFunc done;
    gpointer user_data;
    gboolean finished;
    guint refs;
} Shutdown;

static void shutdown_unref(Shutdown *s)
{
    if (--s->refs == 0)
        g_free(s);
}

static void shutdown_finish(Shutdown *s, const char *how)
{
    if (s->finished)
        return;
    s->finished = TRUE;
    if (s->timeout_id) {
        g_clear_handle_id(&s->timeout_id, g_source_remove);
        shutdown_unref(s); /* the reference the timeout held */
    }
    msd_info("shutdown: %s", how);
    s->refs++;
    s->done(s->user_data);
    shutdown_unref(s);
}

static void on_shutdown_stop_sent(MsdDevice *dev, const GError *error, gpointer user_data)
{
    Shutdown *s = user_data;
    if (error)
        msd_warning("shutdown: a stop frame failed: %s", error->message);
    if (--s->pending == 0)
        shutdown_finish(s, "every stop frame went out");
    shutdown_unref(s);
}

static gboolean on_shutdown_timeout(gpointer user_data)
{
    Shutdown *s = user_data;
    s->timeout_id = 0;
    msd_warning("shutdown: %u stop frame(s) still pending after the time limit", s->pending);
    shutdown_finish(s, "timed out");
    shutdown_unref(s);
    return G_SOURCE_REMOVE;
}

void msd_daemon_shutdown(MsdDaemon *d, const char *reason, guint timeout_ms, GSourceFunc done,
                         gpointer user_data)
{
    d->shutting_down = TRUE;
    /* What recovery has not stopped yet stays recorded for the next start. */
    msd_recovery_cancel(d->recovery);
    Shutdown *s = g_new0(Shutdown, 1);
    s->daemon = d;
    s->done = done;
    s->user_data = user_data;
    s->refs = 1;
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, d->devices);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        MsdDevice *dev = v;
        if (!msd_device_is_ready(dev)) {
            if (msd_device_get_session(dev))
                msd_session_end(msd_device_get_session(dev), reason);
            continue;
        }
        s->pending++;
        s->refs++;
        msd_device_stop(dev, reason, on_shutdown_stop_sent, s);
    }
    if (s->pending == 0 || s->finished) {
        shutdown_finish(s, s->pending == 0 ? "no device needed a stop" : "stops sent");
        shutdown_unref(s);
        return;
    }
    msd_info("shutdown: waiting up to %u ms for %u stop frame(s)", timeout_ms, s->pending);
    s->timeout_id = g_timeout_add(timeout_ms, on_shutdown_timeout, s);
}

void msd_daemon_free(MsdDaemon *d)
{
    if (!d)
        return;
    /* Recovery stops asking before the devices go (freeing one answers its
     * stops with errors). */
    msd_recovery_cancel(d->recovery);
    if (d->sessions)
        g_hash_table_unref(d->sessions);
    if (d->devices)
        g_hash_table_unref(d->devices);
    if (d->unmatched)
        g_hash_table_unref(d->unmatched);
    /* After the devices: a stop they never answered is no longer waited for. */
    msd_recovery_free(d->recovery);
    msd_motion_record_free(d->motion);
    msd_bluez_free(d->bluez);
    if (d->manager)
        g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(d->manager));
    g_clear_object(&d->manager);
    g_clear_object(&d->om);
    g_clear_object(&d->conn);
    msd_programme_store_free(d->store);
    msd_history_free(d->history);
    msd_client_store_free(d->clients);
    mp_registry_free(d->drivers);
    g_clear_pointer(&d->clock, msd_clock_unref);
    msd_config_clear(&d->config);
    msd_options_clear(&d->opts);
    g_free(d);
}
