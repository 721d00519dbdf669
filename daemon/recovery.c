#include "daemon/recovery.h"

#include "daemon/log.h"

typedef enum {
    ENTRY_NEW,      /* read from the record, not tried yet */
    ENTRY_WAITING,  /* no device to try yet: the daemon scans for it */
    ENTRY_TRYING,   /* a stop_reaching is in flight */
    ENTRY_BACKOFF,  /* an attempt failed; the next one is on the clock */
    ENTRY_STOPPED,  /* a stop frame went out (ours or anyone's) */
    ENTRY_GAVE_UP,  /* the window passed; it may still be moving */
    ENTRY_CANCELLED /* the daemon is shutting down */
} EntryState;

typedef struct {
    MsdRecovery *recovery;
    char *address;
    char *driver; /* may be NULL */
    gint64 since;
    EntryState state;
    guint attempts;
    gint64 deadline_us; /* no attempt starts after it */
    gint64 delay_us;    /* before the next attempt, after a failure */
    guint timer;        /* the retry (BACKOFF) or the give-up (WAITING) */
} Entry;

struct _MsdRecovery {
    MsdClock *clock;
    MsdRecoveryOps ops;
    gpointer ctx;
    GPtrArray *entries; /* Entry *, owned */
    gboolean cancelled;
};

static void try_entry(Entry *e);

static void entry_free(Entry *e)
{
    msd_clock_clear(e->recovery->clock, &e->timer);
    g_free(e->address);
    g_free(e->driver);
    g_free(e);
}

static Entry *lookup(MsdRecovery *r, const char *address)
{
    if (!r || !address)
        return NULL;
    for (guint i = 0; i < r->entries->len; i++) {
        Entry *e = r->entries->pdata[i];
        if (g_ascii_strcasecmp(e->address, address) == 0)
            return e;
    }
    return NULL;
}

static const char *driver_of(Entry *e)
{
    return e->driver ? e->driver : "driver unknown";
}

/* Every state change goes through here, so the daemon learns at once when
 * scanning for a recorded device starts or stops being needed. */
static void set_state(Entry *e, EntryState state)
{
    gboolean was_waiting = e->state == ENTRY_WAITING;
    e->state = state;
    if (was_waiting != (state == ENTRY_WAITING) && e->recovery->ops.scan_changed)
        e->recovery->ops.scan_changed(e->recovery->ctx);
}

static gboolean finished(Entry *e)
{
    return e->state == ENTRY_STOPPED || e->state == ENTRY_GAVE_UP || e->state == ENTRY_CANCELLED;
}

/* Another stop (StopAll, Device1.Stop, a connect's own stop) reached the
 * device and removed its line: nothing is left to do. */
static gboolean check_still_recorded(Entry *e)
{
    MsdRecovery *r = e->recovery;
    if (e->state == ENTRY_STOPPED)
        return FALSE;
    if (r->ops.still_recorded(r->ctx, e->address, e->since))
        return TRUE;
    msd_clock_clear(r->clock, &e->timer);
    msd_dev_info(e->address, "recovery: %s (%s) was stopped by another request", e->address,
                 driver_of(e));
    set_state(e, ENTRY_STOPPED);
    return FALSE;
}

static void give_up(Entry *e, const char *why)
{
    msd_clock_clear(e->recovery->clock, &e->timer);
    msd_dev_warning(
        e->address,
        "recovery: gave up on %s (%s) after %u attempt(s) in %d s: %s. It may still be "
        "running: 'massagectl stop' tries again, and so does the next start of massaged",
        e->address, driver_of(e), e->attempts, (int)(MSD_RECOVERY_WINDOW_US / G_USEC_PER_SEC), why);
    set_state(e, ENTRY_GAVE_UP);
}

static void on_deadline(gpointer user_data)
{
    Entry *e = user_data;
    e->timer = 0;
    if (e->state == ENTRY_WAITING)
        give_up(e, "bluetoothd has not seen it (scanned the whole time)");
}

static void on_retry(gpointer user_data)
{
    Entry *e = user_data;
    e->timer = 0;
    try_entry(e);
}

static void on_stop_done(MsdDevice *device, const GError *error, gpointer user_data)
{
    Entry *e = user_data;
    MsdRecovery *r = e->recovery;
    if (e->state != ENTRY_TRYING)
        return; /* settled meanwhile (another stop reached it; shutdown) */
    if (!error) {
        msd_dev_info(e->address, "recovery: stopped %s (%s), attempt %u", e->address, driver_of(e),
                     e->attempts);
        set_state(e, ENTRY_STOPPED);
        return;
    }
    if (!check_still_recorded(e))
        return;
    gint64 now = msd_clock_now(r->clock);
    if (now + e->delay_us > e->deadline_us) {
        give_up(e, error->message);
        return;
    }
    msd_dev_info(e->address, "recovery: attempt %u to stop %s failed: %s; next in %.1f s",
                 e->attempts, e->address, error->message, (double)e->delay_us / G_USEC_PER_SEC);
    set_state(e, ENTRY_BACKOFF);
    e->timer = msd_clock_schedule(r->clock, now + e->delay_us, on_retry, e);
    e->delay_us = MIN(e->delay_us * 2, MSD_RECOVERY_MAX_DELAY_US);
}

static void try_entry(Entry *e)
{
    MsdRecovery *r = e->recovery;
    msd_clock_clear(r->clock, &e->timer);
    if (r->cancelled || !check_still_recorded(e))
        return;
    MsdDevice *dev = r->ops.find(r->ctx, e->address);
    if (!dev) {
        if (e->state != ENTRY_WAITING)
            msd_dev_info(e->address, "recovery: waiting for bluetoothd to see %s (%s); scanning",
                         e->address, driver_of(e));
        set_state(e, ENTRY_WAITING);
        e->timer = msd_clock_schedule(r->clock, e->deadline_us, on_deadline, e);
        return;
    }
    e->attempts++;
    msd_dev_info(e->address, "recovery: stopping %s (%s), attempt %u", e->address, driver_of(e),
                 e->attempts);
    set_state(e, ENTRY_TRYING);
    r->ops.stop(r->ctx, dev, on_stop_done, e);
}

MsdRecovery *msd_recovery_new(MsdClock *clock, const MsdRecoveryOps *ops, gpointer ctx)
{
    MsdRecovery *r = g_new0(MsdRecovery, 1);
    r->clock = msd_clock_ref(clock);
    r->ops = *ops;
    r->ctx = ctx;
    r->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
    return r;
}

void msd_recovery_free(MsdRecovery *r)
{
    if (!r)
        return;
    /* The entries' timers are cancelled as they go; a stop still in flight
     * belonged to a device already freed, which never calls back. */
    g_ptr_array_unref(r->entries);
    msd_clock_unref(r->clock);
    g_free(r);
}

void msd_recovery_start(MsdRecovery *r, GPtrArray *entries)
{
    gint64 now = msd_clock_now(r->clock);
    for (guint i = 0; i < entries->len; i++) {
        const MsdMotionEntry *m = entries->pdata[i];
        if (lookup(r, m->address))
            continue;
        Entry *e = g_new0(Entry, 1);
        e->recovery = r;
        e->address = g_ascii_strup(m->address, -1);
        e->driver = g_strdup(m->driver);
        e->since = m->since;
        e->state = ENTRY_NEW;
        e->deadline_us = now + MSD_RECOVERY_WINDOW_US;
        e->delay_us = MSD_RECOVERY_FIRST_DELAY_US;
        g_ptr_array_add(r->entries, e);
    }
    if (r->entries->len)
        msd_info("recovery: %u device(s) may still be moving after the last massaged ended "
                 "without stopping them; stopping them (for up to %d s each)",
                 r->entries->len, (int)(MSD_RECOVERY_WINDOW_US / G_USEC_PER_SEC));
    /* Trying one may call back into the daemon (a scan), never into this list. */
    for (guint i = 0; i < r->entries->len; i++)
        try_entry(r->entries->pdata[i]);
}

void msd_recovery_device_seen(MsdRecovery *r, const char *address)
{
    Entry *e = lookup(r, address);
    if (e && e->state == ENTRY_WAITING)
        try_entry(e);
}

gboolean msd_recovery_holds(MsdRecovery *r, const char *address)
{
    Entry *e = lookup(r, address);
    return e && check_still_recorded(e);
}

gboolean msd_recovery_gave_up(MsdRecovery *r, const char *address)
{
    Entry *e = lookup(r, address);
    return e && e->state == ENTRY_GAVE_UP && check_still_recorded(e);
}

gboolean msd_recovery_needs_scan(MsdRecovery *r)
{
    if (!r || r->cancelled)
        return FALSE;
    for (guint i = 0; i < r->entries->len; i++)
        if (((Entry *)r->entries->pdata[i])->state == ENTRY_WAITING)
            return TRUE;
    return FALSE;
}

void msd_recovery_rearm(MsdRecovery *r)
{
    if (!r || r->cancelled)
        return;
    gint64 now = msd_clock_now(r->clock);
    for (guint i = 0; i < r->entries->len; i++) {
        Entry *e = r->entries->pdata[i];
        if (e->state != ENTRY_GAVE_UP || !check_still_recorded(e))
            continue;
        msd_dev_info(e->address, "recovery: trying %s again for %d s (a stop was asked for)",
                     e->address, (int)(MSD_RECOVERY_WINDOW_US / G_USEC_PER_SEC));
        e->deadline_us = now + MSD_RECOVERY_WINDOW_US;
        e->delay_us = MSD_RECOVERY_FIRST_DELAY_US;
        if (!r->ops.find(r->ctx, e->address)) {
            try_entry(e); /* waits, and scans */
            continue;
        }
        /* The stop that asked tries the device itself now; recovery's next
         * attempt follows after the first delay, not on top of it. */
        set_state(e, ENTRY_BACKOFF);
        e->timer = msd_clock_schedule(r->clock, now + e->delay_us, on_retry, e);
    }
}

void msd_recovery_cancel(MsdRecovery *r)
{
    if (!r || r->cancelled)
        return;
    r->cancelled = TRUE;
    for (guint i = 0; i < r->entries->len; i++) {
        Entry *e = r->entries->pdata[i];
        msd_clock_clear(r->clock, &e->timer);
        if (!finished(e)) {
            msd_dev_info(e->address,
                         "recovery: %s not stopped before shutdown; the next start tries again",
                         e->address);
            set_state(e, ENTRY_CANCELLED);
        }
    }
}
