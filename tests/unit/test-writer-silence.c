/* MsdWriter's longest silence (msd_writer_take_longest_silence): how the
 * daemon learns that a device with a watchdog went without frames long
 * enough to have stopped itself (a frozen daemon, a stall). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake-transport.h"

#define MS 1000

typedef struct {
    MsdClock *clock;
    MpDriver *driver;
    FakeTransport ft;
    MsdWriter *w;
} Fx;

static Fx *fx_new(guint keepalive_ms)
{
    Fx *fx = g_new0(Fx, 1);
    fx->clock = msd_clock_new_fake(0);
    fx->driver = test_driver_new(MP_WRITE_WITHOUT_RESPONSE, 0, keepalive_ms, 1);
    ft_init(&fx->ft, fx->clock);
    fx->w = msd_writer_new(fx->clock, fx->driver, &ft_vtable, &fx->ft);
    msd_writer_set_connected(fx->w, TRUE);
    return fx;
}

static void fx_free(Fx *fx)
{
    msd_writer_free(fx->w);
    while (fx->ft.pending->len)
        ft_complete(&fx->ft, NULL);
    ft_clear(&fx->ft);
    mp_driver_unref(fx->driver);
    msd_clock_unref(fx->clock);
    g_free(fx);
}

/* Without keepalives, a gap between two writes is the silence; it counts
 * until asked, and asking resets it. */
static void test_gap_between_writes(void **state)
{
    Fx *fx = fx_new(0);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 5000 * MS);
    msd_writer_set_intensity(fx->w, 30);
    msd_fake_clock_advance(fx->clock, 100 * MS);
    assert_int_equal(msd_writer_take_longest_silence(fx->w), 5000 * MS);
    /* Reset: now only the time since the last write. */
    assert_int_equal(msd_writer_take_longest_silence(fx->w), 100 * MS);
    fx_free(fx);
}

/* Silence up to now counts too: a daemon that wakes from a freeze learns it
 * before its first frame. */
static void test_silence_until_now(void **state)
{
    Fx *fx = fx_new(0);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 7000 * MS);
    assert_int_equal(msd_writer_take_longest_silence(fx->w), 7000 * MS);
    fx_free(fx);
}

/* Keepalives keep a running daemon's silence at the keepalive period. */
static void test_keepalive_bounds_silence(void **state)
{
    Fx *fx = fx_new(1000);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 10000 * MS);
    assert_true(msd_writer_take_longest_silence(fx->w) <= 1000 * MS);
    fx_free(fx);
}

/* A new link starts a new count: the gap to the old link is not a silence
 * the device saw. */
static void test_reconnect_resets(void **state)
{
    Fx *fx = fx_new(0);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 100 * MS);
    msd_writer_set_connected(fx->w, FALSE);
    msd_fake_clock_advance(fx->clock, 60000 * MS);
    msd_writer_set_connected(fx->w, TRUE);
    msd_writer_set_intensity(fx->w, 20);
    assert_int_equal(msd_writer_take_longest_silence(fx->w), 0);
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gap_between_writes),
        cmocka_unit_test(test_silence_until_now),
        cmocka_unit_test(test_keepalive_bounds_silence),
        cmocka_unit_test(test_reconnect_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
