/* MsdWriter: coalescing queue, min gap, keepalive and stop priority over an
 * abstract transport. All decisions happen in pump(), which is re-entrancy
 * safe because a transport may complete a write from inside write(). */
#include "daemon/writer.h"

#include <gio/gio.h>

typedef struct {
    MsdWriterStopFunc func;
    gpointer user_data;
} StopWaiter;

/* One outstanding transport write. Detached (writer NULL) when the writer is
 * freed or disconnected, so a late completion is a no-op. */
typedef struct {
    MsdWriter *writer;
    MpCommandKind kind;
    MpWriteType type;
    gboolean is_stop;
} Write;

struct _MsdWriter {
    MsdClock *clock;
    MpDriver *driver;
    MsdTransport transport;
    gpointer transport_data;
    MsdWriterErrorFunc error_func;
    gpointer error_data;

    gboolean connected;
    GQueue queue;      /* MpCommand*, not yet encoded; INTENSITY/SPEED at most once each */
    GPtrArray *frames; /* GBytes*: the rest of the command being written */
    MpCommandKind frames_kind;
    GList *writes;           /* Write*: outstanding */
    guint n_normal;          /* outstanding non-stop writes */
    MpWriteType normal_type; /* their write type */

    GPtrArray *stop_frames; /* GBytes*: the stop still to write */
    gboolean stop_active;   /* a stop was requested and has not finished */
    gboolean stop_inflight; /* one of its frames is outstanding */
    gboolean stop_force;    /* write it even while a normal write is outstanding */
    GError *stop_error;     /* first error while writing it */
    GArray *stop_waiters;   /* StopWaiter */

    gint64 last_write_us; /* start of the last write */
    /* The longest time between two writes (or the connect and the first
     * write) since msd_writer_take_longest_silence() last asked. */
    gint64 longest_silence_us;
    gboolean wrote_any;
    gint64 keepalive_base_us; /* max(last write, connect time) */
    guint gap_timer;
    guint keepalive_timer;
    guint stop_wait_timer;
    guint8 seq;

    gboolean pumping;
    gboolean repump;
    MsdWriterStats stats;
    double last_intensity;
};

static void pump(MsdWriter *w);

MsdWriter *msd_writer_new(MsdClock *clock, MpDriver *driver, const MsdTransport *transport,
                          gpointer transport_data)
{
    g_return_val_if_fail(clock && driver && transport && transport->write, NULL);
    MsdWriter *w = g_new0(MsdWriter, 1);
    w->clock = msd_clock_ref(clock);
    w->driver = mp_driver_ref(driver);
    w->transport = *transport;
    w->transport_data = transport_data;
    g_queue_init(&w->queue);
    w->frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    w->stop_frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    w->stop_waiters = g_array_new(FALSE, FALSE, sizeof(StopWaiter));
    w->last_intensity = -1;
    return w;
}

static void detach_writes(MsdWriter *w)
{
    for (GList *l = w->writes; l; l = l->next)
        ((Write *)l->data)->writer = NULL;
    g_clear_pointer(&w->writes, g_list_free);
    w->n_normal = 0;
    w->stop_inflight = FALSE;
}

/* Calls and clears the stop waiters. A waiter may free the writer: only the
 * local copy is touched after the first call. */
static void finish_stop(MsdWriter *w, const GError *error)
{
    g_autoptr(GArray) waiters = w->stop_waiters;
    w->stop_waiters = g_array_new(FALSE, FALSE, sizeof(StopWaiter));
    w->stop_active = FALSE;
    w->stop_force = FALSE;
    g_clear_error(&w->stop_error);
    g_ptr_array_set_size(w->stop_frames, 0);
    msd_clock_clear(w->clock, &w->stop_wait_timer);
    for (guint i = 0; i < waiters->len; i++) {
        StopWaiter *sw = &g_array_index(waiters, StopWaiter, i);
        if (sw->func)
            sw->func(w, error, sw->user_data);
    }
}

static void drop_queue(MsdWriter *w)
{
    w->stats.dropped += g_queue_get_length(&w->queue);
    if (w->frames->len)
        w->stats.dropped++; /* the unsent rest of a multi-frame command */
    g_queue_clear_full(&w->queue, g_free);
    g_ptr_array_set_size(w->frames, 0);
    msd_clock_clear(w->clock, &w->gap_timer);
}

void msd_writer_free(MsdWriter *w)
{
    if (!w)
        return;
    detach_writes(w);
    drop_queue(w);
    msd_clock_clear(w->clock, &w->keepalive_timer);
    msd_clock_clear(w->clock, &w->stop_wait_timer);
    if (w->stop_waiters->len) {
        g_autoptr(GError) e =
            g_error_new_literal(G_IO_ERROR, G_IO_ERROR_CANCELLED, "the device writer went away");
        /* No callback may touch `w` now; pass NULL. */
        for (guint i = 0; i < w->stop_waiters->len; i++) {
            StopWaiter *sw = &g_array_index(w->stop_waiters, StopWaiter, i);
            if (sw->func)
                sw->func(NULL, e, sw->user_data);
        }
    }
    g_array_unref(w->stop_waiters);
    g_ptr_array_unref(w->frames);
    g_ptr_array_unref(w->stop_frames);
    g_clear_error(&w->stop_error);
    mp_driver_unref(w->driver);
    msd_clock_unref(w->clock);
    g_free(w);
}

void msd_writer_set_error_func(MsdWriter *w, MsdWriterErrorFunc func, gpointer user_data)
{
    w->error_func = func;
    w->error_data = user_data;
}

static void report(MsdWriter *w, MpCommandKind kind, const GError *error)
{
    w->stats.errors++;
    if (w->error_func)
        w->error_func(w, kind, error, w->error_data);
}

static void schedule_keepalive(MsdWriter *w);

void msd_writer_set_connected(MsdWriter *w, gboolean connected)
{
    if (w->connected == connected)
        return;
    w->connected = connected;
    if (connected) {
        /* A new link: the gap to a write on the old one does not matter. */
        w->wrote_any = FALSE;
        w->longest_silence_us = 0;
        w->keepalive_base_us = msd_clock_now(w->clock);
        schedule_keepalive(w);
        return;
    }
    /* Gone: nothing queued may reach the device after it returns, and
     * completions of writes to the old connection no longer count. */
    detach_writes(w);
    drop_queue(w);
    msd_clock_clear(w->clock, &w->keepalive_timer);
    if (w->stop_active) {
        g_autoptr(GError) e = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                  "the device disconnected before the stop");
        finish_stop(w, e);
    }
}

gboolean msd_writer_is_connected(MsdWriter *w)
{
    return w->connected;
}

static void write_done(const GError *error, gpointer data)
{
    Write *wr = data;
    MsdWriter *w = wr->writer;
    if (!w) { /* detached: the writer or the connection is gone */
        g_free(wr);
        return;
    }
    w->writes = g_list_remove(w->writes, wr);
    if (wr->is_stop) {
        w->stop_inflight = FALSE;
        if (error && !w->stop_error)
            w->stop_error = g_error_copy(error);
    } else {
        w->n_normal--;
    }
    if (error)
        report(w, wr->kind, error);
    g_free(wr);
    pump(w);
}

static void start_write(MsdWriter *w, GBytes *frame, MpCommandKind kind, gboolean is_stop)
{
    Write *wr = g_new0(Write, 1);
    wr->writer = w;
    wr->kind = kind;
    wr->type = w->driver->write_type;
    wr->is_stop = is_stop;
    w->writes = g_list_prepend(w->writes, wr);
    if (is_stop) {
        w->stop_inflight = TRUE;
    } else {
        w->n_normal++;
        w->normal_type = wr->type;
    }
    gint64 now = msd_clock_now(w->clock);
    w->longest_silence_us = MAX(w->longest_silence_us, now - w->keepalive_base_us);
    w->last_write_us = now;
    w->keepalive_base_us = w->last_write_us;
    w->wrote_any = TRUE;
    w->stats.frames++;
    if (kind == MP_CMD_KEEPALIVE)
        w->stats.keepalives++;
    g_autoptr(GBytes) keep = g_bytes_ref(frame);
    w->transport.write(w->transport_data, keep, wr->type, write_done, wr);
}

static gboolean encode(MsdWriter *w, const MpCommand *cmd, GPtrArray *out)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    if (!mp_driver_encode(w->driver, cmd, w->seq, frames, &error)) {
        report(w, cmd->kind, error);
        return FALSE;
    }
    w->seq++; /* wraps at 255: the sequence number is one byte on the wire */
    for (guint i = 0; i < frames->len; i++)
        g_ptr_array_add(out, g_bytes_ref(frames->pdata[i]));
    return TRUE;
}

static void gap_timer_fired(gpointer data)
{
    MsdWriter *w = data;
    w->gap_timer = 0;
    pump(w);
}

static void keepalive_fired(gpointer data)
{
    MsdWriter *w = data;
    w->keepalive_timer = 0;
    if (!w->connected)
        return;
    if (g_queue_is_empty(&w->queue) && !w->frames->len && !w->writes && !w->stop_active) {
        MpCommand *cmd = g_new0(MpCommand, 1);
        cmd->kind = MP_CMD_KEEPALIVE;
        g_queue_push_tail(&w->queue, cmd);
        pump(w);
    }
    /* Busy: the write going out now resets the keepalive period. */
    schedule_keepalive(w);
}

static void schedule_keepalive(MsdWriter *w)
{
    if (!w->connected || w->driver->keepalive_ms == 0)
        return;
    gint64 due = w->keepalive_base_us + (gint64)w->driver->keepalive_ms * 1000;
    msd_clock_clear(w->clock, &w->keepalive_timer);
    w->keepalive_timer = msd_clock_schedule(w->clock, due, keepalive_fired, w);
}

static void stop_wait_expired(gpointer data)
{
    MsdWriter *w = data;
    w->stop_wait_timer = 0;
    /* The in-flight write-with-response did not complete in time: a stop
     * must not hang behind it. BlueZ queues the second ATT request. */
    w->stop_force = TRUE;
    pump(w);
}

/* Returns TRUE if the stop still owns the channel (normal writes wait). */
static gboolean pump_stop(MsdWriter *w)
{
    if (!w->stop_active)
        return FALSE;
    if (w->stop_inflight)
        return TRUE;
    if (w->stop_frames->len) {
        if (w->n_normal && !w->stop_force)
            return TRUE; /* after the in-flight write-with-response completes */
        g_autoptr(GBytes) frame = g_ptr_array_steal_index(w->stop_frames, 0);
        w->last_intensity = 0;
        start_write(w, frame, MP_CMD_STOP, TRUE);
        return TRUE;
    }
    /* Every stop frame completed. */
    w->stats.stops++;
    g_autoptr(GError) error = g_steal_pointer(&w->stop_error);
    finish_stop(w, error);
    return FALSE;
}

static void pump_once(MsdWriter *w)
{
    if (!w->connected)
        return;
    if (pump_stop(w))
        return;
    if (w->n_normal)
        return;
    if (!w->frames->len && g_queue_is_empty(&w->queue)) {
        schedule_keepalive(w);
        return;
    }
    if (w->wrote_any) {
        gint64 earliest = w->last_write_us + (gint64)w->driver->min_gap_ms * 1000;
        if (msd_clock_now(w->clock) < earliest) {
            if (!w->gap_timer)
                w->gap_timer = msd_clock_schedule(w->clock, earliest, gap_timer_fired, w);
            return; /* a newer value may still replace the queued one */
        }
    }
    while (!w->frames->len) {
        g_autofree MpCommand *cmd = g_queue_pop_head(&w->queue);
        if (!cmd)
            return;
        if (encode(w, cmd, w->frames)) {
            w->frames_kind = cmd->kind;
            if (cmd->kind == MP_CMD_INTENSITY)
                w->last_intensity = cmd->value;
        }
    }
    g_autoptr(GBytes) frame = g_ptr_array_steal_index(w->frames, 0);
    start_write(w, frame, w->frames_kind, FALSE);
}

static void pump(MsdWriter *w)
{
    if (w->pumping) {
        w->repump = TRUE;
        return;
    }
    w->pumping = TRUE;
    do {
        w->repump = FALSE;
        pump_once(w);
    } while (w->repump && w->connected);
    w->pumping = FALSE;
}

/* Latest value wins: a queued command of the same kind gets the new value in
 * its place in the queue; otherwise the command joins the tail. */
static gboolean enqueue(MsdWriter *w, MpCommandKind kind, double value, gboolean coalesce)
{
    if (!w->connected)
        return FALSE;
    w->stats.commands++;
    if (coalesce) {
        for (GList *l = w->queue.head; l; l = l->next) {
            MpCommand *queued = l->data;
            if (queued->kind == kind) {
                queued->value = value;
                w->stats.coalesced++;
                return TRUE;
            }
        }
    }
    MpCommand *cmd = g_new0(MpCommand, 1);
    cmd->kind = kind;
    cmd->value = value;
    g_queue_push_tail(&w->queue, cmd);
    pump(w);
    return TRUE;
}

gboolean msd_writer_set_intensity(MsdWriter *w, double percent)
{
    return enqueue(w, MP_CMD_INTENSITY, percent, TRUE);
}

gboolean msd_writer_set_speed(MsdWriter *w, double value)
{
    return enqueue(w, MP_CMD_SPEED, value, TRUE);
}

gboolean msd_writer_send(MsdWriter *w, const MpCommand *cmd)
{
    if (cmd->kind == MP_CMD_STOP)
        return msd_writer_stop(w, NULL, NULL);
    gboolean coalesce = cmd->kind == MP_CMD_INTENSITY || cmd->kind == MP_CMD_SPEED;
    return enqueue(w, cmd->kind, cmd->value, coalesce);
}

gboolean msd_writer_stop(MsdWriter *w, MsdWriterStopFunc func, gpointer user_data)
{
    if (!w->connected) {
        g_autoptr(GError) e = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                  "the device is not connected");
        if (func)
            func(w, e, user_data);
        return FALSE;
    }
    w->stats.commands++;
    StopWaiter sw = {func, user_data};
    g_array_append_val(w->stop_waiters, sw);
    /* Nothing queued before a stop may reach the device after it. */
    drop_queue(w);
    if (w->stop_active && (w->stop_frames->len || w->stop_inflight))
        return TRUE; /* the stop already on its way serves this one too */
    w->stop_active = TRUE;
    MpCommand cmd = {.kind = MP_CMD_STOP, .value = 0};
    if (!encode(w, &cmd, w->stop_frames)) {
        g_autoptr(GError) e =
            g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "%s: the stop command could not be encoded",
                        w->driver->name);
        finish_stop(w, e);
        return TRUE;
    }
    if (w->n_normal) {
        if (w->normal_type == MP_WRITE_WITHOUT_RESPONSE)
            w->stop_force = TRUE; /* no response to wait for: write it alongside */
        else
            w->stop_wait_timer = msd_clock_schedule(
                w->clock, msd_clock_now(w->clock) + MSD_WRITER_STOP_WAIT_MS * 1000,
                stop_wait_expired, w);
    }
    pump(w);
    return TRUE;
}

gboolean msd_writer_is_idle(MsdWriter *w)
{
    return g_queue_is_empty(&w->queue) && !w->frames->len && !w->writes && !w->stop_active;
}

double msd_writer_get_last_intensity(MsdWriter *w)
{
    return w->last_intensity;
}

const MsdWriterStats *msd_writer_get_stats(MsdWriter *w)
{
    return &w->stats;
}

gint64 msd_writer_take_longest_silence(MsdWriter *w)
{
    gint64 silence = w->longest_silence_us;
    if (w->connected)
        silence = MAX(silence, msd_clock_now(w->clock) - w->keepalive_base_us);
    w->longest_silence_us = 0;
    return silence;
}
