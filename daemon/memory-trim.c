#include "daemon/memory-trim.h"

#include <malloc.h>

static gint trim_pending; /* atomic: one trim queued at a time */

static gboolean trim_now(gpointer user_data)
{
    g_atomic_int_set(&trim_pending, 0);
    malloc_trim(0);
    return G_SOURCE_REMOVE;
}

/* Runs in GDBus's worker thread: only notes the size and queues the trim on
 * the main context, a little later so the message and its reply are freed
 * by then. */
static GDBusMessage *on_message(GDBusConnection *conn, GDBusMessage *message, gboolean incoming,
                                gpointer user_data)
{
    GVariant *body = g_dbus_message_get_body(message);
    if (body && g_variant_get_size(body) > MSD_TRIM_THRESHOLD &&
        g_atomic_int_compare_and_exchange(&trim_pending, 0, 1))
        g_timeout_add(250, trim_now, NULL);
    return message;
}

void msd_memory_trim_install(GDBusConnection *conn)
{
    /* A fixed threshold: glibc otherwise raises it after each large free, so
     * the next multi-MB string lands on the heap instead of in its own
     * mapping that free() returns at once. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    g_dbus_connection_add_filter(conn, on_message, NULL, NULL);
}
