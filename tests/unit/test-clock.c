/* MsdClock: the fake clock's ordering and exactness, cancel, and the real
 * clock's GSource timers on a main loop (checked for order and "not before
 * the deadline", never for how late). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/clock.h"

typedef struct {
    MsdClock *clock;
    GArray *fired; /* gint: tags in firing order */
    GArray *at;    /* gint64: msd_clock_now() when each fired */
    gint64 deadline_of_chain;
    GMainLoop *loop;
    guint expect;
} Log;

typedef struct {
    Log *log;
    gint tag;
} Tag;

static void on_fire(gpointer data)
{
    Tag *t = data;
    gint64 now = msd_clock_now(t->log->clock);
    g_array_append_val(t->log->fired, t->tag);
    g_array_append_val(t->log->at, now);
    if (t->log->loop && t->log->fired->len == t->log->expect)
        g_main_loop_quit(t->log->loop);
}

static Log *log_new(MsdClock *clock)
{
    Log *l = g_new0(Log, 1);
    l->clock = clock;
    l->fired = g_array_new(FALSE, FALSE, sizeof(gint));
    l->at = g_array_new(FALSE, FALSE, sizeof(gint64));
    return l;
}

static void log_free(Log *l)
{
    g_array_unref(l->fired);
    g_array_unref(l->at);
    g_free(l);
}

#define FIRED(l, i) g_array_index((l)->fired, gint, (i))
#define AT(l, i)    g_array_index((l)->at, gint64, (i))

static void test_fake_order_and_exact_time(void **state)
{
    g_autoptr(MsdClock) c = msd_clock_new_fake(1000);
    Log *l = log_new(c);
    Tag t[5];
    for (int i = 0; i < 5; i++)
        t[i] = (Tag){l, i};
    msd_clock_schedule(c, 5000, on_fire, &t[0]);
    msd_clock_schedule(c, 3000, on_fire, &t[1]);
    msd_clock_schedule(c, 5000, on_fire, &t[2]); /* same deadline: after t0 */
    msd_clock_schedule(c, 500, on_fire, &t[3]);  /* already past: fires first, at now */
    guint id = msd_clock_schedule(c, 4000, on_fire, &t[4]);
    assert_int_equal(msd_clock_now(c), 1000);
    assert_int_equal(l->fired->len, 0); /* never from inside schedule */
    assert_int_equal(msd_fake_clock_n_pending(c), 5);
    msd_clock_cancel(c, id);
    msd_clock_cancel(c, id); /* twice is fine */
    msd_clock_cancel(c, 0);
    assert_int_equal(msd_fake_clock_next_deadline(c), 500);
    msd_fake_clock_advance(c, 3000); /* to 4000 */
    assert_int_equal(l->fired->len, 2);
    assert_int_equal(FIRED(l, 0), 3);
    assert_int_equal(AT(l, 0), 1000);
    assert_int_equal(FIRED(l, 1), 1);
    assert_int_equal(AT(l, 1), 3000);
    assert_int_equal(msd_clock_now(c), 4000);
    assert_true(msd_fake_clock_run_next(c));
    assert_int_equal(l->fired->len, 4);
    assert_int_equal(FIRED(l, 2), 0);
    assert_int_equal(FIRED(l, 3), 2);
    assert_int_equal(AT(l, 3), 5000);
    assert_false(msd_fake_clock_run_next(c));
    assert_int_equal(msd_fake_clock_next_deadline(c), G_MAXINT64);
    log_free(l);
}

/* A callback scheduling the next deadline from a fixed origin: a chain fired
 * inside one advance, each at its exact time. */
typedef struct {
    Log *log;
    gint64 origin;
    gint n;
} Chain;

static void chain_fire(gpointer data)
{
    Chain *ch = data;
    gint64 now = msd_clock_now(ch->log->clock);
    g_array_append_val(ch->log->at, now);
    ch->n++;
    if (ch->n < 100)
        msd_clock_schedule(ch->log->clock, ch->origin + ch->n * 10000, chain_fire, ch);
}

static void test_fake_chain_in_one_advance(void **state)
{
    g_autoptr(MsdClock) c = msd_clock_new_fake(0);
    Log *l = log_new(c);
    Chain ch = {l, 0, 0};
    msd_clock_schedule(c, 0, chain_fire, &ch);
    msd_fake_clock_advance(c, 2 * 1000 * 1000);
    assert_int_equal(ch.n, 100);
    for (gint i = 0; i < 100; i++)
        assert_int_equal(AT(l, i), i * 10000);
    assert_int_equal(msd_clock_now(c), 2 * 1000 * 1000);
    log_free(l);
}

/* Unref with timers pending: they never fire (and nothing leaks). */
static void test_unref_cancels(void **state)
{
    MsdClock *c = msd_clock_new_fake(0);
    Log *l = log_new(c);
    Tag t = {l, 1};
    msd_clock_schedule(c, 10, on_fire, &t);
    msd_clock_unref(c);
    assert_int_equal(l->fired->len, 0);
    log_free(l);

    MsdClock *r = msd_clock_new_real();
    l = log_new(r);
    msd_clock_schedule(r, g_get_monotonic_time(), on_fire, &t);
    msd_clock_unref(r);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    assert_int_equal(l->fired->len, 0);
    log_free(l);
}

static gboolean loop_timeout(gpointer data)
{
    fail_msg("the real clock's timers did not fire within 5 s");
    return G_SOURCE_REMOVE;
}

/* Real clock: in deadline order, never before the deadline, cancel works,
 * msd_clock_clear zeroes the id. */
static void test_real_clock(void **state)
{
    g_autoptr(MsdClock) c = msd_clock_new_real();
    assert_false(msd_clock_is_fake(c));
    Log *l = log_new(c);
    l->loop = g_main_loop_new(NULL, FALSE);
    l->expect = 3;
    Tag t[4] = {{l, 0}, {l, 1}, {l, 2}, {l, 3}};
    gint64 now = msd_clock_now(c);
    gint64 d[4] = {now + 30000, now + 10000, now + 20000, now + 15000};
    for (int i = 0; i < 4; i++)
        msd_clock_schedule(c, d[i], on_fire, &t[i]);
    guint cancel_me = msd_clock_schedule(c, now + 5000, on_fire, &t[3]);
    msd_clock_clear(c, &cancel_me);
    assert_int_equal(cancel_me, 0);
    guint to = g_timeout_add_seconds(5, loop_timeout, NULL);
    l->expect = 4;
    g_main_loop_run(l->loop);
    g_source_remove(to);
    assert_int_equal(l->fired->len, 4);
    gint order[4] = {1, 3, 2, 0};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(FIRED(l, i), order[i]);
        assert_true(AT(l, i) >= d[order[i]]);
    }
    g_main_loop_unref(l->loop);
    log_free(l);
}

/* The loop wakes late (here: it is not even running until every deadline
 * has passed): the overdue timers still fire in deadline order, and a
 * cancelled one not at all. */
static void test_real_clock_overdue_in_order(void **state)
{
    g_autoptr(MsdClock) c = msd_clock_new_real();
    Log *l = log_new(c);
    l->loop = g_main_loop_new(NULL, FALSE);
    l->expect = 4;
    Tag t[5] = {{l, 0}, {l, 1}, {l, 2}, {l, 3}, {l, 4}};
    gint64 now = msd_clock_now(c);
    gint64 d[5] = {now + 4000, now + 1000, now + 3000, now + 2000, now + 500};
    guint ids[5];
    for (int i = 0; i < 5; i++)
        ids[i] = msd_clock_schedule(c, d[i], on_fire, &t[i]);
    msd_clock_cancel(c, ids[4]);
    g_usleep(20000);
    guint to = g_timeout_add_seconds(5, loop_timeout, NULL);
    g_main_loop_run(l->loop);
    g_source_remove(to);
    gint order[4] = {1, 3, 2, 0};
    assert_int_equal(l->fired->len, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(FIRED(l, i), order[i]);
    g_main_loop_unref(l->loop);
    log_free(l);
}

/* The last reference dropped from inside a timer callback of the real
 * clock: the clock and its source go away cleanly (ASan watches), and the
 * other timer due at the same time does not fire. */
typedef struct {
    MsdClock *clock;
    GMainLoop *loop;
    guint fired;
} Dropper;

static void drop_clock(gpointer data)
{
    Dropper *d = data;
    d->fired++;
    msd_clock_unref(d->clock);
    d->clock = NULL;
    g_main_loop_quit(d->loop);
}

static void must_not_fire(gpointer data)
{
    fail_msg("a timer fired after its clock was dropped");
}

static gboolean quit_later(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_REMOVE;
}

static void test_real_clock_dropped_in_callback(void **state)
{
    Dropper d = {msd_clock_new_real(), g_main_loop_new(NULL, FALSE), 0};
    gint64 now = msd_clock_now(d.clock);
    msd_clock_schedule(d.clock, now + 1000, drop_clock, &d);
    msd_clock_schedule(d.clock, now + 1000, must_not_fire, &d);
    g_main_loop_run(d.loop);
    assert_int_equal(d.fired, 1);
    assert_null(d.clock);
    /* Let the loop run a little more: nothing may be left to fire. */
    g_timeout_add(20, quit_later, d.loop);
    g_main_loop_run(d.loop);
    g_main_loop_unref(d.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fake_order_and_exact_time),
        cmocka_unit_test(test_fake_chain_in_one_advance),
        cmocka_unit_test(test_unref_cancels),
        cmocka_unit_test(test_real_clock),
        cmocka_unit_test(test_real_clock_overdue_in_order),
        cmocka_unit_test(test_real_clock_dropped_in_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
