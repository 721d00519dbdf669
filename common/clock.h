/* MsdClock: "now" and "call me at this absolute deadline", on CLOCK_MONOTONIC.
 *
 * Everything in the engine and the writer that waits goes through an MsdClock,
 * so tests replace real time with a fake clock whose time moves only when the
 * test says so. The real clock uses one GSource whose ready time
 * (g_source_set_ready_time()) is the earliest deadline, on the thread-default
 * main context of the caller of msd_clock_new_real(); due timers fire in
 * deadline order even when the loop wakes late. A deadline is absolute, so a
 * late wake-up never shifts the following deadlines (no drift). Times are
 * microseconds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsdClock MsdClock;

/* A timer callback. The timer is already removed when this runs: to wait
 * again, schedule again (with an absolute deadline computed from a fixed
 * origin, not from "now"). */
typedef void (*MsdClockFunc)(gpointer user_data);

/* The real clock: g_get_monotonic_time() and GSources on the thread-default
 * main context at the time of the call. */
MsdClock *msd_clock_new_real(void);
/* A fake clock starting at `start_us`; see msd_fake_clock_*() below. */
MsdClock *msd_clock_new_fake(gint64 start_us);

MsdClock *msd_clock_ref(MsdClock *clock);
/* Dropping the last reference cancels every pending timer without calling it. */
void msd_clock_unref(MsdClock *clock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdClock, msd_clock_unref)

gboolean msd_clock_is_fake(MsdClock *clock);

/* Monotonic time in microseconds. */
gint64 msd_clock_now(MsdClock *clock);

/* Calls `func(user_data)` once, as soon as the clock reaches `deadline_us`
 * (at once, on the next main loop iteration, if the deadline has passed; never
 * from inside this call). Timers with the same deadline fire in the order they
 * were scheduled. Returns a timer id, never 0. */
guint msd_clock_schedule(MsdClock *clock, gint64 deadline_us, MsdClockFunc func,
                         gpointer user_data);
/* Cancels a pending timer; 0 and ids that already fired are ignored. */
void msd_clock_cancel(MsdClock *clock, guint id);
/* Cancels *id (if set) and sets it to 0: the usual way to hold one timer. */
void msd_clock_clear(MsdClock *clock, guint *id);

/* ---- the fake clock, for tests ----
 * Timers fire only inside these calls, in deadline order; a callback that
 * schedules another timer due within the advanced span sees it fire in the
 * same call. During each callback msd_clock_now() is exactly that timer's
 * deadline (zero lateness). */

/* Advances time by `delta_us` (>= 0), firing every timer that falls due. */
void msd_fake_clock_advance(MsdClock *clock, gint64 delta_us);
/* Advances to `t_us` (never backwards), firing every timer that falls due. */
void msd_fake_clock_advance_to(MsdClock *clock, gint64 t_us);
/* Jumps to the earliest pending deadline (if later than now) and fires the
 * timers due then. FALSE if no timer is pending. */
gboolean msd_fake_clock_run_next(MsdClock *clock);
/* The earliest pending deadline, or G_MAXINT64 if none. */
gint64 msd_fake_clock_next_deadline(MsdClock *clock);
guint msd_fake_clock_n_pending(MsdClock *clock);

G_END_DECLS
