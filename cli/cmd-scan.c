/* massagectl scan [--timeout S]: discovery for a while, printing what appears. */
#include <glib-unix.h>

#include "cli/client.h"

typedef struct {
    MctlContext *ctx;
    GMainLoop *loop;
    GHashTable *printed; /* object paths already shown */
} ScanState;

/* A device's name often arrives after the device (in the scan response), so a
 * device is shown once it has a name, or at the end with whatever it has. */
static void print_device(ScanState *st, MsdDevice1 *d, gboolean unnamed_too)
{
    const char *path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(d));
    const char *name = msd_device1_get_name(d);
    const char *address = msd_device1_get_address(d);
    if (st->ctx->json || g_hash_table_contains(st->printed, path))
        return; /* --json: one object at the end */
    /* The daemon shows the address as the name until a name is known. */
    gboolean named = name && *name && g_strcmp0(name, address) != 0;
    if (!named && !unnamed_too)
        return;
    g_hash_table_add(st->printed, g_strdup(path));
    printf("found %s %s (%s, %s)\n", address, named ? name : "(no name)", msd_device1_get_driver(d),
           msd_device1_get_kind(d));
    fflush(stdout);
}

static void on_object_added(GDBusObjectManager *m, GDBusObject *obj, gpointer user_data)
{
    g_autoptr(MsdDevice1) d = msd_object_get_device1(MSD_OBJECT(obj));
    if (d)
        print_device(user_data, d, FALSE);
}

static void on_properties_changed(GDBusObjectManagerClient *m, GDBusObjectProxy *obj,
                                  GDBusProxy *iface, GVariant *changed,
                                  const char *const *invalidated, gpointer user_data)
{
    if (MSD_IS_DEVICE1(iface))
        print_device(user_data, MSD_DEVICE1(iface), FALSE);
}

static gboolean on_done(gpointer user_data)
{
    g_main_loop_quit(((ScanState *)user_data)->loop);
    return G_SOURCE_REMOVE;
}

int mctl_cmd_scan(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gint timeout = 10;
    const GOptionEntry entries[] = {
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Scan for S seconds (default 10)", "S"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "",
        .summary = "Scans for massage devices and lists them as they appear.",
        .entries = entries,
        .arg_error = "scan takes no arguments",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    if (timeout < 1 || timeout > 3600)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL,
                         "--timeout must be between 1 and 3600 seconds, not %d", timeout);
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;

    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_autoptr(GHashTable) printed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ScanState st = {.ctx = ctx, .loop = loop, .printed = printed};
    g_autoptr(GPtrArray) known = mctl_client_devices(c);
    for (guint i = 0; i < known->len; i++)
        print_device(&st, known->pdata[i], FALSE);
    gulong added = g_signal_connect(c->objects, "object-added", G_CALLBACK(on_object_added), &st);
    gulong changed = g_signal_connect(c->objects, "interface-proxy-properties-changed",
                                      G_CALLBACK(on_properties_changed), &st);

    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_start_discovery_sync(c->manager, NULL, &error))
        return mctl_fail_dbus(ctx, error, "cannot start scanning");
    if (!ctx->json)
        printf("Scanning for %d s...\n", timeout);
    guint t = g_timeout_add_seconds((guint)timeout, on_done, &st);
    guint s1 = g_unix_signal_add(SIGINT, on_done, &st);
    guint s2 = g_unix_signal_add(SIGTERM, on_done, &st);
    g_main_loop_run(loop);
    g_source_remove(s1);
    g_source_remove(s2);
    if (g_main_context_find_source_by_id(NULL, t))
        g_source_remove(t);
    g_signal_handler_disconnect(c->objects, added);
    g_signal_handler_disconnect(c->objects, changed);

    if (!msd_manager1_call_stop_discovery_sync(c->manager, NULL, &error))
        return mctl_fail_dbus(ctx, error, "cannot stop scanning");
    g_autoptr(GPtrArray) devices = mctl_client_devices(c);
    for (guint i = 0; i < devices->len; i++)
        print_device(&st, devices->pdata[i], TRUE);
    if (ctx->json) {
        mctl_print_devices_json(devices);
    } else {
        printf("%u device%s known.%s\n", devices->len, devices->len == 1 ? "" : "s",
               devices->len ? " Connect with 'massagectl connect DEV'." : "");
    }
    return MCTL_EXIT_OK;
}
