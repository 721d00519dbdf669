/* massaged's configuration: massaged.conf plus massaged.conf.d/NAME.conf drop-ins
 * (read in name order; a later file overrides a key an earlier one set), then
 * the command line on top. Every problem is an MSD_ERROR_CONFIG error naming
 * the file, the line, the group and the key ("FILE:LINE: [Group] Key: why",
 * protocol/text-file.h). Durations: protocol/timespan.h, a bare number is
 * seconds. */
#pragma once

#include <glib.h>

#include "protocol/programme.h"

G_BEGIN_DECLS

typedef struct {
    MpSafetyLimits safety;       /* never above mp_safety_limits_init()'s ceilings */
    guint64 reconnect_window_ms; /* a session waits this long for its device to return */
    guint64 backoff_initial_ms;  /* first reconnect attempt after a drop */
    guint64 backoff_max_ms;      /* the delay doubles up to this */
    char *device_dir;            /* [Devices] Directory: extra *.device files */
    char *adapter;               /* [Bluetooth] Adapter, "hci0" */
    gboolean history_enabled;    /* [History] Enabled (true) */
    guint history_keep_days;     /* [History] KeepDays (1095; 0: no age limit) */
    guint history_keep_rows;     /* [History] KeepRows (50000; 0: no count limit) */
} MsdConfig;

void msd_config_init(MsdConfig *config); /* the defaults */
void msd_config_clear(MsdConfig *config);

/* Reads `path` (a missing main file is not an error when `required` is FALSE)
 * and every *.conf in `dropin_dir` (may be NULL or missing) in name order. */
gboolean msd_config_load(MsdConfig *config, const char *path, gboolean required,
                         const char *dropin_dir, GError **error);
/* Applies one key file's text; `origin` names it in errors. For tests. */
gboolean msd_config_load_data(MsdConfig *config, const char *text, const char *origin,
                              GError **error);

G_END_DECLS
