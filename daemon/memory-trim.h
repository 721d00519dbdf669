/* Gives memory back after a large D-Bus message. A 10 MB string argument
 * makes glibc's malloc keep tens of MB of freed heap (in the GDBus worker
 * thread's arena) for the rest of the daemon's life; after any message
 * above MSD_TRIM_THRESHOLD, in or out, malloc_trim(0) runs once the main
 * loop is idle. (bench/bench-memory.sh measures it.) */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MSD_TRIM_THRESHOLD (64 * 1024)

void msd_memory_trim_install(GDBusConnection *conn);

G_END_DECLS
