/* The fake bluetoothd's world: its bus connection, the name org.bluez, the
 * ObjectManager at / and the adapters with their discovery sessions. */
#include <string.h>

#include "sim/fake-bluez-private.h"

#define SCAN_PERIOD_MS 1000 /* how often a running discovery "hears" devices again */

void fake_bluez_timing_init(FakeBluezTiming *t)
{
    *t = (FakeBluezTiming){
        .discovery_delay_ms = 300,
        .name_delay_ms = 0,
        .connect_delay_ms = 100,
        .resolve_delay_ms = 200,
        .race_1489 = FALSE,
        .race_delay_ms = 300,
        .mtu = 247,
        .temporary_timeout_ms = 30000,
    };
}

void fb_return_error(GDBusMethodInvocation *inv, const char *name, const char *message)
{
    g_dbus_method_invocation_return_dbus_error(inv, name, message);
}

GVariant *fb_bytes_variant(const guint8 *data, gsize len)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, len ? data : (const guint8 *)"", len, 1);
}

void fb_flush(gpointer skel)
{
    if (skel)
        g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(skel));
}

GDBusObjectSkeleton *fb_export(FakeBluez *fb, const char *path, gpointer iface)
{
    GDBusObjectSkeleton *obj = g_dbus_object_skeleton_new(path);
    g_dbus_object_skeleton_add_interface(obj, G_DBUS_INTERFACE_SKELETON(iface));
    g_dbus_object_manager_server_export(fb->om, obj);
    return obj;
}

void fb_unexport(FakeBluez *fb, const char *path)
{
    if (fb->om)
        g_dbus_object_manager_server_unexport(fb->om, path);
}

/* ---- adapters ---------------------------------------------------------- */

static void adapter_free(gpointer p)
{
    FbAdapter *ad = p;
    g_ptr_array_unref(ad->devices);
    g_free(ad->name);
    g_free(ad->address);
    g_free(ad->path);
    g_free(ad);
}

static gboolean device_wanted_by_filters(FbAdapter *ad, FbDevice *dev)
{
    /* Filters are merged as bluetoothd does: a device is reported if any
     * discovering client has no UUID filter or one that matches. */
    g_autoptr(GList) senders = client_set_senders(ad->discovery);
    for (GList *l = senders; l; l = l->next) {
        const char *const *uuids = client_set_get_data(ad->filters, l->data);
        if (!uuids || !*uuids)
            return TRUE;
        for (const char *const *u = uuids; *u; u++)
            for (const char *const *d = sim_device_get_uuids(dev->model); *d; d++)
                if (mp_uuid_equal(*u, *d))
                    return TRUE;
    }
    return FALSE;
}

static gboolean on_scan(gpointer user_data)
{
    FbAdapter *ad = user_data;
    for (guint i = 0; i < ad->devices->len; i++) {
        FbDevice *dev = ad->devices->pdata[i];
        SimDeviceState st;
        sim_device_get_state(dev->model, &st);
        /* A powered device advertises while it has no connection. Every
         * advertisement heard is reported, for a device already known too:
         * a second client (bleak, say) finds it by its RSSI changes. */
        if (!st.powered || st.connected)
            continue;
        if (device_wanted_by_filters(ad, dev))
            fb_device_heard(dev);
    }
    ad->scan_id = g_timeout_add(SCAN_PERIOD_MS, on_scan, ad);
    return G_SOURCE_REMOVE;
}

/* bluetoothd's TemporaryTimeout: a device that never connected and was not
 * heard for that long goes away (InterfacesRemoved); a later discovery
 * finds it anew. */
static gboolean on_expire(gpointer user_data)
{
    FbAdapter *ad = user_data;
    gint64 now = g_get_monotonic_time();
    if (ad->fb->t.temporary_timeout_ms == 0) /* 0: kept for ever (tests, demos) */
        return G_SOURCE_CONTINUE;
    for (guint i = 0; i < ad->devices->len; i++) {
        FbDevice *dev = ad->devices->pdata[i];
        if (!fb_device_is_exported(dev) || !dev->temporary ||
            bluez_device1_get_connected(dev->skel))
            continue;
        if (now - dev->last_seen_us >= (gint64)ad->fb->t.temporary_timeout_ms * 1000) {
            sim_log_event(ad->fb->log, sim_device_get_address(dev->model), "expired", NULL);
            fb_device_unexport(dev);
        }
    }
    return G_SOURCE_CONTINUE;
}

static void discovery_set(FbAdapter *ad, gboolean on)
{
    if (on == bluez_adapter1_get_discovering(ad->skel))
        return;
    bluez_adapter1_set_discovering(ad->skel, on);
    fb_flush(ad->skel);
    g_clear_handle_id(&ad->scan_id, g_source_remove);
    if (on)
        ad->scan_id = g_timeout_add(ad->fb->t.discovery_delay_ms, on_scan, ad);
    else
        for (guint i = 0; i < ad->devices->len; i++)
            fb_device_rssi_clear(ad->devices->pdata[i]);
    sim_log_event(ad->fb->log, ad->address, on ? "discovery-start" : "discovery-stop", NULL);
}

static void on_discovery_emptied(gpointer user_data)
{
    discovery_set(user_data, FALSE);
}

static gboolean on_start_discovery(BluezAdapter1 *skel, GDBusMethodInvocation *inv, FbAdapter *ad)
{
    if (!bluez_adapter1_get_powered(skel)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        return TRUE;
    }
    if (!client_set_add(ad->discovery, g_dbus_method_invocation_get_sender(inv))) {
        fb_return_error(inv, BLUEZ_ERROR_IN_PROGRESS, "Operation already in progress");
        return TRUE;
    }
    discovery_set(ad, TRUE);
    bluez_adapter1_complete_start_discovery(skel, inv);
    return TRUE;
}

static gboolean on_stop_discovery(BluezAdapter1 *skel, GDBusMethodInvocation *inv, FbAdapter *ad)
{
    if (!bluez_adapter1_get_powered(skel)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        return TRUE;
    }
    if (!client_set_remove(ad->discovery, g_dbus_method_invocation_get_sender(inv))) {
        fb_return_error(inv, BLUEZ_ERROR_FAILED, "No discovery started");
        return TRUE;
    }
    if (client_set_size(ad->discovery) == 0)
        discovery_set(ad, FALSE);
    bluez_adapter1_complete_stop_discovery(skel, inv);
    return TRUE;
}

static gboolean on_set_discovery_filter(BluezAdapter1 *skel, GDBusMethodInvocation *inv,
                                        GVariant *filter, FbAdapter *ad)
{
    const char *sender = g_dbus_method_invocation_get_sender(inv);
    GVariantIter iter;
    const char *key;
    GVariant *value;
    g_auto(GStrv) uuids = NULL;
    g_variant_iter_init(&iter, filter);
    while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
        gboolean ok;
        if (g_str_equal(key, "UUIDs")) {
            ok = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY);
            if (ok) {
                g_strfreev(uuids);
                uuids = g_variant_dup_strv(value, NULL);
                for (char **u = uuids; *u && ok; u++) {
                    g_autofree char *n = mp_uuid_normalise(*u, NULL);
                    ok = n != NULL;
                }
            }
        } else if (g_str_equal(key, "RSSI")) {
            ok = g_variant_is_of_type(value, G_VARIANT_TYPE_INT16);
        } else if (g_str_equal(key, "Pathloss")) {
            ok = g_variant_is_of_type(value, G_VARIANT_TYPE_UINT16);
        } else if (g_str_equal(key, "Transport")) {
            const char *tr = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)
                                 ? g_variant_get_string(value, NULL)
                                 : "";
            ok = g_str_equal(tr, "auto") || g_str_equal(tr, "bredr") || g_str_equal(tr, "le");
        } else if (g_str_equal(key, "DuplicateData") || g_str_equal(key, "Discoverable") ||
                   g_str_equal(key, "AutoConnect")) {
            ok = g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN);
        } else if (g_str_equal(key, "Pattern")) {
            ok = g_variant_is_of_type(value, G_VARIANT_TYPE_STRING);
        } else {
            ok = FALSE;
        }
        if (!ok) {
            g_variant_unref(value);
            fb_return_error(inv, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
            return TRUE;
        }
    }
    if (g_variant_n_children(filter) == 0) {
        client_set_remove(ad->filters, sender);
    } else {
        client_set_add(ad->filters, sender);
        client_set_set_data(ad->filters, sender, g_steal_pointer(&uuids),
                            (GDestroyNotify)g_strfreev);
    }
    bluez_adapter1_complete_set_discovery_filter(skel, inv);
    return TRUE;
}

static gboolean on_get_discovery_filters(BluezAdapter1 *skel, GDBusMethodInvocation *inv,
                                         FbAdapter *ad)
{
    static const char *const names[] = {"UUIDs",         "RSSI",         "Pathloss", "Transport",
                                        "DuplicateData", "Discoverable", "Pattern",  NULL};
    bluez_adapter1_complete_get_discovery_filters(skel, inv, names);
    return TRUE;
}

static FbDevice *adapter_find_path(FbAdapter *ad, const char *path)
{
    for (guint i = 0; i < ad->devices->len; i++) {
        FbDevice *dev = ad->devices->pdata[i];
        if (g_str_equal(dev->path, path) && fb_device_is_exported(dev))
            return dev;
    }
    return NULL;
}

static gboolean on_remove_device(BluezAdapter1 *skel, GDBusMethodInvocation *inv, const char *path,
                                 FbAdapter *ad)
{
    FbDevice *dev = adapter_find_path(ad, path);
    if (!dev) {
        fb_return_error(inv, BLUEZ_ERROR_DOES_NOT_EXIST, "Does Not Exist");
        return TRUE;
    }
    fb_device_link_down(dev, "removed");
    fb_device_unexport(dev);
    bluez_adapter1_complete_remove_device(skel, inv);
    return TRUE;
}

static void on_powered_changed(BluezAdapter1 *skel, GParamSpec *pspec, FbAdapter *ad)
{
    gboolean on = bluez_adapter1_get_powered(skel);
    bluez_adapter1_set_power_state(skel, on ? "on" : "off");
    if (on)
        return;
    /* Powering off ends discovery sessions and every connection. */
    g_clear_pointer(&ad->discovery, client_set_free);
    ad->discovery = client_set_new(ad->fb->conn, on_discovery_emptied, ad);
    discovery_set(ad, FALSE);
    for (guint i = 0; i < ad->devices->len; i++)
        fb_device_link_down(ad->devices->pdata[i], "adapter-power-off");
}

static void adapter_export(FbAdapter *ad)
{
    FakeBluez *fb = ad->fb;
    ad->skel = bluez_adapter1_skeleton_new();
    static const char *const no_uuids[] = {NULL};
    static const char *const roles[] = {"central", "peripheral", NULL};
    g_autofree char *alias = g_strdup_printf("massage-sim #%u", 1 + (guint)(ad->name[3] - '0'));
    g_object_set(ad->skel, "address", ad->address, "address-type", "public", "name", "massage-sim",
                 "alias", alias, "class", 0u, "connectable", TRUE, "powered", TRUE, "power-state",
                 "on", "discoverable", FALSE, "discoverable-timeout", 180u, "pairable", TRUE,
                 "pairable-timeout", 0u, "discovering", FALSE, "uuids", no_uuids, "modalias",
                 "usb:v1D6Bp0246d0548", "roles", roles, "manufacturer", 0x05f1, "version", 0x0c,
                 NULL);
    g_signal_connect(ad->skel, "handle-start-discovery", G_CALLBACK(on_start_discovery), ad);
    g_signal_connect(ad->skel, "handle-stop-discovery", G_CALLBACK(on_stop_discovery), ad);
    g_signal_connect(ad->skel, "handle-set-discovery-filter", G_CALLBACK(on_set_discovery_filter),
                     ad);
    g_signal_connect(ad->skel, "handle-get-discovery-filters", G_CALLBACK(on_get_discovery_filters),
                     ad);
    g_signal_connect(ad->skel, "handle-remove-device", G_CALLBACK(on_remove_device), ad);
    g_signal_connect(ad->skel, "notify::powered", G_CALLBACK(on_powered_changed), ad);
    ad->discovery = client_set_new(fb->conn, on_discovery_emptied, ad);
    ad->filters = client_set_new(fb->conn, NULL, NULL);
    ad->obj = fb_export(fb, ad->path, ad->skel);
    /* Checked four times per timeout (at least every 10 ms): a test may set
     * a short TemporaryTimeout and wait for the removal. */
    ad->expire_id = g_timeout_add(CLAMP(fb->t.temporary_timeout_ms / 4, 10, 1000), on_expire, ad);
}

static void adapter_unexport(FbAdapter *ad)
{
    g_clear_handle_id(&ad->scan_id, g_source_remove);
    g_clear_handle_id(&ad->expire_id, g_source_remove);
    for (guint i = 0; i < ad->devices->len; i++) {
        FbDevice *dev = ad->devices->pdata[i];
        fb_device_link_down(dev, "bluetoothd-exit");
        fb_device_unexport(dev);
    }
    g_clear_pointer(&ad->discovery, client_set_free);
    g_clear_pointer(&ad->filters, client_set_free);
    if (ad->skel)
        g_signal_handlers_disconnect_by_data(ad->skel, ad);
    fb_unexport(ad->fb, ad->path);
    g_clear_object(&ad->obj);
    g_clear_object(&ad->skel);
}

/* ---- the world --------------------------------------------------------- */

FakeBluez *fake_bluez_new(const char *bus_address, const FakeBluezTiming *timing, SimLog *log)
{
    FakeBluez *fb = g_new0(FakeBluez, 1);
    fb->bus_address = g_strdup(bus_address);
    fb->t = *timing;
    fb->log = log;
    fb->adapters = g_ptr_array_new_with_free_func(adapter_free);
    return fb;
}

void fake_bluez_free(FakeBluez *fb)
{
    if (!fb)
        return;
    fake_bluez_stop(fb);
    for (guint i = 0; i < fb->adapters->len; i++) {
        FbAdapter *ad = fb->adapters->pdata[i];
        g_ptr_array_set_free_func(ad->devices, (GDestroyNotify)fb_device_free);
    }
    g_ptr_array_unref(fb->adapters);
    g_free(fb->bus_address);
    g_free(fb);
}

void fake_bluez_add_adapter(FakeBluez *fb, const char *name, const char *address)
{
    FbAdapter *ad = g_new0(FbAdapter, 1);
    ad->fb = fb;
    ad->name = g_strdup(name);
    ad->address = g_ascii_strup(address, -1);
    ad->path = g_strdup_printf(BLUEZ_ADAPTER_PATH_FMT, name);
    ad->devices = g_ptr_array_new();
    g_ptr_array_add(fb->adapters, ad);
}

static FbAdapter *find_adapter(FakeBluez *fb, const char *name)
{
    for (guint i = 0; i < fb->adapters->len; i++) {
        FbAdapter *ad = fb->adapters->pdata[i];
        if (!name || g_str_equal(ad->name, name))
            return ad;
    }
    return NULL;
}

gboolean fake_bluez_add_device(FakeBluez *fb, const char *adapter, SimDevice *model, GError **error)
{
    FbAdapter *ad = find_adapter(fb, adapter);
    if (!ad) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no adapter %s (use --adapter %s)",
                    adapter ? adapter : "at all", adapter ? adapter : "hci0");
        sim_device_free(model);
        return FALSE;
    }
    if (fake_bluez_lookup_device(fb, sim_device_get_address(model))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "two devices have the address %s",
                    sim_device_get_address(model));
        sim_device_free(model);
        return FALSE;
    }
    g_ptr_array_add(ad->devices, fb_device_new(ad, model));
    return TRUE;
}

static void on_name_acquired(GDBusConnection *conn, const char *name, gpointer user_data)
{
    FakeBluez *fb = user_data;
    sim_log_event(fb->log, "", "bluetoothd-ready", NULL);
    if (fb->name_cb)
        fb->name_cb(fb, TRUE, fb->name_cb_data);
}

static void on_name_lost(GDBusConnection *conn, const char *name, gpointer user_data)
{
    FakeBluez *fb = user_data;
    /* A closed connection (the bus itself went away) is not a refusal. */
    if (!fb->running || !conn || g_dbus_connection_is_closed(conn))
        return;
    g_warning("massage-sim: could not own org.bluez on the system bus (is bluetoothd running, "
              "or does the bus policy deny it?)");
    if (fb->name_cb)
        fb->name_cb(fb, FALSE, fb->name_cb_data);
}

gboolean fake_bluez_start(FakeBluez *fb, GError **error)
{
    if (fb->running)
        return TRUE;
    if (fb->bus_address) {
        fb->conn = g_dbus_connection_new_for_address_sync(
            fb->bus_address,
            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
            NULL, NULL, error);
    } else {
        g_autofree char *addr = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SYSTEM, NULL, error);
        if (addr)
            fb->conn = g_dbus_connection_new_for_address_sync(
                addr,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, error);
    }
    if (!fb->conn) {
        g_prefix_error(error, "cannot connect to the system bus: ");
        return FALSE;
    }
    g_dbus_connection_set_exit_on_close(fb->conn, FALSE);
    fb->om = g_dbus_object_manager_server_new("/");
    fb->running = TRUE;
    for (guint i = 0; i < fb->adapters->len; i++)
        adapter_export(fb->adapters->pdata[i]);
    g_dbus_object_manager_server_set_connection(fb->om, fb->conn);
    fb->own_id = g_bus_own_name_on_connection(fb->conn, BLUEZ_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                              on_name_acquired, on_name_lost, fb, NULL);
    return TRUE;
}

void fake_bluez_stop(FakeBluez *fb)
{
    if (!fb->running)
        return;
    fb->running = FALSE;
    /* Close first: bluetoothd that exits sends no InterfacesRemoved. */
    g_clear_handle_id(&fb->own_id, g_bus_unown_name);
    g_dbus_connection_close_sync(fb->conn, NULL, NULL);
    g_dbus_object_manager_server_set_connection(fb->om, NULL);
    for (guint i = 0; i < fb->adapters->len; i++)
        adapter_unexport(fb->adapters->pdata[i]);
    g_clear_object(&fb->om);
    g_clear_object(&fb->conn);
    sim_log_event(fb->log, "", "bluetoothd-exit", NULL);
}

gboolean fake_bluez_is_running(const FakeBluez *fb)
{
    return fb->running;
}

void fake_bluez_set_name_callback(FakeBluez *fb, void (*cb)(FakeBluez *, gboolean, gpointer),
                                  gpointer user_data)
{
    fb->name_cb = cb;
    fb->name_cb_data = user_data;
}

static FbDevice *find_device(FakeBluez *fb, const char *address)
{
    for (guint i = 0; i < fb->adapters->len; i++) {
        FbAdapter *ad = fb->adapters->pdata[i];
        for (guint j = 0; j < ad->devices->len; j++) {
            FbDevice *dev = ad->devices->pdata[j];
            if (g_ascii_strcasecmp(sim_device_get_address(dev->model), address) == 0)
                return dev;
        }
    }
    return NULL;
}

const char *fake_bluez_device_adapter(FakeBluez *fb, const char *address)
{
    FbDevice *dev = find_device(fb, address);
    return dev ? dev->ad->name : NULL;
}

SimDevice *fake_bluez_lookup_device(FakeBluez *fb, const char *address)
{
    FbDevice *dev = find_device(fb, address);
    return dev ? dev->model : NULL;
}

GPtrArray *fake_bluez_list_devices(FakeBluez *fb)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < fb->adapters->len; i++) {
        FbAdapter *ad = fb->adapters->pdata[i];
        for (guint j = 0; j < ad->devices->len; j++)
            g_ptr_array_add(out, ((FbDevice *)ad->devices->pdata[j])->model);
    }
    return out;
}

static gboolean on_drop(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->drop_id = 0;
    fb_device_link_down(dev, "link-loss");
    return G_SOURCE_REMOVE;
}

gboolean fake_bluez_drop_connection(FakeBluez *fb, const char *address, guint after_ms,
                                    GError **error)
{
    FbDevice *dev = find_device(fb, address);
    if (!dev) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no simulated device %s", address);
        return FALSE;
    }
    g_clear_handle_id(&dev->drop_id, g_source_remove);
    if (after_ms == 0)
        on_drop(dev);
    else
        dev->drop_id = g_timeout_add(after_ms, on_drop, dev);
    return TRUE;
}
