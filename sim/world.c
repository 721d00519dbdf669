/* Parsing the world: --device specs and the config file share one key table,
 * so a key means the same in both and errors name the key and where it was. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world.h"

static void adapter_spec_free(gpointer p)
{
    SimAdapterSpec *a = p;
    g_free(a->name);
    g_free(a->address);
    g_free(a);
}

static void device_spec_free(gpointer p)
{
    SimDeviceSpec *d = p;
    g_free(d->driver);
    g_free(d->adapter);
    sim_device_config_clear(&d->cfg);
    g_free(d);
}

void sim_world_init(SimWorld *w)
{
    memset(w, 0, sizeof *w);
    w->adapters = g_ptr_array_new_with_free_func(adapter_spec_free);
    w->devices = g_ptr_array_new_with_free_func(device_spec_free);
    w->device_dirs = g_ptr_array_new_with_free_func(g_free);
    fake_bluez_timing_init(&w->timing);
}

void sim_world_clear(SimWorld *w)
{
    g_clear_pointer(&w->adapters, g_ptr_array_unref);
    g_clear_pointer(&w->devices, g_ptr_array_unref);
    g_clear_pointer(&w->device_dirs, g_ptr_array_unref);
    g_clear_pointer(&w->log_path, g_free);
}

gboolean sim_address_valid(const char *a)
{
    if (strlen(a) != 17)
        return FALSE;
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? a[i] != ':' : !g_ascii_isxdigit(a[i]))
            return FALSE;
    }
    return TRUE;
}

static gboolean parse_uint(const char *where, const char *key, const char *value, guint64 max,
                           guint *out, GError **error)
{
    guint64 v = 0;
    if (!value || !g_ascii_string_to_unsigned(value, 10, 0, max, &v, NULL)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "%s: %s=%s: expected a whole number 0..%" G_GUINT64_FORMAT, where, key,
                    value ? value : "(missing)", max);
        return FALSE;
    }
    *out = (guint)v;
    return TRUE;
}

static gboolean parse_bool(const char *where, const char *key, const char *value, gboolean *out,
                           GError **error)
{
    /* A bare flag ("refuse-connect") means true. */
    if (!value || g_str_equal(value, "true") || g_str_equal(value, "on") ||
        g_str_equal(value, "yes") || g_str_equal(value, "1")) {
        *out = TRUE;
        return TRUE;
    }
    if (g_str_equal(value, "false") || g_str_equal(value, "off") || g_str_equal(value, "no") ||
        g_str_equal(value, "0")) {
        *out = FALSE;
        return TRUE;
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: %s=%s: expected true or false", where, key, value);
    return FALSE;
}

static gboolean set_device_key(SimDeviceSpec *d, const char *where, const char *key,
                               const char *value, GError **error)
{
    SimDeviceConfig *c = &d->cfg;
    if (g_str_equal(key, "name") || g_str_equal(key, "address") || g_str_equal(key, "adapter") ||
        g_str_equal(key, "driver")) {
        if (!value || !*value) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: %s needs a value",
                        where, key);
            return FALSE;
        }
        if (g_str_equal(key, "name")) {
            g_free(c->name);
            c->name = g_strdup(value);
        } else if (g_str_equal(key, "address")) {
            if (!sim_address_valid(value)) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "%s: address=%s: expected a Bluetooth address like AA:BB:CC:DD:EE:FF",
                            where, value);
                return FALSE;
            }
            g_free(c->address);
            c->address = g_ascii_strup(value, -1);
        } else if (g_str_equal(key, "adapter")) {
            g_free(d->adapter);
            d->adapter = g_strdup(value);
        } else {
            g_free(d->driver);
            d->driver = g_strdup(value);
        }
        return TRUE;
    }
    if (g_str_equal(key, "rssi")) {
        gint64 v;
        if (!value || !g_ascii_string_to_signed(value, 10, -127, 20, &v, NULL)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "%s: rssi=%s: expected dBm -127..20", where, value ? value : "");
            return FALSE;
        }
        c->rssi = (int)v;
        return TRUE;
    }
    if (g_str_equal(key, "battery"))
        return parse_uint(where, key, value, 100, &c->battery, error);
    if (g_str_equal(key, "drain"))
        return parse_uint(where, key, value, 86400, &c->drain_s_per_pct, error);
    if (g_str_equal(key, "keepalive-timeout"))
        return parse_uint(where, key, value, 600000, &c->keepalive_timeout_ms, error);
    if (g_str_equal(key, "force-period"))
        return parse_uint(where, key, value, 600000, &c->force_period_ms, error) &&
               (c->force_period_ms > 0 ||
                (g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                             "%s: force-period must be above 0", where),
                 FALSE));
    if (g_str_equal(key, "write-delay"))
        return parse_uint(where, key, value, 600000, &c->write_delay_ms, error);
    if (g_str_equal(key, "drop-after"))
        return parse_uint(where, key, value, 86400000, &c->drop_after_ms, error);
    if (g_str_equal(key, "drop-connects"))
        return parse_uint(where, key, value, 1000, &c->drop_connects, error);
    if (g_str_equal(key, "stall-resolve"))
        return parse_uint(where, key, value, 1000, &c->stall_resolve, error);
    if (g_str_equal(key, "garbage-every"))
        return parse_uint(where, key, value, 86400000, &c->garbage_every_ms, error);
    if (g_str_equal(key, "powered"))
        return parse_bool(where, key, value, &c->powered, error);
    if (g_str_equal(key, "refuse-connect"))
        return parse_bool(where, key, value, &c->refuse_connect, error);
    if (g_str_equal(key, "fail-writes"))
        return parse_bool(where, key, value, &c->fail_writes, error);
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s: unknown key '%s' (known: name, address, adapter, rssi, battery, drain, "
                "keepalive-timeout, force-period, powered, refuse-connect, write-delay, "
                "fail-writes, drop-after, garbage-every, stall-resolve, drop-connects)",
                where, key);
    return FALSE;
}

static SimDeviceSpec *new_device(SimWorld *w)
{
    SimDeviceSpec *d = g_new0(SimDeviceSpec, 1);
    sim_device_config_init(&d->cfg);
    return d;
}

gboolean sim_world_add_device(SimWorld *w, const char *spec, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    if (!parts[0] || !*g_strstrip(parts[0])) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--device %s: starts with a driver name or a .device path", spec);
        return FALSE;
    }
    SimDeviceSpec *d = new_device(w);
    d->driver = g_strdup(parts[0]);
    g_autofree char *where = g_strdup_printf("--device %s", spec);
    for (char **p = parts + 1; *p; p++) {
        char *eq = strchr(*p, '=');
        g_autofree char *key = g_strstrip(eq ? g_strndup(*p, (gsize)(eq - *p)) : g_strdup(*p));
        if (!set_device_key(d, where, key, eq ? eq + 1 : NULL, error)) {
            device_spec_free(d);
            return FALSE;
        }
    }
    g_ptr_array_add(w->devices, d);
    return TRUE;
}

gboolean sim_world_add_adapter(SimWorld *w, const char *spec, GError **error)
{
    const char *eq = strchr(spec, '=');
    g_autofree char *name = eq ? g_strndup(spec, (gsize)(eq - spec)) : g_strdup(spec);
    guint64 index;
    if (!g_str_has_prefix(name, "hci") ||
        !g_ascii_string_to_unsigned(name + 3, 10, 0, 9, &index, NULL)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--adapter %s: expected hci0..hci9, optionally =ADDRESS", spec);
        return FALSE;
    }
    if (eq && !sim_address_valid(eq + 1)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--adapter %s: '%s' is not a Bluetooth address", spec, eq + 1);
        return FALSE;
    }
    for (guint i = 0; i < w->adapters->len; i++) {
        SimAdapterSpec *a = w->adapters->pdata[i];
        if (g_str_equal(a->name, name)) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--adapter %s: %s given twice", spec, name);
            return FALSE;
        }
    }
    SimAdapterSpec *a = g_new0(SimAdapterSpec, 1);
    a->name = g_steal_pointer(&name);
    /* btvirt's addresses, so logs look the same in the sim and the VM tier. */
    a->address = eq ? g_ascii_strup(eq + 1, -1)
                    : g_strdup_printf("00:AA:01:%02X:00:%02X", (guint)index, (guint)index);
    g_ptr_array_add(w->adapters, a);
    return TRUE;
}

static gboolean config_uint(GKeyFile *kf, const char *path, const char *key, guint max, guint *out,
                            GError **error)
{
    if (!g_key_file_has_key(kf, "Sim", key, NULL))
        return TRUE;
    g_autofree char *v = g_key_file_get_string(kf, "Sim", key, NULL);
    g_autofree char *where = g_strdup_printf("%s: [Sim]", path);
    return parse_uint(where, key, g_strstrip(v), max, out, error);
}

gboolean sim_world_load_config(SimWorld *w, const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, local->domain, local->code, "--config %s: %s", path, local->message);
        return FALSE;
    }
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (char **g = groups; *g; g++) {
        if (g_str_equal(*g, "Sim")) {
            g_auto(GStrv) keys = g_key_file_get_keys(kf, "Sim", NULL, NULL);
            static const char *const known[] = {
                "adapters",      "log",       "discovery-delay", "name-delay", "connect-delay",
                "resolve-delay", "race-1489", "race-delay",      "mtu",        "temporary-timeout",
                "device-dirs",   NULL};
            for (char **k = keys; *k; k++) {
                if (!g_strv_contains(known, *k)) {
                    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                                "%s: [Sim] unknown key '%s'", path, *k);
                    return FALSE;
                }
            }
            g_auto(GStrv) adapters = g_key_file_get_string_list(kf, "Sim", "adapters", NULL, NULL);
            for (char **a = adapters; a && *a; a++) {
                if (!sim_world_add_adapter(w, g_strstrip(*a), error)) {
                    g_prefix_error(error, "%s: [Sim] adapters: ", path);
                    return FALSE;
                }
            }
            g_auto(GStrv) dirs = g_key_file_get_string_list(kf, "Sim", "device-dirs", NULL, NULL);
            for (char **d = dirs; d && *d; d++)
                g_ptr_array_add(w->device_dirs, g_strdup(g_strstrip(*d)));
            if (g_key_file_has_key(kf, "Sim", "log", NULL) && !w->log_path)
                w->log_path = g_key_file_get_string(kf, "Sim", "log", NULL);
            guint mtu = w->timing.mtu;
            if (!config_uint(kf, path, "discovery-delay", 600000, &w->timing.discovery_delay_ms,
                             error) ||
                !config_uint(kf, path, "name-delay", 600000, &w->timing.name_delay_ms, error) ||
                !config_uint(kf, path, "connect-delay", 600000, &w->timing.connect_delay_ms,
                             error) ||
                !config_uint(kf, path, "resolve-delay", 600000, &w->timing.resolve_delay_ms,
                             error) ||
                !config_uint(kf, path, "race-delay", 600000, &w->timing.race_delay_ms, error) ||
                !config_uint(kf, path, "temporary-timeout", 3600000,
                             &w->timing.temporary_timeout_ms, error) ||
                !config_uint(kf, path, "mtu", 517, &mtu, error))
                return FALSE;
            if (mtu < 23) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "%s: [Sim] mtu=%u: the ATT MTU is at least 23", path, mtu);
                return FALSE;
            }
            w->timing.mtu = (guint16)mtu;
            if (g_key_file_has_key(kf, "Sim", "race-1489", NULL)) {
                g_autofree char *v = g_key_file_get_string(kf, "Sim", "race-1489", NULL);
                g_autofree char *where = g_strdup_printf("%s: [Sim]", path);
                if (!parse_bool(where, "race-1489", g_strstrip(v), &w->timing.race_1489, error))
                    return FALSE;
            }
        } else if (g_str_has_prefix(*g, "Device ")) {
            SimDeviceSpec *d = new_device(w);
            g_autofree char *where = g_strdup_printf("%s: [%s]", path, *g);
            g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
            for (char **k = keys; *k; k++) {
                g_autofree char *v = g_key_file_get_string(kf, *g, *k, NULL);
                if (!set_device_key(d, where, *k, v ? g_strstrip(v) : NULL, error)) {
                    device_spec_free(d);
                    return FALSE;
                }
            }
            if (!d->driver) {
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                            "%s: needs driver= (a driver name or a .device path)", where);
                device_spec_free(d);
                return FALSE;
            }
            g_ptr_array_add(w->devices, d);
        } else {
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                        "%s: unknown group [%s] (expected [Sim] or [Device NAME])", path, *g);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean sim_world_finish(SimWorld *w, GError **error)
{
    if (w->adapters->len == 0 && !sim_world_add_adapter(w, "hci0", error))
        return FALSE;
    guint unaddressed = 0;
    for (guint i = 0; i < w->devices->len; i++) {
        SimDeviceSpec *d = w->devices->pdata[i];
        /* Devices without an address get AA:BB:CC:DD:EE:FF, …:FE, … in order. */
        if (!d->cfg.address)
            d->cfg.address = g_strdup_printf("AA:BB:CC:DD:EE:%02X", 0xFF - (unaddressed++ & 0xff));
        if (d->adapter) {
            gboolean found = FALSE;
            for (guint j = 0; j < w->adapters->len; j++)
                found = found ||
                        g_str_equal(((SimAdapterSpec *)w->adapters->pdata[j])->name, d->adapter);
            if (!found) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "device %s: adapter=%s is not simulated (add --adapter %s)",
                            d->cfg.address, d->adapter, d->adapter);
                return FALSE;
            }
        }
    }
    return TRUE;
}
