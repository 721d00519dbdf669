/* MsdWriter on a fake clock and a recording transport: coalescing, the
 * minimum gap, keepalive cadence, stop priority, errors, disconnects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "writer-fixture.h"

static guint n_writes(Fx *fx)
{
    return fx->ft.log->len;
}

/* 1000 intensity changes, one per millisecond, min gap 20 ms: about one
 * write per gap, every write at least 20 ms after the one before, and the
 * last value is the last one written. */
static void test_flood_coalesces_latest_wins(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 20, 0, 1, FALSE);
    for (int i = 0; i < 1000; i++) {
        msd_writer_set_intensity(fx->w, (i * 7) % 100);
        msd_fake_clock_advance(fx->clock, 1000);
    }
    msd_fake_clock_advance(fx->clock, 1000 * 1000);
    guint n = n_writes(fx);
    assert_true(n >= 40 && n <= 52); /* 1000 ms / 20 ms, plus the first and the last */
    for (guint i = 1; i < n; i++)
        assert_true(ft_rec(&fx->ft, i)->t_us - ft_rec(&fx->ft, i - 1)->t_us >= 20000);
    assert_int_equal(ft_rec(&fx->ft, n - 1)->b[1], (999 * 7) % 100);
    const MsdWriterStats *st = msd_writer_get_stats(fx->w);
    assert_int_equal(st->commands, 1000);
    assert_int_equal(st->frames, n);
    assert_int_equal(st->coalesced, 1000 - n);
    assert_true(msd_writer_is_idle(fx->w));
    assert_int_equal(msd_writer_get_last_intensity(fx->w), (999 * 7) % 100);
    fx_free(fx);
}

/* Three values at once: the first goes now, the other two coalesce into one
 * write exactly one gap later, carrying the newest value. */
static void test_min_gap_exact(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITHOUT_RESPONSE, 25, 0, 1, FALSE);
    msd_fake_clock_advance(fx->clock, 5000);
    msd_writer_set_intensity(fx->w, 10);
    msd_writer_set_intensity(fx->w, 20);
    msd_writer_set_intensity(fx->w, 30);
    assert_int_equal(n_writes(fx), 1);
    assert_write(&fx->ft, 0, 5, MP_CMD_INTENSITY, 10);
    msd_fake_clock_advance(fx->clock, 24999);
    assert_int_equal(n_writes(fx), 1);
    msd_fake_clock_advance(fx->clock, 1);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 30, MP_CMD_INTENSITY, 30);
    assert_int_equal(ft_rec(&fx->ft, 1)->type, MP_WRITE_WITHOUT_RESPONSE);
    /* Sequence numbers advance per command. */
    assert_int_equal(ft_rec(&fx->ft, 0)->b[2], 0);
    assert_int_equal(ft_rec(&fx->ft, 1)->b[2], 1);
    /* A value after a long quiet spell goes at once. */
    msd_fake_clock_advance(fx->clock, 100000);
    msd_writer_set_intensity(fx->w, 40);
    assert_write(&fx->ft, 2, 130, MP_CMD_INTENSITY, 40);
    fx_free(fx);
}

/* Intensity and speed coalesce separately; other commands queue in order. */
static void test_coalesce_per_kind_and_order(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, FALSE);
    msd_writer_set_intensity(fx->w, 5); /* goes now */
    msd_writer_set_intensity(fx->w, 10);
    msd_writer_set_speed(fx->w, 50);
    MpCommand status = {.kind = MP_CMD_STATUS};
    msd_writer_send(fx->w, &status);
    msd_writer_set_intensity(fx->w, 11); /* replaces 10 in its place */
    msd_writer_set_speed(fx->w, 60);
    msd_writer_send(fx->w, &status); /* not coalesced */
    msd_fake_clock_advance(fx->clock, 1000000);
    assert_int_equal(n_writes(fx), 5);
    assert_write(&fx->ft, 0, 0, MP_CMD_INTENSITY, 5);
    assert_write(&fx->ft, 1, 10, MP_CMD_INTENSITY, 11);
    assert_write(&fx->ft, 2, 20, MP_CMD_SPEED, 60);
    assert_write(&fx->ft, 3, 30, MP_CMD_STATUS, 0);
    assert_write(&fx->ft, 4, 40, MP_CMD_STATUS, 0);
    fx_free(fx);
}

/* Only one write in flight: the next waits for the completion, however long. */
static void test_one_in_flight(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 10);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 300000);
    assert_int_equal(n_writes(fx), 1);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 300, MP_CMD_INTENSITY, 20);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(fx->ft.max_outstanding, 1);
    assert_true(msd_writer_is_idle(fx->w));
    fx_free(fx);
}

/* Keepalive every keepalive_ms of silence, the period restarting at every write. */
static void test_keepalive_cadence(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITHOUT_RESPONSE, 10, 1000, 1, FALSE);
    msd_fake_clock_advance(fx->clock, 2500 * 1000);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 0, 1000, MP_CMD_KEEPALIVE, 0);
    assert_write(&fx->ft, 1, 2000, MP_CMD_KEEPALIVE, 0);
    msd_writer_set_intensity(fx->w, 30); /* at 2500: the next keepalive moves to 3500 */
    msd_fake_clock_advance(fx->clock, 2600 * 1000);
    assert_int_equal(n_writes(fx), 5);
    assert_write(&fx->ft, 2, 2500, MP_CMD_INTENSITY, 30);
    assert_write(&fx->ft, 3, 3500, MP_CMD_KEEPALIVE, 0);
    assert_write(&fx->ft, 4, 4500, MP_CMD_KEEPALIVE, 0);
    assert_int_equal(msd_writer_get_stats(fx->w)->keepalives, 4);
    /* Disconnected: no keepalive. */
    msd_writer_set_connected(fx->w, FALSE);
    msd_fake_clock_advance(fx->clock, 10 * 1000 * 1000);
    assert_int_equal(n_writes(fx), 5);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    fx_free(fx);
}

/* A driver without keepalive leaves no timer behind. */
static void test_no_keepalive_no_timer(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITHOUT_RESPONSE, 10, 0, 1, FALSE);
    msd_writer_set_intensity(fx->w, 30);
    msd_fake_clock_advance(fx->clock, 60 * 1000 * 1000);
    assert_int_equal(n_writes(fx), 1);
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    fx_free(fx);
}

/* A stop jumps a full queue and a busy write-with-response: it is written
 * the moment the in-flight write completes, everything queued is dropped. */
static void test_stop_jumps_queue_and_busy_write(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 50, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 40); /* in flight */
    msd_writer_set_intensity(fx->w, 50);
    msd_writer_set_speed(fx->w, 70);
    MpCommand mode = {.kind = MP_CMD_MODE, .value = 2};
    msd_writer_send(fx->w, &mode);
    msd_writer_send(fx->w, &mode);
    msd_fake_clock_advance(fx->clock, 3000);
    assert_true(msd_writer_stop(fx->w, on_stop, fx));
    assert_int_equal(n_writes(fx), 1); /* waiting for the response */
    msd_fake_clock_advance(fx->clock, 2000);
    ft_complete(&fx->ft, NULL); /* at 5 ms, well inside the 50 ms gap */
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 5, MP_CMD_STOP, 0);
    assert_int_equal(fx->stops_done, 0);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(fx->stops_done, 1);
    assert_true(fx->last_stop_ok);
    msd_fake_clock_advance(fx->clock, 1000 * 1000);
    assert_int_equal(n_writes(fx), 2); /* nothing queued before the stop went out after it */
    const MsdWriterStats *st = msd_writer_get_stats(fx->w);
    assert_int_equal(st->dropped, 4);
    assert_int_equal(st->stops, 1);
    assert_int_equal(msd_writer_get_last_intensity(fx->w), 0);
    assert_true(msd_writer_is_idle(fx->w));
    fx_free(fx);
}

/* Without response there is nothing to wait for: the stop goes at once,
 * alongside the outstanding write, and ignores the min gap. */
static void test_stop_without_response_at_once(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITHOUT_RESPONSE, 100, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 40);
    msd_writer_set_intensity(fx->w, 45);
    msd_fake_clock_advance(fx->clock, 1000);
    msd_writer_stop(fx->w, on_stop, fx);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 1, MP_CMD_STOP, 0);
    assert_int_equal(fx->ft.max_outstanding, 2);
    ft_complete(&fx->ft, NULL);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(fx->stops_done, 1);
    /* After the stop, new values obey the gap again, from the stop's write. */
    msd_writer_set_intensity(fx->w, 20);
    assert_int_equal(n_writes(fx), 2);
    msd_fake_clock_advance(fx->clock, 100 * 1000);
    assert_write(&fx->ft, 2, 101, MP_CMD_INTENSITY, 20);
    ft_complete(&fx->ft, NULL);
    fx_free(fx);
}

/* The min gap never delays a stop. */
static void test_stop_ignores_min_gap(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 500, 0, 1, FALSE);
    msd_writer_set_intensity(fx->w, 40);
    msd_fake_clock_advance(fx->clock, 1000);
    msd_writer_set_intensity(fx->w, 60); /* waits for the gap */
    msd_writer_stop(fx->w, on_stop, fx);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 1, MP_CMD_STOP, 0);
    assert_int_equal(fx->stops_done, 1);
    msd_fake_clock_advance(fx->clock, 5 * 1000 * 1000);
    assert_int_equal(n_writes(fx), 2); /* the 60 % was dropped */
    fx_free(fx);
}

/* A write-with-response that never completes does not hold the stop back
 * for longer than MSD_WRITER_STOP_WAIT_MS. */
static void test_stop_wait_bounded(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 40);
    msd_writer_stop(fx->w, on_stop, fx);
    msd_fake_clock_advance(fx->clock, (MSD_WRITER_STOP_WAIT_MS - 1) * 1000);
    assert_int_equal(n_writes(fx), 1);
    msd_fake_clock_advance(fx->clock, 1000);
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, MSD_WRITER_STOP_WAIT_MS, MP_CMD_STOP, 0);
    ft_complete(&fx->ft, "timed out"); /* the old write finally fails */
    assert_int_equal(fx->stops_done, 0);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(fx->stops_done, 1);
    assert_true(fx->last_stop_ok);
    assert_int_equal(fx->errors, 1);
    assert_int_equal(fx->last_error_kind, MP_CMD_INTENSITY);
    fx_free(fx);
}

/* A multi-frame stop: every frame, in order, before anything else. Two stop
 * requests share one stop on the wire. */
static void test_multi_frame_stop_and_repeat(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 2, TRUE);
    msd_writer_stop(fx->w, on_stop, fx);
    msd_writer_stop(fx->w, on_stop, fx);
    msd_writer_set_intensity(fx->w, 20); /* after the stop */
    assert_int_equal(n_writes(fx), 1);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(n_writes(fx), 2);
    assert_int_equal(ft_rec(&fx->ft, 1)->b[0], 0xCF);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(fx->stops_done, 2);
    msd_fake_clock_advance(fx->clock, 10 * 1000);
    assert_int_equal(n_writes(fx), 3);
    assert_write(&fx->ft, 2, 10, MP_CMD_INTENSITY, 20);
    ft_complete(&fx->ft, NULL);
    assert_int_equal(msd_writer_get_stats(fx->w)->stops, 1);
    fx_free(fx);
}

/* Transport errors are counted, reported with the command, and the writer
 * carries on; a failed stop is reported to its waiter. */
static void test_errors_reported(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, FALSE);
    fx->ft.fail_count = 1;
    msd_writer_set_intensity(fx->w, 40);
    assert_int_equal(fx->errors, 1);
    assert_int_equal(fx->last_error_kind, MP_CMD_INTENSITY);
    msd_fake_clock_advance(fx->clock, 10 * 1000);
    msd_writer_set_intensity(fx->w, 41);
    assert_int_equal(n_writes(fx), 2);
    fx->ft.fail_count = 1;
    msd_writer_stop(fx->w, on_stop, fx);
    assert_int_equal(fx->stops_done, 1);
    assert_false(fx->last_stop_ok);
    assert_int_equal(fx->last_error_kind, MP_CMD_STOP);
    /* Encoding errors too: 150 % is refused by the driver, nothing written. */
    msd_fake_clock_advance(fx->clock, 10 * 1000);
    msd_writer_set_intensity(fx->w, 150);
    assert_int_equal(n_writes(fx), 3);
    assert_int_equal(fx->errors, 3);
    assert_int_equal(msd_writer_get_stats(fx->w)->errors, 3);
    fx_free(fx);
}

/* Disconnected: commands refused, the queue dropped, a waiting stop told,
 * late completions ignored; after reconnecting it works again. */
static void test_disconnect(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 40);
    msd_writer_set_intensity(fx->w, 50);
    msd_writer_stop(fx->w, on_stop, fx);
    msd_writer_set_connected(fx->w, FALSE);
    assert_int_equal(fx->stops_done, 1);
    assert_false(fx->last_stop_ok);
    assert_false(msd_writer_set_intensity(fx->w, 10));
    assert_false(msd_writer_stop(fx->w, on_stop, fx));
    assert_int_equal(fx->stops_done, 2);
    ft_complete(&fx->ft, "disconnected"); /* the old write: no effect */
    assert_int_equal(fx->errors, 0);
    msd_writer_set_connected(fx->w, TRUE);
    assert_true(msd_writer_set_intensity(fx->w, 25));
    assert_int_equal(n_writes(fx), 2);
    assert_write(&fx->ft, 1, 0, MP_CMD_INTENSITY, 25);
    ft_complete(&fx->ft, NULL);
    assert_true(msd_writer_is_idle(fx->w));
    fx_free(fx);
}

/* Freeing the writer with a stop outstanding tells the waiter. */
static void test_free_with_stop_pending(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, TRUE);
    msd_writer_set_intensity(fx->w, 40);
    msd_writer_stop(fx->w, on_stop, fx);
    msd_writer_free(fx->w);
    fx->w = NULL;
    assert_int_equal(fx->stops_done, 1);
    assert_false(fx->last_stop_ok);
    fx_free(fx);
}

/* The real reference driver: the frames on the wire are exactly what
 * mp_driver_encode() makes, sequence numbers included. */
static void test_reference_driver_frames(void **state)
{
    g_autoptr(MsdClock) clock = msd_clock_new_fake(0);
    g_autoptr(MpDriver) driver = mp_driver_reference_new();
    FakeTransport ft;
    ft_init(&ft, clock);
    MsdWriter *w = msd_writer_new(clock, driver, &ft_vtable, &ft);
    msd_writer_set_connected(w, TRUE);
    msd_writer_set_intensity(w, 42);
    msd_fake_clock_advance(clock, (gint64)(driver->min_gap_ms + 1) * 1000);
    msd_writer_stop(w, NULL, NULL);
    assert_true(ft.log->len >= 2);
    MpCommand cmds[] = {{MP_CMD_INTENSITY, 42}, {MP_CMD_STOP, 0}};
    guint k = 0;
    for (guint c = 0; c < G_N_ELEMENTS(cmds); c++) {
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        assert_true(mp_driver_encode(driver, &cmds[c], (guint8)c, frames, NULL));
        for (guint i = 0; i < frames->len; i++, k++) {
            gsize len;
            const guint8 *b = g_bytes_get_data(frames->pdata[i], &len);
            const Rec *r = ft_rec(&ft, k);
            /* Frames longer than the recorder keeps are compared on their head. */
            assert_memory_equal(r->b, b, MIN(len, sizeof r->b));
            assert_int_equal(r->type, driver->write_type);
        }
    }
    assert_int_equal(ft.log->len, k);
    msd_writer_free(w);
    ft_clear(&ft);
}

/* Random operations against the writer's invariants, over several seeds:
 * - at most one write outstanding, two only when a stop joins a
 *   write-without-response;
 * - a write that is not a stop starts at least min_gap after the previous
 *   write on the same link;
 * - after a stop is asked for, the next frame on the wire is a stop frame
 *   (nothing queued before it overtakes it), written within
 *   MSD_WRITER_STOP_WAIT_MS;
 * - when everything settles, the device has the last intensity asked for. */
static gboolean is_stop_frame(const Rec *r)
{
    return r->b[0] == (0xC0 | MP_CMD_STOP) || r->b[0] == 0xCF;
}

static void test_random_invariants(void **state)
{
    for (guint32 seed = 1; seed <= 40; seed++) {
        GRand *rand = g_rand_new_with_seed(seed);
        MpWriteType type = (seed % 2) ? MP_WRITE_WITH_RESPONSE : MP_WRITE_WITHOUT_RESPONSE;
        Fx *fx = fx_new(type, 15, (seed % 3) ? 0 : 400, 1 + seed % 2, TRUE);
        double wanted = -1;
        gint64 stop_asked = -1; /* the next frame must be a stop, by this + wait */
        guint link_start = 0;   /* first log index on the current link */
        guint checked = 0;
        for (int step = 0; step < 3000; step++) {
            int op = g_rand_int_range(rand, 0, 100);
            if (op < 45) {
                wanted = g_rand_int_range(rand, 0, 101);
                msd_writer_set_intensity(fx->w, wanted);
            } else if (op < 50) {
                guint n = fx->ft.log->len;
                if (stop_asked < 0 && (n == 0 || !is_stop_frame(ft_rec(&fx->ft, n - 1))))
                    stop_asked = msd_clock_now(fx->clock);
                msd_writer_stop(fx->w, on_stop, fx);
                wanted = -1;
            } else if (op < 75 && fx->ft.pending->len) {
                ft_complete(&fx->ft, g_rand_int_range(rand, 0, 10) ? NULL : "random failure");
            } else if (op < 77) {
                msd_writer_set_connected(fx->w, FALSE);
                while (fx->ft.pending->len)
                    ft_complete(&fx->ft, "gone");
                msd_writer_set_connected(fx->w, TRUE);
                wanted = -1;
                stop_asked = -1;
                link_start = fx->ft.log->len;
            } else {
                msd_fake_clock_advance(fx->clock, g_rand_int_range(rand, 0, 30000));
            }
            for (; checked < fx->ft.log->len; checked++) {
                const Rec *r = ft_rec(&fx->ft, checked);
                if (stop_asked >= 0) {
                    assert_true(is_stop_frame(r));
                    assert_true(r->t_us - stop_asked <= MSD_WRITER_STOP_WAIT_MS * 1000);
                    stop_asked = -1;
                }
                if (!is_stop_frame(r) && checked > link_start)
                    assert_true(r->t_us - ft_rec(&fx->ft, checked - 1)->t_us >= 15000);
            }
            if (stop_asked >= 0)
                assert_true(msd_clock_now(fx->clock) - stop_asked <=
                            MSD_WRITER_STOP_WAIT_MS * 1000);
            assert_true(fx->ft.pending->len <= 2);
            if (fx->ft.pending->len == 2)
                assert_int_equal(type, MP_WRITE_WITHOUT_RESPONSE);
        }
        /* Settle: complete everything, let time pass. */
        for (int k = 0; k < 100; k++) {
            msd_fake_clock_advance(fx->clock, 100000);
            while (fx->ft.pending->len)
                ft_complete(&fx->ft, NULL);
        }
        if (wanted >= 0) {
            guint last = fx->ft.log->len;
            while (last-- > 0 && ft_rec(&fx->ft, last)->b[0] != (0xC0 | MP_CMD_INTENSITY))
                ;
            assert_int_equal(ft_rec(&fx->ft, last)->b[1], (guint8)wanted);
        }
        assert_true(msd_writer_is_idle(fx->w));
        fx_free(fx);
        g_rand_free(rand);
    }
}

/* A driver that cannot encode a stop (a broken device file) is reported,
 * not hung: the stop's waiter is told at once. A stop also drops the unsent
 * frames of a multi-frame command. */
static gboolean no_stop_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                               GPtrArray *frames, GError **error)
{
    if (cmd->kind == MP_CMD_STOP) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "no stop");
        return FALSE;
    }
    /* Everything else: two frames. */
    for (int i = 0; i < 2; i++) {
        guint8 f[3] = {(guint8)(0xC0 | cmd->kind), (guint8)i, seq};
        g_ptr_array_add(frames, g_bytes_new(f, sizeof f));
    }
    return TRUE;
}

static void test_stop_encode_failure_and_partial_command(void **state)
{
    Fx *fx = fx_new(MP_WRITE_WITH_RESPONSE, 10, 0, 1, TRUE);
    fx->driver->encode = no_stop_encode;
    msd_writer_set_intensity(fx->w, 40); /* frame 1 of 2 in flight */
    assert_int_equal(n_writes(fx), 1);
    assert_true(msd_writer_stop(fx->w, on_stop, fx));
    assert_int_equal(fx->stops_done, 1);
    assert_false(fx->last_stop_ok);
    assert_int_equal(fx->last_error_kind, MP_CMD_STOP);
    assert_int_equal(msd_writer_get_stats(fx->w)->dropped, 1); /* the second frame */
    ft_complete(&fx->ft, NULL);
    msd_fake_clock_advance(fx->clock, 100 * 1000);
    assert_int_equal(n_writes(fx), 1);
    assert_true(msd_writer_is_connected(fx->w));
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flood_coalesces_latest_wins),
        cmocka_unit_test(test_min_gap_exact),
        cmocka_unit_test(test_coalesce_per_kind_and_order),
        cmocka_unit_test(test_one_in_flight),
        cmocka_unit_test(test_keepalive_cadence),
        cmocka_unit_test(test_no_keepalive_no_timer),
        cmocka_unit_test(test_stop_jumps_queue_and_busy_write),
        cmocka_unit_test(test_stop_without_response_at_once),
        cmocka_unit_test(test_stop_ignores_min_gap),
        cmocka_unit_test(test_stop_wait_bounded),
        cmocka_unit_test(test_multi_frame_stop_and_repeat),
        cmocka_unit_test(test_errors_reported),
        cmocka_unit_test(test_disconnect),
        cmocka_unit_test(test_free_with_stop_pending),
        cmocka_unit_test(test_reference_driver_frames),
        cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_stop_encode_failure_and_partial_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
