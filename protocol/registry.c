/* The driver registry: built-ins, then *.device files; one driver per name,
 * the one added last wins (so user directories override shipped files, and
 * a file may even replace a built-in driver by taking its name). */
#include <string.h>

#include "protocol/device-file.h"
#include "protocol/dir-files.h"
#include "protocol/frame-template.h"
#include "protocol/registry.h"
#include "protocol/suggest.h"

struct _MpRegistry {
    GPtrArray *drivers; /* MpDriver*, owned; built-ins first, in the order added */
};

MpRegistry *mp_registry_new(void)
{
    MpRegistry *r = g_new0(MpRegistry, 1);
    r->drivers = g_ptr_array_new_with_free_func((GDestroyNotify)mp_driver_unref);
    g_ptr_array_add(r->drivers, mp_driver_reference_new());
    g_ptr_array_add(r->drivers, mp_driver_theragun_new());
    g_ptr_array_add(r->drivers, mp_driver_lovense_new());
    return r;
}

void mp_registry_free(MpRegistry *registry)
{
    if (!registry)
        return;
    g_ptr_array_unref(registry->drivers);
    g_free(registry);
}

static gint find_index(MpRegistry *registry, const char *name)
{
    for (guint i = 0; i < registry->drivers->len; i++) {
        MpDriver *d = registry->drivers->pdata[i];
        if (g_str_equal(d->name, name))
            return (gint)i;
    }
    return -1;
}

void mp_registry_add(MpRegistry *registry, MpDriver *driver)
{
    gint i = find_index(registry, driver->name);
    mp_driver_ref(driver);
    if (i >= 0) {
        /* In place: a replaced built-in keeps its place in the list. */
        mp_driver_unref(registry->drivers->pdata[i]);
        registry->drivers->pdata[i] = driver;
    } else {
        g_ptr_array_add(registry->drivers, driver);
    }
}

void mp_registry_load_dir(MpRegistry *registry, const char *dir, GPtrArray *errors)
{
    g_autoptr(GError) error = NULL;
    /* Sorted, so two files claiming one name resolve the same way everywhere. */
    g_auto(GStrv) names = mp_dir_files(dir, ".device", &error);
    if (!names) {
        if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) && errors)
            g_ptr_array_add(errors,
                            g_error_new(MP_ERROR, MP_ERROR_INVALID, "%s: %s", dir, error->message));
        return;
    }
    for (guint i = 0; names[i]; i++) {
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        g_autoptr(GError) local = NULL;
        g_autoptr(MpDriver) driver = mp_device_file_load(path, &local);
        if (driver)
            mp_registry_add(registry, driver);
        else if (errors)
            g_ptr_array_add(errors, g_steal_pointer(&local));
    }
}

static gboolean looks_like_path(const char *s)
{
    return strchr(s, '/') || g_str_has_suffix(s, ".device");
}

MpDriver *mp_registry_lookup(MpRegistry *registry, const char *name_or_path, GError **error)
{
    if (looks_like_path(name_or_path))
        return mp_device_file_load(name_or_path, error);
    gint i = find_index(registry, name_or_path);
    if (i >= 0)
        return mp_driver_ref(registry->drivers->pdata[i]);

    g_autoptr(GPtrArray) names = g_ptr_array_new();
    for (guint k = 0; k < registry->drivers->len; k++)
        g_ptr_array_add(names, ((MpDriver *)registry->drivers->pdata[k])->name);
    g_ptr_array_add(names, NULL);
    const char *near = mp_suggest(name_or_path, (const char *const *)names->pdata);
    g_autofree char *all = g_strjoinv(", ", (char **)names->pdata);
    if (near)
        g_set_error(error, MP_ERROR, MP_ERROR_NOT_FOUND, "no driver '%s'; did you mean '%s'?",
                    name_or_path, near);
    else
        g_set_error(error, MP_ERROR, MP_ERROR_NOT_FOUND, "no driver '%s' (known: %s)", name_or_path,
                    all);
    return NULL;
}

MpDriver *mp_registry_match(MpRegistry *registry, const char *adv_name,
                            const char *const *service_uuids)
{
    MpDriver *best = NULL;
    guint best_score = 0;
    /* Ties go to the earlier driver: built-ins, then files in name order. */
    for (guint i = 0; i < registry->drivers->len; i++) {
        MpDriver *d = registry->drivers->pdata[i];
        guint score = mp_driver_match_score(d, adv_name, service_uuids);
        if (score > best_score) {
            best = d;
            best_score = score;
        }
    }
    return best;
}

static gint compare_drivers(gconstpointer a, gconstpointer b)
{
    const MpDriver *da = *(const MpDriver *const *)a, *db = *(const MpDriver *const *)b;
    gboolean ba = g_strcmp0(da->origin, "built-in") == 0;
    gboolean bb = g_strcmp0(db->origin, "built-in") == 0;
    if (ba != bb)
        return ba ? -1 : 1;
    if (ba)
        return 0; /* built-ins keep their stable order (the sort below is stable) */
    return strcmp(da->name, db->name);
}

GPtrArray *mp_registry_list(MpRegistry *registry)
{
    GPtrArray *list = g_ptr_array_sized_new(registry->drivers->len);
    for (guint i = 0; i < registry->drivers->len; i++)
        g_ptr_array_add(list, registry->drivers->pdata[i]);
    g_ptr_array_sort(list, compare_drivers);
    return list;
}

GStrv mp_registry_service_uuids(MpRegistry *registry)
{
    g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < registry->drivers->len; i++) {
        MpDriver *d = registry->drivers->pdata[i];
        if (!d->service_uuid)
            continue;
        g_autofree char *u = mp_uuid_normalise(d->service_uuid, NULL);
        if (!u)
            continue;
        gboolean seen = FALSE;
        for (guint k = 0; k < uuids->len && !seen; k++)
            seen = g_str_equal(uuids->pdata[k], u);
        if (!seen)
            g_ptr_array_add(uuids, g_steal_pointer(&u));
    }
    g_ptr_array_add(uuids, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&uuids), FALSE);
}
