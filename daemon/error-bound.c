#include "daemon/error-bound.h"

#include <string.h>

/* Runs in GDBus's worker thread for every outgoing message; a longer error
 * is replaced by a copy whose message is cut (at a UTF-8 boundary) and says
 * how long the original was. */
static GDBusMessage *on_message(GDBusConnection *conn, GDBusMessage *message, gboolean incoming,
                                gpointer user_data)
{
    if (incoming || g_dbus_message_get_message_type(message) != G_DBUS_MESSAGE_TYPE_ERROR)
        return message;
    GVariant *body = g_dbus_message_get_body(message);
    if (!body || !g_variant_is_of_type(body, G_VARIANT_TYPE("(s)")))
        return message;
    const char *text = NULL;
    g_variant_get(body, "(&s)", &text);
    gsize len = strlen(text);
    if (len <= MSD_ERROR_MAX_BYTES)
        return message;
    gsize cut = MSD_ERROR_MAX_BYTES - 64; /* room for the note */
    while (cut > 0 && ((guchar)text[cut] & 0xC0) == 0x80)
        cut--;
    g_autoptr(GError) error = NULL;
    GDBusMessage *copy = g_dbus_message_copy(message, &error);
    if (!copy)
        return message;
    g_autofree char *shorter =
        g_strdup_printf("%.*s... (%" G_GSIZE_FORMAT " bytes in all)", (int)cut, text, len);
    g_dbus_message_set_body(copy, g_variant_new("(s)", shorter));
    g_object_unref(message);
    return copy;
}

void msd_error_bound_install(GDBusConnection *conn)
{
    g_dbus_connection_add_filter(conn, on_message, NULL, NULL);
}
