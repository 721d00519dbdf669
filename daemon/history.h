/* The session history: one SQLite database in the state directory
 * (<statedir>/history.sqlite3, WAL, mode 0640), one row per session. A row is
 * written when the session starts playing ("running") and completed when it
 * ends; rows a crashed massaged left "running" become "interrupted" at the
 * next open. The schema is versioned (PRAGMA user_version) and migrated on
 * open; docs/history.md describes it.
 *
 * History never stands in the way of device control: a database that cannot
 * be opened or read is logged, moved aside (history.sqlite3.corrupt-<time>)
 * and replaced by a fresh one; if even that fails the daemon runs without
 * history. Every call here is safe with a NULL MsdHistory. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MsdHistory MsdHistory;

#define MSD_HISTORY_FILE           "history.sqlite3"
#define MSD_HISTORY_SCHEMA_VERSION 1
#define MSD_HISTORY_CLIENT_MAX     64   /* bytes of a client label */
#define MSD_HISTORY_NOTE_MAX       1000 /* bytes of a note */

typedef struct {
    guint keep_days; /* rows that started longer ago are deleted; 0: no age limit */
    guint keep_rows; /* only the newest rows are kept; 0: no count limit */
} MsdHistoryRetention;

/* What is known when the session starts playing. */
typedef struct {
    const char *programme_id;
    const char *programme_name;
    const char *programme_hash; /* SHA-256 of the programme's text */
    const char *device_address;
    const char *device_name;
    const char *driver;
    gint64 started_us; /* wall clock, microseconds since the epoch (UTC) */
    guint steps_total;
    gint64 caller_uid; /* -1 when not known (yet) */
    const char *caller_name;
    const char *client; /* may be NULL */
    const char *note;   /* may be NULL */
} MsdHistoryStart;

/* What the end adds. */
typedef struct {
    gint64 ended_us;
    const char *outcome; /* Finished's outcome */
    const char *detail;
    guint steps_played;
    double peak_intensity;
    const char *adjustments; /* "12.0s adjust 80%; 30.5s next; ..." */
    gint64 caller_uid;       /* -1: leave as written at start */
    const char *caller_name;
} MsdHistoryEnd;

/* Opens (creating, migrating, repairing) the database in `state_dir`;
 * marks rows left "running" as "interrupted" and applies the retention.
 * NULL when there can be no history at all (logged). */
MsdHistory *msd_history_open(const char *state_dir, const MsdHistoryRetention *retention);
void msd_history_free(MsdHistory *history);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdHistory, msd_history_free)

/* The row of a session that started: its id, or 0 when it could not be
 * written (logged; the session plays on). */
gint64 msd_history_begin(MsdHistory *history, const MsdHistoryStart *start);
/* Completes row `id` (0: writes the whole row now, for a session that never
 * played, e.g. a failed connect). Applies the retention. */
void msd_history_end(MsdHistory *history, gint64 id, const MsdHistoryStart *start,
                     const MsdHistoryEnd *end);

/* A query's filters; NULL/0 fields do not filter. Times are started_at
 * bounds in the stored form (msd_history_parse_time()). */
typedef struct {
    const char *since; /* started_at >= since */
    const char *until; /* started_at < until */
    const char *device_address;
    const char *programme_id;
    const char *client;
    const char *outcome;
    guint limit; /* the newest `limit` rows; 0: MSD_HISTORY_QUERY_MAX */
} MsdHistoryFilter;

#define MSD_HISTORY_QUERY_MAX 10000

/* Rows matching `filter`, oldest first, as aa{sv} (column -> value; NULL
 * columns left out), or NULL with an error. */
GVariant *msd_history_query(MsdHistory *history, const MsdHistoryFilter *filter, GError **error);
/* One row as a{sv}, or NULL with G_IO_ERROR_NOT_FOUND. */
GVariant *msd_history_get(MsdHistory *history, gint64 id, GError **error);
/* "2026-12-05", "2026-12-05T10:00:00Z", "2026-12-05T11:00:00+01:00" -> the
 * stored form (UTC, ms); NULL and an error naming `what` otherwise. */
char *msd_history_parse_time(const char *text, const char *what, GError **error);

/* The database's path (for logs and tests). */
const char *msd_history_get_path(MsdHistory *history);

G_END_DECLS
