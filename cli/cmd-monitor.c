/* massagectl monitor: prints every change as it happens (JSON lines with
 * --json), for people watching and for home hubs listening. */
#include <glib-unix.h>

#include "cli/client.h"

typedef struct {
    MctlContext *ctx;
    GMainLoop *loop;
} Monitor;

static void emit(Monitor *m, const char *event, const char *path, GVariant *changed,
                 const char *detail)
{
    if (m->ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "event");
        json_builder_add_string_value(b, event);
        json_builder_set_member_name(b, "time_us");
        json_builder_add_int_value(b, g_get_real_time());
        json_builder_set_member_name(b, "path");
        json_builder_add_string_value(b, path);
        if (detail) {
            json_builder_set_member_name(b, "detail");
            json_builder_add_string_value(b, detail);
        }
        if (changed) {
            json_builder_set_member_name(b, "changed");
            json_builder_add_value(b, json_gvariant_serialize(changed));
        }
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return;
    }
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *ts = g_date_time_format(now, "%H:%M:%S");
    g_autofree char *text = changed ? g_variant_print(changed, FALSE) : NULL;
    printf("%s %s %s%s%s%s%s\n", ts, event, path, detail ? " " : "", detail ? detail : "",
           text ? " " : "", text ? text : "");
    fflush(stdout);
}

static void on_added(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
    g_autoptr(MsdDevice1) d = msd_object_get_device1(MSD_OBJECT(obj));
    emit(user_data, d ? "device-added" : "session-added", g_dbus_object_get_object_path(obj), NULL,
         d ? msd_device1_get_address(d) : NULL);
}

static void on_removed(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
    g_autoptr(MsdDevice1) d = msd_object_get_device1(MSD_OBJECT(obj));
    emit(user_data, d ? "device-removed" : "session-removed", g_dbus_object_get_object_path(obj),
         NULL, NULL);
}

static void on_props(GDBusObjectManagerClient *om, GDBusObjectProxy *obj, GDBusProxy *iface,
                     GVariant *changed, const char *const *invalidated, gpointer user_data)
{
    emit(user_data, "changed", g_dbus_object_get_object_path(G_DBUS_OBJECT(obj)), changed,
         g_dbus_proxy_get_interface_name(iface));
}

static void on_signal(GDBusObjectManagerClient *om, GDBusObjectProxy *obj, GDBusProxy *iface,
                      const char *sender, const char *signal, GVariant *params, gpointer user_data)
{
    g_autofree char *detail =
        g_strdup_printf("%s %s", g_dbus_proxy_get_interface_name(iface), signal);
    emit(user_data, "signal", g_dbus_object_get_object_path(G_DBUS_OBJECT(obj)), params, detail);
}

static void on_manager_props(GDBusProxy *p, GVariant *changed, GStrv inv, gpointer user_data)
{
    emit(user_data, "changed", "/org/massaged", changed, "org.massaged.Manager1");
}

static gboolean on_quit(gpointer user_data)
{
    g_main_loop_quit(((Monitor *)user_data)->loop);
    return G_SOURCE_REMOVE;
}

int mctl_cmd_monitor(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    if (!mctl_parse_options(ctx, &argc, &argv, NULL, "",
                            "Prints devices and sessions as they change, until Ctrl-C. With "
                            "--json, one JSON object per line.",
                            &rc))
        return rc;
    if (argc > 1)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "monitor takes no arguments");
    g_autoptr(MctlClient) c = mctl_client_new(ctx, &rc);
    if (!c)
        return rc;
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Monitor m = {.ctx = ctx, .loop = loop};
    g_signal_connect(c->objects, "object-added", G_CALLBACK(on_added), &m);
    g_signal_connect(c->objects, "object-removed", G_CALLBACK(on_removed), &m);
    g_signal_connect(c->objects, "interface-proxy-properties-changed", G_CALLBACK(on_props), &m);
    g_signal_connect(c->objects, "interface-proxy-signal", G_CALLBACK(on_signal), &m);
    g_signal_connect(c->manager, "g-properties-changed", G_CALLBACK(on_manager_props), &m);
    emit(&m, "monitoring", "/org/massaged", NULL, msd_manager1_get_version(c->manager));
    g_unix_signal_add(SIGINT, on_quit, &m);
    g_unix_signal_add(SIGTERM, on_quit, &m);
    g_main_loop_run(loop);
    return MCTL_EXIT_OK;
}
