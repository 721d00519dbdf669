#include "daemon/device.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon-private.h"
#include "daemon/log.h"
#include "daemon/motion-gate.h"
#include "daemon/msd-error.h"
#include "daemon/session.h"
#include "daemon/trace.h"
#include "daemon/writer.h"
#include "protocol/reference.h"

/* How long to wait after Connect returns for ServicesResolved and the
 * driver's characteristics (BlueZ exports them after ServicesResolved in
 * some versions, before it in others: bluez#1489). */
#define READY_TIMEOUT_MS 10000
/* Services resolved but the driver's characteristics missing: bluetoothd
 * exports them with or just after ServicesResolved (bluez#1489), so after
 * this long they are not coming on this link (a stale GATT cache, a device
 * whose application is gone). */
#define RESOLVED_WAIT_MS       3000
#define CONNECT_TIMEOUT_MS     30000
#define CONNECT_RETRY_DELAY_MS 300
/* How often a device whose protocol has a battery query is asked. */
#define BATTERY_POLL_MS (60 * 1000)

struct _MsdDevice {
    MsdDaemon *daemon;
    char *path;
    char *bluez_path;
    char *address;
    GDBusProxy *proxy; /* org.bluez.Device1, NULL while BlueZ has no object */
    MpDriver *driver;
    GDBusObjectSkeleton *object;
    MsdDevice1 *skel;
    MsdDeviceState state;

    /* Connecting. */
    GList *waiters; /* GTask* */
    guint connect_attempt;
    gboolean connect_in_flight;
    guint ready_timeout_id;
    gboolean resolved_wait; /* ready_timeout_id is the shorter RESOLVED_WAIT_MS */
    guint retry_id;
    gboolean want_connected; /* a drop is unexpected: reconnect */
    guint reconnect_id;
    guint64 backoff_ms;
    gint64 dropped_at_us;

    /* Transport. */
    GDBusProxy *write_char;
    GDBusProxy *notify_char;
    int write_fd;
    int notify_fd;
    guint notify_source;
    guint16 notify_mtu;
    gulong notify_changed_id;
    guint battery_poll_id;
    /* What its driver lets us ask after connecting (fixed per driver). */
    gboolean asks_status;
    gboolean asks_battery;
    /* Coalescing, minimum gap, keepalive and stop priority (daemon/writer.h);
     * this file is its transport. */
    MsdWriter *writer;
    gboolean freeing;

    /* Every motor level passes here (daemon/motion-gate.h). */
    MsdMotionGate *gate;
    /* The device stopped itself; levels are ignored until the session
     * paused (an idle away, so no engine callback re-enters the engine). */
    gboolean held;
    guint held_idle_id;
    char *held_why;
    guint record_fail_id; /* the in-motion record could not be written */
    /* Telling the device's own stop from an answer: status queries sent
     * and not yet answered, and an ERROR seen whose STATE is still to come. */
    guint status_pending;
    gboolean error_pending;
    gboolean moving_at_drop; /* the link dropped while the motor ran */

    MsdSession *session;
    GCancellable *cancel;
};

static void device_teardown_transport(MsdDevice *dev);
static void device_try_connect(MsdDevice *dev);
static void device_check_ready(MsdDevice *dev);

const char *msd_device_state_to_string(MsdDeviceState state)
{
    static const char *const names[] = {"discovered",    "connecting",   "ready", "running",
                                        "disconnecting", "reconnecting", "lost"};
    return names[state];
}

gboolean msd_device_needs_scan(MsdDevice *dev)
{
    return dev->state == MSD_DEVICE_RECONNECTING && !dev->proxy;
}

static void set_state(MsdDevice *dev, MsdDeviceState state)
{
    if (dev->state == state)
        return;
    msd_dev_info(dev->address, "state %s -> %s", msd_device_state_to_string(dev->state),
                 msd_device_state_to_string(state));
    dev->state = state;
    msd_device1_set_state(dev->skel, msd_device_state_to_string(state));
    msd_device1_set_connected(dev->skel, state == MSD_DEVICE_READY || state == MSD_DEVICE_RUNNING);
}

const char *msd_device_get_path(MsdDevice *dev)
{
    return dev->path;
}
const char *msd_device_get_address(MsdDevice *dev)
{
    return dev->address;
}
MpDriver *msd_device_get_driver(MsdDevice *dev)
{
    return dev->driver;
}
MsdDeviceState msd_device_get_state(MsdDevice *dev)
{
    return dev->state;
}
gboolean msd_device_is_ready(MsdDevice *dev)
{
    return dev->state == MSD_DEVICE_READY || dev->state == MSD_DEVICE_RUNNING;
}
GDBusObjectSkeleton *msd_device_get_object(MsdDevice *dev)
{
    return dev->object;
}
MsdSession *msd_device_get_session(MsdDevice *dev)
{
    return dev->session;
}

void msd_device_set_session(MsdDevice *dev, MsdSession *session, const char *session_path)
{
    dev->session = session;
    msd_device1_set_session(dev->skel, session_path ? session_path : "/");
}

static void device_publish_level(MsdDevice *dev, double percent)
{
    msd_device1_set_intensity(dev->skel, percent);
    if (dev->state == MSD_DEVICE_READY && percent > 0)
        set_state(dev, MSD_DEVICE_RUNNING);
    else if (dev->state == MSD_DEVICE_RUNNING && percent <= 0)
        set_state(dev, MSD_DEVICE_READY);
}

/* ---- the motion gate ---- */

static void device_send_stop(MsdDevice *dev, MsdWriteDone done, gpointer user_data);

/* The in-motion record (daemon/motion-record.h) holds the device before its
 * first motion frame: a massaged that dies after this point finds it at its
 * next start and stops it. */
static gboolean record_motion(MsdDevice *dev, GError **error)
{
    MsdMotionRecord *rec = dev->daemon->motion;
    if (!rec || msd_motion_record_contains(rec, dev->address))
        return TRUE;
    return msd_motion_record_add(rec, dev->address, dev->driver->name, error);
}

static gboolean on_record_failed(gpointer data)
{
    MsdDevice *dev = data;
    dev->record_fail_id = 0;
    if (dev->session)
        msd_device_stop(dev, "error", NULL, NULL);
    return G_SOURCE_REMOVE;
}

static gboolean on_held_idle(gpointer data)
{
    MsdDevice *dev = data;
    dev->held_idle_id = 0;
    g_autofree char *why = g_steal_pointer(&dev->held_why);
    /* The session pauses: from now on only a person's Resume moves the motor. */
    if (dev->session)
        msd_session_device_stopped(dev->session, why);
    dev->held = FALSE;
    return G_SOURCE_REMOVE;
}

/* The device stopped its motor by itself (its button, its watchdog, an error,
 * or we were silent longer than its watchdog allows): its word is final. No
 * ramp goes on, a stop confirms it, and the session pauses. */
static void device_stopped_itself(MsdDevice *dev, const char *why)
{
    msd_dev_warning(dev->address, "the device stopped by itself (%s): pausing", why);
    msd_trace("device-stopped", dev->address, why);
    device_send_stop(dev, NULL, NULL);
    if (!dev->session)
        return; /* manual control: the next SetIntensity is a person's */
    dev->held = TRUE;
    g_free(dev->held_why);
    dev->held_why = g_strdup_printf("device-stopped: %s", why);
    if (!dev->held_idle_id)
        dev->held_idle_id = g_idle_add(on_held_idle, dev);
}

/* A device with a watchdog may have stopped after we were silent for twice
 * its keepalive period (the shortest watchdog its protocol allows): a daemon
 * frozen (SIGSTOP, a stall) must not carry on as if it ran. */
static gboolean silence_stopped_it(MsdDevice *dev)
{
    gint64 silence_us = msd_writer_take_longest_silence(dev->writer);
    guint keepalive = dev->driver->keepalive_ms;
    if (!keepalive || silence_us <= (gint64)keepalive * 2 * 1000)
        return FALSE;
    g_autofree char *why =
        g_strdup_printf("massaged sent nothing for %" G_GINT64_FORMAT
                        " ms, longer than its watchdog allows (%u ms)",
                        silence_us / 1000, keepalive * 2);
    device_stopped_itself(dev, why);
    return TRUE;
}

static void on_gate_emit(double level, gboolean from_rest, gpointer data)
{
    MsdDevice *dev = data;
    if (level <= 0) {
        /* A programme's rest step: intensity 0 stops every driver's motor;
         * the in-motion record keeps the device until a stop proper. */
        msd_writer_set_intensity(dev->writer, 0);
        device_publish_level(dev, 0);
        return;
    }
    if (!msd_writer_is_connected(dev->writer)) {
        msd_motion_gate_rest(dev->gate);
        return;
    }
    if (!from_rest && silence_stopped_it(dev))
        return;
    g_autoptr(GError) error = NULL;
    if (!record_motion(dev, &error)) {
        /* Never move a motor that a crash could leave running unknown. */
        msd_dev_warning(dev->address, "not starting: %s", error->message);
        device_send_stop(dev, NULL, NULL);
        if (!dev->record_fail_id)
            dev->record_fail_id = g_idle_add(on_record_failed, dev);
        return;
    }
    msd_writer_set_intensity(dev->writer, level);
    device_publish_level(dev, level);
}

void msd_device_set_level(MsdDevice *dev, double percent, gboolean step_edge)
{
    if (dev->held || !msd_device_is_ready(dev))
        return;
    msd_motion_gate_request(dev->gate, percent, step_edge);
}

gboolean msd_device_may_be_moving(MsdDevice *dev)
{
    if (msd_device_is_ready(dev) && msd_motion_gate_get_level(dev->gate) > 0)
        return TRUE;
    if (dev->moving_at_drop)
        return TRUE;
    return dev->daemon->motion && msd_motion_record_contains(dev->daemon->motion, dev->address);
}

/* ---- waiters ---- */

static void finish_waiters(MsdDevice *dev, const GError *error)
{
    GList *waiters = g_steal_pointer(&dev->waiters);
    for (GList *l = waiters; l; l = l->next) {
        GTask *t = l->data;
        if (error)
            g_task_return_error(t, g_error_copy(error));
        else
            g_task_return_boolean(t, TRUE);
        g_object_unref(t);
    }
    g_list_free(waiters);
}

/* ---- notifications ---- */

/* Does this reading say the motor stopped without us asking? An explicit
 * stop report (MP_READING_STOPPED: the reference protocol's 0x10-0x14) does.
 * A state saying "not running" while we drive the motor does too, unless it
 * answers our own status query, or the device reports its state after every
 * frame (then it is the answer to our stop, and its own stops come with an
 * ERROR first: docs/protocol.md §8, "an unknown code followed by a STATE
 * saying stopped is a stop"). */
static void note_self_stop(MsdDevice *dev, const MpReading *r)
{
    gboolean moving = !dev->held && msd_device_is_ready(dev) &&
                      msd_motion_gate_get_level(dev->gate) > 0;
    g_autofree char *why = NULL;
    if (r->fields & MP_READING_STOPPED) {
        why = g_strdup_printf("it reports error 0x%02x, a stop of its own", r->error_code);
    } else if (r->fields & MP_READING_ERROR) {
        dev->error_pending = TRUE;
    }
    if (!why && (r->fields & MP_READING_RUNNING)) {
        gboolean answer = dev->status_pending > 0;
        if (answer)
            dev->status_pending--;
        if (!r->running && !answer && (!dev->driver->reports_changes || dev->error_pending))
            why = g_strdup("it reports its motor is not running");
        dev->error_pending = FALSE;
    }
    if (why && moving)
        device_stopped_itself(dev, why);
}

static void handle_notification(MsdDevice *dev, const char *char_uuid, const guint8 *data,
                                gsize len)
{
    MpReading r;
    memset(&r, 0, sizeof(r));
    g_autoptr(GError) error = NULL;
    if (!mp_driver_decode(dev->driver, char_uuid, data, len, &r, &error)) {
        /* A bad frame from a device is logged and dropped, never fatal. */
        g_autofree char *hex = mp_hex_format(data, len);
        msd_dev_warning(dev->address, "ignoring a notification that does not decode (%s): %s", hex,
                        error->message);
        return;
    }
    g_autofree char *text = mp_reading_to_string(&r);
    msd_dev_debug(dev->address, "notification: %s", text);
    if (r.fields & MP_READING_BATTERY)
        msd_device1_set_battery(dev->skel, (gint)MIN(r.battery, 100u));
    if (r.fields & MP_READING_SPEED)
        msd_device1_set_speed(dev->skel, r.speed);
    if (r.fields & MP_READING_ERROR)
        msd_dev_warning(dev->address, "the device reports error code %u", r.error_code);
    note_self_stop(dev, &r);
}

static gboolean on_notify_fd(gint fd, GIOCondition cond, gpointer user_data)
{
    MsdDevice *dev = user_data;
    if (cond & G_IO_IN) {
        guint8 buf[520];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            handle_notification(dev, dev->driver->notify_uuid, buf, (gsize)n);
            return G_SOURCE_CONTINUE;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return G_SOURCE_CONTINUE;
    }
    /* HUP/ERR or EOF: bluetoothd closed the notify socket (disconnect or
     * restart); the Device1 Connected property tells the rest. */
    msd_dev_info(dev->address, "notification socket closed");
    dev->notify_source = 0;
    close(dev->notify_fd);
    dev->notify_fd = -1;
    return G_SOURCE_REMOVE;
}

static void on_char_properties_changed(GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                                       gpointer user_data)
{
    MsdDevice *dev = user_data;
    g_autoptr(GVariant) value = g_variant_lookup_value(changed, "Value", G_VARIANT_TYPE_BYTESTRING);
    if (!value)
        return;
    gsize len = 0;
    const guint8 *data = g_variant_get_fixed_array(value, &len, 1);
    handle_notification(dev, dev->driver->notify_uuid, data, len);
}

static void on_start_notify(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r) {
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            return;
        MsdDevice *dev = user_data;
        g_autoptr(GError) e = NULL;
        msd_bluez_error_propagate(&e, error, "StartNotify");
        msd_dev_warning(dev->address, "no notifications: %s", e->message);
    }
}

static void on_acquire_notify(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autoptr(GVariant) r =
        g_dbus_proxy_call_with_unix_fd_list_finish(G_DBUS_PROXY(src), &fds, res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    if (!r || !fds || g_unix_fd_list_get_length(fds) < 1) {
        g_autoptr(GError) e = NULL;
        if (error)
            msd_bluez_error_propagate(&e, error, "AcquireNotify");
        msd_dev_warning(dev->address, "AcquireNotify failed (%s); using StartNotify",
                        e ? e->message : "no descriptor");
        dev->notify_changed_id = g_signal_connect(dev->notify_char, "g-properties-changed",
                                                  G_CALLBACK(on_char_properties_changed), dev);
        g_dbus_proxy_call(dev->notify_char, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, 10000,
                          dev->cancel, on_start_notify, dev);
        return;
    }
    gint32 handle = 0;
    guint16 mtu = 0;
    g_variant_get(r, "(hq)", &handle, &mtu);
    int fd = g_unix_fd_list_get(fds, handle, &error);
    if (fd < 0) {
        msd_dev_warning(dev->address, "AcquireNotify: %s", error->message);
        return;
    }
    g_unix_set_fd_nonblocking(fd, TRUE, NULL);
    dev->notify_fd = fd;
    dev->notify_mtu = mtu;
    dev->notify_source = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_notify_fd, dev);
    msd_dev_debug(dev->address, "notifications through a descriptor (mtu %u)", mtu);
}

static void subscribe_notifications(MsdDevice *dev)
{
    if (!dev->notify_char)
        return;
    g_autoptr(GVariant) acquired =
        g_dbus_proxy_get_cached_property(dev->notify_char, "NotifyAcquired");
    if (acquired) {
        g_dbus_proxy_call_with_unix_fd_list(dev->notify_char, "AcquireNotify",
                                            g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                                            10000, NULL, dev->cancel, on_acquire_notify, dev);
    } else {
        dev->notify_changed_id = g_signal_connect(dev->notify_char, "g-properties-changed",
                                                  G_CALLBACK(on_char_properties_changed), dev);
        g_dbus_proxy_call(dev->notify_char, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, 10000,
                          dev->cancel, on_start_notify, dev);
    }
}

typedef struct {
    MsdDevice *dev;
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
        handle_notification(op->dev, op->uuid, data, len);
    } else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_autoptr(GError) e = NULL;
        msd_bluez_error_propagate(&e, error, "ReadValue");
        msd_dev_warning(op->dev->address, "reading %s: %s", op->uuid, e->message);
    }
    g_free(op->uuid);
    g_free(op);
}

static void read_initial_values(MsdDevice *dev)
{
    for (guint i = 0; dev->driver->read_uuids && dev->driver->read_uuids[i]; i++) {
        const char *uuid = dev->driver->read_uuids[i];
        g_autoptr(GDBusProxy) c =
            msd_bluez_find_characteristic(dev->daemon->bluez, dev->bluez_path, uuid);
        if (!c)
            continue;
        ReadOp *op = g_new0(ReadOp, 1);
        op->dev = dev;
        op->uuid = g_strdup(uuid);
        g_dbus_proxy_call(c, "ReadValue", g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                          10000, dev->cancel, on_read_value, op);
    }
}

/* ---- writing ---- */

static gboolean char_has_flag(GDBusProxy *c, const char *flag)
{
    g_auto(GStrv) flags = msd_proxy_get_strv(c, "Flags");
    return flags && g_strv_contains((const char *const *)flags, flag);
}

static gboolean driver_can(const MpDriver *driver, MpCommandKind kind)
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
    return driver_can(driver, MP_CMD_BATTERY);
}

static gboolean on_battery_poll(gpointer user_data)
{
    MsdDevice *dev = user_data;
    MpCommand query = {.kind = MP_CMD_BATTERY};
    msd_writer_send(dev->writer, &query);
    return G_SOURCE_CONTINUE;
}

/* The transport is set up: the device is ready for commands. */
static void transport_complete(MsdDevice *dev)
{
    /* Ready either way: WriteValue works without the descriptor. */
    if (dev->state != MSD_DEVICE_CONNECTING && dev->state != MSD_DEVICE_RECONNECTING)
        return;
    gboolean was_reconnecting = dev->state == MSD_DEVICE_RECONNECTING;
    set_state(dev, MSD_DEVICE_READY);
    dev->backoff_ms = 0;
    /* Whatever the motor does now, the next level starts from rest. */
    msd_motion_gate_rest(dev->gate);
    msd_writer_set_connected(dev->writer, TRUE);
    /* A device found running (a previous daemon died, a session ended while
     * it was out of reach) is stopped first. A session about to resume sends
     * its level right after; the stop goes first either way. */
    if (!(was_reconnecting && dev->session)) { /* a resuming engine sends its own stop */
        MpCommand stop = {.kind = MP_CMD_STOP};
        msd_device_send(dev, &stop, NULL, NULL);
    }
    finish_waiters(dev, NULL);
    if (was_reconnecting && dev->session)
        msd_session_device_returned(dev->session);
    if (!msd_writer_is_connected(dev->writer))
        return; /* a waiter disconnected it already */
    /* Ask for the device's state where the protocol can (the reference
     * protocol's connection sequence, docs/protocol.md §1 step 4): its
     * answer fills Speed and Battery and confirms it stopped. The queries go
     * after the stop, and after the level of a resuming session: what the
     * person feels comes first. */
    if (dev->asks_status) {
        MpCommand status = {.kind = MP_CMD_STATUS};
        if (msd_writer_send(dev->writer, &status))
            dev->status_pending++;
    }
    if (dev->asks_battery) {
        on_battery_poll(dev);
        dev->battery_poll_id = g_timeout_add(BATTERY_POLL_MS, on_battery_poll, dev);
    }
}

static void on_acquire_write(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GUnixFDList) fds = NULL;
    g_autoptr(GVariant) r =
        g_dbus_proxy_call_with_unix_fd_list_finish(G_DBUS_PROXY(src), &fds, res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    if (r && fds && g_unix_fd_list_get_length(fds) > 0) {
        gint32 handle = 0;
        guint16 mtu = 0;
        g_variant_get(r, "(hq)", &handle, &mtu);
        int fd = g_unix_fd_list_get(fds, handle, NULL);
        if (fd >= 0) {
            dev->write_fd = fd;
            msd_dev_debug(dev->address, "writes through a descriptor (mtu %u)", mtu);
        }
    } else {
        g_autoptr(GError) e = NULL;
        if (error)
            msd_bluez_error_propagate(&e, error, "AcquireWrite");
        msd_dev_warning(dev->address, "AcquireWrite failed (%s); using WriteValue",
                        e ? e->message : "no descriptor");
    }
    transport_complete(dev);
}

static void transport_ready(MsdDevice *dev)
{
    subscribe_notifications(dev);
    read_initial_values(dev);
    if (dev->driver->write_type == MP_WRITE_WITHOUT_RESPONSE &&
        char_has_flag(dev->write_char, "write-without-response")) {
        g_dbus_proxy_call_with_unix_fd_list(dev->write_char, "AcquireWrite",
                                            g_variant_new("(a{sv})", NULL), G_DBUS_CALL_FLAGS_NONE,
                                            10000, NULL, dev->cancel, on_acquire_write, dev);
        return;
    }
    transport_complete(dev);
}

/* ---- the transport under the writer ---- */

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
    MsdDevice *dev = data;
    gsize len = 0;
    const guint8 *bytes = g_bytes_get_data(frame, &len);
    g_autofree char *hex = mp_hex_format(bytes, len);
    msd_trace("write", dev->address, hex);
    if (!dev->write_char) {
        g_autoptr(GError) e =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s is not connected", dev->address);
        done(e, done_data);
        return;
    }
    if (dev->write_fd >= 0 && type == MP_WRITE_WITHOUT_RESPONSE) {
        ssize_t n = write(dev->write_fd, bytes, len);
        if (n == (ssize_t)len) {
            msd_dev_debug(dev->address, "wrote %s (descriptor)", hex);
            done(NULL, done_data);
            return;
        }
        int err = errno;
        msd_dev_warning(dev->address, "write through the descriptor failed (%s); using WriteValue",
                        n < 0 ? g_strerror(err) : "short write");
        close(dev->write_fd);
        dev->write_fd = -1;
    }
    GVariantBuilder opts;
    g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(
        &opts, "{sv}", "type",
        g_variant_new_string(type == MP_WRITE_WITH_RESPONSE ? "request" : "command"));
    GVariant *value = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes, len, 1);
    WriteOp *op = g_new0(WriteOp, 1);
    op->address = g_strdup(dev->address);
    op->done = done;
    op->done_data = done_data;
    msd_dev_debug(dev->address, "writing %s (WriteValue)", hex);
    g_dbus_proxy_call(dev->write_char, "WriteValue", g_variant_new("(@aya{sv})", value, &opts),
                      G_DBUS_CALL_FLAGS_NONE, 5000, NULL, on_write_value, op);
}

static const MsdTransport device_transport = {.write = transport_write};

static void on_writer_error(MsdWriter *writer, MpCommandKind kind, const GError *error,
                            gpointer user_data)
{
    MsdDevice *dev = user_data;
    msd_dev_warning(dev->address, "%s: %s", mp_command_kind_to_string(kind), error->message);
}

/* ---- commands ---- */

typedef struct {
    MsdDevice *dev;
    MsdWriteDone done;
    gpointer user_data;
} StopOp;

static void on_writer_stop(MsdWriter *writer, const GError *error, gpointer data)
{
    StopOp *op = data;
    MsdDevice *dev = op->dev;
    /* The stop reached it and nothing set it moving since (a level after
     * the connect's stop may already be recorded): nothing left to stop
     * after a crash. */
    if (!error && !dev->freeing && dev->daemon->motion &&
        msd_motion_gate_get_level(dev->gate) <= 0) {
        g_autoptr(GError) e = NULL;
        if (!msd_motion_record_remove(dev->daemon->motion, dev->address, &e))
            msd_dev_warning(dev->address, "%s", e->message);
    }
    if (!error)
        dev->moving_at_drop = FALSE;
    if (op->done)
        op->done(op->dev->freeing ? NULL : op->dev, error, op->user_data);
    g_free(op);
}

/* A stop jumps every queue (daemon/writer.h) and puts the gate at rest: the
 * next level obeys the start rule. */
static void device_send_stop(MsdDevice *dev, MsdWriteDone done, gpointer user_data)
{
    msd_motion_gate_rest(dev->gate);
    dev->error_pending = FALSE;
    StopOp *op = g_new0(StopOp, 1);
    op->dev = dev;
    op->done = done;
    op->user_data = user_data;
    /* Refused when disconnected: then on_writer_stop already ran. */
    if (msd_writer_stop(dev->writer, on_writer_stop, op))
        device_publish_level(dev, 0);
}

void msd_device_send(MsdDevice *dev, const MpCommand *cmd, MsdWriteDone done, gpointer user_data)
{
    if (cmd->kind == MP_CMD_STOP) {
        device_send_stop(dev, done, user_data);
        return;
    }
    gboolean ok;
    if (cmd->kind == MP_CMD_INTENSITY || cmd->kind == MP_CMD_START) {
        /* Motion only through the gate. */
        ok = msd_writer_is_connected(dev->writer);
        msd_device_set_level(dev, cmd->value, FALSE);
    } else if (cmd->kind == MP_CMD_SPEED)
        ok = msd_writer_set_speed(dev->writer, cmd->value);
    else
        ok = msd_writer_send(dev->writer, cmd);
    if (!done)
        return;
    if (ok) {
        done(dev, NULL, user_data);
    } else {
        g_autoptr(GError) e =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s is not connected", dev->address);
        done(dev, e, user_data);
    }
}

void msd_device_stop(MsdDevice *dev, const char *reason, MsdWriteDone done, gpointer user_data)
{
    msd_dev_info(dev->address, "stop (%s)", reason);
    if (dev->session) {
        /* Detach first: the session's end then leaves the stop to us, so the
         * device gets exactly one stop and `done` reports it. */
        MsdSession *s = dev->session;
        msd_device_set_session(dev, NULL, NULL);
        msd_session_end(s, reason);
    }
    MpCommand stop = {.kind = MP_CMD_STOP, .value = 0};
    msd_device_send(dev, &stop, done, user_data);
}

/* ---- connecting ---- */

static void device_teardown_transport(MsdDevice *dev)
{
    g_cancellable_cancel(dev->cancel);
    g_clear_object(&dev->cancel);
    dev->cancel = g_cancellable_new();
    dev->connect_in_flight = FALSE; /* its reply, cancelled, will not say so */
    msd_writer_set_connected(dev->writer, FALSE);
    msd_motion_gate_rest(dev->gate);
    dev->status_pending = 0;
    dev->error_pending = FALSE;
    if (dev->notify_source) {
        g_source_remove(dev->notify_source);
        dev->notify_source = 0;
    }
    if (dev->notify_fd >= 0) {
        close(dev->notify_fd);
        dev->notify_fd = -1;
    }
    if (dev->write_fd >= 0) {
        close(dev->write_fd);
        dev->write_fd = -1;
    }
    if (dev->notify_changed_id && dev->notify_char)
        g_signal_handler_disconnect(dev->notify_char, dev->notify_changed_id);
    dev->notify_changed_id = 0;
    g_clear_object(&dev->write_char);
    g_clear_object(&dev->notify_char);
    g_clear_handle_id(&dev->ready_timeout_id, g_source_remove);
    dev->resolved_wait = FALSE;
    g_clear_handle_id(&dev->battery_poll_id, g_source_remove);
}

static void connect_failed(MsdDevice *dev, GError *error);
static gboolean on_connect_retry(gpointer user_data);

/* Drops a half-made link (or cancels bluetoothd's pending connect); the
 * answer does not matter, Connected says what happened. */
static void drop_link(MsdDevice *dev)
{
    g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL,
                      NULL);
}

/* The one retry of a connect's first attempt, CONNECT_RETRY_DELAY_MS from
 * now; a retry already pending is kept (a drop and a reply may both ask). */
static void schedule_connect_retry(MsdDevice *dev)
{
    if (!dev->retry_id)
        dev->retry_id = g_timeout_add(CONNECT_RETRY_DELAY_MS, on_connect_retry, dev);
}

static void on_stalled_disconnected(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    dev->connect_in_flight = FALSE;
    if (dev->state != MSD_DEVICE_CONNECTING)
        return;
    schedule_connect_retry(dev);
}

static gboolean on_ready_timeout(gpointer user_data)
{
    MsdDevice *dev = user_data;
    dev->ready_timeout_id = 0;
    if (dev->state != MSD_DEVICE_CONNECTING && dev->state != MSD_DEVICE_RECONNECTING)
        return G_SOURCE_REMOVE; /* ready (or given up) meanwhile */
    const char *notify = dev->driver->notify_uuid ? dev->driver->notify_uuid : "-";
    g_autoptr(GError) e =
        dev->resolved_wait
            ? g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                          "%s resolved its services but the characteristics %s / %s were not "
                          "among them within %u s",
                          dev->address, dev->driver->write_uuid, notify, RESOLVED_WAIT_MS / 1000)
            : g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                          "%s connected but its services or the characteristics %s / %s did not "
                          "appear within %u s",
                          dev->address, dev->driver->write_uuid, notify, READY_TIMEOUT_MS / 1000);
    dev->resolved_wait = FALSE;
    if (!dev->proxy) {
        connect_failed(dev, g_steal_pointer(&e));
        return G_SOURCE_REMOVE;
    }
    /* Seen on the real stack: bluetoothd reports the link up but never
     * resolves its services; a fresh link works. The first attempt of a
     * connect gets one more, after a disconnect that is ours (in flight,
     * so the drop it causes is not taken for the end of the attempt). */
    if (dev->connect_attempt == 1 && dev->state == MSD_DEVICE_CONNECTING) {
        msd_dev_info(dev->address, "%s; disconnecting and retrying once", e->message);
        dev->connect_in_flight = TRUE;
        g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, dev->cancel,
                          on_stalled_disconnected, dev);
        return G_SOURCE_REMOVE;
    }
    drop_link(dev);
    connect_failed(dev, g_steal_pointer(&e));
    return G_SOURCE_REMOVE;
}

static void device_check_ready(MsdDevice *dev)
{
    if (dev->state != MSD_DEVICE_CONNECTING && dev->state != MSD_DEVICE_RECONNECTING)
        return;
    if (dev->connect_in_flight || !dev->proxy || dev->write_char)
        return;
    if (!msd_proxy_get_bool(dev->proxy, "Connected") ||
        !msd_proxy_get_bool(dev->proxy, "ServicesResolved"))
        return;
    g_autoptr(GDBusProxy) w =
        msd_bluez_find_characteristic(dev->daemon->bluez, dev->bluez_path, dev->driver->write_uuid);
    g_autoptr(GDBusProxy) n = NULL;
    if (dev->driver->notify_uuid)
        n = msd_bluez_find_characteristic(dev->daemon->bluez, dev->bluez_path,
                                          dev->driver->notify_uuid);
    if (!w || (dev->driver->notify_uuid && !n)) {
        msd_dev_debug(dev->address, "services resolved; waiting for the driver's characteristics");
        if (!dev->resolved_wait) {
            dev->resolved_wait = TRUE;
            g_clear_handle_id(&dev->ready_timeout_id, g_source_remove);
            dev->ready_timeout_id = g_timeout_add(RESOLVED_WAIT_MS, on_ready_timeout, dev);
        }
        return;
    }
    g_clear_handle_id(&dev->ready_timeout_id, g_source_remove);
    dev->resolved_wait = FALSE;
    dev->write_char = g_steal_pointer(&w);
    dev->notify_char = g_steal_pointer(&n);
    transport_ready(dev);
}

static gboolean on_reconnect_timer(gpointer user_data);

static void schedule_reconnect(MsdDevice *dev)
{
    g_clear_handle_id(&dev->reconnect_id, g_source_remove);
    gint64 waited_ms = (g_get_monotonic_time() - dev->dropped_at_us) / 1000;
    guint64 window = dev->daemon->config.reconnect_window_ms;
    if ((guint64)waited_ms >= window) {
        msd_dev_warning(dev->address,
                        "did not come back within %" G_GUINT64_FORMAT " ms: giving up", window);
        dev->want_connected = FALSE;
        set_state(dev, MSD_DEVICE_LOST);
        g_autoptr(GError) lost = g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                             "%s did not come back within %" G_GUINT64_FORMAT " ms",
                                             dev->address, window);
        finish_waiters(dev, lost);
        if (dev->session)
            msd_session_end(dev->session, "device-lost");
        return;
    }
    MsdConfig *c = &dev->daemon->config;
    dev->backoff_ms =
        dev->backoff_ms ? MIN(dev->backoff_ms * 2, c->backoff_max_ms) : c->backoff_initial_ms;
    guint64 delay = MIN(dev->backoff_ms, window - (guint64)waited_ms);
    msd_dev_info(dev->address, "reconnecting in %" G_GUINT64_FORMAT " ms", delay);
    dev->reconnect_id = g_timeout_add((guint)delay, on_reconnect_timer, dev);
}

static void connect_failed(MsdDevice *dev, GError *error)
{
    g_autoptr(GError) e = error;
    device_teardown_transport(dev);
    if (dev->state == MSD_DEVICE_RECONNECTING) {
        msd_dev_info(dev->address, "reconnect attempt failed: %s", e->message);
        /* A Connect call waiting on the reconnect gets this attempt's answer;
         * the reconnect itself goes on. */
        g_autoptr(GError) told =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                        "%s (massaged keeps reconnecting by itself)", e->message);
        finish_waiters(dev, told);
        schedule_reconnect(dev);
        return;
    }
    msd_dev_warning(dev->address, "connect failed: %s", e->message);
    set_state(dev, MSD_DEVICE_DISCOVERED);
    dev->want_connected = FALSE;
    finish_waiters(dev, e);
}

static gboolean on_connect_retry(gpointer user_data)
{
    MsdDevice *dev = user_data;
    dev->retry_id = 0;
    device_try_connect(dev);
    return G_SOURCE_REMOVE;
}

static void on_connect_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    dev->connect_in_flight = FALSE;
    if (dev->state != MSD_DEVICE_CONNECTING && dev->state != MSD_DEVICE_RECONNECTING)
        return;
    if (!r) {
        g_autofree char *remote = msd_error_remote_name(error);
        if (remote && g_str_equal(remote, "org.bluez.Error.AlreadyConnected")) {
            device_check_ready(dev);
            return;
        }
        /* Our call gave up but bluetoothd's connect goes on (the kernel's LE
         * connect outlasts it) and would answer every later Connect with
         * "Operation already in progress": cancel it. */
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) && dev->proxy)
            drop_link(dev);
        GError *e = NULL;
        msd_bluez_error_propagate(&e, error, "Connect");
        e->code = MSD_ERROR_NOT_CONNECTED;
        /* One retry: a connect that lands while the peripheral rotates its
         * advertisement fails at once and works a moment later. */
        if (dev->connect_attempt == 1 && dev->state == MSD_DEVICE_CONNECTING) {
            msd_dev_info(dev->address, "connect failed (%s); retrying once", e->message);
            g_error_free(e);
            schedule_connect_retry(dev);
            return;
        }
        connect_failed(dev, e);
        return;
    }
    g_clear_handle_id(&dev->ready_timeout_id, g_source_remove);
    dev->resolved_wait = FALSE;
    dev->ready_timeout_id = g_timeout_add(READY_TIMEOUT_MS, on_ready_timeout, dev);
    device_check_ready(dev);
}

static void device_try_connect(MsdDevice *dev)
{
    if (!dev->proxy) {
        GError *e = g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                "%s is not known to bluetoothd right now", dev->address);
        connect_failed(dev, e);
        return;
    }
    dev->connect_attempt++;
    dev->connect_in_flight = TRUE;
    msd_dev_info(dev->address, "connecting (attempt %u)", dev->connect_attempt);
    g_dbus_proxy_call(dev->proxy, "Connect", NULL, G_DBUS_CALL_FLAGS_NONE, CONNECT_TIMEOUT_MS,
                      dev->cancel, on_connect_reply, dev);
}

static gboolean on_reconnect_timer(gpointer user_data)
{
    MsdDevice *dev = user_data;
    dev->reconnect_id = 0;
    if (dev->state != MSD_DEVICE_RECONNECTING)
        return G_SOURCE_REMOVE;
    if (!dev->proxy) {
        schedule_reconnect(dev); /* wait for bluetoothd to show it again */
        return G_SOURCE_REMOVE;
    }
    dev->connect_attempt = 0;
    device_try_connect(dev);
    return G_SOURCE_REMOVE;
}

void msd_device_connect(MsdDevice *dev, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    g_task_set_task_data(task, dev, NULL);
    if (msd_device_is_ready(dev)) {
        g_task_return_boolean(task, TRUE);
        g_object_unref(task);
        return;
    }
    if (dev->state == MSD_DEVICE_DISCONNECTING) {
        g_task_return_new_error(task, MSD_ERROR, MSD_ERROR_BUSY, "%s is disconnecting",
                                dev->address);
        g_object_unref(task);
        return;
    }
    if (dev->state == MSD_DEVICE_RECONNECTING && !dev->proxy) {
        /* Nothing to wait for: bluetoothd does not see it at the moment. */
        g_task_return_new_error(task, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                "%s is out of reach (bluetoothd does not see it); massaged keeps "
                                "reconnecting by itself",
                                dev->address);
        g_object_unref(task);
        return;
    }
    dev->waiters = g_list_append(dev->waiters, task);
    dev->want_connected = TRUE;
    if (dev->state == MSD_DEVICE_CONNECTING || dev->state == MSD_DEVICE_RECONNECTING)
        return;
    set_state(dev, MSD_DEVICE_CONNECTING);
    dev->connect_attempt = 0;
    device_try_connect(dev);
}

gboolean msd_device_connect_finish(MsdDevice *dev, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* The link dropped without us asking. */
static void device_dropped(MsdDevice *dev, const char *why)
{
    MsdDeviceState was = dev->state;
    /* Still running out there, as far as we know: a stop must reach it. */
    if (msd_motion_gate_get_level(dev->gate) > 0)
        dev->moving_at_drop = TRUE;
    device_teardown_transport(dev);
    g_autoptr(GError) gone =
        g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s disconnected (%s)", dev->address, why);
    if (was == MSD_DEVICE_DISCONNECTING || !dev->want_connected) {
        set_state(dev, MSD_DEVICE_DISCOVERED);
        finish_waiters(dev, gone);
        return;
    }
    if (was == MSD_DEVICE_CONNECTING) {
        /* Seen on the real stack: a link made while the peripheral swaps
         * advertisements comes up and drops at once; a moment later it
         * holds. The first attempt gets one more, as for a failed Connect. */
        if (dev->retry_id)
            return; /* the drop of our own disconnect before a retry */
        if (dev->connect_attempt == 1 && dev->proxy) {
            msd_dev_info(dev->address, "link dropped while connecting (%s); retrying once", why);
            schedule_connect_retry(dev);
            return;
        }
        connect_failed(dev, g_steal_pointer(&gone));
        return;
    }
    if (was == MSD_DEVICE_RECONNECTING) {
        if (!dev->reconnect_id)
            schedule_reconnect(dev);
        return;
    }
    msd_dev_warning(dev->address, "connection lost (%s)", why);
    dev->dropped_at_us = g_get_monotonic_time();
    dev->backoff_ms = 0;
    set_state(dev, MSD_DEVICE_RECONNECTING);
    msd_device1_set_intensity(dev->skel, 0);
    if (dev->session)
        msd_session_device_lost(dev->session);
    schedule_reconnect(dev);
}

void msd_device_bluez_changed(MsdDevice *dev, GDBusProxy *proxy, GVariant *changed)
{
    if (g_str_equal(g_dbus_proxy_get_interface_name(proxy), BLUEZ_BATTERY_IFACE)) {
        g_autoptr(GVariant) pct = g_dbus_proxy_get_cached_property(proxy, "Percentage");
        if (pct && g_variant_is_of_type(pct, G_VARIANT_TYPE_BYTE))
            msd_device1_set_battery(dev->skel, MIN(g_variant_get_byte(pct), 100));
        return;
    }
    g_autofree char *name = msd_proxy_get_string(proxy, "Name");
    if (name && *name)
        msd_device1_set_name(dev->skel, name);
    gboolean connected = msd_proxy_get_bool(proxy, "Connected");
    g_autoptr(GVariant) connected_changed = g_variant_lookup_value(changed, "Connected", NULL);
    if (!connected && connected_changed) {
        if (dev->state == MSD_DEVICE_READY || dev->state == MSD_DEVICE_RUNNING ||
            dev->state == MSD_DEVICE_DISCONNECTING ||
            (dev->state == MSD_DEVICE_CONNECTING && !dev->connect_in_flight) ||
            (dev->state == MSD_DEVICE_RECONNECTING && !dev->connect_in_flight))
            device_dropped(dev, "Connected became false");
        return;
    }
    device_check_ready(dev);
}

void msd_device_gatt_changed(MsdDevice *dev)
{
    device_check_ready(dev);
    /* A characteristic we use vanished while connected: bluetoothd is
     * re-resolving or the device changed; treat it as a drop. */
    if (msd_device_is_ready(dev) && dev->write_char) {
        g_autoptr(GDBusProxy) w = msd_bluez_find_characteristic(dev->daemon->bluez, dev->bluez_path,
                                                                dev->driver->write_uuid);
        if (!w)
            device_dropped(dev, "its characteristics vanished");
    }
}

void msd_device_set_bluez_proxy(MsdDevice *dev, GDBusProxy *proxy)
{
    if (proxy == dev->proxy)
        return;
    g_clear_object(&dev->proxy);
    if (proxy) {
        dev->proxy = g_object_ref(proxy);
        g_autofree char *name = msd_proxy_get_string(proxy, "Name");
        if (name && *name)
            msd_device1_set_name(dev->skel, name);
        msd_dev_info(dev->address, "present in bluetoothd (%s)",
                     g_dbus_proxy_get_object_path(proxy));
        if (dev->state == MSD_DEVICE_RECONNECTING && !dev->connect_in_flight) {
            /* It is back: try now instead of waiting out the backoff. */
            g_clear_handle_id(&dev->reconnect_id, g_source_remove);
            dev->connect_attempt = 0;
            device_try_connect(dev);
        } else if (dev->state == MSD_DEVICE_LOST) {
            set_state(dev, MSD_DEVICE_DISCOVERED);
        }
        return;
    }
    msd_dev_info(dev->address, "gone from bluetoothd");
    dev->connect_in_flight = FALSE;
    if (dev->state != MSD_DEVICE_DISCOVERED && dev->state != MSD_DEVICE_LOST)
        device_dropped(dev, "bluetoothd removed it");
    msd_daemon_update_scan(dev->daemon);
}

/* ---- D-Bus methods ---- */

static void on_connect_method(GObject *src, GAsyncResult *res, gpointer user_data)
{
    GDBusMethodInvocation *inv = user_data;
    MsdDevice *dev = (MsdDevice *)src;
    (void)dev;
    g_autoptr(GError) error = NULL;
    if (!g_task_propagate_boolean(G_TASK(res), &error))
        msd_error_return(inv, error);
    else
        g_dbus_method_invocation_return_value(inv, NULL);
}

static gboolean handle_connect(MsdDevice1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    msd_device_connect(user_data, on_connect_method, inv);
    return TRUE;
}

static void on_disconnect_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r)
        g_debug("Disconnect: %s", error->message);
}

static void after_stop_disconnect(MsdDevice *dev, const GError *error, gpointer user_data)
{
    if (!dev)
        return;
    if (dev->proxy)
        g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          on_disconnect_reply, NULL);
    else
        set_state(dev, MSD_DEVICE_DISCOVERED);
}

static void device_disconnect(MsdDevice *dev)
{
    dev->want_connected = FALSE;
    g_clear_handle_id(&dev->reconnect_id, g_source_remove);
    g_clear_handle_id(&dev->retry_id, g_source_remove);
    if (msd_device_is_ready(dev)) {
        msd_device_stop(dev, "stopped", after_stop_disconnect, NULL);
        set_state(dev, MSD_DEVICE_DISCONNECTING);
    } else {
        if (dev->session)
            msd_session_end(dev->session, "stopped");
        g_autoptr(GError) e =
            g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "disconnect requested");
        finish_waiters(dev, e);
        device_teardown_transport(dev);
        if (dev->state != MSD_DEVICE_DISCOVERED && dev->proxy)
            after_stop_disconnect(dev, NULL, NULL);
        set_state(dev, MSD_DEVICE_DISCOVERED);
    }
}

static gboolean handle_disconnect(MsdDevice1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    device_disconnect(user_data);
    g_dbus_method_invocation_return_value(inv, NULL);
    return TRUE;
}

static void on_method_write_done(MsdDevice *dev, const GError *error, gpointer user_data)
{
    GDBusMethodInvocation *inv = user_data;
    if (error)
        msd_error_return(inv, error);
    else
        g_dbus_method_invocation_return_value(inv, NULL);
}

static gboolean handle_set_intensity(MsdDevice1 *skel, GDBusMethodInvocation *inv, gdouble pct,
                                     gpointer user_data)
{
    MsdDevice *dev = user_data;
    double cap = dev->daemon->config.safety.max_intensity;
    if (!(pct >= 0 && pct <= 100)) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                                              "intensity %g is outside 0..100", pct);
        return TRUE;
    }
    if (pct > cap) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                                              "intensity %g%% is above the safety cap of %g%%", pct,
                                              cap);
        return TRUE;
    }
    if (dev->session) {
        g_dbus_method_invocation_return_error_literal(
            inv, MSD_ERROR, MSD_ERROR_BUSY, "a session is playing on this device; use Adjust");
        return TRUE;
    }
    if (!msd_device_is_ready(dev)) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                              "%s is not connected", dev->address);
        return TRUE;
    }
    if (pct <= 0) {
        MpCommand stop = {.kind = MP_CMD_STOP};
        msd_device_send(dev, &stop, on_method_write_done, inv);
        return TRUE;
    }
    /* Recorded before the reply, so a failure to record is the caller's
     * error, not a silent refusal later. */
    g_autoptr(GError) error = NULL;
    if (!record_motion(dev, &error)) {
        msd_error_return(inv, error);
        return TRUE;
    }
    /* Manual control obeys the programme rules: from rest at most the start
     * intensity, then a ramp at the rise rate (no step edges here). The
     * reply means "accepted"; Intensity follows the ramp. */
    msd_device_set_level(dev, pct, FALSE);
    g_dbus_method_invocation_return_value(inv, NULL);
    return TRUE;
}

static gboolean handle_stop(MsdDevice1 *skel, GDBusMethodInvocation *inv, gpointer user_data)
{
    MsdDevice *dev = user_data;
    msd_trace("stop-received", dev->address, NULL);
    /* A person named this device: reach it, whatever massaged thinks it
     * does, and say so if that fails. */
    msd_device_stop_reaching(dev, "stopped", on_method_write_done, inv);
    return TRUE;
}

/* ---- a stop that reaches the device ---- */

typedef struct {
    char *reason;
    MsdWriteDone done;
    gpointer user_data;
    gboolean disconnect_after; /* we connected only to stop it */
} ReachOp;

static void reach_op_free(ReachOp *op)
{
    g_free(op->reason);
    g_free(op);
}

static char *device_label(MsdDevice *dev)
{
    const char *name = msd_device1_get_name(dev->skel);
    if (name && *name && g_strcmp0(name, dev->address) != 0)
        return g_strdup_printf("%s (%s)", name, dev->address);
    return g_strdup(dev->address);
}

static void reach_finish(MsdDevice *dev, ReachOp *op, const GError *error)
{
    if (error && dev) {
        g_autofree char *label = device_label(dev);
        g_autoptr(GError) e = g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                          "could not stop %s: %s", label, error->message);
        msd_dev_warning(dev->address, "%s", e->message);
        if (op->done)
            op->done(dev, e, op->user_data);
    } else if (op->done) {
        op->done(dev, error, op->user_data);
    }
    reach_op_free(op);
}

static void device_disconnect(MsdDevice *dev);

static void on_reach_stopped(MsdDevice *dev, const GError *error, gpointer data)
{
    ReachOp *op = data;
    gboolean disconnect = op->disconnect_after && dev && !error;
    reach_finish(dev, op, error);
    if (disconnect)
        device_disconnect(dev);
}

static void on_reach_connected(GObject *src, GAsyncResult *res, gpointer data)
{
    ReachOp *op = data;
    MsdDevice *dev = g_task_get_task_data(G_TASK(res));
    g_autoptr(GError) error = NULL;
    if (!g_task_propagate_boolean(G_TASK(res), &error)) {
        reach_finish(dev && !dev->freeing ? dev : NULL, op, error);
        return;
    }
    msd_device_stop(dev, op->reason, on_reach_stopped, op);
}

void msd_device_stop_reaching(MsdDevice *dev, const char *reason, MsdWriteDone done,
                              gpointer user_data)
{
    ReachOp *op = g_new0(ReachOp, 1);
    op->reason = g_strdup(reason);
    op->done = done;
    op->user_data = user_data;
    if (msd_device_is_ready(dev)) {
        msd_device_stop(dev, reason, on_reach_stopped, op);
        return;
    }
    if (dev->session) {
        MsdSession *s = dev->session;
        msd_device_set_session(dev, NULL, NULL);
        msd_session_end(s, reason);
    }
    /* A link we make only for the stop is taken down after it. */
    op->disconnect_after = dev->state == MSD_DEVICE_DISCOVERED || dev->state == MSD_DEVICE_LOST;
    msd_dev_info(dev->address, "not connected: connecting to stop it (%s)", reason);
    msd_device_connect(dev, on_reach_connected, op);
}

/* ---- life ---- */

static char *object_path_for(MsdDaemon *d, const char *bluez_path)
{
    const char *base = strrchr(bluez_path, '/');
    return g_strdup_printf("/org/massaged/%s/%s", d->config.adapter, base ? base + 1 : "dev");
}

MsdDevice *msd_device_new(MsdDaemon *daemon, GDBusProxy *bluez_device, MpDriver *driver)
{
    MsdDevice *dev = g_new0(MsdDevice, 1);
    dev->daemon = daemon;
    dev->bluez_path = g_strdup(g_dbus_proxy_get_object_path(bluez_device));
    dev->path = object_path_for(daemon, dev->bluez_path);
    dev->address = msd_proxy_get_string(bluez_device, "Address");
    if (!dev->address)
        dev->address = g_strdup(strrchr(dev->bluez_path, '/') + 1);
    dev->driver = mp_driver_ref(driver);
    dev->write_fd = -1;
    dev->notify_fd = -1;
    dev->cancel = g_cancellable_new();
    dev->writer = msd_writer_new(daemon->clock, driver, &device_transport, dev);
    dev->gate = msd_motion_gate_new(daemon->clock, &daemon->config.safety, daemon->time_scale, 1.0,
                                    on_gate_emit, dev);
    dev->asks_status = driver_can(driver, MP_CMD_STATUS);
    dev->asks_battery = driver_queries_battery(driver);
    msd_writer_set_error_func(dev->writer, on_writer_error, dev);

    dev->skel = msd_device1_skeleton_new();
    msd_device1_set_address(dev->skel, dev->address);
    g_autofree char *name = msd_proxy_get_string(bluez_device, "Name");
    /* The address until a name is known, as the API promises. */
    msd_device1_set_name(dev->skel, name && *name ? name : dev->address);
    msd_device1_set_driver(dev->skel, driver->name);
    msd_device1_set_kind(dev->skel, mp_device_kind_to_string(driver->kind));
    msd_device1_set_state(dev->skel, "discovered");
    msd_device1_set_battery(dev->skel, -1);
    msd_device1_set_session(dev->skel, "/");
    g_signal_connect(dev->skel, "handle-connect", G_CALLBACK(handle_connect), dev);
    g_signal_connect(dev->skel, "handle-disconnect", G_CALLBACK(handle_disconnect), dev);
    g_signal_connect(dev->skel, "handle-set-intensity", G_CALLBACK(handle_set_intensity), dev);
    g_signal_connect(dev->skel, "handle-stop", G_CALLBACK(handle_stop), dev);
    dev->object = g_dbus_object_skeleton_new(dev->path);
    g_dbus_object_skeleton_add_interface(dev->object, G_DBUS_INTERFACE_SKELETON(dev->skel));

    msd_device_set_bluez_proxy(dev, bluez_device);
    msd_dev_info(dev->address, "new device \"%s\", driver %s, at %s", name ? name : "",
                 driver->name, dev->path);
    if (msd_proxy_get_bool(bluez_device, "Connected"))
        msd_dev_info(dev->address, "already connected in bluetoothd; Connect will reuse it");
    return dev;
}

void msd_device_free(MsdDevice *dev)
{
    if (!dev)
        return;
    g_autoptr(GError) gone =
        g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_FOUND, "the device was removed");
    finish_waiters(dev, gone);
    dev->freeing = TRUE;
    device_teardown_transport(dev);
    g_clear_pointer(&dev->writer, msd_writer_free);
    g_clear_pointer(&dev->gate, msd_motion_gate_free);
    g_clear_handle_id(&dev->held_idle_id, g_source_remove);
    g_clear_handle_id(&dev->record_fail_id, g_source_remove);
    g_clear_pointer(&dev->held_why, g_free);
    g_cancellable_cancel(dev->cancel);
    g_clear_object(&dev->cancel);
    g_clear_handle_id(&dev->reconnect_id, g_source_remove);
    g_clear_handle_id(&dev->retry_id, g_source_remove);
    g_signal_handlers_disconnect_by_data(dev->skel, dev);
    g_clear_object(&dev->skel);
    g_clear_object(&dev->object);
    g_clear_object(&dev->proxy);
    mp_driver_unref(dev->driver);
    g_free(dev->path);
    g_free(dev->bluez_path);
    g_free(dev->address);
    g_free(dev);
}
