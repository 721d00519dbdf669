/* The in-motion record; see motion-record.h and docs/state.md. */
#include "daemon/motion-record.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "protocol/address.h"

/* Temporary files start with this; open() removes any left by a crash. The
 * leading dot keeps them out of a casual `ls`, and no other file of ours
 * starts so. */
#define TMP_PREFIX ".in-motion.tmp."
/* A driver name longer than this is not one of ours. */
#define MAX_DRIVER_LEN 64

struct _MsdMotionRecord {
    char *dir;
    char *path;
    char *corrupt_path;
    GPtrArray *entries; /* MsdMotionEntry *, in recorded order */
    /* The file on disk had lines we could not read: at the next rewrite it
     * is first kept as in-motion.corrupt, so nothing is lost for a person
     * to look at. `raw` is what was read, for when a hard link is refused. */
    gboolean damaged;
    GBytes *raw;
};

void msd_motion_entry_free(MsdMotionEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->address);
    g_free(entry->driver);
    g_free(entry);
}

static MsdMotionEntry *entry_new(const char *address, const char *driver, gint64 since)
{
    MsdMotionEntry *e = g_new0(MsdMotionEntry, 1);
    e->address = g_ascii_strup(address, -1);
    e->driver = g_strdup(driver);
    e->since = since;
    return e;
}

/* Printable UTF-8 without spaces at either end or control characters: it
 * goes on one line of the file and must read back the same. */
static gboolean driver_is_valid(const char *driver)
{
    gsize len = strlen(driver);
    if (len == 0 || len > MAX_DRIVER_LEN || !g_utf8_validate(driver, -1, NULL) ||
        g_str_equal(driver, "-") || g_ascii_isspace(driver[0]) || g_ascii_isspace(driver[len - 1]))
        return FALSE;
    for (const char *c = driver; *c; c++) {
        if ((guchar)*c < 0x20 || *c == 0x7f)
            return FALSE;
    }
    return TRUE;
}

static int find(MsdMotionRecord *r, const char *address)
{
    for (guint i = 0; i < r->entries->len; i++) {
        MsdMotionEntry *e = r->entries->pdata[i];
        if (g_ascii_strcasecmp(e->address, address) == 0)
            return (int)i;
    }
    return -1;
}

/* ---- the file format ---- */

static char *format_since(gint64 since)
{
    if (since <= 0)
        return g_strdup("-");
    g_autoptr(GDateTime) secs = g_date_time_new_from_unix_utc(since / G_USEC_PER_SEC);
    if (!secs)
        return g_strdup("-");
    g_autoptr(GDateTime) dt = g_date_time_add(secs, since % G_USEC_PER_SEC);
    return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S.%fZ");
}

static gint64 parse_since(const char *text)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, NULL);
    if (!dt)
        return -1;
    gint64 us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    return us > 0 ? us : -1;
}

static GString *serialise(MsdMotionRecord *r)
{
    GString *s =
        g_string_new("# massaged: devices it set in motion and has not seen stopped.\n"
                     "# A massaged started after a crash connects to each and stops it.\n"
                     "# Written by massaged (docs/state.md); edit only while it is stopped.\n"
                     "# address since(UTC) driver\n");
    for (guint i = 0; i < r->entries->len; i++) {
        MsdMotionEntry *e = r->entries->pdata[i];
        g_autofree char *since = format_since(e->since);
        g_string_append_printf(s, "%s %s %s\n", e->address, since, e->driver ? e->driver : "-");
    }
    return s;
}

/* A value from the file for a message: short, printable ASCII, the rest as \xNN. */
static char *shown(const char *text)
{
    GString *out = g_string_new(NULL);
    for (gsize i = 0; text[i] && i < 40; i++) {
        guchar c = (guchar)text[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            g_string_append_c(out, (char)c);
        else
            g_string_append_printf(out, "\\x%02x", c);
    }
    return g_string_free(out, FALSE);
}

static void damaged_line(MsdMotionRecord *r, guint line, const char *what)
{
    msd_warning("%s:%u: %s", r->path, line, what);
    r->damaged = TRUE;
}

/* One line: "ADDRESS SINCE DRIVER" (DRIVER is the rest of the line). Keeps
 * the address whenever it is valid, whatever else is wrong. */
static void parse_line(MsdMotionRecord *r, guint lineno, const char *bytes, gsize len)
{
    g_autofree char *line = g_strndup(bytes, len);
    if (strlen(line) != len)
        damaged_line(r, lineno, "a NUL byte: the rest of the line is ignored");
    g_strstrip(line);
    if (line[0] == '\0' || line[0] == '#')
        return;

    char *rest = line;
    char *address = rest;
    rest += strcspn(rest, " \t");
    if (*rest)
        *rest++ = '\0';
    rest += strspn(rest, " \t");
    char *since_text = rest;
    rest += strcspn(rest, " \t");
    if (*rest)
        *rest++ = '\0';
    rest += strspn(rest, " \t");
    char *driver = rest;

    if (!mp_address_is_valid(address)) {
        g_autofree char *s = shown(address);
        g_autofree char *what = g_strdup_printf("not a Bluetooth address: \"%s\": line ignored", s);
        damaged_line(r, lineno, what);
        return;
    }
    if (find(r, address) >= 0) {
        g_autofree char *what = g_strdup_printf("%s is listed twice: the first kept", address);
        damaged_line(r, lineno, what);
        return;
    }
    if (since_text[0] == '\0') {
        g_autofree char *what =
            g_strdup_printf("%s: no time and no driver: kept without them", address);
        damaged_line(r, lineno, what);
        g_ptr_array_add(r->entries, entry_new(address, NULL, 0));
        return;
    }
    gint64 since = 0;
    if (!g_str_equal(since_text, "-")) {
        since = parse_since(since_text);
        if (since < 0) {
            g_autofree char *s = shown(since_text);
            g_autofree char *what =
                g_strdup_printf("%s: not a UTC time: \"%s\": kept with no time", address, s);
            damaged_line(r, lineno, what);
            since = 0;
        }
    }
    if (driver[0] == '\0') {
        g_autofree char *what = g_strdup_printf("%s: no driver: kept without one", address);
        damaged_line(r, lineno, what);
        driver = NULL;
    } else if (g_str_equal(driver, "-")) {
        driver = NULL;
    } else if (!driver_is_valid(driver)) {
        g_autofree char *s = shown(driver);
        g_autofree char *what =
            g_strdup_printf("%s: not a driver name: \"%s\": kept without one", address, s);
        damaged_line(r, lineno, what);
        driver = NULL;
    }
    g_ptr_array_add(r->entries, entry_new(address, driver, since));
}

static void parse(MsdMotionRecord *r, const char *data, gsize len)
{
    guint lineno = 1;
    for (gsize start = 0; start < len; lineno++) {
        const char *nl = memchr(data + start, '\n', len - start);
        gsize end = nl ? (gsize)(nl - data) : len;
        parse_line(r, lineno, data + start, end - start);
        start = end + 1;
    }
}

/* Reads at most MSD_MOTION_RECORD_MAX_BYTES. An error after some bytes were
 * read keeps what was read; none at all is an error. */
static gboolean read_record(MsdMotionRecord *r, GError **error)
{
    /* O_NONBLOCK: a FIFO in its place must not hang the daemon at start. */
    int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return TRUE;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot read %s: %s", r->path,
                    g_strerror(e));
        return FALSE;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot read %s: not a regular file",
                    r->path);
        close(fd);
        return FALSE;
    }
    gsize cap = MSD_MOTION_RECORD_MAX_BYTES + 1; /* one more: tells a bigger file */
    g_autofree char *buf = g_malloc(cap);
    gsize len = 0;
    int read_errno = 0;
    while (len < cap) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            read_errno = errno;
            break;
        }
        if (n == 0)
            break;
        len += (gsize)n;
    }
    close(fd);
    if (read_errno && len == 0) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot read %s: %s", r->path,
                    g_strerror(read_errno));
        return FALSE;
    }
    if (read_errno) {
        msd_warning("%s: read error after %" G_GSIZE_FORMAT " bytes (%s): keeping what was read",
                    r->path, len, g_strerror(read_errno));
        r->damaged = TRUE;
    }
    if (len > MSD_MOTION_RECORD_MAX_BYTES) {
        len = MSD_MOTION_RECORD_MAX_BYTES;
        msd_warning("%s: larger than %d bytes: only the first %d read", r->path,
                    MSD_MOTION_RECORD_MAX_BYTES, MSD_MOTION_RECORD_MAX_BYTES);
        r->damaged = TRUE;
    }
    parse(r, buf, len);
    r->raw = g_bytes_new(buf, len);
    return TRUE;
}

/* ---- durable writes ---- */

static gboolean fsync_dir(const char *dir, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot sync the directory %s: %s", dir,
                    g_strerror(e));
        return FALSE;
    }
    close(fd);
    return TRUE;
}

/* A temporary file in the same directory, written, fsync'ed and renamed
 * over `target`; then the directory is fsync'ed so the rename itself
 * survives a power cut. */
static gboolean write_durably(MsdMotionRecord *r, const char *target, const char *data, gsize len,
                              GError **error)
{
    g_autofree char *tmp = g_build_filename(r->dir, TMP_PREFIX "XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0640);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot write %s: %s", target,
                    g_strerror(e));
        return FALSE;
    }
    gsize done = 0;
    int e = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            break;
        }
        done += (gsize)n;
    }
    if (!e && fsync(fd) != 0)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, target) != 0)
        e = errno;
    if (e) {
        g_unlink(tmp);
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot write %s: %s", target,
                    g_strerror(e));
        return FALSE;
    }
    return fsync_dir(r->dir, error);
}

/* Keeps a damaged file as in-motion.corrupt before it is replaced. A hard
 * link keeps all of it, also what was past the size limit; where links are
 * refused, a copy of what was read. */
static gboolean set_aside(MsdMotionRecord *r, GError **error)
{
    if (g_unlink(r->corrupt_path) != 0 && errno != ENOENT) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot replace %s: %s", r->corrupt_path,
                    g_strerror(e));
        return FALSE;
    }
    if (link(r->path, r->corrupt_path) == 0)
        return TRUE; /* made durable by the directory sync after the rename */
    if (errno == ENOENT)
        return TRUE; /* gone meanwhile: nothing to keep */
    gsize len = 0;
    const char *data = r->raw ? g_bytes_get_data(r->raw, &len) : "";
    return write_durably(r, r->corrupt_path, data, len, error);
}

static gboolean rewrite(MsdMotionRecord *r, GError **error)
{
    if (r->damaged && !set_aside(r, error))
        return FALSE;
    g_autoptr(GString) text = serialise(r);
    if (!write_durably(r, r->path, text->str, text->len, error))
        return FALSE;
    if (r->damaged) {
        msd_warning("%s: the damaged record was kept as %s", r->path, r->corrupt_path);
        r->damaged = FALSE;
        g_clear_pointer(&r->raw, g_bytes_unref);
    }
    return TRUE;
}

/* ---- the API ---- */

static void remove_stale_temporaries(MsdMotionRecord *r)
{
    g_autoptr(GDir) d = g_dir_open(r->dir, 0, NULL);
    if (!d)
        return;
    const char *name;
    while ((name = g_dir_read_name(d))) {
        if (!g_str_has_prefix(name, TMP_PREFIX))
            continue;
        g_autofree char *p = g_build_filename(r->dir, name, NULL);
        if (g_unlink(p) == 0)
            msd_info("removed %s, left by an interrupted write", p);
        else
            msd_warning("cannot remove %s: %s", p, g_strerror(errno));
    }
}

MsdMotionRecord *msd_motion_record_open(const char *dir, GError **error)
{
    g_return_val_if_fail(dir != NULL, NULL);
    if (g_mkdir_with_parents(dir, 0750) != 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot create %s: %s", dir, g_strerror(e));
        return NULL;
    }
    g_autoptr(MsdMotionRecord) r = g_new0(MsdMotionRecord, 1);
    r->dir = g_strdup(dir);
    r->path = g_build_filename(dir, MSD_MOTION_RECORD_FILE, NULL);
    r->corrupt_path = g_build_filename(dir, MSD_MOTION_RECORD_CORRUPT, NULL);
    r->entries = g_ptr_array_new_with_free_func((GDestroyNotify)msd_motion_entry_free);
    remove_stale_temporaries(r);
    if (!read_record(r, error))
        return NULL;
    return g_steal_pointer(&r);
}

void msd_motion_record_free(MsdMotionRecord *record)
{
    if (!record)
        return;
    g_free(record->dir);
    g_free(record->path);
    g_free(record->corrupt_path);
    g_ptr_array_unref(record->entries);
    g_clear_pointer(&record->raw, g_bytes_unref);
    g_free(record);
}

static gboolean check_address(const char *address, GError **error)
{
    if (mp_address_is_valid(address))
        return TRUE;
    g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "\"%s\" is not a Bluetooth address",
                address ? address : "(null)");
    return FALSE;
}

gboolean msd_motion_record_add(MsdMotionRecord *record, const char *address, const char *driver,
                               GError **error)
{
    g_return_val_if_fail(record != NULL, FALSE);
    if (!check_address(address, error))
        return FALSE;
    if (driver && !driver_is_valid(driver)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "\"%s\" is not a driver name",
                    driver);
        return FALSE;
    }
    int i = find(record, address);
    if (i >= 0) {
        MsdMotionEntry *e = record->entries->pdata[i];
        if (!driver || g_strcmp0(e->driver, driver) == 0)
            return TRUE; /* recorded already: no I/O */
        char *old = e->driver;
        e->driver = g_strdup(driver);
        if (!rewrite(record, error)) {
            g_free(e->driver);
            e->driver = old;
            return FALSE;
        }
        g_free(old);
        return TRUE;
    }
    g_ptr_array_add(record->entries, entry_new(address, driver, g_get_real_time()));
    if (!rewrite(record, error)) {
        g_ptr_array_remove_index(record->entries, record->entries->len - 1);
        return FALSE;
    }
    msd_dev_debug(address, "recorded as in motion in %s", record->path);
    return TRUE;
}

gboolean msd_motion_record_remove(MsdMotionRecord *record, const char *address, GError **error)
{
    g_return_val_if_fail(record != NULL, FALSE);
    if (!check_address(address, error))
        return FALSE;
    int i = find(record, address);
    if (i < 0)
        return TRUE; /* not recorded: no I/O */
    MsdMotionEntry *e = g_ptr_array_steal_index(record->entries, (guint)i);
    if (!rewrite(record, error)) {
        g_ptr_array_insert(record->entries, i, e);
        return FALSE;
    }
    msd_dev_debug(e->address, "no longer recorded as in motion");
    msd_motion_entry_free(e);
    return TRUE;
}

gboolean msd_motion_record_contains(MsdMotionRecord *record, const char *address)
{
    g_return_val_if_fail(record != NULL, FALSE);
    return mp_address_is_valid(address) && find(record, address) >= 0;
}

GPtrArray *msd_motion_record_list(MsdMotionRecord *record)
{
    g_return_val_if_fail(record != NULL, NULL);
    GPtrArray *out =
        g_ptr_array_new_full(record->entries->len, (GDestroyNotify)msd_motion_entry_free);
    for (guint i = 0; i < record->entries->len; i++) {
        MsdMotionEntry *e = record->entries->pdata[i];
        g_ptr_array_add(out, entry_new(e->address, e->driver, e->since));
    }
    return out;
}

const char *msd_motion_record_get_path(MsdMotionRecord *record)
{
    return record->path;
}
