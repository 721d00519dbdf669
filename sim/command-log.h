/* The simulator's command log: one JSON object per line, flushed per line, so
 * tests and benchmarks can read what a device received while the sim runs. */
#pragma once

#include <glib.h>

#include "protocol/driver.h"

G_BEGIN_DECLS

typedef struct _SimLog SimLog;

/* `path` NULL or "" gives a log that writes nothing. "-" is stdout. */
SimLog *sim_log_open(const char *path, GError **error);
void sim_log_free(SimLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimLog, sim_log_free)

/* One write a device received. `cmd` NULL with `error_msg` set for frames the
 * driver cannot decode; `seq` is logged only when `has_seq`. */
void sim_log_write(SimLog *log, const char *dev, const char *char_uuid, const guint8 *data,
                   gsize len, const MpCommand *cmd, gboolean has_seq, guint seq,
                   const char *error_msg);
/* A model or link event, e.g. "connect", "keepalive-timeout", then its
 * fields as (key, value string) pairs, terminated by NULL. */
void sim_log_event(SimLog *log, const char *dev, const char *event, ...) G_GNUC_NULL_TERMINATED;

/* The CLOCK_MONOTONIC time in nanoseconds, as written in "t_ns". */
gint64 sim_log_now_ns(void);

G_END_DECLS
