#include "daemon/device.h"

#include <string.h>

#include "common/names.h"
#include "daemon/daemon-private.h"
#include "daemon/gatt-transport.h"
#include "daemon/link.h"
#include "daemon/log.h"
#include "daemon/motion-gate.h"
#include "daemon/msd-error.h"
#include "daemon/recovery.h"
#include "daemon/session.h"
#include "daemon/trace.h"
#include "daemon/writer.h"

/* Our Device1.Connect call's own limit; the link has its own waits after it
 * (daemon/link.h). */
#define CONNECT_TIMEOUT_MS 30000

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

    /* Connecting, reconnecting, the reconnect window (daemon/link.h). */
    MsdLink *link;
    GList *waiters;       /* GTask*: msd_device_connect() callers */
    GCancellable *cancel; /* our Connect/Disconnect calls; renewed when the link tears down */

    /* Characteristics, descriptors, notifications, battery poll. */
    MsdGattTransport *gatt;
    /* What its driver lets us ask after connecting (fixed per driver). */
    gboolean asks_status;
    /* Coalescing, minimum gap, keepalive and stop priority (daemon/writer.h);
     * its transport is the GATT transport. */
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
    guint device_watchdog_ms; /* what the device said its watchdog is (0: nothing) */
    gboolean moving_at_drop;  /* the link dropped while the motor ran */

    MsdSession *session;
};

const char *msd_device_state_to_string(MsdDeviceState state)
{
    static const char *const names[] = {"discovered",    "connecting",   "ready", "running",
                                        "disconnecting", "reconnecting", "lost"};
    return names[state];
}

gboolean msd_device_needs_scan(MsdDevice *dev)
{
    return msd_link_needs_scan(dev->link);
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
    if (dev->session != session && dev->gate)
        msd_motion_gate_set_session_cap(dev->gate, -1); /* a profile's cap lives with its session */
    dev->session = session;
    msd_device1_set_session(dev->skel, session_path ? session_path : "/");
}

void msd_device_set_session_cap(MsdDevice *dev, double cap)
{
    msd_motion_gate_set_session_cap(dev->gate, cap);
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

/* A device with a watchdog may have stopped after we were silent longer than
 * it allows (mp_silence_limit_ms: its own word once it gave it, else twice
 * the keepalive, the shortest its protocol allows): a daemon frozen
 * (SIGSTOP, a stall) must not carry on as if it ran. */
static gboolean silence_stopped_it(MsdDevice *dev)
{
    gint64 silence_us = msd_writer_take_longest_silence(dev->writer);
    guint limit = mp_silence_limit_ms(dev->driver->keepalive_ms, dev->device_watchdog_ms);
    if (!limit || silence_us <= (gint64)limit * 1000)
        return FALSE;
    g_autofree char *why = g_strdup_printf("massaged sent nothing for %" G_GINT64_FORMAT
                                           " ms, longer than its watchdog allows (%u ms)",
                                           silence_us / 1000, limit);
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
    gboolean moving =
        !dev->held && msd_device_is_ready(dev) && msd_motion_gate_get_level(dev->gate) > 0;
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
    /* Its own watchdog, once it says: a stall shorter than that did not
     * stop it (the silence rule, silence_stopped_it). */
    if ((r.fields & MP_READING_INFO) && r.watchdog_ms)
        dev->device_watchdog_ms = r.watchdog_ms;
    if (r.fields & MP_READING_ERROR)
        msd_dev_warning(dev->address, "the device reports error code %u", r.error_code);
    note_self_stop(dev, &r);
}

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
        g_autofree char *label = msd_device_describe(dev);
        g_autoptr(GError) e =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s is not connected", label);
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

/* ---- the link's side effects (daemon/link.h) ---- */

static MsdDeviceState state_for_link(MsdDevice *dev, MsdLinkState s)
{
    switch (s) {
    case MSD_LINK_IDLE:
        return MSD_DEVICE_DISCOVERED;
    case MSD_LINK_CONNECTING:
        return MSD_DEVICE_CONNECTING;
    case MSD_LINK_UP:
        return msd_motion_gate_get_level(dev->gate) > 0 ? MSD_DEVICE_RUNNING : MSD_DEVICE_READY;
    case MSD_LINK_DISCONNECTING:
        return MSD_DEVICE_DISCONNECTING;
    case MSD_LINK_RECONNECTING:
        return MSD_DEVICE_RECONNECTING;
    case MSD_LINK_LOST:
        return MSD_DEVICE_LOST;
    }
    return MSD_DEVICE_DISCOVERED;
}

static void on_connect_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    if (r) {
        msd_link_connect_reply(dev->link, MSD_LINK_REPLY_OK, NULL);
        return;
    }
    g_autofree char *remote = msd_error_remote_name(error);
    if (remote && g_str_equal(remote, BLUEZ_ERROR_ALREADY_CONNECTED)) {
        msd_link_connect_reply(dev->link, MSD_LINK_REPLY_ALREADY_CONNECTED, NULL);
        return;
    }
    gboolean timed_out = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    g_autoptr(GError) e = NULL;
    msd_bluez_error_propagate(&e, error, "Connect");
    e->code = MSD_ERROR_NOT_CONNECTED;
    msd_link_connect_reply(dev->link, timed_out ? MSD_LINK_REPLY_TIMED_OUT : MSD_LINK_REPLY_FAILED,
                           e);
}

static void link_call_connect(gpointer data)
{
    MsdDevice *dev = data;
    g_dbus_proxy_call(dev->proxy, "Connect", NULL, G_DBUS_CALL_FLAGS_NONE, CONNECT_TIMEOUT_MS,
                      dev->cancel, on_connect_reply, dev);
}

static void on_link_disconnect_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &error);
    if (!r && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
    MsdDevice *dev = user_data;
    msd_link_disconnect_reply(dev->link);
}

/* Without a reply wanted: it drops a half-made link or cancels bluetoothd's
 * pending connect; the answer does not matter, Connected says what happened. */
static void link_call_disconnect(gpointer data, gboolean want_reply)
{
    MsdDevice *dev = data;
    if (!dev->proxy)
        return;
    if (want_reply)
        g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, dev->cancel,
                          on_link_disconnect_reply, dev);
    else
        g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL,
                          NULL);
}

static MsdLinkServices link_look(gpointer data)
{
    MsdDevice *dev = data;
    if (!dev->proxy || !msd_proxy_get_bool(dev->proxy, "Connected") ||
        !msd_proxy_get_bool(dev->proxy, "ServicesResolved"))
        return MSD_LINK_SERVICES_PENDING;
    return msd_gatt_transport_find(dev->gatt) ? MSD_LINK_SERVICES_FOUND : MSD_LINK_SERVICES_MISSING;
}

static void link_open_transport(gpointer data)
{
    MsdDevice *dev = data;
    msd_gatt_transport_open(dev->gatt);
}

static void link_close_transport(gpointer data)
{
    MsdDevice *dev = data;
    /* Still running out there, as far as we know: a stop must reach it. */
    if (msd_motion_gate_get_level(dev->gate) > 0)
        dev->moving_at_drop = TRUE;
    g_cancellable_cancel(dev->cancel);
    g_clear_object(&dev->cancel);
    dev->cancel = g_cancellable_new();
    msd_writer_set_connected(dev->writer, FALSE);
    msd_motion_gate_rest(dev->gate);
    dev->status_pending = 0;
    dev->error_pending = FALSE;
    dev->device_watchdog_ms = 0; /* whoever answers next says it again */
    msd_gatt_transport_close(dev->gatt);
}

static void link_state_changed(gpointer data, MsdLinkState old_state, MsdLinkState new_state)
{
    MsdDevice *dev = data;
    set_state(dev, state_for_link(dev, new_state));
}

/* Up, first time or back after a drop: the device is ready for commands. */
static void link_up(gpointer data, gboolean after_drop)
{
    MsdDevice *dev = data;
    /* Whatever the motor does now, the next level starts from rest. */
    msd_motion_gate_rest(dev->gate);
    msd_writer_set_connected(dev->writer, TRUE);
    /* A device found running (a previous daemon died, a session ended while
     * it was out of reach) is stopped first. A session about to resume sends
     * its level right after; the stop goes first either way. */
    if (!(after_drop && dev->session)) { /* a resuming engine sends its own stop */
        MpCommand stop = {.kind = MP_CMD_STOP};
        msd_device_send(dev, &stop, NULL, NULL);
    }
    finish_waiters(dev, NULL);
    if (after_drop && dev->session)
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
    msd_gatt_transport_start_battery_poll(dev->gatt);
}

static void link_dropped(gpointer data)
{
    MsdDevice *dev = data;
    msd_device1_set_intensity(dev->skel, 0);
    if (dev->session)
        msd_session_device_lost(dev->session);
}

static void link_gave_up(gpointer data, const GError *error)
{
    MsdDevice *dev = data;
    if (dev->session)
        msd_session_end(dev->session, "device-lost");
}

static void link_answer(gpointer data, const GError *error)
{
    finish_waiters(data, error);
}

static const MsdLinkOps link_ops = {
    .call_connect = link_call_connect,
    .call_disconnect = link_call_disconnect,
    .look = link_look,
    .open_transport = link_open_transport,
    .close_transport = link_close_transport,
    .state_changed = link_state_changed,
    .up = link_up,
    .dropped = link_dropped,
    .gave_up = link_gave_up,
    .answer = link_answer,
};

/* ---- the GATT transport's callbacks ---- */

static void gatt_opened(gpointer data)
{
    MsdDevice *dev = data;
    msd_link_transport_ready(dev->link);
}

static void gatt_received(gpointer data, const char *uuid, const guint8 *bytes, gsize len)
{
    handle_notification(data, uuid, bytes, len);
}

static void gatt_battery_due(gpointer data)
{
    MsdDevice *dev = data;
    MpCommand query = {.kind = MP_CMD_BATTERY};
    msd_writer_send(dev->writer, &query);
}

static const MsdGattTransportCallbacks gatt_callbacks = {
    .opened = gatt_opened,
    .received = gatt_received,
    .battery_due = gatt_battery_due,
};

/* ---- connecting ---- */

void msd_device_connect(MsdDevice *dev, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, NULL, callback, user_data);
    g_task_set_task_data(task, dev, NULL);
    /* Listed first: whatever the link decides reaches it. */
    dev->waiters = g_list_append(dev->waiters, task);
    g_autoptr(GError) error = NULL;
    switch (msd_link_connect(dev->link, &error)) {
    case MSD_LINK_CONNECT_WAIT:
        return;
    case MSD_LINK_CONNECT_UP:
        dev->waiters = g_list_remove(dev->waiters, task);
        g_task_return_boolean(task, TRUE);
        break;
    case MSD_LINK_CONNECT_REFUSED:
        dev->waiters = g_list_remove(dev->waiters, task);
        g_task_return_error(task, g_steal_pointer(&error));
        break;
    }
    g_object_unref(task);
}

gboolean msd_device_connect_finish(MsdDevice *dev, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- BlueZ events ---- */

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
        msd_link_dropped(dev->link, "Connected became false");
        return;
    }
    msd_link_services_changed(dev->link);
}

void msd_device_gatt_changed(MsdDevice *dev)
{
    msd_link_services_changed(dev->link);
    /* A characteristic we use vanished while connected: bluetoothd is
     * re-resolving or the device changed; treat it as a drop. */
    if (msd_device_is_ready(dev) && msd_gatt_transport_vanished(dev->gatt))
        msd_link_dropped(dev->link, "its characteristics vanished");
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
        msd_link_set_present(dev->link, TRUE);
        return;
    }
    msd_link_set_present(dev->link, FALSE);
    msd_daemon_update_scan(dev->daemon);
}

/* ---- D-Bus methods ---- */

static void on_connect_method(GObject *src, GAsyncResult *res, gpointer user_data)
{
    GDBusMethodInvocation *inv = user_data;
    MsdDevice *dev = (MsdDevice *)src;
    (void)dev;
    g_autoptr(GError) error = NULL;
    if (!g_task_propagate_boolean(G_TASK(res), &error)) {
        /* Why a connect failed, in words a person can act on. */
        g_autofree char *words = msd_error_in_words(error->message);
        g_free(error->message);
        error->message = g_steal_pointer(&words);
        msd_error_return(inv, error);
    } else {
        g_dbus_method_invocation_return_value(inv, NULL);
    }
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

/* Our stop went out (or failed): the link goes now. Without a bluetoothd
 * object the link is already down (bluetoothd removed it). */
static void after_stop_disconnect(MsdDevice *dev, const GError *error, gpointer user_data)
{
    if (dev && dev->proxy)
        g_dbus_proxy_call(dev->proxy, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          on_disconnect_reply, NULL);
}

/* No reconnect after this. Up: stop first, then Disconnect (the link waits
 * for the drop in DISCONNECTING). Otherwise the link abandons what it was
 * doing at once. */
static void device_disconnect(MsdDevice *dev)
{
    if (msd_link_get_state(dev->link) == MSD_LINK_UP) {
        msd_device_stop(dev, "stopped", after_stop_disconnect, NULL);
        msd_link_disconnect(dev->link);
        return;
    }
    if (dev->session)
        msd_session_end(dev->session, "stopped");
    msd_link_disconnect(dev->link);
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
    g_autofree char *label = msd_device_describe(dev);
    if (dev->session) {
        g_dbus_method_invocation_return_error(
            inv, MSD_ERROR, MSD_ERROR_BUSY,
            "%s is playing programme \"%s\"; change its intensity with adjust (Session1.Adjust)",
            label, msd_session_get_programme_id(dev->session));
        return TRUE;
    }
    /* Never set moving before the stop recovery owes it went out. */
    if (dev->daemon->recovery && msd_recovery_holds(dev->daemon->recovery, dev->address)) {
        g_dbus_method_invocation_return_error(
            inv, MSD_ERROR, MSD_ERROR_BUSY,
            "%s may still be running from before massaged restarted and has not been stopped "
            "yet; stop it first (massagectl stop)",
            label);
        return TRUE;
    }
    if (!msd_device_is_ready(dev)) {
        g_dbus_method_invocation_return_error(inv, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                              "%s is not connected", label);
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

char *msd_device_describe(MsdDevice *dev)
{
    const char *name = msd_device1_get_name(dev->skel);
    if (name && *name && g_strcmp0(name, dev->address) != 0)
        return g_strdup_printf("%s (%s)", name, dev->address);
    return g_strdup(dev->address);
}

static void reach_finish(MsdDevice *dev, ReachOp *op, const GError *error)
{
    if (error && dev) {
        g_autofree char *label = msd_device_describe(dev);
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
    return g_strdup_printf(MSD_DEVICE_PATH_FMT, d->config.adapter, base ? base + 1 : "dev");
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
    dev->cancel = g_cancellable_new();
    dev->gatt = msd_gatt_transport_new(daemon->bluez, dev->bluez_path, dev->address, driver,
                                       &gatt_callbacks, dev);
    dev->writer = msd_writer_new(daemon->clock, driver, &msd_gatt_transport_writer, dev->gatt);
    dev->gate = msd_motion_gate_new(daemon->clock, &daemon->config.safety, daemon->time_scale, 1.0,
                                    on_gate_emit, dev);
    g_autofree char *needs = g_strdup_printf("the characteristics %s / %s", driver->write_uuid,
                                             driver->notify_uuid ? driver->notify_uuid : "-");
    dev->link = msd_link_new(daemon->clock, &daemon->config, dev->address, needs, &link_ops, dev);
    dev->asks_status = msd_gatt_driver_can(driver, MP_CMD_STATUS);
    msd_writer_set_error_func(dev->writer, on_writer_error, dev);

    dev->skel = msd_device1_skeleton_new();
    msd_authority_guard(G_DBUS_INTERFACE_SKELETON(dev->skel)); /* before the handlers */
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
    /* The link's timers go without a word; the transport closes here. */
    g_clear_pointer(&dev->link, msd_link_free);
    link_close_transport(dev);
    g_clear_pointer(&dev->writer, msd_writer_free);
    g_clear_pointer(&dev->gatt, msd_gatt_transport_free);
    g_clear_pointer(&dev->gate, msd_motion_gate_free);
    g_clear_handle_id(&dev->held_idle_id, g_source_remove);
    g_clear_handle_id(&dev->record_fail_id, g_source_remove);
    g_clear_pointer(&dev->held_why, g_free);
    g_cancellable_cancel(dev->cancel);
    g_clear_object(&dev->cancel);
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
