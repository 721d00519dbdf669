/* fake-polkit: a stand-in polkit authority (org.freedesktop.PolicyKit1 on the
 * system bus, i.e. DBUS_SYSTEM_BUS_ADDRESS) for the integration tests. It
 * implements CheckAuthorization as far as libpolkit-gobject-1 needs it and
 * answers from its command line:
 *
 *   fake-polkit [ACTION=ANSWER]...
 *
 * ANSWER is yes, no, challenge (not authorized, authentication would help),
 * or group:NAME (yes when the calling process's user is in group NAME, as
 * org.massaged.rules says for group "massage"). Unlisted actions: no.
 * Every question is printed on stdout as one line (flushed):
 *   check ACTION uid=UID interactive=0|1 -> yes|no|challenge
 * and "ready" once the name is owned. */
#include <gio/gio.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

static const char introspection[] = "<node><interface name='org.freedesktop.PolicyKit1.Authority'>"
                                    " <method name='CheckAuthorization'>"
                                    "  <arg type='(sa{sv})' name='subject' direction='in'/>"
                                    "  <arg type='s' name='action_id' direction='in'/>"
                                    "  <arg type='a{ss}' name='details' direction='in'/>"
                                    "  <arg type='u' name='flags' direction='in'/>"
                                    "  <arg type='s' name='cancellation_id' direction='in'/>"
                                    "  <arg type='(bba{ss})' name='result' direction='out'/>"
                                    " </method>"
                                    " <property type='s' name='BackendName' access='read'/>"
                                    "</interface></node>";

static GHashTable *answers; /* action -> answer */

static gboolean user_in_group(guint32 uid, const char *group)
{
    struct passwd *pw = getpwuid(uid);
    struct group *gr = getgrnam(group);
    if (!pw || !gr)
        return FALSE;
    int n = 64;
    gid_t gids[64];
    if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) < 0)
        return FALSE;
    for (int i = 0; i < n; i++)
        if (gids[i] == gr->gr_gid)
            return TRUE;
    return FALSE;
}

static void on_call(GDBusConnection *conn, const char *sender, const char *path, const char *iface,
                    const char *method, GVariant *params, GDBusMethodInvocation *inv,
                    gpointer user_data)
{
    g_autoptr(GVariant) subject = g_variant_get_child_value(params, 0);
    const char *kind, *action;
    g_autoptr(GVariant) dict = NULL;
    guint32 flags;
    g_variant_get_child(subject, 0, "&s", &kind);
    dict = g_variant_get_child_value(subject, 1);
    g_variant_get_child(params, 1, "&s", &action);
    g_variant_get_child(params, 3, "u", &flags);
    const char *name = NULL;
    if (!g_str_equal(kind, "system-bus-name") || !g_variant_lookup(dict, "name", "&s", &name)) {
        g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.PolicyKit1.Error.Failed",
                                                   "fake-polkit knows system-bus-name only");
        return;
    }
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(
        conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetConnectionUnixUser", g_variant_new("(s)", name), G_VARIANT_TYPE("(u)"),
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    guint32 uid = G_MAXUINT32;
    if (r)
        g_variant_get(r, "(u)", &uid);
    const char *answer = g_hash_table_lookup(answers, action);
    if (!answer)
        answer = "no";
    gboolean yes = FALSE, challenge = FALSE;
    if (g_str_equal(answer, "yes"))
        yes = TRUE;
    else if (g_str_equal(answer, "challenge"))
        challenge = TRUE;
    else if (g_str_has_prefix(answer, "group:"))
        yes = r && user_in_group(uid, answer + 6);
    printf("check %s uid=%u interactive=%u -> %s\n", action, uid, flags & 1,
           yes         ? "yes"
           : challenge ? "challenge"
                       : "no");
    fflush(stdout);
    GVariantBuilder details;
    g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
    g_dbus_method_invocation_return_value(inv,
                                          g_variant_new("((bba{ss}))", yes, challenge, &details));
}

static GVariant *on_get(GDBusConnection *conn, const char *sender, const char *path,
                        const char *iface, const char *prop, GError **error, gpointer user_data)
{
    return g_variant_new_string("fake");
}

static void on_name(GDBusConnection *conn, const char *name, gpointer user_data)
{
    printf("ready\n");
    fflush(stdout);
}

static void on_lost(GDBusConnection *conn, const char *name, gpointer user_data)
{
    fprintf(stderr, "fake-polkit: could not own %s\n", name);
    exit(1);
}

int main(int argc, char **argv)
{
    answers = g_hash_table_new(g_str_hash, g_str_equal);
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "usage: fake-polkit [ACTION=yes|no|challenge|group:NAME]...\n");
            return 2;
        }
        *eq = '\0';
        g_hash_table_insert(answers, argv[i], eq + 1);
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!conn) {
        fprintf(stderr, "fake-polkit: %s\n", error->message);
        return 1;
    }
    g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(introspection, NULL);
    static const GDBusInterfaceVTable vtable = {on_call, on_get, NULL, {0}};
    g_dbus_connection_register_object(conn, "/org/freedesktop/PolicyKit1/Authority",
                                      node->interfaces[0], &vtable, NULL, NULL, NULL);
    g_bus_own_name_on_connection(conn, "org.freedesktop.PolicyKit1", G_BUS_NAME_OWNER_FLAGS_NONE,
                                 on_name, on_lost, NULL, NULL);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_main_loop_run(loop);
    return 0;
}
