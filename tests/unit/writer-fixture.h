/* The writer test fixture shared by test-writer.c and test-writer-silence.c:
 * an MsdWriter over the fake transport (fake-transport.h) with the test
 * driver, on a fake clock from 0, connected; transport errors and finished
 * stops are counted. Include after <cmocka.h>. */
#pragma once

#include "fake-transport.h"

typedef struct {
    MsdClock *clock;
    MpDriver *driver;
    FakeTransport ft;
    MsdWriter *w; /* NULL once a test freed it itself */
    guint errors;
    MpCommandKind last_error_kind;
    guint stops_done;
    gboolean last_stop_ok;
} Fx;

static void on_error(MsdWriter *w, MpCommandKind kind, const GError *error, gpointer data)
{
    Fx *fx = data;
    fx->errors++;
    fx->last_error_kind = kind;
}

/* A stop's waiter (msd_writer_stop(fx->w, on_stop, fx)). */
G_GNUC_UNUSED static void on_stop(MsdWriter *w, const GError *error, gpointer data)
{
    Fx *fx = data;
    fx->stops_done++;
    fx->last_stop_ok = error == NULL;
}

/* manual: hold each write's completion until ft_complete(). */
static Fx *fx_new(MpWriteType type, guint gap_ms, guint keepalive_ms, guint stop_frames,
                  gboolean manual)
{
    Fx *fx = g_new0(Fx, 1);
    fx->clock = msd_clock_new_fake(0);
    fx->driver = test_driver_new(type, gap_ms, keepalive_ms, stop_frames);
    ft_init(&fx->ft, fx->clock);
    fx->ft.manual = manual;
    fx->w = msd_writer_new(fx->clock, fx->driver, &ft_vtable, &fx->ft);
    msd_writer_set_error_func(fx->w, on_error, fx);
    msd_writer_set_connected(fx->w, TRUE);
    return fx;
}

static void fx_free(Fx *fx)
{
    msd_writer_free(fx->w);
    /* Late completions after the writer is gone must be harmless. */
    while (fx->ft.pending->len)
        ft_complete(&fx->ft, NULL);
    ft_clear(&fx->ft);
    mp_driver_unref(fx->driver);
    msd_clock_unref(fx->clock);
    g_free(fx);
}
