/* Reaching massaged on the system bus. */
#include <string.h>

#include "cli/client.h"
#include "common/error.h"
#include "common/names.h"

#define DAEMON_HINT                                                                                \
    "Is massaged running? Start it with 'systemctl start massaged' (or see 'massaged --help')."

/* What each massaged error means to a person at a shell, by code: the names
 * themselves are common/error.c's one table, so a renamed or added error
 * cannot drift from what the daemon sends. Indexed by MsdError, one row per
 * code (checked below), so a new code must get its exit code here. */
static const struct {
    int exit_code;
    const char *hint;
} massaged_errors[] = {
    [MSD_ERROR_FAILED] = {MCTL_EXIT_FAILURE, NULL},
    [MSD_ERROR_NOT_CONNECTED] = {MCTL_EXIT_NOT_CONNECTED,
                                 "Connect the device first: 'massagectl connect DEV'."},
    [MSD_ERROR_BUSY] = {MCTL_EXIT_BUSY, NULL},
    [MSD_ERROR_INVALID_PROGRAMME] = {MCTL_EXIT_INVALID, NULL},
    [MSD_ERROR_NOT_FOUND] = {MCTL_EXIT_NOT_FOUND, NULL},
    /* The daemon's message names the polkit action that is missing. */
    [MSD_ERROR_PERMISSION_DENIED] =
        {MCTL_EXIT_PERMISSION,
         "Members of group 'massage' hold every action ('usermod -aG massage USER', then log in "
         "again); the person at the console may control without it (docs/security.md)."},
    [MSD_ERROR_INVALID_ARGS] = {MCTL_EXIT_INVALID, NULL},
    [MSD_ERROR_NOT_SUPPORTED] = {MCTL_EXIT_INVALID, NULL},
    [MSD_ERROR_CONFIG] = {MCTL_EXIT_FAILURE, NULL},
};
G_STATIC_ASSERT(G_N_ELEMENTS(massaged_errors) == MSD_ERROR_N_CODES);

#define ACCESS_DENIED_HINT                                                                         \
    "The D-Bus policy (org.massaged.conf) refused this call: only root and group 'massage' may "   \
    "make it ('usermod -aG massage USER')."
#define GONE_HINT "The device or session went away; run 'massagectl status'."

/* The bus's own errors (the dbus-daemon's and GDBus's), which are not ours
 * to put in common/error.c. */
static const struct {
    const char *dbus_name;
    int exit_code;
    const char *hint;
} bus_errors[] = {
    {"org.freedesktop.DBus.Error.AccessDenied", MCTL_EXIT_PERMISSION, ACCESS_DENIED_HINT},
    {"org.freedesktop.DBus.Error.ServiceUnknown", MCTL_EXIT_UNREACHABLE, DAEMON_HINT},
    {"org.freedesktop.DBus.Error.NameHasNoOwner", MCTL_EXIT_UNREACHABLE, DAEMON_HINT},
    {"org.freedesktop.DBus.Error.NoReply", MCTL_EXIT_UNREACHABLE, DAEMON_HINT},
    {"org.freedesktop.DBus.Error.Disconnected", MCTL_EXIT_UNREACHABLE, DAEMON_HINT},
    {"org.freedesktop.DBus.Error.UnknownObject", MCTL_EXIT_NOT_FOUND, GONE_HINT},
    {"org.freedesktop.DBus.Error.UnknownMethod", MCTL_EXIT_NOT_FOUND, GONE_HINT},
    {"org.freedesktop.DBus.Error.InvalidArgs", MCTL_EXIT_INVALID, NULL},
};

static int lookup_error(const GError *error, const char **hint)
{
    *hint = NULL;
    g_autofree char *name = g_dbus_error_get_remote_error(error);
    if (name) {
        MsdError code;
        if (msd_error_from_dbus_name(name, &code)) {
            *hint = massaged_errors[code].hint;
            /* A row left out in the middle would read as 0: never "success". */
            return massaged_errors[code].exit_code ? massaged_errors[code].exit_code
                                                   : MCTL_EXIT_FAILURE;
        }
        for (gsize i = 0; i < G_N_ELEMENTS(bus_errors); i++) {
            if (g_str_equal(name, bus_errors[i].dbus_name)) {
                *hint = bus_errors[i].hint;
                return bus_errors[i].exit_code;
            }
        }
        return MCTL_EXIT_FAILURE;
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
        g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED)) {
        *hint = DAEMON_HINT;
        return MCTL_EXIT_UNREACHABLE;
    }
    if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)) {
        *hint = ACCESS_DENIED_HINT;
        return MCTL_EXIT_PERMISSION;
    }
    return MCTL_EXIT_FAILURE;
}

int mctl_exit_for_dbus_error(const GError *error)
{
    const char *hint;
    return lookup_error(error, &hint);
}

int mctl_fail_dbus(MctlContext *ctx, const GError *error, const char *what)
{
    return mctl_fail_dbus_hint(ctx, error, what, NULL);
}

int mctl_fail_dbus_hint(MctlContext *ctx, const GError *error, const char *what,
                        const char *own_hint)
{
    const char *hint;
    int code = lookup_error(error, &hint);
    if (own_hint)
        hint = own_hint;
    g_autoptr(GError) copy = g_error_copy(error);
    g_dbus_error_strip_remote_error(copy);
    const char *message = copy->message;
    if (what)
        return mctl_fail(ctx, code, hint, "%s: %s", what, message);
    return mctl_fail(ctx, code, hint, "%s", message);
}

MctlClient *mctl_client_new(MctlContext *ctx, int *rc)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MctlClient) c = g_new0(MctlClient, 1);

    c->bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!c->bus) {
        *rc = mctl_fail(ctx, MCTL_EXIT_UNREACHABLE,
                        "Is the D-Bus system bus running? (DBUS_SYSTEM_BUS_ADDRESS may point "
                        "elsewhere.)",
                        "cannot reach the system bus: %s", error->message);
        return NULL;
    }
    /* Do not auto-start: a status query must not start the daemon, and the
     * error must say plainly that it is not running. */
    c->objects = msd_object_manager_client_new_sync(
        c->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START, MSD_BUS_NAME, MSD_ROOT_PATH,
        NULL, &error);
    if (!c->objects) {
        *rc = mctl_fail_dbus(ctx, error, "cannot reach massaged");
        return NULL;
    }
    g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(c->objects));
    if (!owner) {
        *rc = mctl_fail(ctx, MCTL_EXIT_UNREACHABLE, DAEMON_HINT,
                        "massaged is not running (nobody owns org.massaged on the system bus)");
        return NULL;
    }
    c->manager = msd_manager1_proxy_new_sync(c->bus, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                             MSD_BUS_NAME, MSD_ROOT_PATH, NULL, &error);
    if (!c->manager) {
        *rc = mctl_fail_dbus(ctx, error, "cannot reach massaged");
        return NULL;
    }
    /* Calls such as Start may wait for a connection: allow longer than the default. */
    g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(c->manager), 60000);
    return g_steal_pointer(&c);
}

void mctl_client_free(MctlClient *c)
{
    if (!c)
        return;
    g_clear_object(&c->manager);
    g_clear_object(&c->objects);
    g_clear_object(&c->bus);
    g_free(c);
}

MctlClient *mctl_begin(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args, int *rc)
{
    if (!mctl_parse_args(ctx, argc, argv, args, rc))
        return NULL;
    return mctl_client_new(ctx, rc);
}

MsdDevice1 *mctl_begin_device(MctlContext *ctx, int *argc, char ***argv, const MctlArgs *args,
                              MctlClient **client, int *rc)
{
    *client = mctl_begin(ctx, argc, argv, args, rc);
    if (!*client)
        return NULL;
    return mctl_client_find_device(*client, ctx, *argc > 1 ? (*argv)[1] : NULL, rc);
}

int mctl_export_from_daemon(MctlContext *ctx, int argc, char **argv, const MctlArgs *args,
                            MctlGetTextFunc get, const char *key, int mode)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *output = NULL;
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to FILE (never overwritten)",
         "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    MctlArgs with_output = *args;
    with_output.entries = entries;
    g_autoptr(MctlClient) c = mctl_begin(ctx, &argc, &argv, &with_output, &rc);
    if (!c)
        return rc;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!get(c->manager, argv[1], &text, NULL, &error))
        return mctl_fail_dbus(ctx, error, NULL);
    return mctl_export_text(ctx, key, argv[1], text, output, mode);
}

gboolean mctl_device_refresh(MctlContext *ctx, MsdDevice1 *d, int *rc)
{
    g_autoptr(GError) error = NULL;
    if (mctl_proxy_refresh(G_DBUS_PROXY(d), &error))
        return TRUE;
    *rc = mctl_fail_dbus(ctx, error, "cannot read the device's state");
    return FALSE;
}

static gint compare_devices(gconstpointer a, gconstpointer b)
{
    MsdDevice1 *da = *(MsdDevice1 *const *)a, *db = *(MsdDevice1 *const *)b;
    return g_strcmp0(msd_device1_get_address(da), msd_device1_get_address(db));
}

/* The proxies of every object that has `interface` (new references). */
static GPtrArray *proxies_of(MctlClient *client, const char *interface)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_object_unref);
    GList *objects = g_dbus_object_manager_get_objects(client->objects);
    for (GList *l = objects; l; l = l->next) {
        GDBusInterface *proxy = g_dbus_object_get_interface(l->data, interface);
        if (proxy)
            g_ptr_array_add(out, proxy);
    }
    g_list_free_full(objects, g_object_unref);
    return out;
}

GPtrArray *mctl_client_devices(MctlClient *client)
{
    GPtrArray *out = proxies_of(client, MSD_DEVICE_IFACE);
    g_ptr_array_sort(out, compare_devices);
    return out;
}

GPtrArray *mctl_client_sessions(MctlClient *client)
{
    return proxies_of(client, MSD_SESSION_IFACE);
}

MsdDevice1 *mctl_client_device_at(MctlClient *client, const char *path)
{
    g_autoptr(GDBusObject) obj = g_dbus_object_manager_get_object(client->objects, path);
    return obj ? msd_object_get_device1(MSD_OBJECT(obj)) : NULL;
}

MsdSession1 *mctl_client_session_at(MctlClient *client, const char *path)
{
    g_autoptr(GDBusObject) obj = g_dbus_object_manager_get_object(client->objects, path);
    return obj ? msd_object_get_session1(MSD_OBJECT(obj)) : NULL;
}

static gboolean prefix_match(const char *value, const char *prefix)
{
    return value && g_ascii_strncasecmp(value, prefix, strlen(prefix)) == 0;
}

MsdDevice1 *mctl_client_find_device(MctlClient *client, MctlContext *ctx, const char *dev, int *rc)
{
    g_autoptr(GPtrArray) devices = mctl_client_devices(client);
    if (!dev) {
        MsdDevice1 *only = NULL;
        guint connected = 0;
        for (guint i = 0; i < devices->len; i++) {
            if (msd_device1_get_connected(devices->pdata[i])) {
                only = devices->pdata[i];
                connected++;
            }
        }
        if (connected == 1)
            return g_object_ref(only);
        *rc =
            mctl_fail(ctx, connected ? MCTL_EXIT_USAGE : MCTL_EXIT_NOT_CONNECTED,
                      connected ? "Name one: see 'massagectl devices'."
                                : "Find and connect one: 'massagectl scan', then "
                                  "'massagectl connect DEV'.",
                      connected ? "%u devices are connected; which one?" : "no device is connected",
                      connected);
        return NULL;
    }
    /* An exact address or name wins over prefixes. */
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        if (g_ascii_strcasecmp(msd_device1_get_address(d), dev) == 0 ||
            g_strcmp0(msd_device1_get_name(d), dev) == 0)
            return g_object_ref(d);
    }
    MsdDevice1 *found = NULL;
    guint matches = 0;
    for (guint i = 0; i < devices->len; i++) {
        MsdDevice1 *d = devices->pdata[i];
        if (prefix_match(msd_device1_get_address(d), dev) ||
            prefix_match(msd_device1_get_name(d), dev)) {
            found = d;
            matches++;
        }
    }
    if (matches == 1)
        return g_object_ref(found);
    if (matches == 0)
        *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND,
                        "See 'massagectl devices'; 'massagectl scan' finds new ones.",
                        "no device matches '%s'", dev);
    else
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, "Give more of the address or name.",
                        "'%s' matches %u devices", dev, matches);
    return NULL;
}

MsdSession1 *mctl_client_find_session(MctlClient *client, MctlContext *ctx, const char *dev,
                                      int *rc)
{
    if (dev) {
        g_autoptr(MsdDevice1) d = mctl_client_find_device(client, ctx, dev, rc);
        if (!d)
            return NULL;
        const char *path = msd_device1_get_session(d);
        MsdSession1 *s =
            path && !g_str_equal(path, "/") ? mctl_client_session_at(client, path) : NULL;
        if (!s)
            *rc = mctl_fail(ctx, MCTL_EXIT_NOT_FOUND, NULL, "no session is playing on %s",
                            msd_device1_get_name(d));
        return s;
    }
    g_autoptr(GPtrArray) sessions = mctl_client_sessions(client);
    MsdSession1 *live = NULL;
    guint n = 0;
    for (guint i = 0; i < sessions->len; i++) {
        if (g_strcmp0(msd_session1_get_state(sessions->pdata[i]), "finished") != 0) {
            live = sessions->pdata[i];
            n++;
        }
    }
    if (n == 1)
        return g_object_ref(live);
    *rc = mctl_fail(ctx, n ? MCTL_EXIT_USAGE : MCTL_EXIT_NOT_FOUND,
                    n ? "Name the device: e.g. 'massagectl pause DEV'."
                      : "Start one: 'massagectl start PROGRAMME'.",
                    n ? "%u sessions are playing; which one?" : "no session is playing", n);
    return NULL;
}

char *mctl_pause_reason_words(MsdSession1 *s)
{
    const char *why = msd_session1_get_pause_reason(s);
    if (!why || !*why)
        return NULL;
    if (g_str_equal(why, "device-stopped"))
        return g_strdup("paused: the device stopped itself (its button or its watchdog); "
                        "`massagectl resume` to go on");
    if (g_str_equal(why, "user"))
        return g_strdup("paused by a person; `massagectl resume` to go on");
    return g_strdup_printf("paused (%s); `massagectl resume` to go on", why); /* a newer daemon */
}

char *mctl_format_ms(guint64 ms)
{
    guint64 s = ms / 1000;
    if (s >= 3600)
        return g_strdup_printf("%" G_GUINT64_FORMAT ":%02u:%02u", s / 3600, (unsigned)(s / 60 % 60),
                               (unsigned)(s % 60));
    return g_strdup_printf("%" G_GUINT64_FORMAT ":%02u", s / 60, (unsigned)(s % 60));
}
