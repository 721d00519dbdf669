/* Test doubles shared by the writer and engine tests: a driver whose frames
 * are easy to read (kind | 0xC0, value, seq) and a transport that records
 * (time, bytes, write type) on a fake clock and completes writes at once,
 * with an error, or only when the test says so. */
#pragma once

#include <gio/gio.h>
#include <math.h>

#include "common/clock.h"
#include "daemon/writer.h"
#include "protocol/driver.h"

static gboolean test_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                            GPtrArray *frames, GError **error)
{
    if ((cmd->kind == MP_CMD_INTENSITY) && !(cmd->value >= 0 && cmd->value <= 100)) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "intensity %g out of range", cmd->value);
        return FALSE;
    }
    guint8 f[3] = {(guint8)(0xC0 | cmd->kind), (guint8)lround(cmd->value), seq};
    g_ptr_array_add(frames, g_bytes_new(f, sizeof f));
    if (cmd->kind == MP_CMD_STOP && GPOINTER_TO_UINT(driver->priv) == 2) {
        /* A two-frame stop, as some devices need (motor off, then mode off). */
        guint8 g[3] = {0xCF, 0x00, seq};
        g_ptr_array_add(frames, g_bytes_new(g, sizeof g));
    }
    return TRUE;
}

/* stop_frames: 1 or 2 frames per stop. */
G_GNUC_UNUSED static MpDriver *test_driver_new(MpWriteType type, guint min_gap_ms,
                                               guint keepalive_ms, guint stop_frames)
{
    MpDriver *d = mp_driver_new();
    d->name = g_strdup("test");
    d->write_type = type;
    d->min_gap_ms = min_gap_ms;
    d->keepalive_ms = keepalive_ms;
    d->encode = test_encode;
    d->priv = GUINT_TO_POINTER(stop_frames);
    return d;
}

typedef struct {
    gint64 t_us;
    guint8 b[3];
    gsize len;
    MpWriteType type;
} Rec;

typedef struct {
    MsdTransportDone done;
    gpointer data;
} PendingWrite;

typedef struct {
    MsdClock *clock;
    GArray *log;      /* Rec */
    gboolean manual;  /* hold completions until ft_complete() */
    GArray *pending;  /* PendingWrite, oldest first */
    guint fail_count; /* fail this many of the next writes */
    guint max_outstanding;
} FakeTransport;

static void ft_write(gpointer data, GBytes *frame, MpWriteType type, MsdTransportDone done,
                     gpointer done_data)
{
    FakeTransport *ft = data;
    Rec r = {.t_us = msd_clock_now(ft->clock), .type = type};
    gsize len;
    const guint8 *b = g_bytes_get_data(frame, &len);
    r.len = MIN(len, sizeof r.b);
    memcpy(r.b, b, r.len);
    g_array_append_val(ft->log, r);
    if (ft->manual) {
        PendingWrite p = {done, done_data};
        g_array_append_val(ft->pending, p);
        ft->max_outstanding = MAX(ft->max_outstanding, ft->pending->len);
        return;
    }
    ft->max_outstanding = MAX(ft->max_outstanding, 1u);
    if (ft->fail_count) {
        ft->fail_count--;
        g_autoptr(GError) e = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "write failed");
        done(e, done_data);
        return;
    }
    done(NULL, done_data); /* synchronous completion, as AcquireWrite's fd is */
}

static const MsdTransport ft_vtable = {.write = ft_write};

static void ft_init(FakeTransport *ft, MsdClock *clock)
{
    memset(ft, 0, sizeof *ft);
    ft->clock = clock;
    ft->log = g_array_new(FALSE, TRUE, sizeof(Rec));
    ft->pending = g_array_new(FALSE, TRUE, sizeof(PendingWrite));
}

static void ft_clear(FakeTransport *ft)
{
    g_array_unref(ft->log);
    g_array_unref(ft->pending);
}

/* Completes the oldest outstanding write (manual mode). */
G_GNUC_UNUSED static void ft_complete(FakeTransport *ft, const char *error_message)
{
    assert_true(ft->pending->len > 0);
    PendingWrite p = g_array_index(ft->pending, PendingWrite, 0);
    g_array_remove_index(ft->pending, 0);
    g_autoptr(GError) e =
        error_message ? g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, error_message) : NULL;
    p.done(e, p.data);
}

G_GNUC_UNUSED static const Rec *ft_rec(FakeTransport *ft, guint i)
{
    assert_true(i < ft->log->len);
    return &g_array_index(ft->log, Rec, i);
}

/* Asserts write i: at t_ms, kind and value (the test driver's frame). */
#define assert_write(ft, i, t_ms, kind, value)                                                     \
    do {                                                                                           \
        const Rec *r_ = ft_rec((ft), (i));                                                         \
        assert_int_equal(r_->t_us, (gint64)(t_ms)*1000);                                           \
        assert_int_equal(r_->b[0], 0xC0 | (kind));                                                 \
        assert_int_equal(r_->b[1], (value));                                                       \
    } while (0)
