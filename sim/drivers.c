/* The drivers a simulated device can speak: protocol/'s registry, with the
 * source tree's, the installed and the administrator's *.device files. */
#include "config.h"
#include "sim/drivers.h"

#include "protocol/registry.h"

struct _SimDrivers {
    MpRegistry *registry;
};

SimDrivers *sim_drivers_new(GPtrArray *extra_dirs)
{
    SimDrivers *d = g_new0(SimDrivers, 1);
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
    return d;
}

void sim_drivers_free(SimDrivers *d)
{
    if (!d)
        return;
    mp_registry_free(d->registry);
    g_free(d);
}

MpDriver *sim_drivers_lookup(SimDrivers *d, const char *name, GError **error)
{
    return mp_registry_lookup(d->registry, name, error);
}
