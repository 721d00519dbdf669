#include "daemon/driver-set.h"

#ifdef HAVE_MP_REGISTRY
#include "protocol/registry.h"

struct _MsdDriverSet {
    MpRegistry *registry;
};

MsdDriverSet *msd_driver_set_new(void)
{
    MsdDriverSet *set = g_new0(MsdDriverSet, 1);
    set->registry = mp_registry_new();
    return set;
}

void msd_driver_set_free(MsdDriverSet *set)
{
    if (!set)
        return;
    mp_registry_free(set->registry);
    g_free(set);
}

void msd_driver_set_load_dir(MsdDriverSet *set, const char *dir, GPtrArray *errors)
{
    mp_registry_load_dir(set->registry, dir, errors);
}

MpDriver *msd_driver_set_match(MsdDriverSet *set, const char *name, const char *const *uuids)
{
    return mp_registry_match(set->registry, name, uuids);
}

GPtrArray *msd_driver_set_list(MsdDriverSet *set)
{
    return mp_registry_list(set->registry);
}

GStrv msd_driver_set_service_uuids(MsdDriverSet *set)
{
    return mp_registry_service_uuids(set->registry);
}

#else /* the built-in drivers only */

#include "protocol/mp-error.h"

struct _MsdDriverSet {
    GPtrArray *drivers; /* MpDriver*, owned */
};

MsdDriverSet *msd_driver_set_new(void)
{
    MsdDriverSet *set = g_new0(MsdDriverSet, 1);
    set->drivers = g_ptr_array_new_with_free_func((GDestroyNotify)mp_driver_unref);
    g_ptr_array_add(set->drivers, mp_driver_reference_new());
    g_ptr_array_add(set->drivers, mp_driver_theragun_new());
    g_ptr_array_add(set->drivers, mp_driver_lovense_new());
    return set;
}

void msd_driver_set_free(MsdDriverSet *set)
{
    if (!set)
        return;
    g_ptr_array_unref(set->drivers);
    g_free(set);
}

void msd_driver_set_load_dir(MsdDriverSet *set, const char *dir, GPtrArray *errors)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        if (g_str_has_suffix(name, ".device") && errors)
            g_ptr_array_add(errors,
                            g_error_new(MP_ERROR, MP_ERROR_UNSUPPORTED,
                                        "%s/%s: this build has no device-file support", dir, name));
    }
}

MpDriver *msd_driver_set_match(MsdDriverSet *set, const char *name, const char *const *uuids)
{
    MpDriver *best = NULL;
    guint best_score = 0;
    for (guint i = 0; i < set->drivers->len; i++) {
        guint score = mp_driver_match_score(set->drivers->pdata[i], name, uuids);
        if (score > best_score) {
            best = set->drivers->pdata[i];
            best_score = score;
        }
    }
    return best;
}

GPtrArray *msd_driver_set_list(MsdDriverSet *set)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < set->drivers->len; i++)
        g_ptr_array_add(out, set->drivers->pdata[i]);
    return out;
}

GStrv msd_driver_set_service_uuids(MsdDriverSet *set)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (guint i = 0; i < set->drivers->len; i++) {
        const MpDriver *d = set->drivers->pdata[i];
        if (d->service_uuid)
            g_strv_builder_add(b, d->service_uuid);
    }
    return g_strv_builder_end(b);
}

#endif
