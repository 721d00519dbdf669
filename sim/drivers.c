/* The registry when protocol/ has one; the built-in constructors otherwise
 * (the registry and the drivers are written in parallel with the sim). */
#include "config.h"
#include "sim/drivers.h"

#ifdef HAVE_MP_REGISTRY
#include "protocol/registry.h"
#endif

struct _SimDrivers {
#ifdef HAVE_MP_REGISTRY
    MpRegistry *registry;
#else
    int unused;
#endif
};

SimDrivers *sim_drivers_new(GPtrArray *extra_dirs)
{
    SimDrivers *d = g_new0(SimDrivers, 1);
#ifdef HAVE_MP_REGISTRY
    d->registry = mp_registry_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    const char *dirs[] = {MASSAGED_SOURCE_DATADIR "/devices", MASSAGED_DATADIR "/devices",
                          MASSAGED_SYSCONFDIR "/devices"};
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++)
        mp_registry_load_dir(d->registry, dirs[i], errors);
    for (guint i = 0; extra_dirs && i < extra_dirs->len; i++)
        mp_registry_load_dir(d->registry, extra_dirs->pdata[i], errors);
    for (guint i = 0; i < errors->len; i++)
        g_printerr("massage-sim: warning: %s\n", ((GError *)errors->pdata[i])->message);
#else
    (void)extra_dirs;
#endif
    return d;
}

void sim_drivers_free(SimDrivers *d)
{
    if (!d)
        return;
#ifdef HAVE_MP_REGISTRY
    mp_registry_free(d->registry);
#endif
    g_free(d);
}

MpDriver *sim_drivers_lookup(SimDrivers *d, const char *name, GError **error)
{
#ifdef HAVE_MP_REGISTRY
    return mp_registry_lookup(d->registry, name, error);
#elif defined(HAVE_BUILTIN_DRIVERS)
    if (g_str_equal(name, "reference"))
        return mp_driver_reference_new();
    if (g_str_equal(name, "theragun"))
        return mp_driver_theragun_new();
    if (g_str_equal(name, "lovense"))
        return mp_driver_lovense_new();
    g_set_error(error, MP_ERROR, MP_ERROR_NOT_FOUND,
                "no driver '%s' (built in: reference, theragun, lovense)", name);
    return NULL;
#else
    g_set_error(error, MP_ERROR, MP_ERROR_NOT_FOUND,
                "no driver '%s': this build has no protocol drivers", name);
    return NULL;
#endif
}
