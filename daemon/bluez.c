#include "daemon/bluez.h"

#include <string.h>

#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "protocol/driver.h"

struct _MsdBluez {
    GDBusObjectManager *om;
    char *adapter_path;
    char *adapter_prefix; /* adapter_path + "/" */
    MsdBluezCallbacks cb;
    gpointer user_data;
    gboolean had_owner; /* the last name-owner notification had one */
};

static gboolean under_adapter(MsdBluez *b, const char *path)
{
    return g_str_has_prefix(path, b->adapter_prefix);
}

/* "/org/bluez/hci0/dev_AA/service0010/char0011" -> "/org/bluez/hci0/dev_AA" */
static char *device_path_of(MsdBluez *b, const char *path)
{
    if (!under_adapter(b, path))
        return NULL;
    const char *rest = path + strlen(b->adapter_prefix);
    const char *slash = strchr(rest, '/');
    if (!slash)
        return g_strdup(path);
    return g_strndup(path, (gsize)(slash - path));
}

static void interface_added(MsdBluez *b, GDBusObject *object, GDBusInterface *iface)
{
    const char *path = g_dbus_object_get_object_path(object);
    const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
    if (strcmp(name, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0) {
        msd_info("bluetooth adapter %s present", b->adapter_path);
        b->cb.adapter_changed(b->user_data);
    } else if (strcmp(name, BLUEZ_DEVICE_IFACE) == 0 && under_adapter(b, path)) {
        b->cb.device_added(b->user_data, G_DBUS_PROXY(iface));
    } else if (strcmp(name, BLUEZ_GATT_CHAR_IFACE) == 0 || strcmp(name, BLUEZ_BATTERY_IFACE) == 0) {
        g_autofree char *dev = device_path_of(b, path);
        if (dev && strcmp(name, BLUEZ_GATT_CHAR_IFACE) == 0)
            b->cb.gatt_changed(b->user_data, dev);
        else if (dev) {
            g_autoptr(GVariant) empty =
                g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0));
            b->cb.device_changed(b->user_data, G_DBUS_PROXY(iface), empty);
        }
    }
}

static void interface_removed(MsdBluez *b, GDBusObject *object, GDBusInterface *iface)
{
    const char *path = g_dbus_object_get_object_path(object);
    const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
    if (strcmp(name, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0) {
        msd_warning("bluetooth adapter %s gone", b->adapter_path);
        b->cb.adapter_changed(b->user_data);
    } else if (strcmp(name, BLUEZ_DEVICE_IFACE) == 0 && under_adapter(b, path)) {
        b->cb.device_removed(b->user_data, path);
    } else if (strcmp(name, BLUEZ_GATT_CHAR_IFACE) == 0) {
        g_autofree char *dev = device_path_of(b, path);
        if (dev)
            b->cb.gatt_changed(b->user_data, dev);
    }
}

static void on_object_added(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
    g_autolist(GDBusInterface) ifaces = g_dbus_object_get_interfaces(object);
    for (GList *l = ifaces; l; l = l->next)
        interface_added(user_data, object, l->data);
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *object, gpointer user_data)
{
    g_autolist(GDBusInterface) ifaces = g_dbus_object_get_interfaces(object);
    for (GList *l = ifaces; l; l = l->next)
        interface_removed(user_data, object, l->data);
}

static void on_interface_added(GDBusObjectManager *om, GDBusObject *object, GDBusInterface *iface,
                               gpointer user_data)
{
    interface_added(user_data, object, iface);
}

static void on_interface_removed(GDBusObjectManager *om, GDBusObject *object, GDBusInterface *iface,
                                 gpointer user_data)
{
    interface_removed(user_data, object, iface);
}

static void on_properties_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *object,
                                  GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                                  gpointer user_data)
{
    MsdBluez *b = user_data;
    const char *path = g_dbus_proxy_get_object_path(proxy);
    const char *name = g_dbus_proxy_get_interface_name(proxy);
    if (strcmp(name, BLUEZ_ADAPTER_IFACE) == 0 && strcmp(path, b->adapter_path) == 0)
        b->cb.adapter_changed(b->user_data);
    else if ((strcmp(name, BLUEZ_DEVICE_IFACE) == 0 || strcmp(name, BLUEZ_BATTERY_IFACE) == 0) &&
             under_adapter(b, path))
        b->cb.device_changed(b->user_data, proxy, changed);
}

static void on_name_owner(GObject *om, GParamSpec *pspec, gpointer user_data)
{
    MsdBluez *b = user_data;
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));
    if (owner)
        msd_info("org.bluez is on the bus (%s)", owner);
    else if (b->had_owner)
        msd_warning("org.bluez left the bus: devices are unreachable until it returns");
    /* (GLib also notifies "no owner" on the way from none to a new one.) */
    b->had_owner = owner != NULL;
    b->cb.adapter_changed(b->user_data);
}

MsdBluez *msd_bluez_new(GDBusConnection *conn, const char *adapter,
                        const MsdBluezCallbacks *callbacks, gpointer user_data, GError **error)
{
    /* No auto-start: bluetoothd is started by systemd, and tests run it themselves. */
    GDBusObjectManager *om = g_dbus_object_manager_client_new_sync(
        conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, BLUEZ_BUS_NAME, "/", NULL, NULL,
        NULL, NULL, error);
    if (!om)
        return NULL;
    MsdBluez *b = g_new0(MsdBluez, 1);
    b->om = om;
    b->adapter_path = g_strdup_printf(BLUEZ_ADAPTER_PATH_FMT, adapter);
    b->adapter_prefix = g_strdup_printf("%s/", b->adapter_path);
    b->cb = *callbacks;
    b->user_data = user_data;
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(om));
    b->had_owner = owner != NULL;
    g_signal_connect(om, "object-added", G_CALLBACK(on_object_added), b);
    g_signal_connect(om, "object-removed", G_CALLBACK(on_object_removed), b);
    g_signal_connect(om, "interface-added", G_CALLBACK(on_interface_added), b);
    g_signal_connect(om, "interface-removed", G_CALLBACK(on_interface_removed), b);
    g_signal_connect(om, "interface-proxy-properties-changed", G_CALLBACK(on_properties_changed),
                     b);
    g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_name_owner), b);
    return b;
}

void msd_bluez_free(MsdBluez *b)
{
    if (!b)
        return;
    g_signal_handlers_disconnect_by_data(b->om, b);
    g_object_unref(b->om);
    g_free(b->adapter_path);
    g_free(b->adapter_prefix);
    g_free(b);
}

const char *msd_bluez_adapter_path(MsdBluez *b)
{
    return b->adapter_path;
}

GDBusProxy *msd_bluez_get_interface(MsdBluez *b, const char *path, const char *iface)
{
    GDBusInterface *i = g_dbus_object_manager_get_interface(b->om, path, iface);
    return i ? G_DBUS_PROXY(i) : NULL;
}

GDBusProxy *msd_bluez_get_adapter(MsdBluez *b)
{
    return msd_bluez_get_interface(b, b->adapter_path, BLUEZ_ADAPTER_IFACE);
}

gboolean msd_bluez_adapter_discovering(MsdBluez *b)
{
    g_autoptr(GDBusProxy) a = msd_bluez_get_adapter(b);
    return a && msd_proxy_get_bool(a, "Discovering");
}

GList *msd_bluez_get_devices(MsdBluez *b)
{
    GList *out = NULL;
    g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects(b->om);
    for (GList *l = objects; l; l = l->next) {
        const char *path = g_dbus_object_get_object_path(l->data);
        if (!under_adapter(b, path))
            continue;
        GDBusInterface *i = g_dbus_object_get_interface(l->data, BLUEZ_DEVICE_IFACE);
        if (i)
            out = g_list_prepend(out, i);
    }
    return g_list_reverse(out);
}

GDBusProxy *msd_bluez_find_characteristic(MsdBluez *b, const char *device_path, const char *uuid)
{
    g_autofree char *prefix = g_strdup_printf("%s/", device_path);
    g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects(b->om);
    for (GList *l = objects; l; l = l->next) {
        if (!g_str_has_prefix(g_dbus_object_get_object_path(l->data), prefix))
            continue;
        g_autoptr(GDBusInterface) i = g_dbus_object_get_interface(l->data, BLUEZ_GATT_CHAR_IFACE);
        if (!i)
            continue;
        g_autofree char *u = msd_proxy_get_string(G_DBUS_PROXY(i), "UUID");
        if (u && mp_uuid_equal(u, uuid))
            return G_DBUS_PROXY(g_steal_pointer(&i));
    }
    return NULL;
}

gboolean msd_proxy_get_bool(GDBusProxy *proxy, const char *name)
{
    g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(proxy, name);
    return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean(v);
}

char *msd_proxy_get_string(GDBusProxy *proxy, const char *name)
{
    g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(proxy, name);
    if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
        return NULL;
    return g_variant_dup_string(v, NULL);
}

GStrv msd_proxy_get_strv(GDBusProxy *proxy, const char *name)
{
    g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(proxy, name);
    if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY))
        return NULL;
    return g_variant_dup_strv(v, NULL);
}

void msd_bluez_error_propagate(GError **dest, GError *src, const char *what)
{
    g_autofree char *remote = msd_error_remote_name(src);
    MsdError code = MSD_ERROR_FAILED;
    if (src->domain == MSD_ERROR)
        code = (MsdError)src->code;
    else if (g_error_matches(src, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        code = MSD_ERROR_NOT_CONNECTED;
    else if (remote && (g_str_equal(remote, BLUEZ_ERROR_NOT_READY) ||
                        g_str_equal(remote, BLUEZ_ERROR_NOT_CONNECTED) ||
                        g_str_equal(remote, BLUEZ_ERROR_NOT_AVAILABLE)))
        code = MSD_ERROR_NOT_CONNECTED;
    else if (remote && (g_str_equal(remote, BLUEZ_ERROR_IN_PROGRESS) ||
                        g_str_equal(remote, BLUEZ_ERROR_ALREADY_CONNECTED)))
        code = MSD_ERROR_BUSY;
    else if (remote && g_str_equal(remote, BLUEZ_ERROR_NOT_PERMITTED))
        code = MSD_ERROR_PERMISSION_DENIED;
    else if (remote && g_str_equal(remote, BLUEZ_ERROR_NOT_SUPPORTED))
        code = MSD_ERROR_NOT_SUPPORTED;
    else if (remote && g_str_has_prefix(remote, "org.freedesktop.DBus.Error.ServiceUnknown"))
        code = MSD_ERROR_NOT_CONNECTED;
    else if (remote && g_str_has_prefix(remote, "org.freedesktop.DBus.Error.UnknownObject"))
        code = MSD_ERROR_NOT_FOUND;
    g_autofree char *msg = g_strdup(src->message);
    if (remote)
        g_dbus_error_strip_remote_error(src);
    g_set_error(dest, MSD_ERROR, code, "%s: %s%s%s", what, remote ? remote : "", remote ? ": " : "",
                remote ? src->message : msg);
}

/* Discovery: the filter first (LE only, our UUIDs) so bluetoothd does not
 * report every phone in the room; a bluetoothd without filter support
 * still gets StartDiscovery. */
typedef struct {
    MsdBluez *bluez;
    GDBusProxy *adapter;
} DiscoveryOp;

static void discovery_op_free(DiscoveryOp *op)
{
    g_clear_object(&op->adapter);
    g_free(op);
}

static void on_start_discovery(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r) {
        g_autofree char *remote = msd_error_remote_name(error);
        if (remote && g_str_equal(remote, BLUEZ_ERROR_IN_PROGRESS)) {
            g_task_return_boolean(task, TRUE); /* already discovering: fine */
            return;
        }
        GError *e = NULL;
        msd_bluez_error_propagate(&e, error, "StartDiscovery");
        g_task_return_error(task, e);
        return;
    }
    g_task_return_boolean(task, TRUE);
}

static void on_set_filter(GObject *src, GAsyncResult *res, gpointer user_data)
{
    GTask *task = user_data;
    DiscoveryOp *op = g_task_get_task_data(task);
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r)
        msd_warning("SetDiscoveryFilter failed (scanning unfiltered): %s", error->message);
    g_dbus_proxy_call(op->adapter, "StartDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE, 10000,
                      g_task_get_cancellable(task), on_start_discovery, task);
}

void msd_bluez_start_discovery(MsdBluez *b, const char *const *uuids, GAsyncReadyCallback callback,
                               gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    DiscoveryOp *op = g_new0(DiscoveryOp, 1);
    op->bluez = b;
    op->adapter = msd_bluez_get_adapter(b);
    g_task_set_task_data(task, op, (GDestroyNotify)discovery_op_free);
    if (!op->adapter) {
        g_task_return_new_error(task, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                "no Bluetooth adapter %s (is bluetoothd running?)",
                                b->adapter_path);
        g_object_unref(task);
        return;
    }
    GVariantBuilder filter;
    g_variant_builder_init(&filter, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&filter, "{sv}", "Transport", g_variant_new_string("le"));
    if (uuids && uuids[0])
        g_variant_builder_add(&filter, "{sv}", "UUIDs", g_variant_new_strv(uuids, -1));
    g_dbus_proxy_call(op->adapter, "SetDiscoveryFilter", g_variant_new("(a{sv})", &filter),
                      G_DBUS_CALL_FLAGS_NONE, 10000, NULL, on_set_filter, task);
}

gboolean msd_bluez_start_discovery_finish(MsdBluez *b, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

static void on_stop_discovery(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GTask) task = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r) {
        g_autofree char *remote = msd_error_remote_name(error);
        /* Not discovering (any more) is what we wanted. */
        if (remote && (g_str_equal(remote, BLUEZ_ERROR_NOT_READY) ||
                       g_str_equal(remote, BLUEZ_ERROR_FAILED))) {
            g_task_return_boolean(task, TRUE);
            return;
        }
        GError *e = NULL;
        msd_bluez_error_propagate(&e, error, "StopDiscovery");
        g_task_return_error(task, e);
        return;
    }
    g_task_return_boolean(task, TRUE);
}

void msd_bluez_stop_discovery(MsdBluez *b, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    g_autoptr(GDBusProxy) adapter = msd_bluez_get_adapter(b);
    if (!adapter) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    g_dbus_proxy_call(adapter, "StopDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                      on_stop_discovery, task);
}

gboolean msd_bluez_stop_discovery_finish(MsdBluez *b, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}
