/* The daemon's configuration parser (massaged.conf and its drop-ins). */
#include "daemon/msd-config.h"
#include "fuzz/fuzz.h"
#include "protocol/timespan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    MsdConfig config;
    msd_config_init(&config);
    g_autoptr(GError) error = NULL;
    (void)msd_config_load_data(&config, text, "<fuzz>", &error);
    msd_config_clear(&config);
    /* The duration parser every configuration uses (a bare number is seconds). */
    guint64 ms = 0;
    g_autoptr(GError) span_error = NULL;
    if (mp_timespan_parse_full(text, MP_TIMESPAN_BARE_SECONDS, MP_TIMESPAN_MAX_MS, &ms,
                               &span_error) &&
        ms > MP_TIMESPAN_MAX_MS)
        __builtin_trap();
    return 0;
}
