/* The session history in SQLite (history.h). */
#include "daemon/history.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"

struct _MsdHistory {
    sqlite3 *db;
    char *path;
    MsdHistoryRetention retention;
};

/* Schema migrations: entry N takes a database from user_version N to N+1.
 * Never edit a released entry; append one. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE sessions ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " programme_id TEXT NOT NULL,"
    " programme_name TEXT,"
    " programme_hash TEXT,"
    " device_address TEXT NOT NULL,"
    " device_name TEXT,"
    " driver TEXT,"
    " started_at TEXT NOT NULL," /* ISO 8601 UTC, ms: 2026-12-05T23:51:27.123Z */
    " ended_at TEXT,"
    " outcome TEXT NOT NULL," /* running | completed | stopped | ... | interrupted */
    " detail TEXT,"
    " steps_played INTEGER,"
    " steps_total INTEGER,"
    " peak_intensity REAL,"
    " adjustments TEXT,"
    " caller_uid INTEGER,"
    " caller_name TEXT,"
    " client TEXT,"
    " note TEXT);"
    "CREATE INDEX sessions_started_at ON sessions(started_at);"
    "CREATE INDEX sessions_outcome ON sessions(outcome);",
};
G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == MSD_HISTORY_SCHEMA_VERSION);

static char *iso_utc(gint64 us)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    if (!t)
        return g_strdup("1970-01-01T00:00:00.000Z");
    g_autofree char *s = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
    return g_strdup_printf("%s.%03dZ", s, (int)((us % G_USEC_PER_SEC) / 1000));
}

static gboolean exec(sqlite3 *db, const char *sql, GError **error)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return TRUE;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return FALSE;
}

static int user_version(sqlite3 *db, GError **error)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return v;
}

/* Brings the schema to MSD_HISTORY_SCHEMA_VERSION, one migration per
 * transaction. A newer schema (a downgrade) is refused, never touched. */
static gboolean migrate(sqlite3 *db, GError **error)
{
    int v = user_version(db, error);
    if (v < 0)
        return FALSE;
    if (v > MSD_HISTORY_SCHEMA_VERSION) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "schema version %d is newer than this massaged knows (%d)", v,
                    MSD_HISTORY_SCHEMA_VERSION);
        return FALSE;
    }
    for (; v < MSD_HISTORY_SCHEMA_VERSION; v++) {
        g_autofree char *sql = g_strdup_printf(
            "BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;", migrations[v], v + 1);
        if (!exec(db, sql, error)) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            g_prefix_error(error, "migrating the schema to version %d: ", v + 1);
            return FALSE;
        }
    }
    return TRUE;
}

/* The file exists with mode 0640 before SQLite opens it (SQLite gives the
 * -wal and -shm files the same mode): client labels and notes are not for
 * every user. */
static gboolean prepare_file(const char *path, GError **error)
{
    int fd = g_open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    gboolean ok = fchmod(fd, 0640) == 0;
    int e = errno;
    close(fd);
    if (!ok) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot chmod %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

static sqlite3 *open_db(const char *path, GError **error)
{
    if (!prepare_file(path, error))
        return NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                    db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 250);
    /* WAL with synchronous=NORMAL: a commit is an append, no fsync on the
     * way to a session's first frame; a power cut may lose the last rows,
     * never the database. quick_check reads every page: a damaged file is
     * found here, not in the middle of a session. */
    g_autofree char *check = NULL;
    sqlite3_stmt *st = NULL;
    gboolean ok = exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", error);
    if (ok && sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        check = g_strdup((const char *)sqlite3_column_text(st, 0));
    else if (ok)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    if (ok && !check)
        ok = FALSE;
    else if (ok && g_strcmp0(check, "ok") != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "integrity check: %s", check);
        ok = FALSE;
    }
    if (ok)
        ok = migrate(db, error);
    if (!ok) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Moves a damaged database (and its WAL) aside, keeping it for whoever
 * wants to look: history.sqlite3.corrupt-<UTC time>. */
static void move_aside(const char *path)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *from = g_strconcat(path, suffixes[i], NULL);
        g_autofree char *to = g_strdup_printf("%s.corrupt-%s%s", path, stamp, suffixes[i]);
        if (g_rename(from, to) == 0)
            msd_warning("history: moved %s aside to %s", from, to);
        else if (errno != ENOENT)
            msd_warning("history: cannot move %s aside: %s; removing it", from, g_strerror(errno));
        if (g_file_test(from, G_FILE_TEST_EXISTS))
            g_unlink(from);
    }
}

static void apply_retention(MsdHistory *h)
{
    if (h->retention.keep_days) {
        g_autofree char *sql =
            g_strdup_printf("DELETE FROM sessions WHERE outcome != 'running' AND started_at < "
                            "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now', '-%u days')",
                            h->retention.keep_days);
        g_autoptr(GError) e = NULL;
        if (!exec(h->db, sql, &e))
            msd_warning("history: retention (days): %s", e->message);
    }
    if (h->retention.keep_rows) {
        g_autofree char *sql = g_strdup_printf(
            "DELETE FROM sessions WHERE id NOT IN (SELECT id FROM sessions ORDER BY id DESC "
            "LIMIT %u)",
            h->retention.keep_rows);
        g_autoptr(GError) e = NULL;
        if (!exec(h->db, sql, &e))
            msd_warning("history: retention (rows): %s", e->message);
    }
}

MsdHistory *msd_history_open(const char *state_dir, const MsdHistoryRetention *retention)
{
    g_autofree char *path = g_build_filename(state_dir, MSD_HISTORY_FILE, NULL);
    g_autoptr(GError) error = NULL;
    sqlite3 *db = open_db(path, &error);
    if (!db && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED)) {
        msd_warning("history: %s: %s; running without history (the file is left as it is)", path,
                    error->message);
        return NULL;
    }
    if (!db) {
        msd_warning("history: %s cannot be used (%s): moving it aside and starting a fresh one",
                    path, error->message);
        move_aside(path);
        g_clear_error(&error);
        db = open_db(path, &error);
        if (!db) {
            msd_warning("history: a fresh %s cannot be opened either (%s): running without "
                        "history; devices work as ever",
                        path, error->message);
            return NULL;
        }
    }
    MsdHistory *h = g_new0(MsdHistory, 1);
    h->db = db;
    h->path = g_steal_pointer(&path);
    h->retention = *retention;
    if (!exec(db,
              "UPDATE sessions SET outcome = 'interrupted', detail = 'massaged ended while the "
              "session ran (a crash, a kill or a power cut): its end was not recorded' WHERE "
              "outcome = 'running'",
              &error))
        msd_warning("history: marking interrupted sessions: %s", error->message);
    else if (sqlite3_changes(db) > 0)
        msd_info("history: %d session(s) left running by the last massaged marked interrupted",
                 sqlite3_changes(db));
    apply_retention(h);
    msd_info("history: %s (schema %d)", h->path, MSD_HISTORY_SCHEMA_VERSION);
    return h;
}

void msd_history_free(MsdHistory *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    g_free(h->path);
    g_free(h);
}

const char *msd_history_get_path(MsdHistory *h)
{
    return h ? h->path : NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_uid(sqlite3_stmt *st, int i, gint64 uid)
{
    if (uid >= 0)
        sqlite3_bind_int64(st, i, uid);
    else
        sqlite3_bind_null(st, i);
}

#define INSERT_SQL                                                                                 \
    "INSERT INTO sessions (programme_id, programme_name, programme_hash, device_address, "         \
    "device_name, driver, started_at, outcome, steps_total, caller_uid, caller_name, client, "     \
    "note, steps_played, peak_intensity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running', ?8, ?9, "  \
    "?10, ?11, ?12, 0, 0)"

gint64 msd_history_begin(MsdHistory *h, const MsdHistoryStart *s)
{
    if (!h)
        return 0;
    sqlite3_stmt *st = NULL;
    gint64 id = 0;
    g_autofree char *started = iso_utc(s->started_us);
    if (sqlite3_prepare_v2(h->db, INSERT_SQL, -1, &st, NULL) == SQLITE_OK) {
        bind_text(st, 1, s->programme_id);
        bind_text(st, 2, s->programme_name);
        bind_text(st, 3, s->programme_hash);
        bind_text(st, 4, s->device_address);
        bind_text(st, 5, s->device_name);
        bind_text(st, 6, s->driver);
        bind_text(st, 7, started);
        sqlite3_bind_int(st, 8, (int)s->steps_total);
        bind_uid(st, 9, s->caller_uid);
        bind_text(st, 10, s->caller_name);
        bind_text(st, 11, s->client);
        bind_text(st, 12, s->note);
        if (sqlite3_step(st) == SQLITE_DONE)
            id = sqlite3_last_insert_rowid(h->db);
    }
    if (!id)
        msd_warning("history: cannot record the start of %s on %s: %s", s->programme_id,
                    s->device_address, sqlite3_errmsg(h->db));
    sqlite3_finalize(st);
    return id;
}

void msd_history_end(MsdHistory *h, gint64 id, const MsdHistoryStart *s, const MsdHistoryEnd *e)
{
    if (!h)
        return;
    if (!id)
        id = msd_history_begin(h, s);
    if (!id)
        return;
    sqlite3_stmt *st = NULL;
    g_autofree char *ended = iso_utc(e->ended_us);
    gboolean ok = FALSE;
    if (sqlite3_prepare_v2(h->db,
                           "UPDATE sessions SET ended_at = ?1, outcome = ?2, detail = ?3, "
                           "steps_played = ?4, peak_intensity = ?5, adjustments = ?6, "
                           "caller_uid = COALESCE(?7, caller_uid), caller_name = COALESCE(?8, "
                           "caller_name) WHERE id = ?9",
                           -1, &st, NULL) == SQLITE_OK) {
        bind_text(st, 1, ended);
        bind_text(st, 2, e->outcome);
        bind_text(st, 3, e->detail);
        sqlite3_bind_int(st, 4, (int)e->steps_played);
        sqlite3_bind_double(st, 5, e->peak_intensity);
        bind_text(st, 6, e->adjustments && *e->adjustments ? e->adjustments : NULL);
        bind_uid(st, 7, e->caller_uid);
        bind_text(st, 8, e->caller_name);
        sqlite3_bind_int64(st, 9, id);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    if (!ok)
        msd_warning("history: cannot record the end of session %" G_GINT64_FORMAT ": %s", id,
                    sqlite3_errmsg(h->db));
    sqlite3_finalize(st);
    apply_retention(h);
}

char *msd_history_parse_time(const char *text, const char *what, GError **error)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) t = NULL;
    int y, m, d;
    char tail;
    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && strlen(text) == 10)
        t = g_date_time_new(utc, y, m, d, 0, 0, 0);
    else
        t = g_date_time_new_from_iso8601(text, utc);
    if (!t) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s: \"%s\" is not a date (2026-12-05) or an ISO 8601 time "
                    "(2026-12-05T10:00:00Z)",
                    what, text);
        return NULL;
    }
    return iso_utc(g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t));
}

static const char *const columns[] = {
    "id",          "programme_id", "programme_name", "programme_hash", "device_address",
    "device_name", "driver",       "started_at",     "ended_at",       "outcome",
    "detail",      "steps_played", "steps_total",    "peak_intensity", "adjustments",
    "caller_uid",  "caller_name",  "client",         "note",
};

static GVariant *row_to_variant(sqlite3_stmt *st)
{
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (int i = 0; i < (int)G_N_ELEMENTS(columns); i++) {
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL:
            break;
        case SQLITE_INTEGER:
            g_variant_builder_add(&b, "{sv}", columns[i],
                                  g_variant_new_int64(sqlite3_column_int64(st, i)));
            break;
        case SQLITE_FLOAT:
            g_variant_builder_add(&b, "{sv}", columns[i],
                                  g_variant_new_double(sqlite3_column_double(st, i)));
            break;
        default: {
            const char *v = (const char *)sqlite3_column_text(st, i);
            if (v && g_utf8_validate(v, -1, NULL))
                g_variant_builder_add(&b, "{sv}", columns[i], g_variant_new_string(v));
            break;
        }
        }
    }
    return g_variant_builder_end(&b);
}

static GString *select_sql(void)
{
    GString *sql = g_string_new("SELECT ");
    for (guint i = 0; i < G_N_ELEMENTS(columns); i++)
        g_string_append_printf(sql, "%s%s", i ? ", " : "", columns[i]);
    g_string_append(sql, " FROM sessions");
    return sql;
}

GVariant *msd_history_query(MsdHistory *h, const MsdHistoryFilter *f, GError **error)
{
    g_autoptr(GString) sql = select_sql();
    const char *values[6];
    guint n = 0;
    static const char *const conds[] = {"started_at >= ?",  "started_at < ?", "device_address = ?",
                                        "programme_id = ?", "client = ?",     "outcome = ?"};
    const char *given[] = {f->since,        f->until,  f->device_address,
                           f->programme_id, f->client, f->outcome};
    for (guint i = 0; i < G_N_ELEMENTS(given); i++) {
        if (!given[i])
            continue;
        g_string_append(sql, n ? " AND " : " WHERE ");
        g_string_append(sql, conds[i]);
        values[n++] = given[i];
    }
    guint limit = f->limit && f->limit < MSD_HISTORY_QUERY_MAX ? f->limit : MSD_HISTORY_QUERY_MAX;
    /* The newest `limit`, shown oldest first. */
    g_autoptr(GString) outer = select_sql();
    g_string_append_printf(outer,
                           " WHERE id IN (SELECT id FROM (%s) ORDER BY started_at DESC, id "
                           "DESC LIMIT %u) ORDER BY started_at, id",
                           sql->str, limit);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, outer->str, -1, &st, NULL) != SQLITE_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "history: %s", sqlite3_errmsg(h->db));
        return NULL;
    }
    for (guint i = 0; i < n; i++)
        sqlite3_bind_text(st, (int)i + 1, values[i], -1, SQLITE_TRANSIENT);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_variant_builder_add_value(&b, row_to_variant(st));
    if (rc != SQLITE_DONE) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "history: %s", sqlite3_errmsg(h->db));
        sqlite3_finalize(st);
        g_variant_builder_clear(&b);
        return NULL;
    }
    sqlite3_finalize(st);
    return g_variant_builder_end(&b);
}

GVariant *msd_history_get(MsdHistory *h, gint64 id, GError **error)
{
    g_autoptr(GString) sql = select_sql();
    g_string_append(sql, " WHERE id = ?");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, sql->str, -1, &st, NULL) != SQLITE_OK) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "history: %s", sqlite3_errmsg(h->db));
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    GVariant *v = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v = row_to_variant(st);
    else if (rc == SQLITE_DONE)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "no session %" G_GINT64_FORMAT " in the history", id);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "history: %s", sqlite3_errmsg(h->db));
    sqlite3_finalize(st);
    return v;
}
