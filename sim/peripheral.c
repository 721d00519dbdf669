/* massage-sim --peripheral: one device model per real adapter, registered
 * with bluetoothd and advertised, for as long as org.bluez is on the bus
 * (registered again when bluetoothd restarts).
 *
 * The link state comes from bluetoothd itself: the central appears as a
 * Device1 under our adapter with Connected true, and that is what starts the
 * model's keepalive watchdog and lets it notify. */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "common/names.h"
#include "sim/drivers.h"
#include "sim/peripheral.h"

#define APP_ROOT "/org/massaged/sim"
/* Two identical advertisements: the kernel rotates them every ~2 s and each
 * swap re-sends the advertising report, so a central that missed one (btvirt
 * drops reports while its scan is not yet on) sees the next within 2 s
 * rather than a 10.24 s discovery cycle later (docs: real-stack notes). */
#define N_ADVS 2
/* How long a restarted bluetoothd gets to set up the adapter: 40 x 250 ms. */
#define REGISTER_TRIES    40
#define REGISTER_RETRY_MS 250

typedef struct _Periph Periph;

typedef struct {
    Periph *p;
    char *adapter;      /* hci1 */
    char *adapter_path; /* /org/bluez/hci1 */
    SimDevice *dev;
    SimPeriphApp *app;
    SimPeriphAdv *advs[N_ADVS];
    char *peer; /* the connected central's Device1 path under our adapter */
    gboolean registering;
    guint adv_done;
    guint register_id;    /* a retry of node_register pending */
    guint register_tries; /* failed attempts since org.bluez appeared */
} PeriphNode;

struct _Periph {
    GDBusConnection *conn;
    GMainLoop *loop;
    SimLog *log;
    GPtrArray *nodes; /* PeriphNode* */
    guint watch_id;
    guint sig_props, sig_added, sig_removed;
    gboolean acquire_write;
    int status;
};

static void node_free(gpointer data)
{
    PeriphNode *n = data;
    g_clear_handle_id(&n->register_id, g_source_remove);
    for (guint i = 0; i < N_ADVS; i++)
        g_clear_pointer(&n->advs[i], sim_periph_adv_free);
    g_clear_pointer(&n->app, sim_periph_app_free);
    g_clear_pointer(&n->dev, sim_device_free);
    g_free(n->peer);
    g_free(n->adapter);
    g_free(n->adapter_path);
    g_free(n);
}

static void fail(Periph *p, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void fail(Periph *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_printerr("massage-sim: %s\n", msg);
    p->status = 1;
    g_main_loop_quit(p->loop);
}

/* ---- the link, as bluetoothd sees it ---- */

static PeriphNode *node_for_path(Periph *p, const char *path)
{
    for (guint i = 0; i < p->nodes->len; i++) {
        PeriphNode *n = p->nodes->pdata[i];
        gsize l = strlen(n->adapter_path);
        if (g_str_has_prefix(path, n->adapter_path) && path[l] == '/')
            return n;
    }
    return NULL;
}

static void link_changed(PeriphNode *n, const char *path, gboolean connected)
{
    if (connected && !n->peer) {
        n->peer = g_strdup(path);
        sim_log_event(n->p->log, sim_device_get_address(n->dev), "central", "path", path, NULL);
        if (!sim_device_is_connected(n->dev))
            sim_device_link_up(n->dev);
    } else if (!connected && n->peer && g_str_equal(n->peer, path)) {
        g_clear_pointer(&n->peer, g_free);
        sim_periph_app_reset(n->app);
        sim_device_link_down(n->dev, "disconnect");
    }
}

static void on_props_changed(GDBusConnection *conn, const char *sender, const char *path,
                             const char *iface, const char *signal, GVariant *params,
                             gpointer user_data)
{
    const char *which = NULL;
    g_autoptr(GVariant) changed = NULL;
    g_variant_get(params, "(&s@a{sv}@as)", &which, &changed, NULL);
    gboolean connected = FALSE;
    PeriphNode *n = node_for_path(user_data, path);
    if (n && g_str_equal(which, BLUEZ_DEVICE_IFACE) &&
        g_variant_lookup(changed, "Connected", "b", &connected))
        link_changed(n, path, connected);
}

static void on_ifaces_added(GDBusConnection *conn, const char *sender, const char *path,
                            const char *iface, const char *signal, GVariant *params,
                            gpointer user_data)
{
    const char *obj = NULL;
    g_autoptr(GVariant) ifaces = NULL;
    g_variant_get(params, "(&o@a{sa{sv}})", &obj, &ifaces);
    PeriphNode *n = node_for_path(user_data, obj);
    g_autoptr(GVariant) dev = n ? g_variant_lookup_value(ifaces, BLUEZ_DEVICE_IFACE, NULL) : NULL;
    gboolean connected = FALSE;
    if (dev && g_variant_lookup(dev, "Connected", "b", &connected) && connected)
        link_changed(n, obj, TRUE);
}

static void on_ifaces_removed(GDBusConnection *conn, const char *sender, const char *path,
                              const char *iface, const char *signal, GVariant *params,
                              gpointer user_data)
{
    const char *obj = NULL;
    g_variant_get(params, "(&o@as)", &obj, NULL);
    PeriphNode *n = node_for_path(user_data, obj);
    if (n)
        link_changed(n, obj, FALSE);
}

/* ---- registration ---- */

static gboolean set_adapter_prop(Periph *p, PeriphNode *n, const char *prop, GVariant *value,
                                 GError **error)
{
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(
        p->conn, BLUEZ_BUS_NAME, n->adapter_path, "org.freedesktop.DBus.Properties", "Set",
        g_variant_new("(ssv)", BLUEZ_ADAPTER_IFACE, prop, value), NULL, G_DBUS_CALL_FLAGS_NONE,
        10000, NULL, error);
    return r != NULL;
}

/* The answer to a registration call `method` made for `n`: FALSE, peripheral
 * mode failing, if bluetoothd refused it. */
static gboolean registered(PeriphNode *n, GObject *src, GAsyncResult *res, const char *method)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
    if (r)
        return TRUE;
    g_dbus_error_strip_remote_error(error);
    fail(n->p, "%s: %s: %s", n->adapter, method, error->message);
    return FALSE;
}

static void on_adv_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
    PeriphNode *n = user_data;
    if (!registered(n, src, res, "RegisterAdvertisement"))
        return;
    if (++n->adv_done == N_ADVS) {
        n->registering = FALSE;
        sim_log_event(n->p->log, sim_device_get_address(n->dev), "advertising", "adapter",
                      n->adapter, NULL);
    }
}

static void on_app_registered(GObject *src, GAsyncResult *res, gpointer user_data)
{
    PeriphNode *n = user_data;
    if (!registered(n, src, res, "RegisterApplication"))
        return;
    sim_log_event(n->p->log, sim_device_get_address(n->dev), "gatt-registered", "adapter",
                  n->adapter, NULL);
    n->adv_done = 0;
    for (guint i = 0; i < N_ADVS; i++)
        g_dbus_connection_call(n->p->conn, BLUEZ_BUS_NAME, n->adapter_path, BLUEZ_ADV_MANAGER_IFACE,
                               "RegisterAdvertisement",
                               g_variant_new("(oa{sv})", sim_periph_adv_get_path(n->advs[i]), NULL),
                               NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_adv_registered, n);
}

static gboolean on_register_retry(gpointer user_data);

/* Asynchronous because bluetoothd calls back into us (GetManagedObjects,
 * the advertisement's properties) before it answers. */
static void node_register(PeriphNode *n)
{
    Periph *p = n->p;
    g_autoptr(GError) error = NULL;
    /* Powered first; the adapter's Alias is the GAP Device Name the central
     * reads after connecting, so it must be the device's name. */
    if (!set_adapter_prop(p, n, "Powered", g_variant_new_boolean(TRUE), &error) ||
        !set_adapter_prop(p, n, "Alias", g_variant_new_string(sim_device_get_name(n->dev)),
                          &error)) {
        g_autofree char *remote = g_dbus_error_get_remote_error(error);
        g_dbus_error_strip_remote_error(error);
        /* A bluetoothd that has just claimed org.bluez may not have set up
         * the adapter yet (restarted bluetoothd): try again for a while. */
        if (n->register_tries++ < REGISTER_TRIES) {
            if (n->register_tries == 1)
                g_printerr("massage-sim: %s not ready (%s%s%s); retrying\n", n->adapter,
                           remote ? remote : "", remote && *error->message ? ": " : "",
                           error->message);
            n->register_id = g_timeout_add(REGISTER_RETRY_MS, on_register_retry, n);
            return;
        }
        fail(p, "%s: cannot power it on or name it: %s%s%s", n->adapter, remote ? remote : "",
             remote && *error->message ? ": " : "", error->message);
        return;
    }
    n->register_tries = 0;
    n->registering = TRUE;
    g_dbus_connection_call(p->conn, BLUEZ_BUS_NAME, n->adapter_path, BLUEZ_GATT_MANAGER_IFACE,
                           "RegisterApplication",
                           g_variant_new("(oa{sv})", sim_periph_app_get_root(n->app), NULL), NULL,
                           G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_app_registered, n);
}

static gboolean on_register_retry(gpointer user_data)
{
    PeriphNode *n = user_data;
    n->register_id = 0;
    node_register(n);
    return G_SOURCE_REMOVE;
}

static void on_bluez_appeared(GDBusConnection *conn, const char *name, const char *owner,
                              gpointer user_data)
{
    Periph *p = user_data;
    for (guint i = 0; i < p->nodes->len; i++) {
        PeriphNode *n = p->nodes->pdata[i];
        g_clear_handle_id(&n->register_id, g_source_remove);
        n->register_tries = 0;
        node_register(n);
    }
}

static void on_bluez_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    Periph *p = user_data;
    for (guint i = 0; i < p->nodes->len; i++) {
        PeriphNode *n = p->nodes->pdata[i];
        g_clear_handle_id(&n->register_id, g_source_remove);
        if (n->peer)
            link_changed(n, n->peer, FALSE);
        sim_log_event(p->log, sim_device_get_address(n->dev), "bluez-gone", NULL);
    }
}

/* ---- setup ---- */

static char *adapter_address(Periph *p, const char *adapter_path, GError **error)
{
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(
        p->conn, BLUEZ_BUS_NAME, adapter_path, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", BLUEZ_ADAPTER_IFACE, "Address"), G_VARIANT_TYPE("(v)"),
        G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
    if (!r)
        return NULL;
    g_autoptr(GVariant) v = NULL;
    g_variant_get(r, "(v)", &v);
    return g_variant_dup_string(v, NULL);
}

static const char *device_adapter(const SimWorld *world, const SimDeviceSpec *d)
{
    return d->adapter ? d->adapter : ((SimAdapterSpec *)world->adapters->pdata[0])->name;
}

static gboolean add_nodes(Periph *p, SimWorld *world, GError **error)
{
    /* Checked before anything touches the bus, so bad options are exit 2. */
    for (guint i = 0; i < world->devices->len; i++) {
        SimDeviceSpec *d = world->devices->pdata[i];
        for (guint j = 0; j < i; j++) {
            SimDeviceSpec *e = world->devices->pdata[j];
            if (g_strcmp0(device_adapter(world, d), device_adapter(world, e)) == 0) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "--peripheral: device %u (%s): adapter %s already has a device (a "
                            "controller has one identity; use adapter=)",
                            i + 1, d->driver, device_adapter(world, d));
                return FALSE;
            }
        }
    }
    g_autoptr(SimDrivers) drivers = sim_drivers_new(world->device_dirs);
    /* The real clock, shared by the models (each keeps a reference). */
    g_autoptr(MsdClock) clock = msd_clock_new_real();
    for (guint i = 0; i < world->devices->len; i++) {
        SimDeviceSpec *d = world->devices->pdata[i];
        const char *adapter = device_adapter(world, d);
        g_autoptr(MpDriver) driver = sim_drivers_lookup(drivers, d->driver, error);
        if (!driver)
            return FALSE;
        PeriphNode *n = g_new0(PeriphNode, 1);
        n->p = p;
        n->adapter = g_strdup(adapter);
        n->adapter_path = g_strdup_printf(BLUEZ_ADAPTER_PATH_FMT, adapter);
        g_ptr_array_add(p->nodes, n);
        /* The device's address is the controller's: a real adapter cannot
         * take the one the world file made up. */
        g_autoptr(GError) aerr = NULL;
        g_autofree char *addr = adapter_address(p, n->adapter_path, &aerr);
        if (!addr) {
            g_dbus_error_strip_remote_error(aerr);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "--peripheral: adapter %s on org.bluez: %s", adapter, aerr->message);
            return FALSE;
        }
        g_free(d->cfg.address);
        d->cfg.address = g_steal_pointer(&addr);
        n->dev = sim_device_new(driver, &d->cfg, p->log, clock);
        g_autofree char *root = g_strdup_printf(APP_ROOT "/%s", adapter);
        n->app = sim_periph_app_new(p->conn, root, n->dev, p->log, p->acquire_write, error);
        if (!n->app)
            return FALSE;
        /* The driver's own service identifies the device; the Battery
         * Service is found after connecting, and leaving it out keeps the
         * advertisement and the name within 31 bytes. */
        const char *const *uuids = sim_device_get_uuids(n->dev);
        const char *adv_uuids[] = {uuids[0], NULL};
        for (guint k = 0; k < N_ADVS; k++) {
            g_autofree char *path = g_strdup_printf("%s/adv%u", root, k);
            n->advs[k] = sim_periph_adv_new(p->conn, path, sim_device_get_name(n->dev),
                                            uuids[0] ? adv_uuids : uuids, error);
            if (!n->advs[k])
                return FALSE;
        }
    }
    if (p->nodes->len == 0) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--peripheral needs at least one --device");
        return FALSE;
    }
    return TRUE;
}

static gboolean on_signal(gpointer user_data)
{
    Periph *p = user_data;
    g_main_loop_quit(p->loop);
    return G_SOURCE_CONTINUE;
}

int sim_peripheral_main(SimWorld *world, SimLog *log, gboolean acquire_write)
{
    Periph p = {.log = log, .status = 0, .acquire_write = acquire_write};
    g_autoptr(GError) error = NULL;
    p.conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!p.conn) {
        g_printerr("massage-sim: cannot connect to the system bus: %s\n", error->message);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(p.conn, FALSE);
    p.loop = g_main_loop_new(NULL, FALSE);
    p.nodes = g_ptr_array_new_with_free_func(node_free);
    if (!add_nodes(&p, world, &error)) {
        g_printerr("massage-sim: %s\n", error->message);
        g_ptr_array_unref(p.nodes);
        g_main_loop_unref(p.loop);
        g_object_unref(p.conn);
        return error->domain == G_OPTION_ERROR ? 2 : 1;
    }
    p.sig_props = g_dbus_connection_signal_subscribe(
        p.conn, BLUEZ_BUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged", NULL, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_props_changed, &p, NULL);
    p.sig_added = g_dbus_connection_signal_subscribe(
        p.conn, BLUEZ_BUS_NAME, "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", "/", NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_ifaces_added, &p, NULL);
    p.sig_removed = g_dbus_connection_signal_subscribe(
        p.conn, BLUEZ_BUS_NAME, "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved", "/",
        NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_ifaces_removed, &p, NULL);
    p.watch_id =
        g_bus_watch_name_on_connection(p.conn, BLUEZ_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                       on_bluez_appeared, on_bluez_vanished, &p, NULL);
    guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &p);
    guint sigint = g_unix_signal_add(SIGINT, on_signal, &p);
    g_main_loop_run(p.loop);
    g_source_remove(sigterm);
    g_source_remove(sigint);
    g_bus_unwatch_name(p.watch_id);
    g_dbus_connection_signal_unsubscribe(p.conn, p.sig_props);
    g_dbus_connection_signal_unsubscribe(p.conn, p.sig_added);
    g_dbus_connection_signal_unsubscribe(p.conn, p.sig_removed);
    /* Leaving the bus makes bluetoothd drop the application and the
     * advertisements; the models stop their motors as they are freed. */
    g_ptr_array_unref(p.nodes);
    g_dbus_connection_flush_sync(p.conn, NULL, NULL);
    g_object_unref(p.conn);
    g_main_loop_unref(p.loop);
    return p.status;
}
