/* Finding programmes by id for list, show and plot: massaged when it
 * answers, else the data directory (cli/programme-source.h). */
#include <string.h>

#include "cli/programme-source.h"
#include "common/names.h"
#include "massaged-api.h"
#include "protocol/driver.h"
#include "protocol/timeline.h"

#define PROGRAMME_SUFFIX ".programme"

struct _MctlProgrammeSource {
    MsdManager1 *manager; /* NULL: offline */
    char *dir;            /* <data_dir>/programmes */
    char *description;
};

void mctl_programme_info_free(MctlProgrammeInfo *info)
{
    if (!info)
        return;
    g_free(info->id);
    g_free(info->name);
    g_free(info->summary);
    g_free(info->kind);
    g_strfreev(info->sides);
    g_free(info);
}

/* The Manager1 proxy if massaged owns its name, else NULL and *why. Quiet:
 * not reaching the daemon is a normal case here, not an error. */
static MsdManager1 *connect_quietly(char **why)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!bus) {
        *why = g_strdup("the system bus is not reachable");
        return NULL;
    }
    /* Never auto-start: listing programmes must not start the daemon. */
    g_autoptr(MsdManager1) manager = msd_manager1_proxy_new_sync(
        bus,
        G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START | G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
            G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
        MSD_BUS_NAME, MSD_ROOT_PATH, NULL, &error);
    g_autofree char *owner = manager ? g_dbus_proxy_get_name_owner(G_DBUS_PROXY(manager)) : NULL;
    if (!owner) {
        *why = g_strdup("massaged is not running");
        return NULL;
    }
    return g_steal_pointer(&manager);
}

MctlProgrammeSource *mctl_programme_source_new(MctlContext *ctx)
{
    MctlProgrammeSource *src = g_new0(MctlProgrammeSource, 1);
    src->dir = g_build_filename(ctx->data_dir, "programmes", NULL);
    g_autofree char *why = NULL;
    if (ctx->data_dir_given)
        why = g_strdup("--data-dir or MASSAGED_DATA_DIR given");
    else
        src->manager = connect_quietly(&why);
    src->description = src->manager ? g_strdup("massaged")
                                    : g_strdup_printf("%s (%s; imported programmes are only "
                                                      "known to massaged)",
                                                      src->dir, why);
    return src;
}

void mctl_programme_source_free(MctlProgrammeSource *src)
{
    if (!src)
        return;
    g_clear_object(&src->manager);
    g_free(src->dir);
    g_free(src->description);
    g_free(src);
}

gboolean mctl_programme_source_is_daemon(const MctlProgrammeSource *src)
{
    return src->manager != NULL;
}

const char *mctl_programme_source_describe(const MctlProgrammeSource *src)
{
    return src->description;
}

const char *mctl_programme_source_kind(const MctlProgrammeSource *src)
{
    return src->manager ? "daemon" : "data-dir";
}

static GStrv sides_of(const MpProgramme *p)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (guint i = 0; i < p->n_sides && i < G_N_ELEMENTS(p->sides); i++)
        g_strv_builder_add(b, mp_side_to_string(p->sides[i]));
    return g_strv_builder_end(b);
}

static gint info_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(MctlProgrammeInfo *const *)a)->id, (*(MctlProgrammeInfo *const *)b)->id);
}

static GPtrArray *list_data_dir(MctlProgrammeSource *src, GPtrArray *diagnostics, GError **error)
{
    /* Read by the daemon's rule, against the default limits. */
    g_autoptr(GPtrArray) files = mp_programme_dir_load(src->dir, NULL, error);
    if (!files)
        return NULL;
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)mctl_programme_info_free);
    for (guint i = 0; i < files->len; i++) {
        MpProgrammeFile *f = files->pdata[i];
        /* A broken built-in is a packaging bug: the caller says so and lists the rest. */
        if (diagnostics)
            g_ptr_array_extend_and_steal(diagnostics, g_steal_pointer(&f->diagnostics));
        MpProgramme *p = f->programme;
        if (!p)
            continue;
        g_autoptr(MpTimeline) tl = mp_timeline_new(p);
        MctlProgrammeInfo *info = g_new0(MctlProgrammeInfo, 1);
        info->id = g_strdup(f->id);
        info->name = g_strdup(p->name);
        info->summary = g_strdup(p->summary);
        info->duration_ms = mp_timeline_duration(tl);
        info->origin = "built-in";
        info->kind = g_strdup(mp_device_kind_to_string(p->kind));
        info->sides = sides_of(p);
        g_ptr_array_add(out, info);
    }
    g_ptr_array_sort(out, info_cmp);
    return g_steal_pointer(&out);
}

static GPtrArray *list_daemon(MctlProgrammeSource *src, GError **error)
{
    g_autoptr(GVariant) list = NULL;
    if (!msd_manager1_call_list_programme_details_sync(src->manager, &list, NULL, error))
        return NULL;
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)mctl_programme_info_free);
    GVariantIter iter;
    g_variant_iter_init(&iter, list);
    for (GVariant *entry; (entry = g_variant_iter_next_value(&iter));) {
        g_autoptr(GVariantDict) d = g_variant_dict_new(entry);
        g_variant_unref(entry);
        MctlProgrammeInfo *info = g_new0(MctlProgrammeInfo, 1);
        const char *origin = NULL;
        g_variant_dict_lookup(d, "id", "s", &info->id);
        g_variant_dict_lookup(d, "name", "s", &info->name);
        g_variant_dict_lookup(d, "summary", "s", &info->summary);
        g_variant_dict_lookup(d, "duration_ms", "t", &info->duration_ms);
        g_variant_dict_lookup(d, "kind", "s", &info->kind);
        g_variant_dict_lookup(d, "sides", "^as", &info->sides);
        g_variant_dict_lookup(d, "origin", "&s", &origin);
        /* Strings the schema allows only; anything else the daemon never sends. */
        info->origin = g_strcmp0(origin, "imported") == 0 ? "imported" : "built-in";
        if (!info->id || !info->name || !info->kind || !info->sides) {
            mctl_programme_info_free(info);
            continue;
        }
        g_ptr_array_add(out, info);
    }
    return g_steal_pointer(&out);
}

GPtrArray *mctl_programme_source_list(MctlProgrammeSource *src, GPtrArray *diagnostics,
                                      GError **error)
{
    return src->manager ? list_daemon(src, error) : list_data_dir(src, diagnostics, error);
}

/* The daemon's GetProgramme answers NotFound for an unknown id; that and
 * only that becomes G_IO_ERROR_NOT_FOUND, so the caller can say where it looked. */
static gboolean is_not_found(const GError *error)
{
    g_autofree char *name = g_dbus_error_get_remote_error(error);
    return g_strcmp0(name, "org.massaged.Error.NotFound") == 0;
}

static const char *daemon_origin(MctlProgrammeSource *src, const char *id)
{
    g_autoptr(GPtrArray) list = list_daemon(src, NULL);
    for (guint i = 0; list && i < list->len; i++) {
        const MctlProgrammeInfo *info = list->pdata[i];
        if (g_str_equal(info->id, id))
            return info->origin;
    }
    return "built-in";
}

MpProgramme *mctl_programme_source_load(MctlProgrammeSource *src, const char *id,
                                        GPtrArray *diagnostics, const char **origin, GError **error)
{
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    if (!src->manager) {
        g_autofree char *file = g_strconcat(id, PROGRAMME_SUFFIX, NULL);
        g_autofree char *path = g_build_filename(src->dir, file, NULL);
        if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no programme '%s' in %s", id,
                        src->description);
            return NULL;
        }
        *origin = "built-in";
        return mp_programme_load_file(path, &limits, diagnostics);
    }
    g_autofree char *text = NULL;
    g_autoptr(GError) local = NULL;
    if (!msd_manager1_call_get_programme_sync(src->manager, id, &text, NULL, &local)) {
        if (is_not_found(local)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "no programme '%s' in massaged, built-in or imported", id);
            return NULL;
        }
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    *origin = daemon_origin(src, id);
    g_autofree char *source = g_strconcat("massaged:", id, NULL);
    return mp_programme_load(text, strlen(text), source, &limits, diagnostics);
}
