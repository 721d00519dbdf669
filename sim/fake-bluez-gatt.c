/* GATT objects of a connected device: GattService1, GattCharacteristic1 and
 * the Client Characteristic Configuration descriptor, with bluetoothd's
 * rules for reads, writes, notify sessions and acquired sockets. */
#include <errno.h>
#include <gio/gunixfdlist.h>
#include <string.h>

#include "sim/fake-bluez-private.h"

#define FIRST_HANDLE 0x000a /* after GAP and GATT, which bluetoothd does not export */

typedef struct {
    FbChar *ch;
    GDBusMethodInvocation *inv; /* NULL for a write without response */
    GBytes *value;
    gint64 due_us; /* monotonic time it reaches the device */
} DelayedWrite;

static const char *dev_addr(FbChar *ch)
{
    return sim_device_get_address(ch->dev->model);
}

static const SimDeviceConfig *dev_cfg(FbChar *ch)
{
    return sim_device_get_config(ch->dev->model);
}

/* ---- acquired sockets -------------------------------------------------- */

/* The write socket is closed (by the client, or by us): the lock is released. */
static void write_released(gpointer user_data)
{
    FbChar *ch = user_data;
    bluez_gatt_characteristic1_set_write_acquired(ch->skel, FALSE);
    fb_flush(ch->skel);
}

static void notify_released(gpointer user_data)
{
    FbChar *ch = user_data;
    bluez_gatt_characteristic1_set_notify_acquired(ch->skel, FALSE);
    bluez_gatt_characteristic1_set_notifying(ch->skel, client_set_size(ch->notify) > 0);
    fb_flush(ch->skel);
}

static void release_write(FbChar *ch)
{
    if (sim_acquired_fd_release(&ch->write_sock))
        write_released(ch);
}

static void release_notify(FbChar *ch)
{
    if (sim_acquired_fd_release(&ch->notify_sock))
        notify_released(ch);
}

/* ---- writes ------------------------------------------------------------ */

static void deliver(FbChar *ch, GBytes *value)
{
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(value, &len);
    sim_device_write(ch->dev->model, ch->uuid, data, len, NULL);
}

static void finish_delayed(DelayedWrite *w)
{
    FbChar *ch = w->ch;
    if (w->inv) {
        ch->in_flight = NULL;
        if (dev_cfg(ch)->fail_writes) {
            sim_log_event(ch->dev->ad->fb->log, dev_addr(ch), "write-failed", "char", ch->uuid,
                          NULL);
            fb_return_error(w->inv, BLUEZ_ERROR_FAILED, "Operation failed with ATT error: 0x0e");
        } else {
            deliver(ch, w->value);
            bluez_gatt_characteristic1_complete_write_value(ch->skel, w->inv);
        }
    } else if (dev_cfg(ch)->fail_writes) {
        /* A lost write without response: the host cannot know. */
        sim_log_event(ch->dev->ad->fb->log, dev_addr(ch), "write-lost", "char", ch->uuid, NULL);
    } else {
        deliver(ch, w->value);
    }
    g_clear_object(&w->inv);
    g_bytes_unref(w->value);
    g_free(w);
}

static void schedule_pump(FbChar *ch);

/* Delivers every write that is due, in queue order, then waits for the next. */
static gboolean on_pump(gpointer user_data)
{
    FbChar *ch = user_data;
    ch->pump_id = 0;
    gint64 now = g_get_monotonic_time();
    DelayedWrite *w;
    while ((w = g_queue_peek_head(&ch->delayed)) && w->due_us <= now)
        finish_delayed(g_queue_pop_head(&ch->delayed));
    schedule_pump(ch);
    return G_SOURCE_REMOVE;
}

static void schedule_pump(FbChar *ch)
{
    DelayedWrite *w = g_queue_peek_head(&ch->delayed);
    if (!w || ch->pump_id)
        return;
    gint64 wait_us = w->due_us - g_get_monotonic_time();
    ch->pump_id = g_timeout_add(wait_us > 0 ? (guint)((wait_us + 999) / 1000) : 0, on_pump, ch);
}

/* Writes go through one queue, so they reach the device in order even when
 * the delay fault holds them (or is changed while some are held). */
static void queue_write(FbChar *ch, GDBusMethodInvocation *inv, GBytes *value)
{
    DelayedWrite *w = g_new0(DelayedWrite, 1);
    w->ch = ch;
    w->inv = inv ? g_object_ref(inv) : NULL;
    w->value = g_bytes_ref(value);
    w->due_us = g_get_monotonic_time() + (gint64)dev_cfg(ch)->write_delay_ms * 1000;
    if (inv)
        ch->in_flight = inv;
    if (dev_cfg(ch)->write_delay_ms == 0 && g_queue_is_empty(&ch->delayed)) {
        finish_delayed(w);
        return;
    }
    g_queue_push_tail(&ch->delayed, w);
    schedule_pump(ch);
}

static void cancel_writes(FbChar *ch)
{
    DelayedWrite *w;
    g_clear_handle_id(&ch->pump_id, g_source_remove);
    while ((w = g_queue_pop_head(&ch->delayed))) {
        if (w->inv)
            fb_return_error(w->inv, BLUEZ_ERROR_FAILED, "Not connected");
        g_clear_object(&w->inv);
        g_bytes_unref(w->value);
        g_free(w);
    }
    ch->in_flight = NULL;
}

/* A packet on the acquired write socket: a write without response. */
static void on_write_packet(const guint8 *data, gsize len, gpointer user_data)
{
    g_autoptr(GBytes) value = g_bytes_new(data, len);
    queue_write(user_data, NULL, value);
}

/* ---- method handlers --------------------------------------------------- */

static gboolean read_offset(GVariant *options, guint16 *offset)
{
    *offset = 0;
    GVariant *v = g_variant_lookup_value(options, "offset", NULL);
    if (!v)
        return TRUE;
    gboolean ok = g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16);
    if (ok)
        *offset = g_variant_get_uint16(v);
    g_variant_unref(v);
    return ok;
}

static gboolean on_read_value(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                              GVariant *options, FbChar *ch)
{
    guint16 offset;
    if (!read_offset(options, &offset)) {
        fb_return_error(inv, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        return TRUE;
    }
    if (!(ch->flags & SIM_CHAR_READ)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_PERMITTED, "Read not permitted");
        return TRUE;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) value = sim_device_read(ch->dev->model, ch->uuid, &error);
    if (!value) {
        fb_return_error(inv, BLUEZ_ERROR_FAILED, error->message);
        return TRUE;
    }
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(value, &len);
    if (offset > len) {
        fb_return_error(inv, BLUEZ_ERROR_INVALID_OFFSET, "Invalid offset");
        return TRUE;
    }
    bluez_gatt_characteristic1_set_value(skel, fb_bytes_variant(data, len));
    fb_flush(skel);
    bluez_gatt_characteristic1_complete_read_value(skel, inv,
                                                   fb_bytes_variant(data + offset, len - offset));
    return TRUE;
}

static gboolean on_write_value(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                               GVariant *value, GVariant *options, FbChar *ch)
{
    guint16 offset;
    const char *type = NULL;
    GVariant *tv = g_variant_lookup_value(options, "type", NULL);
    gboolean ok = read_offset(options, &offset);
    if (tv) {
        ok = ok && g_variant_is_of_type(tv, G_VARIANT_TYPE_STRING);
        type = ok ? g_variant_get_string(tv, NULL) : NULL;
        ok = ok && (g_str_equal(type, "command") || g_str_equal(type, "request") ||
                    g_str_equal(type, "reliable"));
    }
    g_autofree char *type_copy = g_strdup(type);
    g_clear_pointer(&tv, g_variant_unref);
    if (!ok) {
        fb_return_error(inv, BLUEZ_ERROR_INVALID_ARGUMENTS, "Invalid arguments in method call");
        return TRUE;
    }
    if (sim_acquired_fd_held(&ch->write_sock)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_PERMITTED, "Write acquired");
        return TRUE;
    }
    /* bluetoothd's choice: the type asked for, else request if the
     * characteristic allows it, else command. */
    gboolean request;
    if (type_copy && g_str_equal(type_copy, "reliable")) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        return TRUE;
    } else if (type_copy) {
        request = g_str_equal(type_copy, "request");
    } else {
        request = (ch->flags & SIM_CHAR_WRITE) != 0;
    }
    if ((request && !(ch->flags & SIM_CHAR_WRITE)) ||
        (!request && !(ch->flags & SIM_CHAR_WRITE_NR))) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
        return TRUE;
    }
    if (offset != 0) {
        /* Long writes (prepare/execute) are not simulated: see docs/simulator.md. */
        fb_return_error(inv, BLUEZ_ERROR_INVALID_OFFSET, "Invalid offset");
        return TRUE;
    }
    gsize len = 0;
    const guint8 *data = g_variant_get_fixed_array(value, &len, 1);
    guint16 mtu = ch->dev->ad->fb->t.mtu;
    if (!request && len > (gsize)mtu - 3) {
        fb_return_error(inv, BLUEZ_ERROR_FAILED, "Failed to initiate write");
        return TRUE;
    }
    g_autoptr(GBytes) bytes = g_bytes_new(data, len);
    if (request) {
        if (ch->in_flight) {
            fb_return_error(inv, BLUEZ_ERROR_IN_PROGRESS, "In Progress");
            return TRUE;
        }
        queue_write(ch, inv, bytes);
        return TRUE;
    }
    /* Write without response: bluetoothd replies once the command is queued. */
    queue_write(ch, NULL, bytes);
    bluez_gatt_characteristic1_complete_write_value(skel, inv);
    return TRUE;
}

/* Whether the characteristic has `flag`; if not, `inv` is answered
 * NotSupported, as bluetoothd does. */
static gboolean supports(FbChar *ch, SimCharFlags flag, GDBusMethodInvocation *inv)
{
    if (ch->flags & flag)
        return TRUE;
    fb_return_error(inv, BLUEZ_ERROR_NOT_SUPPORTED, "Operation is not supported");
    return FALSE;
}

static void on_notify_emptied(gpointer user_data)
{
    FbChar *ch = user_data;
    bluez_gatt_characteristic1_set_notifying(ch->skel, sim_acquired_fd_held(&ch->notify_sock));
    fb_flush(ch->skel);
}

static gboolean on_start_notify(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                                FbChar *ch)
{
    if (!supports(ch, SIM_CHAR_NOTIFY, inv))
        return TRUE;
    if (sim_acquired_fd_held(&ch->notify_sock)) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_PERMITTED, "Notify acquired");
        return TRUE;
    }
    if (!client_set_add(ch->notify, g_dbus_method_invocation_get_sender(inv))) {
        fb_return_error(inv, BLUEZ_ERROR_IN_PROGRESS, "In Progress");
        return TRUE;
    }
    bluez_gatt_characteristic1_set_notifying(skel, TRUE);
    fb_flush(skel);
    bluez_gatt_characteristic1_complete_start_notify(skel, inv);
    return TRUE;
}

static gboolean on_stop_notify(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                               FbChar *ch)
{
    if (!client_set_remove(ch->notify, g_dbus_method_invocation_get_sender(inv))) {
        fb_return_error(inv, BLUEZ_ERROR_FAILED, "No notify session started");
        return TRUE;
    }
    if (client_set_size(ch->notify) == 0)
        on_notify_emptied(ch);
    bluez_gatt_characteristic1_complete_stop_notify(skel, inv);
    return TRUE;
}

static gboolean on_acquire_write(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                                 GUnixFDList *in_fds, GVariant *options, FbChar *ch)
{
    if (!supports(ch, SIM_CHAR_WRITE_NR, inv))
        return TRUE;
    g_autoptr(GUnixFDList) fds =
        sim_acquired_fd_open(&ch->write_sock, inv, "Write acquired", FALSE);
    if (!fds)
        return TRUE;
    bluez_gatt_characteristic1_set_write_acquired(skel, TRUE);
    fb_flush(skel);
    sim_acquired_fd_reply(inv, fds, ch->dev->ad->fb->t.mtu);
    return TRUE;
}

static gboolean on_acquire_notify(BluezGattCharacteristic1 *skel, GDBusMethodInvocation *inv,
                                  GUnixFDList *in_fds, GVariant *options, FbChar *ch)
{
    if (!supports(ch, SIM_CHAR_NOTIFY, inv))
        return TRUE;
    /* A StartNotify session and an acquired socket exclude each other (each
     * refuses the other), so at most one of this check and the "Notify
     * acquired" one in sim_acquired_fd_open applies. */
    if (client_set_size(ch->notify) > 0) {
        fb_return_error(inv, BLUEZ_ERROR_NOT_PERMITTED, "Notify already started");
        return TRUE;
    }
    g_autoptr(GUnixFDList) fds =
        sim_acquired_fd_open(&ch->notify_sock, inv, "Notify acquired", FALSE);
    if (!fds)
        return TRUE;
    bluez_gatt_characteristic1_set_notify_acquired(skel, TRUE);
    bluez_gatt_characteristic1_set_notifying(skel, TRUE);
    fb_flush(skel);
    sim_acquired_fd_reply(inv, fds, ch->dev->ad->fb->t.mtu);
    return TRUE;
}

/* The CCC descriptor: readable, and written by bluetoothd itself only. */
static gboolean on_desc_read(BluezGattDescriptor1 *skel, GDBusMethodInvocation *inv,
                             GVariant *options, FbChar *ch)
{
    guint8 v[2] = {bluez_gatt_characteristic1_get_notifying(ch->skel) ? 1 : 0, 0};
    bluez_gatt_descriptor1_set_value(skel, fb_bytes_variant(v, 2));
    bluez_gatt_descriptor1_complete_read_value(skel, inv, fb_bytes_variant(v, 2));
    return TRUE;
}

static gboolean on_desc_write(BluezGattDescriptor1 *skel, GDBusMethodInvocation *inv,
                              GVariant *value, GVariant *options, FbChar *ch)
{
    fb_return_error(inv, BLUEZ_ERROR_NOT_PERMITTED, "Write not permitted");
    return TRUE;
}

/* ---- export ------------------------------------------------------------ */

static GStrv flag_strings(SimCharFlags flags)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    if (flags & SIM_CHAR_READ)
        g_strv_builder_add(b, "read");
    if (flags & SIM_CHAR_WRITE_NR)
        g_strv_builder_add(b, "write-without-response");
    if (flags & SIM_CHAR_WRITE)
        g_strv_builder_add(b, "write");
    if (flags & SIM_CHAR_NOTIFY)
        g_strv_builder_add(b, "notify");
    return g_strv_builder_end(b);
}

static void char_free(FbChar *ch)
{
    FakeBluez *fb = ch->dev->ad->fb;
    cancel_writes(ch);
    release_write(ch);
    release_notify(ch);
    g_clear_pointer(&ch->notify, client_set_free);
    if (ch->cccd_obj)
        fb_unexport(fb, g_dbus_object_get_object_path(G_DBUS_OBJECT(ch->cccd_obj)));
    fb_unexport(fb, ch->path);
    g_signal_handlers_disconnect_by_data(ch->skel, ch);
    if (ch->cccd)
        g_signal_handlers_disconnect_by_data(ch->cccd, ch);
    g_clear_object(&ch->cccd_obj);
    g_clear_object(&ch->cccd);
    g_clear_object(&ch->obj);
    g_clear_object(&ch->skel);
    g_free(ch->uuid);
    g_free(ch->path);
    g_free(ch);
}

static char *export_service(FbDevice *dev, const char *uuid, guint16 handle)
{
    char *path = g_strdup_printf("%s/service%04x", dev->path, handle);
    g_autoptr(BluezGattService1) skel = bluez_gatt_service1_skeleton_new();
    static const char *const none[] = {NULL};
    g_object_set(skel, "uuid", uuid, "primary", TRUE, "device", dev->path, "includes", none,
                 "handle", (guint)handle, NULL);
    g_autoptr(GDBusObjectSkeleton) obj = fb_export(dev->ad->fb, path, skel);
    return path;
}

static FbChar *export_char(FbDevice *dev, const char *service_path, const SimGattChar *c,
                           guint16 decl)
{
    FakeBluez *fb = dev->ad->fb;
    FbChar *ch = g_new0(FbChar, 1);
    ch->dev = dev;
    ch->path = g_strdup_printf("%s/char%04x", service_path, decl);
    ch->uuid = g_strdup(c->uuid);
    ch->flags = c->flags;
    sim_acquired_fd_init(&ch->write_sock, on_write_packet, write_released, ch);
    sim_acquired_fd_init(&ch->notify_sock, NULL, notify_released, ch);
    ch->notify = client_set_new(fb->conn, on_notify_emptied, ch);
    g_queue_init(&ch->delayed);
    ch->skel = bluez_gatt_characteristic1_skeleton_new();
    g_auto(GStrv) flags = flag_strings(c->flags);
    g_object_set(ch->skel, "uuid", c->uuid, "service", service_path, "value",
                 fb_bytes_variant(NULL, 0), "write-acquired", FALSE, "notify-acquired", FALSE,
                 "notifying", FALSE, "flags", flags, "handle", (guint)(decl + 1), "mtu",
                 (guint)fb->t.mtu, NULL);
    g_signal_connect(ch->skel, "handle-read-value", G_CALLBACK(on_read_value), ch);
    g_signal_connect(ch->skel, "handle-write-value", G_CALLBACK(on_write_value), ch);
    g_signal_connect(ch->skel, "handle-start-notify", G_CALLBACK(on_start_notify), ch);
    g_signal_connect(ch->skel, "handle-stop-notify", G_CALLBACK(on_stop_notify), ch);
    g_signal_connect(ch->skel, "handle-acquire-write", G_CALLBACK(on_acquire_write), ch);
    g_signal_connect(ch->skel, "handle-acquire-notify", G_CALLBACK(on_acquire_notify), ch);
    ch->obj = fb_export(fb, ch->path, ch->skel);
    if (c->flags & SIM_CHAR_NOTIFY) {
        g_autofree char *dpath = g_strdup_printf("%s/desc%04x", ch->path, decl + 2);
        static const char *const dflags[] = {"read", "write", NULL};
        ch->cccd = bluez_gatt_descriptor1_skeleton_new();
        g_object_set(ch->cccd, "uuid", SIM_UUID_CCCD, "characteristic", ch->path, "value",
                     fb_bytes_variant(NULL, 0), "flags", dflags, "handle", (guint)(decl + 2), NULL);
        g_signal_connect(ch->cccd, "handle-read-value", G_CALLBACK(on_desc_read), ch);
        g_signal_connect(ch->cccd, "handle-write-value", G_CALLBACK(on_desc_write), ch);
        ch->cccd_obj = fb_export(fb, dpath, ch->cccd);
    }
    return ch;
}

void fb_gatt_export(FbDevice *dev)
{
    if (dev->chars)
        return;
    dev->chars = g_ptr_array_new();
    dev->services = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *gatt = sim_device_get_gatt(dev->model);
    guint16 handle = FIRST_HANDLE;
    /* Services in the order of their first characteristic; handles as a
     * GATT server lays them out: service, then per characteristic its
     * declaration, value and (if it notifies) CCC descriptor. */
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    for (guint i = 0; i < gatt->len; i++) {
        const SimGattChar *c = gatt->pdata[i];
        gboolean seen = FALSE;
        for (guint j = 0; j < order->len; j++)
            seen = seen || g_str_equal(order->pdata[j], c->service_uuid);
        if (!seen)
            g_ptr_array_add(order, c->service_uuid);
    }
    for (guint s = 0; s < order->len; s++) {
        char *spath = export_service(dev, order->pdata[s], handle);
        g_ptr_array_add(dev->services, spath);
        handle++;
        for (guint i = 0; i < gatt->len; i++) {
            const SimGattChar *c = gatt->pdata[i];
            if (!g_str_equal(c->service_uuid, order->pdata[s]))
                continue;
            g_ptr_array_add(dev->chars, export_char(dev, spath, c, handle));
            handle += (c->flags & SIM_CHAR_NOTIFY) ? 3 : 2;
        }
        /* bluetoothd's handles leave room between services; so do we. */
        handle = (guint16)((handle + 0x0f) & ~0x0f) + 0x0a;
    }
}

void fb_gatt_remove(FbDevice *dev)
{
    if (!dev->chars)
        return;
    for (guint i = 0; i < dev->chars->len; i++)
        char_free(dev->chars->pdata[i]);
    g_clear_pointer(&dev->chars, g_ptr_array_unref);
    for (guint i = 0; i < dev->services->len; i++)
        fb_unexport(dev->ad->fb, dev->services->pdata[i]);
    g_clear_pointer(&dev->services, g_ptr_array_unref);
}

void fb_gatt_notify(FbDevice *dev, const char *uuid, GBytes *value)
{
    if (!dev->chars)
        return;
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(value, &len);
    for (guint i = 0; i < dev->chars->len; i++) {
        FbChar *ch = dev->chars->pdata[i];
        if (!mp_uuid_equal(ch->uuid, uuid))
            continue;
        if (sim_acquired_fd_held(&ch->notify_sock)) {
            if (!sim_acquired_fd_send(&ch->notify_sock, data, len))
                g_debug("notify fd: %s", g_strerror(errno));
        } else if (client_set_size(ch->notify) > 0) {
            /* Flush per value: two notifications are two PropertiesChanged. */
            bluez_gatt_characteristic1_set_value(ch->skel, fb_bytes_variant(data, len));
            fb_flush(ch->skel);
        }
    }
}
