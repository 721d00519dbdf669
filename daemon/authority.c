/* The polkit check in front of the org.massaged methods.
 *
 * How: a handler on each handle-* signal of a skeleton, connected before the
 * daemon's own, claims the call (returns TRUE), asks the bus who the caller
 * is and polkit whether it may, both asynchronously on the main loop, and
 * then dispatches the call again through the skeleton's own vtable with the
 * invocation marked as checked, so the daemon's handler runs as if nothing
 * had happened. GLib's g-authorize-method would run every call (stops
 * included) through a worker thread whose pool a few callers waiting at a
 * password prompt can fill; this way a stop never waits for anything.
 *
 * Who is never asked about: root (polkit says yes to root anyway) and the
 * daemon's own user (the service itself; tests run client and daemon as one
 * user on a private bus). Everyone else goes to polkit; if polkit cannot be
 * reached the call is refused (fail closed) - stops and reads never ask. */
#include "daemon/authority.h"

#include <polkit/polkit.h>
#include <string.h>
#include <unistd.h>

#include "common/names.h"
#include "daemon/log.h"
#include "daemon/msd-error.h"

#define CHECKED_KEY "msd-authority-checked"

static const struct {
    const char *interface;
    const char *method;
    const char *action; /* NULL: open */
} method_table[] = {
    {MSD_MANAGER_IFACE, "StartDiscovery", MSD_ACTION_CONTROL},
    {MSD_MANAGER_IFACE, "StopDiscovery", MSD_ACTION_CONTROL},
    {MSD_MANAGER_IFACE, "StopAll", NULL},
    {MSD_MANAGER_IFACE, "ListProgrammes", NULL},
    {MSD_MANAGER_IFACE, "ListProgrammeDetails", NULL},
    {MSD_MANAGER_IFACE, "GetProgramme", NULL},
    {MSD_MANAGER_IFACE, "ValidateProgramme", NULL},
    {MSD_MANAGER_IFACE, "ImportProgramme", MSD_ACTION_MANAGE_PROGRAMMES},
    {MSD_MANAGER_IFACE, "ReplaceProgramme", MSD_ACTION_MANAGE_PROGRAMMES},
    {MSD_MANAGER_IFACE, "RemoveProgramme", MSD_ACTION_MANAGE_PROGRAMMES},
    {MSD_MANAGER_IFACE, "ListClients", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "GetClient", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "SaveClient", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "RemoveClient", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "QueryHistory", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "GetHistoryEntry", MSD_ACTION_CLIENTS},
    {MSD_MANAGER_IFACE, "Start", MSD_ACTION_CONTROL},
    {MSD_DEVICE_IFACE, "Connect", MSD_ACTION_CONTROL},
    {MSD_DEVICE_IFACE, "Disconnect", MSD_ACTION_CONTROL},
    {MSD_DEVICE_IFACE, "SetIntensity", MSD_ACTION_CONTROL},
    {MSD_DEVICE_IFACE, "Stop", NULL},
    {MSD_SESSION_IFACE, "Pause", MSD_ACTION_CONTROL},
    {MSD_SESSION_IFACE, "Resume", MSD_ACTION_CONTROL},
    {MSD_SESSION_IFACE, "Stop", NULL},
    {MSD_SESSION_IFACE, "Next", MSD_ACTION_CONTROL},
    {MSD_SESSION_IFACE, "Previous", MSD_ACTION_CONTROL},
    {MSD_SESSION_IFACE, "Adjust", MSD_ACTION_CONTROL},
};

MsdAuthKind msd_authority_lookup(const char *interface, const char *method, const char **action_out)
{
    *action_out = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(method_table); i++) {
        if (g_str_equal(method_table[i].interface, interface) &&
            g_str_equal(method_table[i].method, method)) {
            *action_out = method_table[i].action;
            return method_table[i].action ? MSD_AUTH_POLKIT : MSD_AUTH_OPEN;
        }
    }
    return MSD_AUTH_UNKNOWN;
}

/* One call waiting for its answer. */
typedef struct {
    GDBusInterfaceSkeleton *skeleton;
    GDBusMethodInvocation *invocation; /* the reference the dispatch gave us */
    const char *action;                /* NULL: a method the table does not know */
} Check;

static void check_free(Check *c)
{
    g_object_unref(c->skeleton);
    g_free(c);
}

static void deny(Check *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void deny(Check *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GDBusMethodInvocation *inv = c->invocation;
    msd_info("refused %s.%s from %s: %s", g_dbus_method_invocation_get_interface_name(inv),
             g_dbus_method_invocation_get_method_name(inv),
             g_dbus_method_invocation_get_sender(inv), msg);
    g_dbus_method_invocation_return_error_literal(inv, MSD_ERROR, MSD_ERROR_PERMISSION_DENIED, msg);
    check_free(c);
}

static void allow(Check *c)
{
    GDBusMethodInvocation *inv = c->invocation;
    /* The object may have gone (a session that finished) while we asked. */
    if (!g_dbus_interface_skeleton_has_connection(c->skeleton,
                                                  g_dbus_method_invocation_get_connection(inv))) {
        g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.UnknownObject",
                                                   "The object went away");
        check_free(c);
        return;
    }
    g_object_set_data(G_OBJECT(inv), CHECKED_KEY, GINT_TO_POINTER(1));
    const GDBusInterfaceVTable *vtable = g_dbus_interface_skeleton_get_vtable(c->skeleton);
    vtable->method_call(g_dbus_method_invocation_get_connection(inv),
                        g_dbus_method_invocation_get_sender(inv),
                        g_dbus_method_invocation_get_object_path(inv),
                        g_dbus_method_invocation_get_interface_name(inv),
                        g_dbus_method_invocation_get_method_name(inv),
                        g_dbus_method_invocation_get_parameters(inv), inv, c->skeleton);
    check_free(c);
}

#define MISSING_HINT "join group 'massage' or act from your session at the console"

static void on_polkit_answer(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Check *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(PolkitAuthorizationResult) result =
        polkit_authority_check_authorization_finish(POLKIT_AUTHORITY(source), res, &error);
    if (!result) {
        /* The caller reads this; the D-Bus error name is for the log. */
        msd_warning("polkit: checking %s: %s", c->action, error->message);
        g_dbus_error_strip_remote_error(error);
        gboolean absent = g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
                          g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER);
        deny(c, "Not authorized: polkit could not be asked about %s (%s)", c->action,
             absent ? "polkit is not running" : error->message);
        return;
    }
    if (polkit_authorization_result_get_is_authorized(result)) {
        allow(c);
        return;
    }
    if (polkit_authorization_result_get_is_challenge(result))
        deny(c,
             "Not authorized: %s needs authentication (%s; or call with interactive "
             "authorization allowed)",
             c->action, MISSING_HINT);
    else
        deny(c, "Not authorized: polkit action %s is not granted to you (%s)", c->action,
             MISSING_HINT);
}

static void on_authority(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Check *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(PolkitAuthority) authority = polkit_authority_get_finish(res, &error);
    if (!authority) {
        deny(c, "Not authorized: polkit is not reachable to ask about %s (%s)", c->action,
             error->message);
        return;
    }
    g_autoptr(PolkitSubject) subject =
        polkit_system_bus_name_new(g_dbus_method_invocation_get_sender(c->invocation));
    PolkitCheckAuthorizationFlags flags = POLKIT_CHECK_AUTHORIZATION_FLAGS_NONE;
    GDBusMessage *msg = g_dbus_method_invocation_get_message(c->invocation);
    if (g_dbus_message_get_flags(msg) & G_DBUS_MESSAGE_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION)
        flags |= POLKIT_CHECK_AUTHORIZATION_FLAGS_ALLOW_USER_INTERACTION;
    polkit_authority_check_authorization(authority, subject, c->action, NULL, flags, NULL,
                                         on_polkit_answer, c);
}

static void on_caller_uid(GObject *source, GAsyncResult *res, gpointer user_data)
{
    Check *c = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) reply =
        g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
    if (!reply) {
        deny(c, "Not authorized: the bus did not say who is calling (%s)", error->message);
        return;
    }
    guint32 uid;
    g_variant_get(reply, "(u)", &uid);
    if (uid == 0 || uid == geteuid()) {
        allow(c);
        return;
    }
    if (!c->action) {
        /* A method added to the XML but not to the table above: refused until
         * somebody decides who may call it. */
        GDBusMethodInvocation *inv = c->invocation;
        deny(c, "Not authorized: %s.%s has no entry in the daemon's authority table",
             g_dbus_method_invocation_get_interface_name(inv),
             g_dbus_method_invocation_get_method_name(inv));
        return;
    }
    polkit_authority_get_async(NULL, on_authority, c);
}

/* Runs first on every handle-* signal; the signal's further arguments (the
 * method's own) are not needed: everything is in the invocation. */
static gboolean on_handle(GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *inv)
{
    if (g_object_get_data(G_OBJECT(inv), CHECKED_KEY))
        return FALSE; /* asked already: on to the daemon's handler */
    const char *action;
    switch (msd_authority_lookup(g_dbus_method_invocation_get_interface_name(inv),
                                 g_dbus_method_invocation_get_method_name(inv), &action)) {
    case MSD_AUTH_OPEN:
        return FALSE;
    case MSD_AUTH_UNKNOWN: /* action stays NULL: root and our own user only */
    case MSD_AUTH_POLKIT:
        break;
    }
    Check *c = g_new0(Check, 1);
    c->skeleton = g_object_ref(skeleton);
    c->invocation = inv;
    c->action = action;
    g_dbus_connection_call(g_dbus_method_invocation_get_connection(inv), "org.freedesktop.DBus",
                           "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                           g_variant_new("(s)", g_dbus_method_invocation_get_sender(inv)),
                           G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_caller_uid,
                           c);
    return TRUE;
}

/* "StartDiscovery" -> "handle-start-discovery", as gdbus-codegen names it. */
static char *handle_signal_name(const char *method)
{
    GString *s = g_string_new("handle");
    for (const char *p = method; *p; p++) {
        if (g_ascii_isupper(*p))
            g_string_append_c(s, '-');
        g_string_append_c(s, g_ascii_tolower(*p));
    }
    return g_string_free(s, FALSE);
}

void msd_authority_guard(GDBusInterfaceSkeleton *skeleton)
{
    GDBusInterfaceInfo *info = g_dbus_interface_skeleton_get_info(skeleton);
    for (GDBusMethodInfo **m = info->methods; m && *m; m++) {
        g_autofree char *signal = handle_signal_name((*m)->name);
        g_signal_connect(skeleton, signal, G_CALLBACK(on_handle), NULL);
    }
}
