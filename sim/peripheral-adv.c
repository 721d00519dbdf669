/* An org.bluez.LEAdvertisement1 object (BlueZ's doc/org.bluez.LEAdvertisement.rst):
 * a connectable, general-discoverable advertisement with the device's
 * service UUIDs and name. bluetoothd reads the properties when the object is
 * registered and calls Release when it drops it. */
#include "sim/peripheral.h"

static const char adv_xml[] = "<node>"
                              " <interface name='org.bluez.LEAdvertisement1'>"
                              "  <method name='Release'/>"
                              "  <property name='Type' type='s' access='read'/>"
                              "  <property name='ServiceUUIDs' type='as' access='read'/>"
                              "  <property name='LocalName' type='s' access='read'/>"
                              "  <property name='Discoverable' type='b' access='read'/>"
                              " </interface>"
                              "</node>";

struct _SimPeriphAdv {
    GDBusConnection *conn;
    char *path;
    char *name;
    GStrv uuids;
    GDBusNodeInfo *info;
    guint reg_id;
};

static void adv_method(GDBusConnection *conn, const char *sender, const char *path,
                       const char *iface, const char *method, GVariant *params,
                       GDBusMethodInvocation *inv, gpointer user_data)
{
    /* Release: bluetoothd no longer advertises it (adapter off, or it went
     * away); re-registration happens when org.bluez returns. */
    g_dbus_method_invocation_return_value(inv, NULL);
}

static GVariant *adv_get(GDBusConnection *conn, const char *sender, const char *path,
                         const char *iface, const char *prop, GError **error, gpointer user_data)
{
    SimPeriphAdv *adv = user_data;
    if (g_str_equal(prop, "Type"))
        return g_variant_new_string("peripheral");
    if (g_str_equal(prop, "ServiceUUIDs"))
        return g_variant_new_strv((const char *const *)adv->uuids, -1);
    if (g_str_equal(prop, "LocalName"))
        return g_variant_new_string(adv->name);
    if (g_str_equal(prop, "Discoverable"))
        return g_variant_new_boolean(TRUE);
    g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", prop);
    return NULL;
}

static const GDBusInterfaceVTable adv_vtable = {.method_call = adv_method, .get_property = adv_get};

SimPeriphAdv *sim_periph_adv_new(GDBusConnection *conn, const char *path, const char *name,
                                 const char *const *uuids, GError **error)
{
    g_autoptr(SimPeriphAdv) adv = g_new0(SimPeriphAdv, 1);
    adv->conn = g_object_ref(conn);
    adv->path = g_strdup(path);
    adv->name = g_strdup(name);
    adv->uuids = g_strdupv((char **)uuids);
    adv->info = g_dbus_node_info_new_for_xml(adv_xml, error);
    if (!adv->info)
        return NULL;
    adv->reg_id = g_dbus_connection_register_object(conn, path, adv->info->interfaces[0],
                                                    &adv_vtable, adv, NULL, error);
    if (!adv->reg_id)
        return NULL;
    return g_steal_pointer(&adv);
}

void sim_periph_adv_free(SimPeriphAdv *adv)
{
    if (!adv)
        return;
    if (adv->reg_id)
        g_dbus_connection_unregister_object(adv->conn, adv->reg_id);
    g_clear_pointer(&adv->info, g_dbus_node_info_unref);
    g_clear_object(&adv->conn);
    g_strfreev(adv->uuids);
    g_free(adv->name);
    g_free(adv->path);
    g_free(adv);
}

const char *sim_periph_adv_get_path(const SimPeriphAdv *adv)
{
    return adv->path;
}
