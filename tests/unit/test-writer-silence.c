/* MsdWriter's longest silence (msd_writer_take_longest_silence): how the
 * daemon learns that a device with a watchdog went without frames long
 * enough to have stopped itself (a frozen daemon, a stall). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "writer-fixture.h"

#define MS 1000

/* Writes without response, no min gap: only the keepalive period varies. */
static Fx *silence_fx_new(guint keepalive_ms)
{
    return fx_new(MP_WRITE_WITHOUT_RESPONSE, 0, keepalive_ms, 1, FALSE);
}

/* Without keepalives, a gap between two writes is the silence; it counts
 * until asked, and asking resets it. */
static void test_gap_between_writes(void **state)
{
    Fx *fx = silence_fx_new(0);
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
    Fx *fx = silence_fx_new(0);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 7000 * MS);
    assert_int_equal(msd_writer_take_longest_silence(fx->w), 7000 * MS);
    fx_free(fx);
}

/* Keepalives keep a running daemon's silence at the keepalive period. */
static void test_keepalive_bounds_silence(void **state)
{
    Fx *fx = silence_fx_new(1000);
    msd_writer_set_intensity(fx->w, 20);
    msd_fake_clock_advance(fx->clock, 10000 * MS);
    assert_true(msd_writer_take_longest_silence(fx->w) <= 1000 * MS);
    fx_free(fx);
}

/* A new link starts a new count: the gap to the old link is not a silence
 * the device saw. */
static void test_reconnect_resets(void **state)
{
    Fx *fx = silence_fx_new(0);
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
