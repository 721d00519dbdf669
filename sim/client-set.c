/* A hash of sender → watch; the watch removes the sender when it vanishes. */
#include "sim/client-set.h"

typedef struct {
    ClientSet *set;
    char *sender;
    guint watch_id;
    gpointer data;
    GDestroyNotify data_free;
} Client;

struct _ClientSet {
    GDBusConnection *conn;
    GHashTable *clients; /* sender → Client* */
    void (*emptied)(gpointer);
    gpointer user_data;
};

static void client_free(gpointer p)
{
    Client *c = p;
    if (c->watch_id)
        g_bus_unwatch_name(c->watch_id);
    if (c->data_free)
        c->data_free(c->data);
    g_free(c->sender);
    g_free(c);
}

static void on_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
    ClientSet *set = user_data;
    if (!g_hash_table_remove(set->clients, name))
        return;
    if (g_hash_table_size(set->clients) == 0 && set->emptied)
        set->emptied(set->user_data);
}

ClientSet *client_set_new(GDBusConnection *conn, void (*emptied)(gpointer), gpointer user_data)
{
    ClientSet *set = g_new0(ClientSet, 1);
    set->conn = g_object_ref(conn);
    set->clients = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, client_free);
    set->emptied = emptied;
    set->user_data = user_data;
    return set;
}

void client_set_free(ClientSet *set)
{
    if (!set)
        return;
    g_hash_table_unref(set->clients);
    g_object_unref(set->conn);
    g_free(set);
}

gboolean client_set_add(ClientSet *set, const char *sender)
{
    if (g_hash_table_contains(set->clients, sender))
        return FALSE;
    Client *c = g_new0(Client, 1);
    c->set = set;
    c->sender = g_strdup(sender);
    g_hash_table_insert(set->clients, c->sender, c);
    c->watch_id = g_bus_watch_name_on_connection(set->conn, sender, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                 NULL, on_vanished, set, NULL);
    return TRUE;
}

gboolean client_set_remove(ClientSet *set, const char *sender)
{
    return g_hash_table_remove(set->clients, sender);
}

gboolean client_set_contains(ClientSet *set, const char *sender)
{
    return g_hash_table_contains(set->clients, sender);
}

guint client_set_size(ClientSet *set)
{
    return g_hash_table_size(set->clients);
}

void client_set_set_data(ClientSet *set, const char *sender, gpointer data, GDestroyNotify free)
{
    Client *c = g_hash_table_lookup(set->clients, sender);
    if (!c) {
        if (free)
            free(data);
        return;
    }
    if (c->data_free)
        c->data_free(c->data);
    c->data = data;
    c->data_free = free;
}

gpointer client_set_get_data(ClientSet *set, const char *sender)
{
    Client *c = g_hash_table_lookup(set->clients, sender);
    return c ? c->data : NULL;
}

GList *client_set_senders(ClientSet *set)
{
    return g_hash_table_get_keys(set->clients);
}
