/* org.bluez.Device1 for one simulated device: appearing in discovery,
 * Connect/Disconnect, ServicesResolved, and the link going down. */
#include <string.h>

#include "sim/fake-bluez-private.h"

static char *device_path(const char *adapter_path, const char *address)
{
    g_autofree char *a = g_strdelimit(g_ascii_strup(address, -1), ":", '_');
    return g_strdup_printf("%s/dev_%s", adapter_path, a);
}

/* The device model's callbacks into the transport. */
static void on_model_notify(SimDevice *model, const char *uuid, GBytes *value, gpointer user_data)
{
    FbDevice *dev = user_data;
    fb_gatt_notify(dev, uuid, value);
    if (dev->battery && mp_uuid_equal(uuid, SIM_UUID_BATTERY_LEVEL) &&
        g_bytes_get_size(value) >= 1) {
        bluez_battery1_set_percentage(dev->battery,
                                      ((const guint8 *)g_bytes_get_data(value, NULL))[0]);
        fb_flush(dev->battery);
    }
}

static void on_model_drop(SimDevice *model, const char *reason, gpointer user_data)
{
    fb_device_link_down(user_data, reason);
}

FbDevice *fb_device_new(FbAdapter *ad, SimDevice *model)
{
    FbDevice *dev = g_new0(FbDevice, 1);
    dev->ad = ad;
    dev->model = model;
    dev->path = device_path(ad->path, sim_device_get_address(model));
    static const SimDeviceCallbacks cb = {.notify = on_model_notify, .drop_link = on_model_drop};
    sim_device_set_callbacks(model, &cb, dev);
    return dev;
}

void fb_device_free(FbDevice *dev)
{
    fb_device_link_down(dev, "exit");
    fb_device_unexport(dev);
    sim_device_free(dev->model);
    g_free(dev->path);
    g_free(dev);
}

gboolean fb_device_is_exported(const FbDevice *dev)
{
    return dev->obj != NULL;
}

static gboolean is_connected(FbDevice *dev)
{
    return dev->skel && bluez_device1_get_connected(dev->skel);
}

static gboolean on_name(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->name_id = 0;
    bluez_device1_set_name(dev->skel, sim_device_get_name(dev->model));
    bluez_device1_set_alias(dev->skel, sim_device_get_name(dev->model));
    fb_flush(dev->skel);
    return G_SOURCE_REMOVE;
}

static gboolean on_services_resolved(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->resolve_id = 0;
    bluez_device1_set_services_resolved(dev->skel, TRUE);
    fb_flush(dev->skel);
    sim_log_event(dev->ad->fb->log, sim_device_get_address(dev->model), "services-resolved", NULL);
    return G_SOURCE_REMOVE;
}

static void add_battery_interface(FbDevice *dev)
{
    /* bluetoothd's battery plugin adds Battery1 once it has read the level. */
    if (!sim_device_has_battery_service(dev->model) || dev->battery)
        return;
    SimDeviceState st;
    sim_device_get_state(dev->model, &st);
    dev->battery = bluez_battery1_skeleton_new();
    bluez_battery1_set_percentage(dev->battery, (guchar)st.battery);
    bluez_battery1_set_source(dev->battery, "GATT Battery Service");
    g_dbus_object_skeleton_add_interface(dev->obj, G_DBUS_INTERFACE_SKELETON(dev->battery));
}

static gboolean on_gatt_export(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->gatt_id = 0;
    fb_gatt_export(dev);
    add_battery_interface(dev);
    if (dev->ad->fb->t.race_1489)
        return G_SOURCE_REMOVE; /* ServicesResolved came first */
    on_services_resolved(dev);
    return G_SOURCE_REMOVE;
}

static gboolean on_resolve(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->resolve_id = 0;
    if (dev->ad->fb->t.race_1489) {
        /* bluez#1489: ServicesResolved=true while the GATT objects are not
         * exported yet; a client must also wait for the characteristics. */
        on_services_resolved(dev);
        dev->gatt_id = g_timeout_add(dev->ad->fb->t.race_delay_ms, on_gatt_export, dev);
        return G_SOURCE_REMOVE;
    }
    return on_gatt_export(dev);
}

static gboolean on_drop_after(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->drop_id = 0;
    fb_device_link_down(dev, "link-loss");
    return G_SOURCE_REMOVE;
}

static gboolean on_connect_done(gpointer user_data)
{
    FbDevice *dev = user_data;
    dev->connect_id = 0;
    g_autoptr(GDBusMethodInvocation) inv = g_steal_pointer(&dev->pending_connect);
    SimDeviceState st;
    sim_device_get_state(dev->model, &st);
    const SimDeviceConfig *cfg = sim_device_get_config(dev->model);
    if (!st.powered || cfg->refuse_connect) {
        /* What bluetoothd says when an LE connection attempt gets nowhere. */
        sim_log_event(dev->ad->fb->log, sim_device_get_address(dev->model), "connect-failed",
                      "reason", !st.powered ? "powered-off" : "refused", NULL);
        fb_return_error(inv, BLUEZ_ERROR_FAILED, "le-connection-abort-by-local");
        return G_SOURCE_REMOVE;
    }
    sim_device_link_up(dev->model);
    dev->temporary = FALSE; /* bluetoothd keeps a device that connected */
    bluez_device1_set_connected(dev->skel, TRUE);
    fb_flush(dev->skel);
    bluez_device1_complete_connect(dev->skel, inv);
    if (cfg->drop_connects > 0) {
        /* Up, then down before anything resolves (real stack: a connect
         * landing in the peripheral's advertisement swap). */
        sim_device_get_config_mut(dev->model)->drop_connects--;
        dev->drop_id = g_timeout_add(20, on_drop_after, dev);
        return G_SOURCE_REMOVE;
    }
    if (cfg->stall_resolve > 0) {
        /* Seen on the real stack: bluetoothd reports the link up ("already
         * connected") but never attaches a GATT client. */
        sim_device_get_config_mut(dev->model)->stall_resolve--;
        sim_log_event(dev->ad->fb->log, sim_device_get_address(dev->model), "resolve-stalled",
                      NULL);
    } else {
        dev->resolve_id = g_timeout_add(dev->ad->fb->t.resolve_delay_ms, on_resolve, dev);
    }
    if (cfg->drop_after_ms)
        dev->drop_id = g_timeout_add(cfg->drop_after_ms, on_drop_after, dev);
    return G_SOURCE_REMOVE;
}

static gboolean on_connect(BluezDevice1 *skel, GDBusMethodInvocation *inv, FbDevice *dev)
{
    if (!bluez_adapter1_get_powered(dev->ad->skel)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_READY, "Resource Not Ready");
        return TRUE;
    }
    if (dev->pending_connect) {
        fb_return_error(inv, BLUEZ_ERROR_IN_PROGRESS, "In Progress");
        return TRUE;
    }
    if (is_connected(dev)) {
        bluez_device1_complete_connect(skel, inv);
        return TRUE;
    }
    dev->pending_connect = g_object_ref(inv);
    dev->connect_id = g_timeout_add(dev->ad->fb->t.connect_delay_ms, on_connect_done, dev);
    return TRUE;
}

static gboolean on_disconnect(BluezDevice1 *skel, GDBusMethodInvocation *inv, FbDevice *dev)
{
    if (!is_connected(dev) && !dev->pending_connect) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_CONNECTED, "Not Connected");
        return TRUE;
    }
    /* bluetoothd answers first and emits Connected=false after (its
     * property changes go out from an idle handler): the same order here. */
    bluez_device1_complete_disconnect(skel, inv);
    fb_device_link_down(dev, "local");
    return TRUE;
}

static gboolean on_not_supported(GDBusInterfaceSkeleton *skel, GDBusMethodInvocation *inv,
                                 gpointer user_data)
{
    fb_return_error(inv, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
    return TRUE;
}

static gboolean on_profile(GDBusInterfaceSkeleton *skel, GDBusMethodInvocation *inv,
                           const char *uuid, gpointer user_data)
{
    return on_not_supported(skel, inv, user_data);
}

void fb_device_heard(FbDevice *dev)
{
    dev->last_seen_us = g_get_monotonic_time();
    if (!dev->obj) {
        fb_device_export(dev);
        return;
    }
    /* bluetoothd sets RSSI from every report; a real signal is never quite
     * steady, so each one differs from the last and is announced. */
    const SimDeviceConfig *cfg = sim_device_get_config(dev->model);
    gint16 rssi = bluez_device1_get_rssi(dev->skel) == cfg->rssi ? cfg->rssi - 1 : cfg->rssi;
    bluez_device1_set_rssi(dev->skel, rssi);
    fb_flush(dev->skel);
}

void fb_device_rssi_clear(FbDevice *dev)
{
    if (!dev->obj || bluez_device1_get_rssi(dev->skel) == 0)
        return;
    /* bluetoothd drops the property (0 is its "unknown"): the next
     * discovery's first report is a change again. */
    bluez_device1_set_rssi(dev->skel, 0);
    fb_flush(dev->skel);
}

void fb_device_export(FbDevice *dev)
{
    if (dev->obj)
        return;
    dev->temporary = TRUE;
    dev->last_seen_us = g_get_monotonic_time();
    FakeBluez *fb = dev->ad->fb;
    const SimDeviceConfig *cfg = sim_device_get_config(dev->model);
    g_autofree char *alias = g_strdelimit(g_strdup(sim_device_get_address(dev->model)), ":", '-');
    dev->skel = bluez_device1_skeleton_new();
    g_object_set(dev->skel, "address", sim_device_get_address(dev->model), "address-type", "public",
                 "name", "", "alias", alias, "icon", "", "class", 0u, "appearance", 0, "uuids",
                 sim_device_get_uuids(dev->model), "paired", FALSE, "bonded", FALSE, "connected",
                 FALSE, "trusted", FALSE, "blocked", FALSE, "wake-allowed", FALSE, "adapter",
                 dev->ad->path, "legacy-pairing", FALSE, "cable-pairing", FALSE, "modalias", "",
                 "rssi", cfg->rssi, "tx-power", 0, "manufacturer-data",
                 g_variant_new_array(G_VARIANT_TYPE("{qv}"), NULL, 0), "service-data",
                 g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0), "services-resolved", FALSE,
                 "advertising-flags", fb_bytes_variant((const guint8 *)"\x06", 1),
                 "advertising-data", g_variant_new_array(G_VARIANT_TYPE("{yv}"), NULL, 0), NULL);
    g_signal_connect(dev->skel, "handle-connect", G_CALLBACK(on_connect), dev);
    g_signal_connect(dev->skel, "handle-disconnect", G_CALLBACK(on_disconnect), dev);
    g_signal_connect(dev->skel, "handle-connect-profile", G_CALLBACK(on_profile), dev);
    g_signal_connect(dev->skel, "handle-disconnect-profile", G_CALLBACK(on_profile), dev);
    g_signal_connect(dev->skel, "handle-pair", G_CALLBACK(on_not_supported), dev);
    g_signal_connect(dev->skel, "handle-cancel-pairing", G_CALLBACK(on_not_supported), dev);
    dev->obj = fb_export(fb, dev->path, dev->skel);
    /* The name may come later, in the scan response. */
    if (fb->t.name_delay_ms)
        dev->name_id = g_timeout_add(fb->t.name_delay_ms, on_name, dev);
    else
        on_name(dev);
    sim_log_event(fb->log, sim_device_get_address(dev->model), "discovered", NULL);
}

/* The reason name of Device1.Disconnected for our link-down reasons. */
static const char *disconnect_reason(const char *reason)
{
    if (g_str_equal(reason, "local") || g_str_equal(reason, "removed") ||
        g_str_equal(reason, "adapter-power-off"))
        return "org.bluez.Reason.Local";
    if (g_str_equal(reason, "link-loss"))
        return "org.bluez.Reason.Timeout";
    if (g_str_equal(reason, "power-off") || g_str_equal(reason, "battery-empty"))
        return "org.bluez.Reason.Remote";
    return "org.bluez.Reason.Unknown";
}

void fb_device_link_down(FbDevice *dev, const char *reason)
{
    g_clear_handle_id(&dev->connect_id, g_source_remove);
    g_clear_handle_id(&dev->resolve_id, g_source_remove);
    g_clear_handle_id(&dev->gatt_id, g_source_remove);
    g_clear_handle_id(&dev->drop_id, g_source_remove);
    if (dev->pending_connect) {
        g_autoptr(GDBusMethodInvocation) inv = g_steal_pointer(&dev->pending_connect);
        fb_return_error(inv, BLUEZ_ERROR_FAILED, "Cancelled");
    }
    fb_gatt_remove(dev);
    if (dev->battery) {
        g_dbus_object_skeleton_remove_interface(dev->obj, G_DBUS_INTERFACE_SKELETON(dev->battery));
        g_clear_object(&dev->battery);
    }
    if (dev->skel && (bluez_device1_get_connected(dev->skel) ||
                      bluez_device1_get_services_resolved(dev->skel))) {
        bluez_device1_set_services_resolved(dev->skel, FALSE);
        fb_flush(dev->skel);
        bluez_device1_set_connected(dev->skel, FALSE);
        fb_flush(dev->skel);
        const char *why = disconnect_reason(reason);
        bluez_device1_emit_disconnected(dev->skel, why, reason);
    }
    sim_device_link_down(dev->model, reason);
}

void fb_device_unexport(FbDevice *dev)
{
    g_clear_handle_id(&dev->name_id, g_source_remove);
    if (!dev->obj)
        return;
    fb_unexport(dev->ad->fb, dev->path);
    g_signal_handlers_disconnect_by_data(dev->skel, dev);
    g_clear_object(&dev->obj);
    g_clear_object(&dev->skel);
}
