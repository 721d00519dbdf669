/* The GATT application a device model is exported as in peripheral mode:
 * an ObjectManager root with GattService1 and GattCharacteristic1 objects, in
 * the shape bluetoothd expects from an external server (BlueZ's
 * doc/org.bluez.GattCharacteristic.rst, "Server"). bluetoothd adds the CCC
 * descriptors for notify characteristics itself.
 *
 * The device's own notify characteristic carries NotifyAcquired, so
 * bluetoothd takes notifications through a socket pair (AcquireNotify), as it
 * does for any server that offers it; the Battery Level has none and goes
 * through StartNotify and PropertiesChanged on Value. Both paths are thus
 * exercised.
 *
 * WriteAcquired only on request (--acquire-write): bluetoothd 5.66 keeps a
 * pointer to the ATT PDU of the write that triggers AcquireWrite rather than
 * a copy, and writes whatever that buffer holds when the reply comes; writes
 * arriving meanwhile each start another AcquireWrite and fall back to
 * WriteValue. Seen in the VM: a burst lost its first frame (START seq 1) and
 * delivered the second twice. A real device has no such step, so by default
 * every write comes through WriteValue, in order. */
#include <errno.h>
#include <gio/gunixfdlist.h>
#include <string.h>

#include "common/names.h"
#include "sim/acquired-fd.h"
#include "sim/peripheral.h"

static const char gatt_xml[] =
    "<node>"
    " <interface name='org.freedesktop.DBus.ObjectManager'>"
    "  <method name='GetManagedObjects'>"
    "   <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
    "  </method>"
    "  <signal name='InterfacesAdded'><arg type='o'/><arg type='a{sa{sv}}'/></signal>"
    "  <signal name='InterfacesRemoved'><arg type='o'/><arg type='as'/></signal>"
    " </interface>"
    " <interface name='org.bluez.GattService1'>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Primary' type='b' access='read'/>"
    " </interface>"
    " <interface name='org.bluez.GattCharacteristic1'>"
    "  <method name='ReadValue'>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "   <arg name='value' type='ay' direction='out'/>"
    "  </method>"
    "  <method name='WriteValue'>"
    "   <arg name='value' type='ay' direction='in'/>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "  </method>"
    "  <method name='AcquireWrite'>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "   <arg name='fd' type='h' direction='out'/>"
    "   <arg name='mtu' type='q' direction='out'/>"
    "  </method>"
    "  <method name='AcquireNotify'>"
    "   <arg name='options' type='a{sv}' direction='in'/>"
    "   <arg name='fd' type='h' direction='out'/>"
    "   <arg name='mtu' type='q' direction='out'/>"
    "  </method>"
    "  <method name='StartNotify'/>"
    "  <method name='StopNotify'/>"
    "  <method name='Confirm'/>"
    "  <property name='UUID' type='s' access='read'/>"
    "  <property name='Service' type='o' access='read'/>"
    "  <property name='Value' type='ay' access='read'/>"
    "  <property name='Notifying' type='b' access='read'/>"
    "  <property name='Flags' type='as' access='read'/>"
    "  <property name='WriteAcquired' type='b' access='read'/>"
    "  <property name='NotifyAcquired' type='b' access='read'/>"
    " </interface>"
    "</node>";

#define IFACE_OM "org.freedesktop.DBus.ObjectManager"

typedef struct {
    char *path;
    char *uuid;
    guint reg_id;
} PService;

typedef struct {
    SimPeriphApp *app;
    char *path;
    char *uuid;
    const char *service_path;
    SimCharFlags flags;
    gboolean acquirable;    /* offers NotifyAcquired (and WriteAcquired if asked) */
    gboolean acquire_write; /* offers WriteAcquired */
    guint reg_id;
    GBytes *value;
    gboolean notifying;        /* StartNotify session */
    SimAcquiredFd write_sock;  /* AcquireWrite */
    SimAcquiredFd notify_sock; /* AcquireNotify */
} PChar;

struct _SimPeriphApp {
    GDBusConnection *conn;
    char *root;
    SimDevice *dev;
    SimLog *log;
    GDBusNodeInfo *info;
    guint om_id;
    GPtrArray *services; /* PService* */
    GPtrArray *chars;    /* PChar* */
};

static void pservice_free(gpointer p)
{
    PService *s = p;
    g_free(s->path);
    g_free(s->uuid);
    g_free(s);
}

static void pchar_free(gpointer p)
{
    PChar *c = p;
    sim_acquired_fd_release(&c->write_sock);
    sim_acquired_fd_release(&c->notify_sock);
    g_clear_pointer(&c->value, g_bytes_unref);
    g_free(c->path);
    g_free(c->uuid);
    g_free(c);
}

static GVariant *char_flags(const PChar *c)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("as"));
    if (c->flags & SIM_CHAR_READ)
        g_variant_builder_add(&b, "s", "read");
    if (c->flags & SIM_CHAR_WRITE)
        g_variant_builder_add(&b, "s", "write");
    if (c->flags & SIM_CHAR_WRITE_NR)
        g_variant_builder_add(&b, "s", "write-without-response");
    if (c->flags & SIM_CHAR_NOTIFY)
        g_variant_builder_add(&b, "s", "notify");
    return g_variant_builder_end(&b);
}

static GVariant *bytes_variant(GBytes *b)
{
    gsize len = 0;
    const guint8 *data = b ? g_bytes_get_data(b, &len) : NULL;
    return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, data ? data : (const guint8 *)"", len, 1);
}

/* The property, or NULL when the object does not have it: bluetoothd
 * decides whether to acquire by the presence of WriteAcquired and
 * NotifyAcquired, so characteristics that do not offer them leave them out. */
static GVariant *char_property(const PChar *c, const char *name)
{
    if (g_str_equal(name, "UUID"))
        return g_variant_new_string(c->uuid);
    if (g_str_equal(name, "Service"))
        return g_variant_new_object_path(c->service_path);
    if (g_str_equal(name, "Value"))
        return bytes_variant(c->value);
    if (g_str_equal(name, "Notifying"))
        return (c->flags & SIM_CHAR_NOTIFY) ? g_variant_new_boolean(c->notifying) : NULL;
    if (g_str_equal(name, "Flags"))
        return char_flags(c);
    if (g_str_equal(name, "WriteAcquired"))
        return c->acquire_write && (c->flags & SIM_CHAR_WRITE_NR)
                   ? g_variant_new_boolean(sim_acquired_fd_held(&c->write_sock))
                   : NULL;
    if (g_str_equal(name, "NotifyAcquired"))
        return c->acquirable && (c->flags & SIM_CHAR_NOTIFY)
                   ? g_variant_new_boolean(sim_acquired_fd_held(&c->notify_sock))
                   : NULL;
    return NULL;
}

static const char *const char_props[] = {"UUID",  "Service",       "Value",         "Notifying",
                                         "Flags", "WriteAcquired", "NotifyAcquired"};

static GVariant *char_all_props(const PChar *c)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
    for (gsize i = 0; i < G_N_ELEMENTS(char_props); i++) {
        GVariant *v = char_property(c, char_props[i]);
        if (v)
            g_variant_builder_add(&b, "{sv}", char_props[i], v);
    }
    return g_variant_builder_end(&b);
}

static void emit_changed(PChar *c, const char *name)
{
    GVariant *v = char_property(c, name);
    if (!v)
        return;
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&b, "{sv}", name, v);
    g_dbus_connection_emit_signal(
        c->app->conn, NULL, c->path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        g_variant_new("(sa{sv}as)", BLUEZ_GATT_CHAR_IFACE, &b, NULL), NULL);
}

/* ---- ObjectManager at the root ---- */

static void om_method(GDBusConnection *conn, const char *sender, const char *path,
                      const char *iface, const char *method, GVariant *params,
                      GDBusMethodInvocation *inv, gpointer user_data)
{
    SimPeriphApp *app = user_data;
    GVariantBuilder objs;
    g_variant_builder_init(&objs, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
    for (guint i = 0; i < app->services->len; i++) {
        PService *s = app->services->pdata[i];
        g_variant_builder_add(&objs, "{o@a{sa{sv}}}", s->path,
                              g_variant_new_parsed("{%s: {'UUID': <%s>, 'Primary': <true>}}",
                                                   BLUEZ_GATT_SERVICE_IFACE, s->uuid));
    }
    for (guint i = 0; i < app->chars->len; i++) {
        PChar *c = app->chars->pdata[i];
        GVariantBuilder ifs;
        g_variant_builder_init(&ifs, G_VARIANT_TYPE("a{sa{sv}}"));
        g_variant_builder_add(&ifs, "{s@a{sv}}", BLUEZ_GATT_CHAR_IFACE, char_all_props(c));
        g_variant_builder_add(&objs, "{oa{sa{sv}}}", c->path, &ifs);
    }
    g_dbus_method_invocation_return_value(inv, g_variant_new("(a{oa{sa{sv}}})", &objs));
}

static const GDBusInterfaceVTable om_vtable = {.method_call = om_method};

/* ---- GattService1 ---- */

static GVariant *svc_get(GDBusConnection *conn, const char *sender, const char *path,
                         const char *iface, const char *prop, GError **error, gpointer user_data)
{
    PService *s = user_data;
    if (g_str_equal(prop, "UUID"))
        return g_variant_new_string(s->uuid);
    if (g_str_equal(prop, "Primary"))
        return g_variant_new_boolean(TRUE);
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
    return NULL;
}

static const GDBusInterfaceVTable svc_vtable = {.get_property = svc_get};

/* ---- GattCharacteristic1 ---- */

static const char *opt_device(GVariant *options)
{
    const char *dev = NULL;
    if (!g_variant_lookup(options, "device", "&o", &dev))
        return NULL;
    return dev;
}

static guint16 opt_mtu(GVariant *options)
{
    guint16 mtu = 0;
    if (!g_variant_lookup(options, "mtu", "q", &mtu))
        return 23; /* the ATT default */
    return mtu;
}

static void write_to_model(PChar *c, const guint8 *data, gsize len, GDBusMethodInvocation *inv)
{
    g_autoptr(GError) error = NULL;
    /* A write means a central is connected, even if bluetoothd's Connected
     * signal has not reached us yet. */
    if (!sim_device_is_connected(c->app->dev))
        sim_device_link_up(c->app->dev);
    if (!sim_device_write(c->app->dev, c->uuid, data, len, &error)) {
        if (inv)
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_NOT_PERMITTED,
                                                       error->message);
        else
            g_warning("peripheral: %s", error->message);
        return;
    }
    if (inv)
        g_dbus_method_invocation_return_value(inv, NULL);
}

/* A packet from bluetoothd on an acquired write socket: one ATT write. */
static void on_write_packet(const guint8 *data, gsize len, gpointer user_data)
{
    write_to_model(user_data, data, len, NULL);
}

/* bluetoothd closed an acquired socket (the link went down). */
static void on_write_released(gpointer user_data)
{
    emit_changed(user_data, "WriteAcquired");
}

static void on_notify_released(gpointer user_data)
{
    emit_changed(user_data, "NotifyAcquired");
}

/* Makes a socket pair, keeps one end and hands the other to bluetoothd. */
static void acquire(PChar *c, gboolean for_write, GVariant *options, GDBusMethodInvocation *inv)
{
    g_autoptr(GUnixFDList) fds = sim_acquired_fd_open(
        for_write ? &c->write_sock : &c->notify_sock, inv,
        for_write ? "Write already acquired" : "Notify already acquired", TRUE);
    if (!fds)
        return;
    guint16 mtu = opt_mtu(options);
    const char *device = opt_device(options);
    g_autofree char *mtu_s = g_strdup_printf("%u", mtu);
    sim_log_event(c->app->log, sim_device_get_address(c->app->dev),
                  for_write ? "acquire-write" : "acquire-notify", "char", c->uuid, "mtu", mtu_s,
                  "device", device ? device : "", NULL);
    sim_acquired_fd_reply(inv, fds, mtu);
    emit_changed(c, for_write ? "WriteAcquired" : "NotifyAcquired");
}

static void char_method(GDBusConnection *conn, const char *sender, const char *path,
                        const char *iface, const char *method, GVariant *params,
                        GDBusMethodInvocation *inv, gpointer user_data)
{
    PChar *c = user_data;
    SimDevice *dev = c->app->dev;
    if (g_str_equal(method, "ReadValue")) {
        g_autoptr(GVariant) options = NULL;
        g_variant_get(params, "(@a{sv})", &options);
        guint16 offset = 0;
        g_variant_lookup(options, "offset", "q", &offset);
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) value = sim_device_read(dev, c->uuid, &error);
        if (!value) {
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_NOT_PERMITTED,
                                                       error->message);
            return;
        }
        gsize len = g_bytes_get_size(value);
        if (offset > len) {
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_INVALID_OFFSET,
                                                       "offset beyond the value");
            return;
        }
        g_autoptr(GBytes) tail = g_bytes_new_from_bytes(value, offset, len - offset);
        g_dbus_method_invocation_return_value(inv, g_variant_new("(@ay)", bytes_variant(tail)));
        return;
    }
    if (g_str_equal(method, "WriteValue")) {
        g_autoptr(GVariant) value = NULL;
        g_autoptr(GVariant) options = NULL;
        g_variant_get(params, "(@ay@a{sv})", &value, &options);
        guint16 offset = 0;
        g_variant_lookup(options, "offset", "q", &offset);
        if (offset != 0) {
            /* Every frame of every protocol here fits one ATT write. */
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_INVALID_OFFSET,
                                                       "long writes are not supported");
            return;
        }
        gsize len = 0;
        const guint8 *data = g_variant_get_fixed_array(value, &len, 1);
        write_to_model(c, data, len, inv);
        return;
    }
    if (g_str_equal(method, "AcquireWrite") || g_str_equal(method, "AcquireNotify")) {
        gboolean w = g_str_equal(method, "AcquireWrite");
        if (!(w ? c->acquire_write : c->acquirable) ||
            !(c->flags & (w ? SIM_CHAR_WRITE_NR : SIM_CHAR_NOTIFY))) {
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_NOT_SUPPORTED,
                                                       "not offered on this characteristic");
            return;
        }
        g_autoptr(GVariant) options = NULL;
        g_variant_get(params, "(@a{sv})", &options);
        acquire(c, w, options, inv);
        return;
    }
    if (g_str_equal(method, "StartNotify") || g_str_equal(method, "StopNotify")) {
        if (!(c->flags & SIM_CHAR_NOTIFY)) {
            g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_NOT_SUPPORTED,
                                                       "the characteristic does not notify");
            return;
        }
        gboolean on = g_str_equal(method, "StartNotify");
        if (c->notifying != on) {
            c->notifying = on;
            sim_log_event(c->app->log, sim_device_get_address(dev),
                          on ? "start-notify" : "stop-notify", "char", c->uuid, NULL);
            emit_changed(c, "Notifying");
        }
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    /* Confirm: an indication was confirmed; we only notify. */
    g_dbus_method_invocation_return_value(inv, NULL);
}

static GVariant *char_get(GDBusConnection *conn, const char *sender, const char *path,
                          const char *iface, const char *prop, GError **error, gpointer user_data)
{
    GVariant *v = char_property(user_data, prop);
    if (!v)
        g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
    return v;
}

static const GDBusInterfaceVTable char_vtable = {.method_call = char_method,
                                                 .get_property = char_get};

/* The model notifies: through the acquired socket if bluetoothd took one,
 * else as a Value change if a StartNotify session is on, else nowhere (no
 * central subscribed; a real device drops it too). */
static void on_model_notify(SimDevice *dev, const char *uuid, GBytes *value, gpointer user_data)
{
    SimPeriphApp *app = user_data;
    for (guint i = 0; i < app->chars->len; i++) {
        PChar *c = app->chars->pdata[i];
        if (!mp_uuid_equal(c->uuid, uuid))
            continue;
        g_clear_pointer(&c->value, g_bytes_unref);
        c->value = g_bytes_ref(value);
        if (sim_acquired_fd_held(&c->notify_sock)) {
            gsize len = 0;
            const guint8 *data = g_bytes_get_data(value, &len);
            if (!sim_acquired_fd_send(&c->notify_sock, data, len))
                g_warning("peripheral: notify %s: %s", c->uuid, g_strerror(errno));
        } else if (c->notifying) {
            emit_changed(c, "Value");
        }
        return;
    }
}

static void on_model_drop(SimDevice *dev, const char *reason, gpointer user_data)
{
    /* A real device powering off ends the link; here the sim can only stop
     * serving it: the central sees its writes go nowhere. The model has
     * already stopped the motor. */
    sim_device_link_down(dev, reason);
}

static PService *add_service(SimPeriphApp *app, const char *uuid)
{
    for (guint i = 0; i < app->services->len; i++) {
        PService *s = app->services->pdata[i];
        if (g_str_equal(s->uuid, uuid))
            return s;
    }
    PService *s = g_new0(PService, 1);
    s->uuid = g_strdup(uuid);
    s->path = g_strdup_printf("%s/service%u", app->root, app->services->len);
    g_ptr_array_add(app->services, s);
    return s;
}

SimPeriphApp *sim_periph_app_new(GDBusConnection *conn, const char *root, SimDevice *dev,
                                 SimLog *log, gboolean acquire_write, GError **error)
{
    g_autoptr(SimPeriphApp) app = g_new0(SimPeriphApp, 1);
    app->conn = g_object_ref(conn);
    app->root = g_strdup(root);
    app->dev = dev;
    app->log = log;
    app->services = g_ptr_array_new_with_free_func(pservice_free);
    app->chars = g_ptr_array_new_with_free_func(pchar_free);
    app->info = g_dbus_node_info_new_for_xml(gatt_xml, error);
    if (!app->info)
        return NULL;
    GPtrArray *gatt = sim_device_get_gatt(dev);
    for (guint i = 0; i < gatt->len; i++) {
        const SimGattChar *gc = gatt->pdata[i];
        PService *s = add_service(app, gc->service_uuid);
        PChar *c = g_new0(PChar, 1);
        c->app = app;
        c->uuid = g_strdup(gc->uuid);
        c->service_path = s->path;
        c->flags = gc->flags;
        sim_acquired_fd_init(&c->write_sock, on_write_packet, on_write_released, c);
        sim_acquired_fd_init(&c->notify_sock, NULL, on_notify_released, c);
        c->acquirable = !mp_uuid_equal(gc->uuid, SIM_UUID_BATTERY_LEVEL);
        c->acquire_write = c->acquirable && acquire_write;
        c->path = g_strdup_printf("%s/char%u", s->path, i);
        g_ptr_array_add(app->chars, c);
    }
    GDBusInterfaceInfo *om = g_dbus_node_info_lookup_interface(app->info, IFACE_OM);
    GDBusInterfaceInfo *svc =
        g_dbus_node_info_lookup_interface(app->info, BLUEZ_GATT_SERVICE_IFACE);
    GDBusInterfaceInfo *chr = g_dbus_node_info_lookup_interface(app->info, BLUEZ_GATT_CHAR_IFACE);
    app->om_id = g_dbus_connection_register_object(conn, root, om, &om_vtable, app, NULL, error);
    if (!app->om_id)
        return NULL;
    for (guint i = 0; i < app->services->len; i++) {
        PService *s = app->services->pdata[i];
        s->reg_id =
            g_dbus_connection_register_object(conn, s->path, svc, &svc_vtable, s, NULL, error);
        if (!s->reg_id)
            return NULL;
    }
    for (guint i = 0; i < app->chars->len; i++) {
        PChar *c = app->chars->pdata[i];
        c->reg_id =
            g_dbus_connection_register_object(conn, c->path, chr, &char_vtable, c, NULL, error);
        if (!c->reg_id)
            return NULL;
    }
    SimDeviceCallbacks cb = {.notify = on_model_notify, .drop_link = on_model_drop};
    sim_device_set_callbacks(dev, &cb, app);
    return g_steal_pointer(&app);
}

void sim_periph_app_reset(SimPeriphApp *app)
{
    for (guint i = 0; i < app->chars->len; i++) {
        PChar *c = app->chars->pdata[i];
        if (sim_acquired_fd_release(&c->write_sock))
            on_write_released(c);
        if (sim_acquired_fd_release(&c->notify_sock))
            on_notify_released(c);
        if (c->notifying) {
            c->notifying = FALSE;
            emit_changed(c, "Notifying");
        }
    }
}

void sim_periph_app_free(SimPeriphApp *app)
{
    if (!app)
        return;
    if (app->dev) {
        SimDeviceCallbacks none = {0};
        sim_device_set_callbacks(app->dev, &none, NULL);
    }
    for (guint i = 0; app->chars && i < app->chars->len; i++) {
        PChar *c = app->chars->pdata[i];
        if (c->reg_id)
            g_dbus_connection_unregister_object(app->conn, c->reg_id);
    }
    for (guint i = 0; app->services && i < app->services->len; i++) {
        PService *s = app->services->pdata[i];
        if (s->reg_id)
            g_dbus_connection_unregister_object(app->conn, s->reg_id);
    }
    if (app->om_id)
        g_dbus_connection_unregister_object(app->conn, app->om_id);
    g_clear_pointer(&app->chars, g_ptr_array_unref);
    g_clear_pointer(&app->services, g_ptr_array_unref);
    g_clear_pointer(&app->info, g_dbus_node_info_unref);
    g_clear_object(&app->conn);
    g_free(app->root);
    g_free(app);
}

const char *sim_periph_app_get_root(const SimPeriphApp *app)
{
    return app->root;
}
