/* MsdClock: the real monotonic clock over one GSource, and a fake one for
 * tests. Both keep their timers in one table by id and fire due timers in
 * (deadline, schedule order) — the real clock's single source has its ready
 * time set to the earliest deadline, so several overdue timers still fire in
 * deadline order (separate GSources would fire in attachment order). */
#include "common/clock.h"

typedef struct {
    MsdClock *clock; /* not a reference: the clock owns its timers */
    guint id;
    gint64 deadline_us;
    guint64 order; /* schedule order: ties fire first-scheduled first */
    MsdClockFunc func;
    gpointer user_data;
} Timer;

struct _MsdClock {
    gint ref_count;
    gboolean fake;
    gint64 fake_now_us;
    GMainContext *context; /* real clock: where its GSource is attached */
    GSource *source;       /* real clock: one source, ready at the earliest deadline */
    GHashTable *timers;    /* id -> Timer*, owned */
    guint next_id;
    guint64 next_order;
};

static Timer *earliest(MsdClock *clock);

/* Real clock: the source wakes at the earliest deadline, or never. */
static void rearm(MsdClock *clock)
{
    if (!clock->source)
        return;
    Timer *t = earliest(clock);
    g_source_set_ready_time(clock->source, t ? MAX(t->deadline_us, 0) : -1);
}

MsdClock *msd_clock_new_real(void)
{
    MsdClock *c = g_new0(MsdClock, 1);
    c->ref_count = 1;
    c->context = g_main_context_ref_thread_default();
    c->timers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    c->next_id = 1;
    return c;
}

MsdClock *msd_clock_new_fake(gint64 start_us)
{
    MsdClock *c = msd_clock_new_real();
    g_main_context_unref(c->context);
    c->context = NULL;
    c->fake = TRUE;
    c->fake_now_us = start_us;
    return c;
}

MsdClock *msd_clock_ref(MsdClock *clock)
{
    g_atomic_int_inc(&clock->ref_count);
    return clock;
}

void msd_clock_unref(MsdClock *clock)
{
    if (!clock || !g_atomic_int_dec_and_test(&clock->ref_count))
        return;
    if (clock->source) {
        g_source_destroy(clock->source);
        g_source_unref(clock->source);
    }
    g_hash_table_destroy(clock->timers);
    if (clock->context)
        g_main_context_unref(clock->context);
    g_free(clock);
}

gboolean msd_clock_is_fake(MsdClock *clock)
{
    return clock->fake;
}

gint64 msd_clock_now(MsdClock *clock)
{
    return clock->fake ? clock->fake_now_us : g_get_monotonic_time();
}

/* Takes the timer out of the table, then runs it. */
static void timer_fire(MsdClock *clock, Timer *t)
{
    g_hash_table_steal(clock->timers, GUINT_TO_POINTER(t->id));
    MsdClockFunc func = t->func;
    gpointer data = t->user_data;
    g_free(t);
    func(data);
}

/* Fires every timer due now, earliest first. Timers scheduled by those
 * callbacks wait for the next dispatch even if already due, so a callback
 * that keeps rescheduling "now" cannot starve the main loop. */
static gboolean clock_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    MsdClock *clock = user_data;
    gint64 now = g_get_monotonic_time();
    guint64 bound = clock->next_order;
    msd_clock_ref(clock);
    for (;;) {
        Timer *t = earliest(clock);
        if (!t || t->deadline_us > now || t->order >= bound)
            break;
        timer_fire(clock, t);
        if (g_atomic_int_get(&clock->ref_count) == 1)
            break; /* the last user let go inside the callback */
    }
    rearm(clock);
    msd_clock_unref(clock);
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs clock_source_funcs = {
    .dispatch = clock_dispatch,
};

guint msd_clock_schedule(MsdClock *clock, gint64 deadline_us, MsdClockFunc func, gpointer user_data)
{
    g_return_val_if_fail(clock && func, 0);
    Timer *t = g_new0(Timer, 1);
    t->clock = clock;
    do {
        t->id = clock->next_id++;
    } while (t->id == 0 || g_hash_table_contains(clock->timers, GUINT_TO_POINTER(t->id)));
    t->deadline_us = deadline_us;
    t->order = clock->next_order++;
    t->func = func;
    t->user_data = user_data;
    g_hash_table_insert(clock->timers, GUINT_TO_POINTER(t->id), t);
    if (!clock->fake && !clock->source) {
        clock->source = g_source_new(&clock_source_funcs, sizeof(GSource));
        g_source_set_name(clock->source, "msd-clock");
        /* Not a reference: the clock destroys its source before it goes. */
        g_source_set_callback(clock->source, NULL, clock, NULL);
        g_source_attach(clock->source, clock->context);
    }
    /* Absolute: GLib wakes at this monotonic time, whatever happened before. */
    rearm(clock);
    return t->id;
}

void msd_clock_cancel(MsdClock *clock, guint id)
{
    if (id && g_hash_table_remove(clock->timers, GUINT_TO_POINTER(id)))
        rearm(clock);
}

void msd_clock_clear(MsdClock *clock, guint *id)
{
    if (*id) {
        msd_clock_cancel(clock, *id);
        *id = 0;
    }
}

/* The earliest timer by (deadline, order), or NULL. Linear: a clock holds a
 * handful of timers (a few per device), and the fake one is for tests. */
static Timer *earliest(MsdClock *clock)
{
    Timer *best = NULL;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, clock->timers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Timer *t = value;
        if (!best || t->deadline_us < best->deadline_us ||
            (t->deadline_us == best->deadline_us && t->order < best->order))
            best = t;
    }
    return best;
}

void msd_fake_clock_advance_to(MsdClock *clock, gint64 t_us)
{
    g_return_if_fail(clock->fake);
    msd_clock_ref(clock);
    for (;;) {
        Timer *t = earliest(clock);
        if (!t || t->deadline_us > t_us)
            break;
        if (t->deadline_us > clock->fake_now_us)
            clock->fake_now_us = t->deadline_us;
        timer_fire(clock, t);
    }
    if (t_us > clock->fake_now_us)
        clock->fake_now_us = t_us;
    msd_clock_unref(clock);
}

void msd_fake_clock_advance(MsdClock *clock, gint64 delta_us)
{
    g_return_if_fail(delta_us >= 0);
    msd_fake_clock_advance_to(clock, clock->fake_now_us + delta_us);
}

gint64 msd_fake_clock_next_deadline(MsdClock *clock)
{
    Timer *t = earliest(clock);
    return t ? t->deadline_us : G_MAXINT64;
}

gboolean msd_fake_clock_run_next(MsdClock *clock)
{
    g_return_val_if_fail(clock->fake, FALSE);
    Timer *t = earliest(clock);
    if (!t)
        return FALSE;
    msd_fake_clock_advance_to(clock, MAX(t->deadline_us, clock->fake_now_us));
    return TRUE;
}

guint msd_fake_clock_n_pending(MsdClock *clock)
{
    return g_hash_table_size(clock->timers);
}
