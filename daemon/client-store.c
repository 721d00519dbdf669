/* The client-profile store. See client-store.h. */
#include "daemon/client-store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/msd-error.h"
#include "daemon/programme-store.h"
#include "protocol/dir-files.h"
#include "protocol/text-file.h"
#include "protocol/timespan.h"

struct _MsdClientStore {
    char *dir; /* <statedir>/clients */
    MpSafetyLimits limits;
    GHashTable *by_label; /* label -> MpClientProfile* (owned) */
};

MsdClientStore *msd_client_store_new(const char *state_dir, const MpSafetyLimits *limits)
{
    MsdClientStore *s = g_new0(MsdClientStore, 1);
    s->dir = g_build_filename(state_dir, "clients", NULL);
    s->limits = *limits;
    s->by_label = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                        (GDestroyNotify)mp_client_profile_free);
    return s;
}

void msd_client_store_free(MsdClientStore *s)
{
    if (!s)
        return;
    g_hash_table_unref(s->by_label);
    g_free(s->dir);
    g_free(s);
}

/* Format and limits; every error as "line N: [Client] Key: message". */
static MpClientProfile *validate(MsdClientStore *s, const char *text, gsize len, const char *source,
                                 GString *errors)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpClientProfile) p = mp_client_profile_parse(text, len, source, diags);
    if (p)
        mp_client_profile_check_limits(p, &s->limits, source, diags);
    for (guint i = 0; i < diags->len; i++) {
        g_autofree char *line = msd_diagnostic_format(diags->pdata[i]);
        if (errors->len)
            g_string_append_c(errors, '\n');
        g_string_append(errors, line);
    }
    return mp_diagnostics_have_errors(diags) ? NULL : g_steal_pointer(&p);
}

void msd_client_store_load(MsdClientStore *s)
{
    g_hash_table_remove_all(s->by_label);
    g_autoptr(GError) error = NULL;
    /* The files by the rule every loader uses (protocol/dir-files.h): in byte
     * order, so which ones a full store leaves out is always the same. */
    g_auto(GStrv) names = mp_dir_files(s->dir, ".client", &error);
    if (!names) {
        if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            msd_warning("client profiles %s: %s", s->dir, error->message);
        return;
    }
    for (guint i = 0; names[i]; i++) {
        const char *name = names[i];
        g_autofree char *path = g_build_filename(s->dir, name, NULL);
        g_autofree char *stem = g_strndup(name, strlen(name) - strlen(".client"));
        if (g_hash_table_size(s->by_label) >= MSD_CLIENT_STORE_MAX) {
            msd_warning("client profile %s left out: more than %d profiles", path,
                        MSD_CLIENT_STORE_MAX);
            continue;
        }
        g_autofree char *text = NULL;
        gsize len = 0;
        g_autoptr(GError) local = NULL;
        /* Bounded, and a FIFO or device put there is refused unread. */
        if (!mp_text_file_read(path, MP_CLIENT_MAX_SIZE, &text, &len, &local)) {
            msd_warning("client profile left out (kept on disk): %s", local->message);
            continue;
        }
        g_autoptr(GString) errors = g_string_new(NULL);
        g_autoptr(MpClientProfile) p = validate(s, text, len, path, errors);
        if (!p) {
            msd_warning("client profile %s left out (kept on disk):\n%s", path, errors->str);
            continue;
        }
        if (!g_str_equal(p->label, stem)) {
            msd_warning("client profile %s left out: its Label is \"%s\"", path, p->label);
            continue;
        }
        MpClientProfile *owned = g_steal_pointer(&p);
        g_hash_table_insert(s->by_label, owned->label, owned);
    }
    msd_info("client profiles: %u loaded from %s", g_hash_table_size(s->by_label), s->dir);
}

static gint compare_labels(gconstpointer a, gconstpointer b)
{
    const MpClientProfile *x = *(MpClientProfile *const *)a;
    const MpClientProfile *y = *(MpClientProfile *const *)b;
    return strcmp(x->label, y->label);
}

GPtrArray *msd_client_store_list(MsdClientStore *s)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, s->by_label);
    while (g_hash_table_iter_next(&it, NULL, &v))
        g_ptr_array_add(out, v);
    g_ptr_array_sort(out, compare_labels);
    return out;
}

const MpClientProfile *msd_client_store_lookup(MsdClientStore *s, const char *label, GError **error)
{
    g_autoptr(GError) bad = NULL;
    if (!mp_client_label_check(label, &bad)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, "client label: %s", bad->message);
        return NULL;
    }
    const MpClientProfile *p = g_hash_table_lookup(s->by_label, label);
    if (!p)
        g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_FOUND, "no client profile \"%s\"", label);
    return p;
}

char *msd_client_store_save(MsdClientStore *s, const char *text, gboolean replace, GError **error)
{
    g_autoptr(GString) errors = g_string_new(NULL);
    g_autoptr(MpClientProfile) p = validate(s, text, strlen(text), "<text>", errors);
    if (!p) {
        g_set_error_literal(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS, errors->str);
        return NULL;
    }
    gboolean exists = g_hash_table_contains(s->by_label, p->label);
    if (exists && !replace) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS,
                    "a client profile \"%s\" exists already (edit it instead)", p->label);
        return NULL;
    }
    if (!exists && replace) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_FOUND, "no client profile \"%s\" to replace",
                    p->label);
        return NULL;
    }
    if (!exists && g_hash_table_size(s->by_label) >= MSD_CLIENT_STORE_MAX) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED,
                    "the store holds %d client profiles already, the most it keeps",
                    MSD_CLIENT_STORE_MAX);
        return NULL;
    }
    if (g_mkdir_with_parents(s->dir, 0700) != 0) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot create %s: %s", s->dir,
                    g_strerror(e));
        return NULL;
    }
    /* The canonical text: what is stored is what export shows. Written to a
     * temporary file renamed over the old one: the old profile stays whole
     * until the new one is on disk. Mode 0600: it may name a person. */
    g_autofree char *canonical = mp_client_profile_to_text(p);
    g_autofree char *path = g_strdup_printf("%s/%s.client", s->dir, p->label);
    g_autoptr(GError) local = NULL;
    if (!g_file_set_contents_full(path, canonical, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &local)) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot store the client profile: %s",
                    local->message);
        return NULL;
    }
    char *label = g_strdup(p->label);
    MpClientProfile *owned = g_steal_pointer(&p);
    g_hash_table_replace(s->by_label, owned->label, owned);
    msd_info("client profile \"%s\" %s in %s", label, exists ? "replaced" : "added", path);
    return label;
}

gboolean msd_client_store_remove(MsdClientStore *s, const char *label, GError **error)
{
    if (!msd_client_store_lookup(s, label, error))
        return FALSE;
    g_autofree char *path = g_strdup_printf("%s/%s.client", s->dir, label);
    if (g_unlink(path) != 0 && errno != ENOENT) {
        int e = errno;
        g_set_error(error, MSD_ERROR, MSD_ERROR_FAILED, "cannot remove %s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    g_hash_table_remove(s->by_label, label);
    msd_info("client profile \"%s\" removed", label);
    return TRUE;
}

char *msd_client_profile_summary(const MpClientProfile *p)
{
    GString *out = g_string_new(NULL);
    if (p->max_intensity >= 0) {
        g_autofree char *v = mp_percent_format(p->max_intensity);
        g_string_append_printf(out, "max %s", v);
    }
    if (p->max_session_ms > 0) {
        g_autofree char *v = mp_timespan_format(p->max_session_ms);
        g_string_append_printf(out, "%sat most %s", out->len ? ", " : "", v);
    }
    GString *left_out = g_string_new(NULL);
    for (int i = MP_SIDE_LEFT; i <= MP_SIDE_RIGHT; i++)
        if (p->exclude_side[i])
            g_string_append_printf(left_out, "%s%s side", left_out->len ? ", " : "",
                                   mp_side_to_string(i));
    for (int i = 1; i < (int)G_N_ELEMENTS(p->exclude_muscle); i++)
        if (p->exclude_muscle[i])
            g_string_append_printf(left_out, "%s%s", left_out->len ? ", " : "",
                                   mp_muscle_to_string(i));
    for (int i = 1; i < (int)G_N_ELEMENTS(p->exclude_zone); i++)
        if (p->exclude_zone[i])
            g_string_append_printf(left_out, "%s%s zone", left_out->len ? ", " : "",
                                   mp_zone_to_string(i));
    if (left_out->len)
        g_string_append_printf(out, "%sleaves out %s", out->len ? ", " : "", left_out->str);
    g_string_free(left_out, TRUE);
    if (!out->len)
        g_string_append(out, "no limits of its own");
    return g_string_free(out, FALSE);
}
