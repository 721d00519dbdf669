/* The in-motion record: the devices massaged has set in motion and not yet
 * seen stopped, kept in <statedir>/in-motion so that a massaged restarted
 * after a crash (SIGKILL, a watchdog kill, a power cut) knows which devices
 * may still be running and can reconnect and stop them.
 *
 * Every change is durable before the call returns: the whole file is written
 * to a temporary file in the same directory, fsync'ed, renamed over
 * `in-motion`, and the directory is fsync'ed. A crash at any point leaves
 * either the old or the new file, never half of one. The format (one line per
 * device) and the rules for a damaged file are in docs/state.md. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest record read; the rest of a bigger file is ignored (with a
 * warning) and the file is set aside as damaged at the next rewrite. One
 * line is about 60 bytes, so this is a thousand devices. */
#define MSD_MOTION_RECORD_MAX_BYTES (64 * 1024)

#define MSD_MOTION_RECORD_FILE    "in-motion"
#define MSD_MOTION_RECORD_CORRUPT "in-motion.corrupt"

typedef struct {
    char *address; /* "AA:BB:CC:DD:EE:FF", upper case */
    char *driver;  /* as given to _add(); NULL when the file did not say */
    gint64 since;  /* UTC wall clock, µs since the epoch (g_get_real_time()); 0 if unknown */
} MsdMotionEntry;

void msd_motion_entry_free(MsdMotionEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdMotionEntry, msd_motion_entry_free)

typedef struct _MsdMotionRecord MsdMotionRecord;

/* Creates `dir` if needed (mode 0750), removes temporary files a crash left
 * in it, and reads the record. A damaged file is not an error: every line
 * that names a valid address is kept, the others are logged as warnings with
 * the file and line. Fails only when the directory cannot be created or the
 * record exists but cannot be read at all (permissions, I/O, not a regular
 * file): then nothing is known, and rewriting it could lose addresses. */
MsdMotionRecord *msd_motion_record_open(const char *dir, GError **error);
void msd_motion_record_free(MsdMotionRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdMotionRecord, msd_motion_record_free)

/* Records `address` (any case; validated) as in motion with `driver` (may be
 * NULL), durably. Already recorded: nothing is written (unless the driver
 * differs: then it is updated, `since` kept). On failure the record is as it
 * was before the call. */
gboolean msd_motion_record_add(MsdMotionRecord *record, const char *address, const char *driver,
                               GError **error);
/* Forgets `address`, durably; not recorded: nothing is written, TRUE. On
 * failure the address stays recorded (a later call retries). */
gboolean msd_motion_record_remove(MsdMotionRecord *record, const char *address, GError **error);
gboolean msd_motion_record_contains(MsdMotionRecord *record, const char *address);

/* A copy of every entry (MsdMotionEntry *, owned by the array), in the order
 * they were recorded: safe to iterate while adding or removing. */
GPtrArray *msd_motion_record_list(MsdMotionRecord *record);
/* <dir>/in-motion, for messages. */
const char *msd_motion_record_get_path(MsdMotionRecord *record);

G_END_DECLS
