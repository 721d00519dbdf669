/* The daemon's configuration parser (massaged.conf and its drop-ins). */
#include "daemon/msd-config.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    MsdConfig config;
    msd_config_init(&config);
    g_autoptr(GError) error = NULL;
    (void)msd_config_load_data(&config, text, "<fuzz>", &error);
    msd_config_clear(&config);
    guint64 ms = 0;
    (void)msd_parse_duration_ms(text, &ms);
    return 0;
}
