/* Crash recovery (daemon/recovery.c) on the fake clock, with a fake daemon
 * behind MsdRecoveryOps: a recorded device found is stopped at once; a
 * failed stop is retried after 0.5, 1, 2, 4, 5, 5... s and given up on after
 * the 60 s window; a device bluetoothd does not know is scanned for and
 * tried when it appears; a stop by anyone else ends recovery; while a device
 * is held, it is held until its stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/msd-error.h"
#include "daemon/recovery.h"

#define A  "AA:BB:CC:DD:EE:01"
#define B  "AA:BB:CC:DD:EE:02"
#define T0 1000000000 /* the fake clock's start, µs */

typedef struct {
    MsdClock *clock;
    MsdRecovery *r;
    int dev_a, dev_b;      /* their addresses are the fake devices */
    gboolean a_present;    /* find() returns the device */
    gboolean b_present;    /* find() returns the device */
    gboolean a_recorded;   /* still_recorded() */
    gboolean b_recorded;   /* still_recorded() */
    gint64 a_since;        /* what the record says now */
    GArray *attempt_times; /* µs since T0 of each stop() */
    MsdWriteDone done;     /* the stop in flight */
    gpointer done_data;
    MsdDevice *done_dev;
    guint scan_changes;
} Fixture;

static MsdDevice *fake_find(gpointer ctx, const char *address)
{
    Fixture *f = ctx;
    if (g_str_equal(address, A))
        return f->a_present ? (MsdDevice *)&f->dev_a : NULL;
    return f->b_present ? (MsdDevice *)&f->dev_b : NULL;
}

static void fake_stop(gpointer ctx, MsdDevice *dev, MsdWriteDone done, gpointer user_data)
{
    Fixture *f = ctx;
    assert_null(f->done); /* never two attempts at once */
    gint64 t = msd_clock_now(f->clock) - T0;
    g_array_append_val(f->attempt_times, t);
    f->done = done;
    f->done_data = user_data;
    f->done_dev = dev;
}

static gboolean fake_still_recorded(gpointer ctx, const char *address, gint64 since)
{
    Fixture *f = ctx;
    if (g_str_equal(address, A))
        return f->a_recorded && since == f->a_since;
    return f->b_recorded;
}

static void fake_scan_changed(gpointer ctx)
{
    ((Fixture *)ctx)->scan_changes++;
}

static const MsdRecoveryOps ops = {
    .find = fake_find,
    .stop = fake_stop,
    .still_recorded = fake_still_recorded,
    .scan_changed = fake_scan_changed,
};

/* Answers the stop in flight: NULL (reached) or a failure. */
static void answer(Fixture *f, gboolean reached)
{
    assert_non_null(f->done);
    MsdWriteDone done = f->done;
    f->done = NULL;
    if (reached) {
        done(f->done_dev, NULL, f->done_data);
        return;
    }
    g_autoptr(GError) e =
        g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "could not stop it: refused");
    done(f->done_dev, e, f->done_data);
}

static GPtrArray *entries(const char *first, ...)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)msd_motion_entry_free);
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        MsdMotionEntry *e = g_new0(MsdMotionEntry, 1);
        e->address = g_strdup(a);
        e->driver = g_strdup("theragun");
        e->since = 42;
        g_ptr_array_add(list, e);
    }
    va_end(ap);
    return list;
}

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    f->clock = msd_clock_new_fake(T0);
    f->r = msd_recovery_new(f->clock, &ops, f);
    f->a_present = f->b_present = TRUE;
    f->a_recorded = f->b_recorded = TRUE;
    f->a_since = 42;
    f->attempt_times = g_array_new(FALSE, FALSE, sizeof(gint64));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    msd_recovery_free(f->r);
    assert_int_equal(msd_fake_clock_n_pending(f->clock), 0); /* every timer cancelled */
    msd_clock_unref(f->clock);
    g_array_unref(f->attempt_times);
    g_free(f);
    return 0;
}

static void start(Fixture *f, GPtrArray *list)
{
    msd_recovery_start(f->r, list);
    g_ptr_array_unref(list);
}

static gint64 attempt_at(Fixture *f, guint i)
{
    assert_true(i < f->attempt_times->len);
    return g_array_index(f->attempt_times, gint64, i);
}

/* A recorded device bluetoothd knows: stopped at once, with no client
 * asking; once stopped it is no longer held. */
static void test_found_device_is_stopped_at_once(void **state)
{
    Fixture *f = *state;
    start(f, entries(A, NULL));
    assert_int_equal(f->attempt_times->len, 1);
    assert_int_equal(attempt_at(f, 0), 0);
    assert_true(msd_recovery_holds(f->r, A));
    assert_false(msd_recovery_needs_scan(f->r));
    answer(f, TRUE);
    f->a_recorded = FALSE; /* device.c removes the line when the stop went out */
    assert_false(msd_recovery_holds(f->r, A));
    assert_false(msd_recovery_gave_up(f->r, A));
    assert_false(msd_fake_clock_run_next(f->clock)); /* nothing more to do */
    assert_false(msd_recovery_holds(f->r, B));       /* never recorded */
}

/* A recovery of A alone whose every stop fails, until it gives up. */
static void fail_until_given_up(Fixture *f)
{
    start(f, entries(A, NULL));
    /* Bounded: a recovery that never gave up would try forever. */
    while (f->done && f->attempt_times->len < 100) {
        answer(f, FALSE);
        msd_fake_clock_run_next(f->clock);
    }
    assert_null(f->done);
}

/* Failures back off 0.5, 1, 2, 4, 5, 5... s; no attempt starts after the
 * 60 s window; then recovery gives up and the device stays held. */
static void test_backoff_then_give_up(void **state)
{
    Fixture *f = *state;
    fail_until_given_up(f);
    const gint64 s = G_USEC_PER_SEC;
    const gint64 want[] = {0, s / 2, s * 3 / 2, s * 7 / 2, s * 15 / 2, s * 25 / 2, s * 35 / 2};
    for (guint i = 0; i < G_N_ELEMENTS(want); i++)
        assert_int_equal(attempt_at(f, i), want[i]);
    for (guint i = G_N_ELEMENTS(want); i < f->attempt_times->len; i++)
        assert_int_equal(attempt_at(f, i) - attempt_at(f, i - 1), 5 * s);
    gint64 last = attempt_at(f, f->attempt_times->len - 1);
    assert_true(last <= MSD_RECOVERY_WINDOW_US);
    assert_true(last + MSD_RECOVERY_MAX_DELAY_US > MSD_RECOVERY_WINDOW_US);
    assert_true(msd_recovery_gave_up(f->r, A));
    assert_true(msd_recovery_holds(f->r, A)); /* still not to be started */
    assert_int_equal(msd_fake_clock_n_pending(f->clock), 0);
}

/* bluetoothd does not know the device: scan (and say so) until it
 * appears, then stop it at once. */
static void test_waits_for_the_device_and_scans(void **state)
{
    Fixture *f = *state;
    f->a_present = FALSE;
    start(f, entries(A, NULL));
    assert_int_equal(f->attempt_times->len, 0);
    assert_true(msd_recovery_needs_scan(f->r));
    assert_int_equal(f->scan_changes, 1);
    msd_fake_clock_advance(f->clock, 7 * G_USEC_PER_SEC);
    assert_int_equal(f->attempt_times->len, 0);
    msd_recovery_device_seen(f->r, B); /* another device: nothing */
    assert_int_equal(f->attempt_times->len, 0);
    f->a_present = TRUE;
    msd_recovery_device_seen(f->r, "aa:bb:cc:dd:ee:01"); /* any case */
    assert_int_equal(f->attempt_times->len, 1);
    assert_int_equal(attempt_at(f, 0), 7 * G_USEC_PER_SEC);
    assert_false(msd_recovery_needs_scan(f->r));
    assert_int_equal(f->scan_changes, 2);
    answer(f, TRUE);
    assert_false(msd_recovery_gave_up(f->r, A));
}

/* Never seen in the window: given up at its end, the scan no longer wanted. */
static void test_never_seen_gives_up(void **state)
{
    Fixture *f = *state;
    f->a_present = FALSE;
    start(f, entries(A, NULL));
    msd_fake_clock_advance(f->clock, MSD_RECOVERY_WINDOW_US - 1);
    assert_false(msd_recovery_gave_up(f->r, A));
    assert_true(msd_recovery_needs_scan(f->r));
    msd_fake_clock_advance(f->clock, 1);
    assert_true(msd_recovery_gave_up(f->r, A));
    assert_false(msd_recovery_needs_scan(f->r));
    assert_int_equal(f->scan_changes, 2);
    /* Seen after giving up: recovery is over (a StopAll rearms it). */
    f->a_present = TRUE;
    msd_recovery_device_seen(f->r, A);
    assert_int_equal(f->attempt_times->len, 0);
}

/* Another stop (StopAll, Device1.Stop) removed the line while recovery
 * waited to retry: no further attempt, no longer held; a new motion of the
 * same device later (a new line, another `since`) is not recovery's. */
static void test_another_stop_ends_it(void **state)
{
    Fixture *f = *state;
    start(f, entries(A, NULL));
    answer(f, FALSE);
    f->a_recorded = FALSE;
    msd_fake_clock_run_next(f->clock);
    assert_int_equal(f->attempt_times->len, 1);
    assert_false(msd_recovery_holds(f->r, A));
    f->a_recorded = TRUE;
    f->a_since = 43;
    assert_false(msd_recovery_holds(f->r, A));
}

/* Re-recorded with another `since` before recovery looked: not held. */
static void test_new_episode_is_not_held(void **state)
{
    Fixture *f = *state;
    f->a_present = FALSE;
    start(f, entries(A, NULL));
    assert_true(msd_recovery_holds(f->r, A));
    f->a_since = 99;
    assert_false(msd_recovery_holds(f->r, A));
    assert_false(msd_recovery_needs_scan(f->r));
}

/* Two devices are recovered side by side; one stopped does not end the other. */
static void test_two_devices(void **state)
{
    Fixture *f = *state;
    f->b_present = FALSE;
    start(f, entries(A, B, NULL));
    assert_int_equal(f->attempt_times->len, 1);
    assert_true(msd_recovery_needs_scan(f->r));
    answer(f, TRUE);
    f->a_recorded = FALSE;
    assert_false(msd_recovery_holds(f->r, A));
    assert_true(msd_recovery_holds(f->r, B));
    f->b_present = TRUE;
    msd_recovery_device_seen(f->r, B);
    assert_int_equal(f->attempt_times->len, 2);
    answer(f, TRUE);
    f->b_recorded = FALSE;
    assert_false(msd_recovery_holds(f->r, B));
}

/* A person's StopAll after recovery gave up: a new window, the first
 * retry after the first delay (StopAll's own stop goes first). */
static void test_rearm_after_giving_up(void **state)
{
    Fixture *f = *state;
    fail_until_given_up(f);
    guint before = f->attempt_times->len;
    msd_fake_clock_advance(f->clock, 100 * G_USEC_PER_SEC);
    gint64 now = msd_clock_now(f->clock) - T0;
    msd_recovery_rearm(f->r);
    assert_false(msd_recovery_gave_up(f->r, A));
    msd_fake_clock_run_next(f->clock);
    assert_int_equal(f->attempt_times->len, before + 1);
    assert_int_equal(attempt_at(f, before), now + MSD_RECOVERY_FIRST_DELAY_US);
    answer(f, TRUE);
    f->a_recorded = FALSE;
    assert_false(msd_recovery_holds(f->r, A));
}

/* Shutdown: no more attempts; an answer arriving after is ignored. */
static void test_cancel(void **state)
{
    Fixture *f = *state;
    f->b_present = FALSE;
    start(f, entries(A, B, NULL));
    msd_recovery_cancel(f->r);
    assert_false(msd_recovery_needs_scan(f->r));
    answer(f, FALSE);
    assert_int_equal(msd_fake_clock_n_pending(f->clock), 0);
    f->b_present = TRUE;
    msd_recovery_device_seen(f->r, B);
    assert_int_equal(f->attempt_times->len, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_found_device_is_stopped_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_then_give_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waits_for_the_device_and_scans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_seen_gives_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_another_stop_ends_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_episode_is_not_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rearm_after_giving_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
