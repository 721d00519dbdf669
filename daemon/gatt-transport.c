#include "daemon/gatt-transport.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/trace.h"
#include "protocol/reference.h"

/* How often a device whose protocol has a battery query is asked. */
#define BATTERY_POLL_MS (60 * 1000)

struct _MsdGattTransport {
    MsdBluez *bluez;
    char *device_path;
    char *address;
    MpDriver *driver;
    const MsdGattTransportCallbacks *cb;
    gpointer user_data;
    gboolean asks_battery;

    GDBusProxy *write_char; /* non-NULL while open */
    GDBusProxy *notify_char;
    int write_fd;
    int notify_fd;
    guint notify_source;
    gulong notify_changed_id;
    guint battery_poll_id;
    GCancellable *cancel; /* renewed at each close */
};

gboolean msd_gatt_driver_can(const MpDriver *driver, MpCommandKind kind)
{
    MpCommand cmd = {.kind = kind};
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    return mp_driver_encode(driver, &cmd, 0, frames, NULL);
}

/* A protocol with a battery query (Lovense-style "Battery;", device files
 * with a Battery command) is asked on connect and every minute. Devices with
 * the standard Battery Service report it themselves (read and notified), and
 * some protocols have no way at all (Theragun): Battery stays -1 there. */
static gboolean driver_queries_battery(const MpDriver *driver)
{
    for (guint i = 0; driver->read_uuids && driver->read_uuids[i]; i++)
        if (mp_uuid_equal(driver->read_uuids[i], MP_REF_BATTERY_LEVEL_UUID))
            return FALSE;
    return msd_gatt_driver_can(driver, MP_CMD_BATTERY);
}

static GDBusProxy *find(MsdGattTransport *t, const char *uuid)
{
    return msd_bluez_find_characteristic(t->bluez, t->device_path, uuid);
}

gboolean msd_gatt_transport_find(MsdGattTransport *t)
{
    g_autoptr(GDBusProxy) w = find(t, t->driver->write_uuid);
    if (!w)
        return FALSE;
    if (!t->driver->notify_uuid)
        return TRUE;
    g_autoptr(GDBusProxy) n = find(t, t->driver->notify_uuid);
    return n != NULL;
}

gboolean msd_gatt_transport_vanished(MsdGattTransport *t)
{
    if (!t->write_char)
        return FALSE;
    g_autoptr(GDBusProxy) w = find(t, t->driver->write_uuid);
    return w == NULL;
}

/* ---- notifications ---- */

static gboolean on_notify_fd(gint fd, GIOCondition cond, gpointer user_data)
{
    MsdGattTransport *t = user_data;
    if (cond & G_IO_IN) {
        guint8 buf[520];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            t->cb->received(t->user_data, t->driver->notify_uuid, buf, (gsize)n);
            return G_SOURCE_CONTINUE;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return G_SOURCE_CONTINUE;
    }
    /* HUP/ERR or EOF: bluetoothd closed the notify socket (disconnect or
     * restart); the Device1 Connected property tells the rest. */
    msd_dev_info(t->address, "notification socket closed");
    t->notify_source = 0;
    close(t->notify_fd);
    t->notify_fd = -1;
    return G_SOURCE_REMOVE;
}

static void on_char_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                                       gpointer user_data)
{
    MsdGattTransport *t = user_data;
    g_autoptr(GVariant) value = g_variant_lookup_value(changed, "Value", G_VARIANT_TYPE_BYTESTRING);
    if (!value)
        return;
    gsize len = 0;
    const guint8 *data = g_variant_get_fixed_array(value, &len, 1);
    t->cb->received(t->user_data, t->driver->notify_uuid, data, len);
}

static void on_start_notify(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        MsdGattTransport *t = user_data;
        g_autoptr(GError) e = NULL;
        msd_bluez_error_propagate(&e, error, "StartNotify");
        msd_dev_warning(t->address, "no notifications: %s", e->message);
    }
}

static void start_notify(MsdGattTransport *t)
{
    t->notify_changed_id = g_signal_connect(t->notify_char, "g-properties-changed",
                                            G_CALLBACK(on_char_properties_changed), t);
    g_dbus_proxy_call(t->notify_char, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, 10000, t->cancel,
                      on_start_notify, t);
}

/* What an AcquireWrite/AcquireNotify call answered (docs: BlueZ's
 * org.bluez.GattCharacteristic.rst): a descriptor and its MTU, or why not.
 * Both callers fall back to the D-Bus method calls when there is none. */
typedef enum { ACQUIRE_CANCELLED, ACQUIRE_FAILED, ACQUIRE_OK } AcquireResult;

static AcquireResult acquire_finish(GObject *src, GAsyncResult *res, const char *method, int *fd,
                                    guint16 *mtu, char **why)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autoptr(GVariant) r =
        g_dbus_proxy_call_with_unix_fd_list_finish(G_DBUS_PROXY(src), &fds, res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return ACQUIRE_CANCELLED;
    *fd = -1;
    if (!r || !fds || g_unix_fd_list_get_length(fds) < 1) {
        g_autoptr(GError) e = NULL;
        if (error)
            msd_bluez_error_propagate(&e, error, method);
        *why = g_strdup(e ? e->message : "no descriptor");
        return ACQUIRE_FAILED;
    }
    gint32 handle = 0;
    g_variant_get(r, "(hq)", &handle, mtu);
    *fd = g_unix_fd_list_get(fds, handle, &error);
    if (*fd < 0) {
        *why = g_strdup(error->message);
        return ACQUIRE_FAILED;
    }
    return ACQUIRE_OK;
}

static void on_acquire_notify(GObject *src, GAsyncResult *res, gpointer user_data)
{
    int fd = -1;
    guint16 mtu = 0;
    g_autofree char *why = NULL;
    AcquireResult got = acquire_finish(src, res, "AcquireNotify", &fd, &mtu, &why);
    if (got == ACQUIRE_CANCELLED)
        return;
    MsdGattTransport *t = user_data;
    if (got == ACQUIRE_FAILED) {
        msd_dev_warning(t->address, "AcquireNotify failed (%s); using StartNotify", why);
        start_notify(t);
        return;
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    t->notify_fd = fd;
    t->notify_source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_notify_fd, t);
    msd_dev_debug(t->address, "notifications through a descriptor (mtu %u)", mtu);
}

static void subscribe_notifications(MsdGattTransport *t)
{
    if (!t->notify_char)
        return;
    g_autoptr(GVariant) acquired =
        g_dbus_proxy_get_cached_property(t->notify_char, "NotifyAcquired");
    if (acquired)
        g_dbus_proxy_call_with_unix_fd_list(t->notify_char, "AcquireNotify",
                                            g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                                            10000, NULL, t->cancel, on_acquire_notify, t);
    else
        start_notify(t);
}

/* ---- initial reads ---- */

typedef struct {
    MsdGattTransport *t;
    char *uuid;
} ReadOp;

static void on_read_value(GObject *src, GAsyncResult *res, gpointer user_data)
{
    ReadOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (r) {
        g_autoptr(GVariant) v = g_variant_get_child_value(r, 0);
        gsize len = 0;
        const guint8 *data = g_variant_get_fixed_array(v, &len, 1);
        op->t->cb->received(op->t->user_data, op->uuid, data, len);
    } else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_autoptr(GError) e = NULL;
        msd_bluez_error_propagate(&e, error, "ReadValue");
        msd_dev_warning(op->t->address, "reading %s: %s", op->uuid, e->message);
    }
    g_free(op->uuid);
    g_free(op);
}

static void read_initial_values(MsdGattTransport *t)
{
    for (guint i = 0; t->driver->read_uuids && t->driver->read_uuids[i]; i++) {
        const char *uuid = t->driver->read_uuids[i];
        g_autoptr(GDBusProxy) c = find(t, uuid);
        if (!c)
            continue;
        ReadOp *op = g_new0(ReadOp, 1);
        op->t = t;
        op->uuid = g_strdup(uuid);
        g_dbus_proxy_call(c, "ReadValue", g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                          10000, t->cancel, on_read_value, op);
    }
}

/* ---- opening ---- */

static gboolean char_has_flag(GDBusProxy *c, const char *flag)
{
    g_auto(GStrv) flags = msd_proxy_get_strv(c, "Flags");
    return flags && g_strv_contains((const char *const *)flags, flag);
}

static void on_acquire_write(GObject *src, GAsyncResult *res, gpointer user_data)
{
    int fd = -1;
    guint16 mtu = 0;
    g_autofree char *why = NULL;
    AcquireResult got = acquire_finish(src, res, "AcquireWrite", &fd, &mtu, &why);
    if (got == ACQUIRE_CANCELLED)
        return;
    MsdGattTransport *t = user_data;
    if (got == ACQUIRE_OK) {
        t->write_fd = fd;
        msd_dev_debug(t->address, "writes through a descriptor (mtu %u)", mtu);
    } else {
        msd_dev_warning(t->address, "AcquireWrite failed (%s); using WriteValue", why);
    }
    /* Open either way: WriteValue works without the descriptor. */
    t->cb->opened(t->user_data);
}

void msd_gatt_transport_open(MsdGattTransport *t)
{
    msd_gatt_transport_close(t);
    t->write_char = find(t, t->driver->write_uuid);
    if (t->driver->notify_uuid)
        t->notify_char = find(t, t->driver->notify_uuid);
    subscribe_notifications(t);
    read_initial_values(t);
    if (t->write_char && t->driver->write_type == MP_WRITE_WITHOUT_RESPONSE &&
        char_has_flag(t->write_char, "write-without-response")) {
        g_dbus_proxy_call_with_unix_fd_list(t->write_char, "AcquireWrite",
                                            g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                                            10000, NULL, t->cancel, on_acquire_write, t);
        return;
    }
    t->cb->opened(t->user_data);
}

void msd_gatt_transport_close(MsdGattTransport *t)
{
    g_cancellable_cancel(t->cancel);
    g_clear_object(&t->cancel);
    t->cancel = g_cancellable_new();
    if (t->notify_source) {
        g_source_remove(t->notify_source);
        t->notify_source = 0;
    }
    if (t->notify_fd >= 0) {
        close(t->notify_fd);
        t->notify_fd = -1;
    }
    if (t->write_fd >= 0) {
        close(t->write_fd);
        t->write_fd = -1;
    }
    if (t->notify_changed_id && t->notify_char)
        g_signal_handler_disconnect(t->notify_char, t->notify_changed_id);
    t->notify_changed_id = 0;
    g_clear_object(&t->write_char);
    g_clear_object(&t->notify_char);
    g_clear_handle_id(&t->battery_poll_id, g_source_remove);
}

/* ---- battery ---- */

static gboolean on_battery_poll(gpointer user_data)
{
    MsdGattTransport *t = user_data;
    t->cb->battery_due(t->user_data);
    return G_SOURCE_CONTINUE;
}

void msd_gatt_transport_start_battery_poll(MsdGattTransport *t)
{
    if (!t->asks_battery || !t->write_char)
        return;
    g_clear_handle_id(&t->battery_poll_id, g_source_remove);
    t->battery_poll_id = g_timeout_add(BATTERY_POLL_MS, on_battery_poll, t);
    t->cb->battery_due(t->user_data);
}

/* ---- writing ---- */

typedef struct {
    char *address;
    MsdTransportDone done;
    gpointer done_data;
} WriteOp;

static void on_write_value(GObject *src, GAsyncResult *res, gpointer user_data)
{
    WriteOp *op = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    g_autoptr(GError) e = NULL;
    if (!r) {
        msd_bluez_error_propagate(&e, error, "WriteValue");
        msd_dev_warning(op->address, "write failed: %s", e->message);
    }
    /* Always owed exactly once; the writer ignores completions it detached. */
    op->done(e, op->done_data);
    g_free(op->address);
    g_free(op);
}

/* One frame: through the AcquireWrite descriptor for write-without-response
 * when we hold one, else WriteValue with the writer's write type. */
static void transport_write(gpointer data, GBytes *frame, MpWriteType type, MsdTransportDone done,
                            gpointer done_data)
{
    MsdGattTransport *t = data;
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data(frame, &len);
    g_autofree char *hex = mp_hex_format(bytes, len);
    msd_trace("write", t->address, hex);
    if (!t->write_char) {
        g_autoptr(GError) e =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s is not connected", t->address);
        done(e, done_data);
        return;
    }
    if (t->write_fd >= 0 && type == MP_WRITE_WITHOUT_RESPONSE) {
        ssize_t n = write(t->write_fd, bytes, len);
        if (n == (ssize_t)len) {
            msd_dev_debug(t->address, "wrote %s (descriptor)", hex);
            done(NULL, done_data);
            return;
        }
        int err = errno;
        msd_dev_warning(t->address, "write through the descriptor failed (%s); using WriteValue",
                        n < 0 ? g_strerror(err) : "short write");
        close(t->write_fd);
        t->write_fd = -1;
    }
    GVariantBuilder opts;
    g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(
        &opts, "{sv}", "type",
        g_variant_new_string(type == MP_WRITE_WITH_RESPONSE ? "request" : "command"));
    GVariant *value = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, len, 1);
    WriteOp *op = g_new0(WriteOp, 1);
    op->address = g_strdup(t->address);
    op->done = done;
    op->done_data = done_data;
    msd_dev_debug(t->address, "writing %s (WriteValue)", hex);
    g_dbus_proxy_call(t->write_char, "WriteValue", g_variant_new("(@aya{sv})", value, &opts),
                      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_write_value, op);
}

const MsdTransport msd_gatt_transport_writer = {.write = transport_write};

/* ---- life ---- */

MsdGattTransport *msd_gatt_transport_new(MsdBluez *bluez, const char *device_path,
                                         const char *address, MpDriver *driver,
                                         const MsdGattTransportCallbacks *callbacks,
                                         gpointer user_data)
{
    MsdGattTransport *t = g_new0(MsdGattTransport, 1);
    t->bluez = bluez;
    t->device_path = g_strdup(device_path);
    t->address = g_strdup(address);
    t->driver = mp_driver_ref(driver);
    t->cb = callbacks;
    t->user_data = user_data;
    t->asks_battery = driver_queries_battery(driver);
    t->write_fd = -1;
    t->notify_fd = -1;
    t->cancel = g_cancellable_new();
    return t;
}

void msd_gatt_transport_free(MsdGattTransport *t)
{
    if (!t)
        return;
    msd_gatt_transport_close(t);
    g_cancellable_cancel(t->cancel);
    g_clear_object(&t->cancel);
    mp_driver_unref(t->driver);
    g_free(t->device_path);
    g_free(t->address);
    g_free(t);
}
