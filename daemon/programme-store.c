#include "daemon/programme-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon/excerpt.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "protocol/suggest.h"
#include "protocol/timeline.h"

struct _MsdProgrammeStore {
    char *builtin_dir;
    char *state_dir; /* <statedir>/programmes */
    MpSafetyLimits limits;
    GHashTable *by_id; /* id -> MsdProgrammeEntry* (owned) */
    /* Ids of stored files that did not load (they fail validation under the
     * current limits, or cannot be read): still taken, so an import never
     * writes over a file that holds someone's programme. */
    GHashTable *unloaded;
};

static void entry_free(MsdProgrammeEntry *e)
{
    g_free(e->id);
    g_free(e->path);
    g_free(e->text);
    g_clear_pointer(&e->programme, mp_programme_unref);
    g_free(e);
}

MsdProgrammeStore *msd_programme_store_new(const char *builtin_dir, const char *state_dir,
                                           const MpSafetyLimits *limits)
{
    MsdProgrammeStore *s = g_new0(MsdProgrammeStore, 1);
    s->builtin_dir = g_build_filename(builtin_dir, "programmes", NULL);
    s->state_dir = g_build_filename(state_dir, "programmes", NULL);
    s->limits = *limits;
    s->by_id = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
    s->unloaded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return s;
}

void msd_programme_store_free(MsdProgrammeStore *store)
{
    if (!store)
        return;
    g_hash_table_unref(store->by_id);
    g_hash_table_unref(store->unloaded);
    g_free(store->builtin_dir);
    g_free(store->state_dir);
    g_free(store);
}

char *msd_diagnostic_format(const MpDiagnostic *d)
{
    GString *s = g_string_new(NULL);
    if (d->line > 0)
        g_string_append_printf(s, "line %u: ", d->line);
    if (d->group && d->key)
        g_string_append_printf(s, "[%s] %s: ", d->group, d->key);
    else if (d->group)
        g_string_append_printf(s, "[%s]: ", d->group);
    else if (d->key)
        g_string_append_printf(s, "%s: ", d->key);
    if (d->severity == MP_DIAG_WARNING)
        g_string_append(s, "warning: ");
    g_string_append(s, d->message ? d->message : "");
    return g_string_free(s, FALSE);
}

MpProgramme *msd_programme_store_validate(MsdProgrammeStore *store, const char *text,
                                          GPtrArray *diagnostics)
{
    return mp_programme_load(text, strlen(text), "<text>", &store->limits, diagnostics);
}

static MsdProgrammeEntry *entry_new(const char *id, const char *path, char *text, MpProgramme *p,
                                    gboolean builtin)
{
    MsdProgrammeEntry *e = g_new0(MsdProgrammeEntry, 1);
    e->id = g_strdup(id);
    e->path = g_strdup(path);
    e->text = text;
    e->programme = p;
    e->builtin = builtin;
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    e->duration_ms = mp_timeline_duration(tl);
    return e;
}

/* At most this many diagnostics of one text reach the log or an error: a
 * refused 1000-step programme must not write 100 KB to the journal. */
#define MAX_QUOTED_DIAGNOSTICS 10

static void log_diagnostics(GPtrArray *diags, const char *path)
{
    for (guint i = 0; i < diags->len && i < MAX_QUOTED_DIAGNOSTICS; i++) {
        g_autofree char *line = mp_diagnostic_to_string(diags->pdata[i]);
        msd_warning("%s", line);
    }
    if (diags->len > MAX_QUOTED_DIAGNOSTICS)
        msd_warning("%s: %u more problems not shown", path, diags->len - MAX_QUOTED_DIAGNOSTICS);
}

/* "<id>.programme.XXXXXX": the temporary file of an import (and of
 * g_file_set_contents before it). */
static gboolean is_temp_name(const char *name)
{
    const char *dot = strstr(name, ".programme.");
    return dot && strlen(dot) == strlen(".programme.") + 6;
}

/* Temporary files left by an import that a crash interrupted. An import in
 * flight holds an flock on its temporary file, so one that is being written
 * (by a second instance started by hand, say) is left alone. */
static void remove_stale_temps(MsdProgrammeStore *store)
{
    g_autoptr(GDir) dir = g_dir_open(store->state_dir, 0, NULL);
    if (!dir)
        return;
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!is_temp_name(name))
            continue;
        g_autofree char *path = g_build_filename(store->state_dir, name, NULL);
        int fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if (g_unlink(path) == 0)
                msd_info("removed %s, left by an interrupted import", path);
        }
        close(fd);
    }
}

/* The files come from mp_programme_dir_load, the one reader massagectl uses
 * offline too: bounded, a NUL byte or a special file reported by name. */
static void load_dir(MsdProgrammeStore *store, const char *dir_path, gboolean builtin)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) files = mp_programme_dir_load(dir_path, &store->limits, &error);
    if (!files) {
        if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            msd_warning("programme directory %s: %s", dir_path, error->message);
        return;
    }
    for (guint i = 0; i < files->len; i++) {
        MpProgrammeFile *f = files->pdata[i];
        if (!f->programme) {
            if (!f->text) { /* not read: one diagnostic says why */
                const MpDiagnostic *d = f->diagnostics->pdata[0];
                msd_warning("programme %s left out (its id stays taken): %s", f->path, d->message);
            } else {
                log_diagnostics(f->diagnostics, f->path);
                msd_warning("programme %s left out: it fails validation; its id \"%s\" stays taken",
                            f->path, f->id);
            }
            if (!builtin)
                g_hash_table_add(store->unloaded, g_strdup(f->id));
            continue;
        }
        log_diagnostics(f->diagnostics, f->path);
        if (g_hash_table_contains(store->by_id, f->id)) {
            msd_warning("programme %s left out: id \"%s\" is already taken", f->path, f->id);
            continue;
        }
        MsdProgrammeEntry *e = entry_new(f->id, f->path, g_steal_pointer(&f->text),
                                         g_steal_pointer(&f->programme), builtin);
        g_hash_table_insert(store->by_id, e->id, e);
    }
}

void msd_programme_store_load(MsdProgrammeStore *store)
{
    g_hash_table_remove_all(store->by_id);
    g_hash_table_remove_all(store->unloaded);
    remove_stale_temps(store);
    load_dir(store, store->builtin_dir, TRUE);
    load_dir(store, store->state_dir, FALSE);
    msd_info("programmes: %u loaded from %s and %s", g_hash_table_size(store->by_id),
             store->builtin_dir, store->state_dir);
}

static gint compare_entries(gconstpointer a, gconstpointer b)
{
    const MsdProgrammeEntry *x = *(MsdProgrammeEntry *const *)a;
    const MsdProgrammeEntry *y = *(MsdProgrammeEntry *const *)b;
    if (x->builtin != y->builtin)
        return x->builtin ? -1 : 1;
    return strcmp(x->id, y->id);
}

GPtrArray *msd_programme_store_list(MsdProgrammeStore *store)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, store->by_id);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(out, v);
    g_ptr_array_sort(out, compare_entries);
    return out;
}

MsdProgrammeEntry *msd_programme_store_lookup(MsdProgrammeStore *store, const char *id,
                                              GError **error)
{
    MsdProgrammeEntry *e = g_hash_table_lookup(store->by_id, id);
    if (!e) {
        g_autofree char *quoted = msd_excerpt(id);
        /* A slip of the keyboard gets the id it was meant to be. */
        g_autofree const char **ids =
            (const char **)g_hash_table_get_keys_as_array(store->by_id, NULL);
        const char *guess = mp_suggest(id, ids);
        if (guess)
            g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_FOUND,
                        "no programme \"%s\"; did you mean \"%s\"?", quoted, guess);
        else
            g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_FOUND, "no programme \"%s\"", quoted);
    }
    return e;
}

char *msd_programme_slug(const char *name)
{
    GString *s = g_string_new(NULL);
    gboolean dash = FALSE;
    for (const char *c = name; c && *c; c++) {
        if (g_ascii_isalnum(*c)) {
            if (dash && s->len > 0)
                g_string_append_c(s, '-');
            dash = FALSE;
            g_string_append_c(s, g_ascii_tolower(*c));
        } else {
            dash = TRUE; /* non-ASCII bytes too: ids stay plain ASCII file names */
        }
        if (s->len >= 64)
            break;
    }
    if (s->len == 0)
        g_string_append(s, "programme");
    return g_string_free(s, FALSE);
}

static gboolean id_taken(MsdProgrammeStore *store, const char *id)
{
    return g_hash_table_contains(store->by_id, id) || g_hash_table_contains(store->unloaded, id);
}

/* Writes `text` to a locked temporary file in the state directory, flushed to
 * disk; returns its fd (still locked) and path, or -1. */
static int write_temp(MsdProgrammeStore *store, const char *id, const char *text, char **tmp_path,
                      GError **error)
{
    char *tmp = g_strdup_printf("%s/%s.programme.XXXXXX", store->state_dir, id);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot store the programme: %s: %s", tmp,
                    g_strerror(e));
        g_free(tmp);
        return -1;
    }
    (void)flock(fd, LOCK_EX); /* tells remove_stale_temps this one is in flight */
    gsize len = strlen(text), done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (gsize)w;
    }
    if (done < len || fsync(fd) != 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot store the programme: %s: %s", tmp,
                    g_strerror(e ? e : EIO));
        g_unlink(tmp);
        close(fd);
        g_free(tmp);
        return -1;
    }
    *tmp_path = tmp;
    return fd;
}

static void sync_dir(const char *dir)
{
    int fd = g_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Puts the temporary file in place as <id>.programme. Without `replace` it
 * is link(2)ed, which fails when the name exists: whatever the table says,
 * a file this call did not write is never replaced. Returns FALSE with
 * *exists set when the name was taken on disk. */
static gboolean place_file(const char *tmp, const char *path, gboolean replace, gboolean *exists,
                           GError **error)
{
    *exists = FALSE;
    int rc = replace ? g_rename(tmp, path) : link(tmp, path);
    if (rc == 0)
        return TRUE;
    int e = errno;
    if (!replace && e == EEXIST) {
        *exists = TRUE;
        return FALSE;
    }
    g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot store the programme as %s: %s", path,
                g_strerror(e));
    return FALSE;
}

static void set_invalid_error(GPtrArray *diags, GError **error)
{
    GString *msg = g_string_new(NULL);
    guint shown = 0, errors = 0;
    for (guint i = 0; i < diags->len; i++) {
        const MpDiagnostic *d = diags->pdata[i];
        if (d->severity != MP_DIAG_ERROR)
            continue;
        if (errors++ >= MAX_QUOTED_DIAGNOSTICS)
            continue;
        g_autofree char *line = msd_diagnostic_format(d);
        if (msg->len)
            g_string_append_c(msg, '\n');
        g_string_append(msg, line);
        shown++;
    }
    if (errors > shown)
        g_string_append_printf(msg, "\n... and %u more errors", errors - shown);
    if (msg->len == 0)
        g_string_append(msg, "the programme is not valid");
    g_set_error_literal(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME, msg->str);
    g_string_free(msg, TRUE);
}

char *msd_programme_store_import_full(MsdProgrammeStore *store, const char *text,
                                      MsdImportFlags flags, GError **error)
{
    gboolean replace = (flags & MSD_IMPORT_REPLACE) != 0;
    gsize len = strlen(text);
    if (len > MP_PROGRAMME_MAX_SIZE) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                    "the programme is larger than %d bytes", MP_PROGRAMME_MAX_SIZE);
        return NULL;
    }
    /* D-Bus strings are valid UTF-8 without NUL; a caller inside the daemon
     * gets the parser's located diagnostic ("line 3: not valid UTF-8"). */
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = msd_programme_store_validate(store, text, diags);
    if (!p) {
        set_invalid_error(diags, error);
        return NULL;
    }

    g_autofree char *base = msd_programme_slug(p->name);
    if (replace) {
        MsdProgrammeEntry *old = g_hash_table_lookup(store->by_id, base);
        if (old && old->builtin) {
            g_set_error(error, MSD_ERROR, MSD_ERROR_PERMISSION_DENIED,
                        "\"%s\" is a built-in programme and cannot be replaced", base);
            return NULL;
        }
    }
    if (g_mkdir_with_parents(store->state_dir, 0755) != 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot create %s: %s", store->state_dir,
                    g_strerror(e));
        return NULL;
    }

    g_autofree char *id = g_strdup(base);
    guint n = 1;
    if (!replace) {
        while (id_taken(store, id)) {
            g_free(id);
            id = g_strdup_printf("%s-%u", base, ++n);
        }
    }
    g_autofree char *tmp = NULL;
    int fd = write_temp(store, id, text, &tmp, error);
    if (fd < 0)
        return NULL;
    g_autofree char *path = NULL;
    gboolean placed = FALSE;
    for (guint tries = 0; tries < 1000; tries++) {
        g_free(path);
        path = g_strdup_printf("%s/%s.programme", store->state_dir, id);
        gboolean exists = FALSE;
        placed = place_file(tmp, path, replace, &exists, error);
        if (placed || !exists)
            break;
        /* A file nobody listed (put there by hand since the start): taken. */
        g_hash_table_add(store->unloaded, g_strdup(id));
        while (id_taken(store, id)) {
            g_free(id);
            id = g_strdup_printf("%s-%u", base, ++n);
        }
    }
    if (!replace)
        g_unlink(tmp); /* the link holds the data now (or nothing was placed) */
    close(fd);
    if (!placed) {
        if (error && !*error)
            g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "no free id for \"%s\"", base);
        if (replace)
            g_unlink(tmp);
        return NULL;
    }
    sync_dir(store->state_dir);
    g_hash_table_remove(store->unloaded, id);
    MsdProgrammeEntry *e = entry_new(id, path, g_strdup(text), g_steal_pointer(&p), FALSE);
    g_hash_table_replace(store->by_id, e->id, e);
    msd_info("programme \"%s\" %s %s", id, replace ? "replaced at" : "imported to", path);
    return g_steal_pointer(&id);
}

char *msd_programme_store_import(MsdProgrammeStore *store, const char *text, GError **error)
{
    return msd_programme_store_import_full(store, text, MSD_IMPORT_NEW, error);
}

gboolean msd_programme_store_remove(MsdProgrammeStore *store, const char *id, GError **error)
{
    MsdProgrammeEntry *e = msd_programme_store_lookup(store, id, error);
    if (!e)
        return FALSE;
    if (e->builtin) {
        /* Not PermissionDenied: that says the caller lacks a right, and
         * massagectl would send them to their group (exit 8). */
        g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_SUPPORTED,
                    "\"%s\" is a built-in programme and cannot be removed", id);
        return FALSE;
    }
    if (g_unlink(e->path) != 0 && errno != ENOENT) {
        int err = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot remove %s: %s", e->path,
                    g_strerror(err));
        return FALSE;
    }
    msd_info("programme \"%s\" removed", id);
    g_hash_table_remove(store->by_id, id);
    return TRUE;
}
