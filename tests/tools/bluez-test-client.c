/* bluez-test-client: a long-lived org.bluez client for the integration tests.
 *
 * Discovery and notify sessions belong to the D-Bus client that starts them
 * and end when it leaves the bus, so one-shot gdbus/busctl calls cannot test
 * them. This client runs a script of steps on one connection:
 *
 *   bluez-test-client [--adapter hci0] STEP [ARGS] [-- STEP ARGS]...
 *
 * Steps (ADDR is a device address, UUID a characteristic UUID):
 *   discover ADDR [TIMEOUT_MS]     StartDiscovery, wait for the device object
 *   filter UUID                    SetDiscoveryFilter({UUIDs: [UUID]})
 *   start-discovery | stop-discovery
 *   connect ADDR                   Device1.Connect
 *   wait-resolved ADDR [TIMEOUT_MS] ServicesResolved and the characteristics exported
 *   disconnect ADDR | remove ADDR
 *   read ADDR UUID                 prints the value as hex
 *   write ADDR UUID HEX [command|request]
 *   write-async ADDR UUID HEX [command|request]   sends the write and goes on
 *                                  without its reply (a later step on this
 *                                  connection reaches org.bluez after it)
 *   wait-async [TIMEOUT_MS]        waits for every write-async's reply, printing
 *                                  "async ok" or "async error NAME" for each
 *   notify ADDR UUID               StartNotify
 *   stop-notify ADDR UUID
 *   expect-notify ADDR UUID COUNT [TIMEOUT_MS]   prints each value
 *   acquire-write ADDR UUID HEX... one packet per HEX through the fd; the fd
 *                                  stays open (the lock held) until "release"
 *   release                        closes the acquired write socket
 *   acquire-notify ADDR UUID COUNT [TIMEOUT_MS]  prints each packet
 *   wait-prop ADDR PROPERTY VALUE [TIMEOUT_MS]   a Device1 property, printed form
 *   sleep MS
 *   encode DRIVER COMMAND [VALUE] [SEQ]          prints the frames (no bus)
 *   shape PATH...                  the org.bluez.* interfaces at PATH, one line
 *                                  per method, signal and property (introspection)
 * A step written with a leading '!' must fail: its D-Bus error name is
 * printed ("error NAME") and the script goes on; one that succeeds fails the run.
 * Output: one line per step result; exit status 0 when all went as asked. */
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol/driver.h"
#include "sim/drivers.h"

typedef struct {
    GDBusConnection *conn;
    GDBusObjectManager *om;
    char *adapter_path;
    GQueue notified;      /* GBytes* Values seen, from PropertiesChanged */
    char *watch_char;     /* object path whose Value changes we collect */
    int held_fd;          /* an acquired write socket kept open until "release" */
    gboolean discovering; /* this client holds a discovery session */
    guint async_pending;  /* write-async calls not answered yet */
    GQueue async_done;    /* char*: their results, in reply order */
} Client;

static GMainContext *ctx;

static gboolean timed_out(gpointer p)
{
    *(gboolean *)p = TRUE;
    return G_SOURCE_REMOVE;
}

/* Runs the main context until `cond` holds or `ms` pass. */
static gboolean wait_for(Client *c, gboolean (*cond)(Client *, gpointer), gpointer data, guint ms)
{
    gboolean expired = FALSE;
    guint id = g_timeout_add(ms, timed_out, &expired);
    while (!cond(c, data) && !expired)
        g_main_context_iteration(ctx, TRUE);
    if (!expired)
        g_source_remove(id);
    return cond(c, data);
}

static GDBusProxy *find_iface(Client *c, const char *iface, const char *key, const char *want,
                              const char *under)
{
    GList *objs = g_dbus_object_manager_get_objects(c->om);
    GDBusProxy *found = NULL;
    for (GList *l = objs; l && !found; l = l->next) {
        const char *path = g_dbus_object_get_object_path(l->data);
        if (under && !g_str_has_prefix(path, under))
            continue;
        GDBusInterface *i = g_dbus_object_get_interface(l->data, iface);
        if (!i)
            continue;
        g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(G_DBUS_PROXY(i), key);
        if (v && g_ascii_strcasecmp(g_variant_get_string(v, NULL), want) == 0)
            found = G_DBUS_PROXY(i);
        else
            g_object_unref(i);
    }
    g_list_free_full(objs, g_object_unref);
    return found;
}

static GDBusProxy *find_device(Client *c, const char *addr)
{
    return find_iface(c, "org.bluez.Device1", "Address", addr, c->adapter_path);
}

static GDBusProxy *find_char(Client *c, const char *addr, const char *uuid)
{
    g_autoptr(GDBusProxy) dev = find_device(c, addr);
    if (!dev)
        return NULL;
    g_autofree char *norm = mp_uuid_normalise(uuid, NULL);
    g_autofree char *prefix = g_strconcat(g_dbus_proxy_get_object_path(dev), "/", NULL);
    return find_iface(c, "org.bluez.GattCharacteristic1", "UUID", norm ? norm : uuid, prefix);
}

static gboolean cond_device(Client *c, gpointer addr)
{
    g_autoptr(GDBusProxy) p = find_device(c, addr);
    return p != NULL;
}

typedef struct {
    const char *addr;
    const char *prop;
    const char *value;
} PropWait;

static gboolean cond_prop(Client *c, gpointer data)
{
    PropWait *w = data;
    g_autoptr(GDBusProxy) p = find_device(c, w->addr);
    if (!p)
        return g_str_equal(w->value, "absent");
    g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(p, w->prop);
    if (!v)
        return FALSE;
    g_autofree char *s = g_variant_print(v, FALSE);
    return g_str_equal(s, w->value);
}

static gboolean cond_resolved(Client *c, gpointer addr)
{
    PropWait w = {addr, "ServicesResolved", "true"};
    if (!cond_prop(c, &w))
        return FALSE;
    /* bluez#1489: ServicesResolved can come before the objects; wait for both. */
    g_autoptr(GDBusProxy) dev = find_device(c, addr);
    g_autofree char *prefix = g_strconcat(g_dbus_proxy_get_object_path(dev), "/", NULL);
    GList *objs = g_dbus_object_manager_get_objects(c->om);
    gboolean any = FALSE;
    for (GList *l = objs; l; l = l->next) {
        GDBusInterface *i = g_dbus_object_get_interface(l->data, "org.bluez.GattCharacteristic1");
        if (i && g_str_has_prefix(g_dbus_object_get_object_path(l->data), prefix))
            any = TRUE;
        g_clear_object(&i);
    }
    g_list_free_full(objs, g_object_unref);
    return any;
}

static gboolean cond_never(Client *c, gpointer data)
{
    return FALSE;
}

static gboolean cond_notified(Client *c, gpointer count)
{
    return g_queue_get_length(&c->notified) >= GPOINTER_TO_UINT(count);
}

static void on_props_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *obj, GDBusProxy *iface,
                             GVariant *changed, GStrv invalidated, gpointer user_data)
{
    Client *c = user_data;
    if (!c->watch_char || !g_str_equal(g_dbus_proxy_get_object_path(iface), c->watch_char))
        return;
    g_autoptr(GVariant) v = g_variant_lookup_value(changed, "Value", G_VARIANT_TYPE_BYTESTRING);
    if (v)
        g_queue_push_tail(&c->notified, g_variant_get_data_as_bytes(v));
}

static void print_hex(const char *what, GBytes *b)
{
    gsize n = 0;
    const guint8 *d = g_bytes_get_data(b, &n);
    g_autofree char *hex = n ? mp_hex_format(d, n) : g_strdup("");
    printf("%s %s\n", what, hex);
}

static GVariant *call(Client *c, const char *path, const char *iface, const char *method,
                      GVariant *args, const GVariantType *reply, GUnixFDList **out_fds,
                      GError **error)
{
    return g_dbus_connection_call_with_unix_fd_list_sync(c->conn, "org.bluez", path, iface, method,
                                                         args, reply, G_DBUS_CALL_FLAGS_NONE, 30000,
                                                         NULL, out_fds, NULL, error);
}

static void on_async_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Client *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    g_autofree char *name = error ? g_dbus_error_get_remote_error(error) : NULL;
    g_queue_push_tail(&c->async_done, r ? g_strdup("async ok")
                                        : g_strdup_printf("async error %s", name ? name : "local"));
    c->async_pending--;
}

static gboolean cond_async_done(Client *c, gpointer data)
{
    return c->async_pending == 0;
}

static GVariant *empty_dict(void)
{
    return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

static void print_args(GDBusArgInfo **args)
{
    for (int i = 0; args && args[i]; i++)
        printf("%s%s", i ? "," : "", args[i]->signature);
}

/* The shape bluetoothd's documents give an interface, from introspection:
 * method names and signatures, signals, property types and access. */
static gboolean print_shape(Client *c, const char *path, GError **error)
{
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(
        c->conn, "org.bluez", path, "org.freedesktop.DBus.Introspectable", "Introspect", NULL,
        G_VARIANT_TYPE("(s)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, error);
    if (!r)
        return FALSE;
    const char *xml;
    g_variant_get(r, "(&s)", &xml);
    g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(xml, error);
    if (!node)
        return FALSE;
    static const char *const access[] = {"none", "read", "write", "readwrite"};
    for (int i = 0; node->interfaces && node->interfaces[i]; i++) {
        GDBusInterfaceInfo *in = node->interfaces[i];
        if (!g_str_has_prefix(in->name, "org.bluez."))
            continue;
        printf("interface %s\n", in->name);
        for (int m = 0; in->methods && in->methods[m]; m++) {
            printf("%s method %s(", in->name, in->methods[m]->name);
            print_args(in->methods[m]->in_args);
            printf(")->(");
            print_args(in->methods[m]->out_args);
            printf(")\n");
        }
        for (int s = 0; in->signals && in->signals[s]; s++) {
            printf("%s signal %s(", in->name, in->signals[s]->name);
            print_args(in->signals[s]->args);
            printf(")\n");
        }
        for (int p = 0; in->properties && in->properties[p]; p++)
            printf("%s property %s %s %s\n", in->name, in->properties[p]->name,
                   in->properties[p]->signature, access[in->properties[p]->flags & 3]);
    }
    return TRUE;
}

#define NEED(n)                                                                                    \
    do {                                                                                           \
        if (argc < (n)) {                                                                          \
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: needs %d arguments",  \
                        step, (n));                                                                \
            return FALSE;                                                                          \
        }                                                                                          \
    } while (0)

static guint arg_uint(char **argv, int argc, int i, guint def)
{
    return i < argc ? (guint)g_ascii_strtoull(argv[i], NULL, 10) : def;
}

static gboolean no_object(GError **error, const char *what, const char *addr)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s %s: no such object", what, addr);
    return FALSE;
}

static gboolean run_step(Client *c, const char *step, char **argv, int argc, GError **error)
{
    if (g_str_equal(step, "sleep")) {
        NEED(1);
        wait_for(c, cond_never, NULL, arg_uint(argv, argc, 0, 0));
        printf("slept\n");
        return TRUE;
    }
    if (g_str_equal(step, "release")) {
        if (c->held_fd >= 0)
            close(c->held_fd);
        c->held_fd = -1;
        /* Give the sim time to see the hang-up. */
        wait_for(c, cond_never, NULL, 100);
        printf("released\n");
        return TRUE;
    }
    if (g_str_equal(step, "shape")) {
        for (int i = 0; i < argc; i++)
            if (!print_shape(c, argv[i], error))
                return FALSE;
        return TRUE;
    }
    if (g_str_equal(step, "encode")) {
        NEED(2);
        g_autoptr(SimDrivers) drivers = sim_drivers_new(NULL);
        g_autoptr(MpDriver) d = sim_drivers_lookup(drivers, argv[0], error);
        if (!d)
            return FALSE;
        MpCommand cmd = {0};
        if (!mp_command_kind_from_string(argv[1], &cmd.kind)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown command %s",
                        argv[1]);
            return FALSE;
        }
        cmd.value = argc > 2 ? g_ascii_strtod(argv[2], NULL) : 0;
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        if (!mp_driver_encode(d, &cmd, (guint8)arg_uint(argv, argc, 3, 1), frames, error))
            return FALSE;
        for (guint i = 0; i < frames->len; i++)
            print_hex("frame", frames->pdata[i]);
        return TRUE;
    }
    if (g_str_equal(step, "start-discovery") || g_str_equal(step, "stop-discovery")) {
        g_autoptr(GVariant) r =
            call(c, c->adapter_path, "org.bluez.Adapter1",
                 step[1] == 't' && step[2] == 'a' ? "StartDiscovery" : "StopDiscovery", NULL, NULL,
                 NULL, error);
        if (r) {
            c->discovering = step[2] == 'a';
            printf("ok %s\n", step);
        }
        return r != NULL;
    }
    if (g_str_equal(step, "filter")) {
        NEED(1);
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        const char *uuids[] = {argv[0], NULL};
        g_variant_builder_add(&b, "{sv}", "UUIDs", g_variant_new_strv(uuids, -1));
        g_autoptr(GVariant) r = call(c, c->adapter_path, "org.bluez.Adapter1", "SetDiscoveryFilter",
                                     g_variant_new("(a{sv})", &b), NULL, NULL, error);
        if (r)
            printf("ok filter\n");
        return r != NULL;
    }
    if (g_str_equal(step, "discover")) {
        NEED(1);
        if (!c->discovering) {
            g_autoptr(GVariant) r = call(c, c->adapter_path, "org.bluez.Adapter1", "StartDiscovery",
                                         NULL, NULL, NULL, error);
            if (!r)
                return FALSE;
            c->discovering = TRUE;
        }
        if (!wait_for(c, cond_device, argv[0], arg_uint(argv, argc, 1, 5000))) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "device %s not found", argv[0]);
            return FALSE;
        }
        g_autoptr(GDBusProxy) p = find_device(c, argv[0]);
        g_autoptr(GVariant) rssi = g_dbus_proxy_get_cached_property(p, "RSSI");
        g_autoptr(GVariant) uuids = g_dbus_proxy_get_cached_property(p, "UUIDs");
        g_autofree char *us = uuids ? g_variant_print(uuids, FALSE) : g_strdup("-");
        printf("found %s rssi=%d uuids=%s\n", g_dbus_proxy_get_object_path(p),
               rssi ? g_variant_get_int16(rssi) : 0, us);
        return TRUE;
    }
    if (g_str_equal(step, "wait-prop")) {
        NEED(3);
        PropWait w = {argv[0], argv[1], argv[2]};
        if (!wait_for(c, cond_prop, &w, arg_uint(argv, argc, 3, 5000))) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s %s never became %s", argv[0],
                        argv[1], argv[2]);
            return FALSE;
        }
        printf("ok %s=%s\n", argv[1], argv[2]);
        return TRUE;
    }
    if (g_str_equal(step, "connect") || g_str_equal(step, "disconnect")) {
        NEED(1);
        g_autoptr(GDBusProxy) p = find_device(c, argv[0]);
        if (!p)
            return no_object(error, "device", argv[0]);
        g_autoptr(GVariant) r =
            call(c, g_dbus_proxy_get_object_path(p), "org.bluez.Device1",
                 step[0] == 'c' ? "Connect" : "Disconnect", NULL, NULL, NULL, error);
        if (r)
            printf("ok %s\n", step);
        return r != NULL;
    }
    if (g_str_equal(step, "remove")) {
        NEED(1);
        g_autoptr(GDBusProxy) p = find_device(c, argv[0]);
        if (!p)
            return no_object(error, "device", argv[0]);
        g_autoptr(GVariant) r =
            call(c, c->adapter_path, "org.bluez.Adapter1", "RemoveDevice",
                 g_variant_new("(o)", g_dbus_proxy_get_object_path(p)), NULL, NULL, error);
        if (r)
            printf("ok remove\n");
        return r != NULL;
    }
    if (g_str_equal(step, "wait-async")) {
        gboolean done = wait_for(c, cond_async_done, NULL, arg_uint(argv, argc, 0, 10000));
        char *line;
        while ((line = g_queue_pop_head(&c->async_done))) {
            printf("%s\n", line);
            g_free(line);
        }
        if (!done)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u write-async calls unanswered",
                        c->async_pending);
        return done;
    }
    if (g_str_equal(step, "wait-resolved")) {
        NEED(1);
        if (!wait_for(c, cond_resolved, argv[0], arg_uint(argv, argc, 1, 5000))) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: services not resolved",
                        argv[0]);
            return FALSE;
        }
        printf("ok resolved\n");
        return TRUE;
    }
    /* The characteristic steps. */
    NEED(2);
    g_autoptr(GDBusProxy) ch = find_char(c, argv[0], argv[1]);
    if (!ch)
        return no_object(error, "characteristic", argv[1]);
    const char *path = g_dbus_proxy_get_object_path(ch);
    const char *ci = "org.bluez.GattCharacteristic1";
    if (g_str_equal(step, "read")) {
        g_autoptr(GVariant) r =
            call(c, path, ci, "ReadValue", g_variant_new("(@a{sv})", empty_dict()),
                 G_VARIANT_TYPE("(ay)"), NULL, error);
        if (!r)
            return FALSE;
        g_autoptr(GVariant) v = g_variant_get_child_value(r, 0);
        g_autoptr(GBytes) b = g_variant_get_data_as_bytes(v);
        print_hex("value", b);
        return TRUE;
    }
    if (g_str_equal(step, "write") || g_str_equal(step, "write-async")) {
        NEED(3);
        g_autoptr(GBytes) b = mp_hex_parse(argv[2], error);
        if (!b)
            return FALSE;
        GVariantBuilder o;
        g_variant_builder_init(&o, G_VARIANT_TYPE("a{sv}"));
        if (argc > 3)
            g_variant_builder_add(&o, "{sv}", "type", g_variant_new_string(argv[3]));
        GVariant *args = g_variant_new(
            "(@aya{sv})", g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, b, TRUE), &o);
        if (g_str_equal(step, "write-async")) {
            c->async_pending++;
            g_dbus_connection_call(c->conn, "org.bluez", path, ci, "WriteValue", args, NULL,
                                   G_DBUS_CALL_FLAGS_NONE, 30000, NULL, on_async_reply, c);
            printf("sent write-async\n");
            return TRUE;
        }
        g_autoptr(GVariant) r = call(c, path, ci, "WriteValue", args, NULL, NULL, error);
        if (r)
            printf("ok write\n");
        return r != NULL;
    }
    if (g_str_equal(step, "notify") || g_str_equal(step, "stop-notify")) {
        g_free(c->watch_char);
        c->watch_char = g_strdup(path);
        g_autoptr(GVariant) r = call(c, path, ci, step[0] == 'n' ? "StartNotify" : "StopNotify",
                                     NULL, NULL, NULL, error);
        if (r)
            printf("ok %s\n", step);
        return r != NULL;
    }
    if (g_str_equal(step, "expect-notify")) {
        NEED(3);
        guint count = arg_uint(argv, argc, 2, 1);
        wait_for(c, cond_notified, GUINT_TO_POINTER(count), arg_uint(argv, argc, 3, 5000));
        GBytes *b;
        guint got = 0;
        while (got < count && (b = g_queue_pop_head(&c->notified))) {
            print_hex("notified", b);
            g_bytes_unref(b);
            got++;
        }
        if (got < count) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%u of %u notifications", got,
                        count);
            return FALSE;
        }
        return TRUE;
    }
    if (g_str_equal(step, "acquire-write") || g_str_equal(step, "acquire-notify")) {
        gboolean w = step[8] == 'w';
        g_autoptr(GUnixFDList) fds = NULL;
        g_autoptr(GVariant) r =
            call(c, path, ci, w ? "AcquireWrite" : "AcquireNotify",
                 g_variant_new("(@a{sv})", empty_dict()), G_VARIANT_TYPE("(hq)"), &fds, error);
        if (!r)
            return FALSE;
        gint32 idx;
        guint16 mtu;
        g_variant_get(r, "(hq)", &idx, &mtu);
        int fd = g_unix_fd_list_get(fds, idx, error);
        if (fd < 0)
            return FALSE;
        int type = 0;
        socklen_t tl = sizeof type;
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl);
        printf("acquired mtu=%u seqpacket=%s\n", mtu, type == SOCK_SEQPACKET ? "yes" : "no");
        gboolean ok = TRUE;
        if (w) {
            for (int i = 2; i < argc && ok; i++) {
                g_autoptr(GBytes) b = mp_hex_parse(argv[i], error);
                ok = b && send(fd, g_bytes_get_data(b, NULL), g_bytes_get_size(b), 0) >= 0;
            }
            /* Let the sim read the packets. */
            wait_for(c, cond_never, NULL, 200);
            if (c->held_fd >= 0)
                close(c->held_fd);
            c->held_fd = fd;
            return ok;
        } else {
            NEED(3);
            guint count = arg_uint(argv, argc, 2, 1), timeout = arg_uint(argv, argc, 3, 5000);
            g_autoptr(GSocket) sock = g_socket_new_from_fd(fd, error);
            if (!sock) {
                close(fd);
                return FALSE;
            }
            g_socket_set_timeout(sock, (timeout + 999) / 1000);
            for (guint i = 0; i < count && ok; i++) {
                guint8 buf[517];
                gssize n = g_socket_receive(sock, (char *)buf, sizeof buf, NULL, error);
                ok = n >= 0;
                if (ok) {
                    g_autoptr(GBytes) b = g_bytes_new(buf, (gsize)n);
                    print_hex("packet", b);
                }
            }
            return ok; /* closing the socket releases the lock */
        }
        close(fd);
        return ok;
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown step %s", step);
    return FALSE;
}

int main(int argc, char **argv)
{
    const char *adapter = "hci0";
    int i = 1;
    if (argc > 2 && g_str_equal(argv[1], "--adapter")) {
        adapter = argv[2];
        i = 3;
    }
    Client c = {.held_fd = -1};
    g_queue_init(&c.notified);
    c.adapter_path = g_strdup_printf("/org/bluez/%s", adapter);
    ctx = g_main_context_default();
    g_autoptr(GError) error = NULL;
    gboolean need_bus = !(i < argc && g_str_equal(argv[i], "encode"));
    if (need_bus) {
        c.conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
        if (c.conn)
            c.om = g_dbus_object_manager_client_new_sync(
                c.conn, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE, "org.bluez", "/", NULL, NULL, NULL,
                NULL, &error);
        if (!c.om) {
            fprintf(stderr, "bluez-test-client: %s\n", error->message);
            return 1;
        }
        g_signal_connect(c.om, "interface-proxy-properties-changed", G_CALLBACK(on_props_changed),
                         &c);
    }
    int status = 0;
    while (i < argc) {
        int end = i;
        while (end < argc && !g_str_equal(argv[end], "--"))
            end++;
        const char *step = argv[i];
        gboolean must_fail = step[0] == '!';
        if (must_fail)
            step++;
        g_autoptr(GError) err = NULL;
        gboolean ok = run_step(&c, step, argv + i + 1, end - i - 1, &err);
        if (must_fail) {
            if (ok) {
                printf("unexpected-success %s\n", step);
                status = 1;
            } else {
                g_autofree char *name = g_dbus_error_get_remote_error(err);
                printf("error %s\n", name ? name : "local");
            }
        } else if (!ok) {
            g_autofree char *name = err ? g_dbus_error_get_remote_error(err) : NULL;
            if (err)
                g_dbus_error_strip_remote_error(err);
            printf("failed %s: %s%s%s\n", step, name ? name : "", name ? ": " : "",
                   err ? err->message : "?");
            status = 1;
            break;
        }
        fflush(stdout);
        i = end + 1;
    }
    if (c.held_fd >= 0)
        close(c.held_fd);
    g_queue_clear_full(&c.notified, (GDestroyNotify)g_bytes_unref);
    g_queue_clear_full(&c.async_done, g_free);
    g_clear_object(&c.om);
    g_clear_object(&c.conn);
    g_free(c.watch_char);
    g_free(c.adapter_path);
    return status;
}
