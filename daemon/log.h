/* Structured logging: every message goes through g_log_structured, with
 * DEVICE (the Bluetooth address) and SESSION (the session's object path)
 * fields where they apply, so `journalctl DEVICE=AA:BB:...` finds one
 * device's story. On a terminal or a plain stderr the fields are printed in
 * front of the message. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MSD_LOG_DOMAIN "massaged"

#define msd_info(...) g_log_structured(MSD_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE", __VA_ARGS__)
#define msd_warning(...)                                                                           \
    g_log_structured(MSD_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE", __VA_ARGS__)
#define msd_debug(...) g_log_structured(MSD_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, "MESSAGE", __VA_ARGS__)

#define msd_dev_log(level, addr, ...)                                                              \
    g_log_structured(MSD_LOG_DOMAIN, level, "DEVICE", (addr), "MESSAGE", __VA_ARGS__)
#define msd_dev_info(addr, ...)    msd_dev_log(G_LOG_LEVEL_MESSAGE, addr, __VA_ARGS__)
#define msd_dev_warning(addr, ...) msd_dev_log(G_LOG_LEVEL_WARNING, addr, __VA_ARGS__)
#define msd_dev_debug(addr, ...)   msd_dev_log(G_LOG_LEVEL_DEBUG, addr, __VA_ARGS__)

#define msd_session_log(level, session, addr, ...)                                                 \
    g_log_structured(MSD_LOG_DOMAIN, level, "SESSION", (session), "DEVICE", (addr), "MESSAGE",     \
                     __VA_ARGS__)
#define msd_session_info(session, addr, ...)                                                       \
    msd_session_log(G_LOG_LEVEL_MESSAGE, session, addr, __VA_ARGS__)
#define msd_session_warning(session, addr, ...)                                                    \
    msd_session_log(G_LOG_LEVEL_WARNING, session, addr, __VA_ARGS__)

/* Installs the writer: journald when stderr is connected to it, else lines
 * on stderr with a monotonic timestamp and the DEVICE/SESSION fields. */
void msd_log_init(gboolean verbose);

G_END_DECLS
