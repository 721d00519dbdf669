/* MsdWriter: the per-device command writer, between the engine (or manual
 * SetIntensity) and the GATT transport. Pure GLib, no D-Bus: the transport
 * is a small vtable the device implements (and tests fake).
 *
 * Rules (the reasons are in docs/engine.md):
 * - Latest value wins: a queued intensity (or speed) that has not gone out
 *   yet is replaced by a newer one, in place; other commands queue in order.
 * - At most one write in flight; the next starts when the transport reports
 *   completion and at least driver->min_gap_ms after the previous started.
 * - Keepalive: while connected, when driver->keepalive_ms > 0 and nothing
 *   was written for keepalive_ms, an MP_CMD_KEEPALIVE frame goes out.
 * - A stop bypasses everything: queued commands are dropped, the min gap is
 *   ignored, and the stop frame is written at once. If a write is in flight,
 *   a write-without-response device gets the stop at once (concurrently);
 *   a write-with-response device gets it the moment the in-flight write
 *   completes, or after MSD_WRITER_STOP_WAIT_MS if it never completes.
 * - Every command is encoded with mp_driver_encode() and the writer's
 *   sequence number (incremented per command, wrapping at 255).
 * - Transport errors are counted and reported through the error callback;
 *   the writer goes on with the next command. */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "protocol/driver.h"

G_BEGIN_DECLS

/* How long a stop waits for an in-flight write-with-response before it is
 * written anyway (the transport must then accept a second write). */
#define MSD_WRITER_STOP_WAIT_MS 500

/* Called by the transport exactly once per write: error NULL on success. It
 * may be called from inside write() (a synchronous transport) or later. */
typedef void (*MsdTransportDone)(const GError *error, gpointer done_data);

typedef struct {
    /* Write one frame with the given write type. `frame` is borrowed for the
     * call (ref it to keep it). Normally called only while no other write is
     * outstanding; the exceptions are a stop (see above). */
    void (*write)(gpointer transport_data, GBytes *frame, MpWriteType type, MsdTransportDone done,
                  gpointer done_data);
} MsdTransport;

typedef struct _MsdWriter MsdWriter;

/* A transport error (or an encoding error: then `kind` is the command that
 * could not be encoded). */
typedef void (*MsdWriterErrorFunc)(MsdWriter *writer, MpCommandKind kind, const GError *error,
                                   gpointer user_data);
/* A stop went out (error NULL) or failed. It must not free the writer; when
 * the writer itself is being freed it is called with `writer` NULL and a
 * G_IO_ERROR_CANCELLED error. */
typedef void (*MsdWriterStopFunc)(MsdWriter *writer, const GError *error, gpointer user_data);

typedef struct {
    guint64 commands;   /* commands accepted (set_intensity/speed/send/stop) */
    guint64 coalesced;  /* queued values replaced by a newer one before going out */
    guint64 frames;     /* frames handed to the transport */
    guint64 keepalives; /* of which keepalive frames */
    guint64 stops;      /* stop commands written */
    guint64 dropped;    /* queued commands dropped by a stop or a disconnect */
    guint64 errors;     /* transport and encoding errors */
} MsdWriterStats;

/* The transport vtable is copied; `transport_data` is borrowed and must
 * outlive the writer. The writer holds references to clock and driver.
 * A new writer is disconnected: commands are refused until connected. */
MsdWriter *msd_writer_new(MsdClock *clock, MpDriver *driver, const MsdTransport *transport,
                          gpointer transport_data);
/* Cancels timers; pending completions of the transport become no-ops. */
void msd_writer_free(MsdWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdWriter, msd_writer_free)

void msd_writer_set_error_func(MsdWriter *writer, MsdWriterErrorFunc func, gpointer user_data);

/* Connected: writes may go out and keepalives run. Disconnecting drops the
 * queue (nothing stale is sent after a reconnect) and stops keepalives; a
 * pending stop callback is called with an error. */
void msd_writer_set_connected(MsdWriter *writer, gboolean connected);
gboolean msd_writer_is_connected(MsdWriter *writer);

/* Coalesced: replaces a queued intensity (percent 0..100) or speed (device
 * units). Returns FALSE (and writes nothing) when disconnected. */
gboolean msd_writer_set_intensity(MsdWriter *writer, double percent);
gboolean msd_writer_set_speed(MsdWriter *writer, double value);
/* Any other command (START, MODE, STATUS, BATTERY), queued in order;
 * INTENSITY and SPEED are coalesced as above, STOP is msd_writer_stop(). */
gboolean msd_writer_send(MsdWriter *writer, const MpCommand *cmd);

/* Stop now (see the rules above). `func` (may be NULL) is called once the
 * stop frame(s) went out or failed, or with an error if the writer is
 * disconnected or freed first. Returns FALSE when disconnected (then `func`
 * is called with an error before this returns). */
gboolean msd_writer_stop(MsdWriter *writer, MsdWriterStopFunc func, gpointer user_data);

/* Nothing queued and nothing in flight. */
gboolean msd_writer_is_idle(MsdWriter *writer);
/* The last intensity handed to the transport (percent), or -1 before any. */
double msd_writer_get_last_intensity(MsdWriter *writer);
const MsdWriterStats *msd_writer_get_stats(MsdWriter *writer);
/* The longest the device went without a frame from us (between two writes,
 * or since the connect or the last write until now) since the last call,
 * which resets it. A device with a watchdog (driver->keepalive_ms > 0) may
 * have stopped itself after a silence longer than mp_silence_limit_ms(): a
 * daemon frozen by SIGSTOP or a long stall learns it here before its next
 * motion frame. */
gint64 msd_writer_take_longest_silence(MsdWriter *writer);

G_END_DECLS
