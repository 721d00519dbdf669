/* Re-reading a proxy's properties after an action.
 *
 * A proxy's cache is updated from PropertiesChanged signals, which reach a
 * command only when its main context runs again; a synchronous call returns
 * first. So right after Connect the cache still says "not connected", and
 * after Next it still names the step that was skipped. The daemon changes its
 * properties before it replies, so one GetAll sent after the reply reads the
 * state after the action. */
#include "cli/client.h"

gboolean mctl_proxy_refresh(GDBusProxy *proxy, GError **error)
{
    g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
        g_dbus_proxy_get_connection(proxy), g_dbus_proxy_get_name(proxy),
        g_dbus_proxy_get_object_path(proxy), "org.freedesktop.DBus.Properties", "GetAll",
        g_variant_new("(s)", g_dbus_proxy_get_interface_name(proxy)), G_VARIANT_TYPE("(a{sv})"),
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
    if (!reply)
        return FALSE;
    g_autoptr(GVariant) props = g_variant_get_child_value(reply, 0);
    GVariantIter iter;
    const char *name;
    GVariant *value;
    g_variant_iter_init(&iter, props);
    while (g_variant_iter_loop(&iter, "{&sv}", &name, &value))
        g_dbus_proxy_set_cached_property(proxy, name, value);
    return TRUE;
}
