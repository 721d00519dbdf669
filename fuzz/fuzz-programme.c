/* The programme parser and validator: any bytes, default safety limits. */
#include "fuzz/fuzz.h"
#include "protocol/programme.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MpSafetyLimits limits;
    mp_safety_limits_init(&limits);
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p =
        mp_programme_load((const char *)data, size, "<fuzz>", &limits, diags);
    for (guint i = 0; i < diags->len; i++)
        g_free(mp_diagnostic_to_string(diags->pdata[i]));
    return 0;
}
