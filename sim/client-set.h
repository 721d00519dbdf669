/* The D-Bus clients holding a session (a discovery, a notify subscription).
 * bluetoothd ties these to the caller's unique name: when the client leaves
 * the bus its session ends. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _ClientSet ClientSet;

/* `emptied` runs when the last client leaves the bus (not on remove). */
ClientSet *client_set_new(GDBusConnection *conn, void (*emptied)(gpointer), gpointer user_data);
void client_set_free(ClientSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ClientSet, client_set_free)

gboolean client_set_add(ClientSet *set, const char *sender);    /* FALSE: already in */
gboolean client_set_remove(ClientSet *set, const char *sender); /* FALSE: was not in */
gboolean client_set_contains(ClientSet *set, const char *sender);
guint client_set_size(ClientSet *set);
/* The per-client value (e.g. a discovery filter); owned by the set. */
void client_set_set_data(ClientSet *set, const char *sender, gpointer data, GDestroyNotify free);
gpointer client_set_get_data(ClientSet *set, const char *sender);
GList *client_set_senders(ClientSet *set); /* free the list, not the strings */

G_END_DECLS
