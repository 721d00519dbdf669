/* Crash recovery: at start, massaged stops every device the in-motion record
 * (daemon/motion-record.h) names. A previous massaged set them moving and
 * never saw them stop (it was killed, hung, or the power went); they may
 * still be running with nobody to stop them.
 *
 * For each recorded device: find it (bluetoothd may still have its object;
 * if not, the daemon scans until it appears), then stop it through
 * msd_device_stop_reaching() (connect if needed, stop, disconnect). A failed
 * attempt is retried after MSD_RECOVERY_FIRST_DELAY_US, doubling up to
 * MSD_RECOVERY_MAX_DELAY_US, for MSD_RECOVERY_WINDOW_US from the start; no
 * attempt starts after that (the one in flight finishes). Every outcome is
 * logged with the device's address. The record's line goes away only when a
 * stop frame went out (device.c removes it), so a device recovery gave up on
 * is tried again at the next start, and by every StopAll meanwhile.
 *
 * While a recorded device has not been seen stopped, msd_recovery_holds() is
 * TRUE for it: nothing may set it moving (Manager1.Start answers Busy), so a
 * device is never started before its recovery stop went out.
 *
 * Recovery knows the rest of the daemon only through MsdRecoveryOps, and
 * waits on an MsdClock, so unit tests drive it with fakes on the fake clock
 * (tests/unit/test-recovery.c). docs/state.md has the rules. */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "daemon/device.h"
#include "daemon/motion-record.h"

G_BEGIN_DECLS

#define MSD_RECOVERY_WINDOW_US      (60 * G_USEC_PER_SEC)
#define MSD_RECOVERY_FIRST_DELAY_US (G_USEC_PER_SEC / 2)
#define MSD_RECOVERY_MAX_DELAY_US   (5 * G_USEC_PER_SEC)

typedef struct {
    /* The device with `address` ("AA:BB:..", upper case) when massaged has
     * one and bluetoothd has its object, so a stop can be tried; else NULL. */
    MsdDevice *(*find)(gpointer ctx, const char *address);
    /* msd_device_stop_reaching(device, "recovery", done, user_data). */
    void (*stop)(gpointer ctx, MsdDevice *device, MsdWriteDone done, gpointer user_data);
    /* TRUE while the record still holds `address` from the same episode
     * (`since` as read at start): once a stop removed it, it is done, even
     * if the device is set moving (and recorded) again later. */
    gboolean (*still_recorded)(gpointer ctx, const char *address, gint64 since);
    /* msd_recovery_needs_scan() may have changed. */
    void (*scan_changed)(gpointer ctx);
} MsdRecoveryOps;

typedef struct _MsdRecovery MsdRecovery;

/* `ops` is copied; `clock` is referenced. Nothing happens until _start(). */
MsdRecovery *msd_recovery_new(MsdClock *clock, const MsdRecoveryOps *ops, gpointer ctx);
/* Frees it. Call after the devices are freed: an attempt whose device was
 * freed never calls back, and recovery frees what it kept for it. */
void msd_recovery_free(MsdRecovery *recovery);

/* Starts recovering every entry (MsdMotionEntry *, from
 * msd_motion_record_list()): devices found are tried at once. */
void msd_recovery_start(MsdRecovery *recovery, GPtrArray *entries);

/* A device with `address` appeared (bluetoothd announced it, or announced
 * it again): a recorded device waiting for it is tried now. */
void msd_recovery_device_seen(MsdRecovery *recovery, const char *address);

/* TRUE while `address` was recorded at start and has not been seen stopped
 * (being recovered, or given up on): it must not be set moving. */
gboolean msd_recovery_holds(MsdRecovery *recovery, const char *address);
/* TRUE while recovery has given up on `address` (it may still be moving). */
gboolean msd_recovery_gave_up(MsdRecovery *recovery, const char *address);

/* TRUE while a recorded device is waited for (find() returned NULL): the
 * daemon scans so that bluetoothd finds it. */
gboolean msd_recovery_needs_scan(MsdRecovery *recovery);

/* Entries recovery gave up on start over, with a new window (a person asked
 * for a stop: StopAll). */
void msd_recovery_rearm(MsdRecovery *recovery);

/* Shutdown: no more attempts or scans; the record keeps what was not
 * stopped, for the next start. */
void msd_recovery_cancel(MsdRecovery *recovery);

G_END_DECLS
