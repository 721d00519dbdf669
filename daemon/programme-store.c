#include "daemon/programme-store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "protocol/timeline.h"

struct _MsdProgrammeStore {
    char *builtin_dir;
    char *state_dir; /* <statedir>/programmes */
    MpSafetyLimits limits;
    GHashTable *by_id; /* id -> MsdProgrammeEntry* (owned) */
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
    return s;
}

void msd_programme_store_free(MsdProgrammeStore *store)
{
    if (!store)
        return;
    g_hash_table_unref(store->by_id);
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

static void load_dir(MsdProgrammeStore *store, const char *dir_path, gboolean builtin)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    if (!dir) {
        if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            msd_warning("programme directory %s: %s", dir_path, error->message);
        return;
    }
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".programme"))
            continue;
        g_autofree char *id = g_strndup(name, strlen(name) - strlen(".programme"));
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        char *text = NULL;
        g_autoptr(GError) local = NULL;
        if (!g_file_get_contents(path, &text, NULL, &local)) {
            msd_warning("programme %s: %s", path, local->message);
            continue;
        }
        g_autoptr(GPtrArray) diags = mp_diagnostics_new();
        MpProgramme *p = mp_programme_load(text, strlen(text), path, &store->limits, diags);
        for (guint i = 0; i < diags->len; i++) {
            g_autofree char *line = mp_diagnostic_to_string(diags->pdata[i]);
            msd_warning("%s", line);
        }
        if (!p) {
            msd_warning("programme %s left out: it fails validation", path);
            g_free(text);
            continue;
        }
        if (g_hash_table_contains(store->by_id, id)) {
            msd_warning("programme %s left out: id \"%s\" is already taken", path, id);
            g_free(text);
            mp_programme_unref(p);
            continue;
        }
        MsdProgrammeEntry *e = entry_new(id, path, text, p, builtin);
        g_hash_table_insert(store->by_id, e->id, e);
    }
}

void msd_programme_store_load(MsdProgrammeStore *store)
{
    g_hash_table_remove_all(store->by_id);
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
    if (!e)
        g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_FOUND, "no programme \"%s\"", id);
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

char *msd_programme_store_import(MsdProgrammeStore *store, const char *text, GError **error)
{
    if (!g_utf8_validate(text, -1, NULL)) {
        g_set_error_literal(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME,
                            "the programme text is not valid UTF-8");
        return NULL;
    }
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = msd_programme_store_validate(store, text, diags);
    if (!p) {
        GString *msg = g_string_new(NULL);
        for (guint i = 0; i < diags->len; i++) {
            const MpDiagnostic *d = diags->pdata[i];
            if (d->severity != MP_DIAG_ERROR)
                continue;
            g_autofree char *line = msd_diagnostic_format(d);
            if (msg->len)
                g_string_append_c(msg, '\n');
            g_string_append(msg, line);
        }
        if (msg->len == 0)
            g_string_append(msg, "the programme is not valid");
        g_set_error_literal(error, MSD_ERROR, MSD_ERROR_INVALID_PROGRAMME, msg->str);
        g_string_free(msg, TRUE);
        return NULL;
    }

    g_autofree char *base = msd_programme_slug(p->name);
    g_autofree char *id = g_strdup(base);
    for (guint n = 2; g_hash_table_contains(store->by_id, id); n++) {
        g_free(id);
        id = g_strdup_printf("%s-%u", base, n);
    }

    if (g_mkdir_with_parents(store->state_dir, 0755) != 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot create %s: %s", store->state_dir,
                    g_strerror(e));
        return NULL;
    }
    g_autofree char *path = g_strdup_printf("%s/%s.programme", store->state_dir, id);
    g_autoptr(GError) local = NULL;
    /* Atomic: a temporary file renamed over the target, so a crash never
     * leaves half a programme behind. */
    if (!g_file_set_contents_full(path, text, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0644, &local)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot store the programme: %s",
                    local->message);
        return NULL;
    }
    MsdProgrammeEntry *e = entry_new(id, path, g_strdup(text), g_steal_pointer(&p), FALSE);
    g_hash_table_insert(store->by_id, e->id, e);
    msd_info("programme \"%s\" imported to %s", id, path);
    return g_steal_pointer(&id);
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
