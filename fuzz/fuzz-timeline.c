/* The timeline evaluator on whatever programme the input is. The parser's
 * own limits are loosened (the evaluator must hold for any programme that
 * parses, not only for the safe ones), then the evaluator is walked from
 * change to change over the whole programme and sampled in between. */
#include <math.h>

#include "fuzz/fuzz.h"
#include "protocol/programme.h"
#include "protocol/timeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) diags = mp_diagnostics_new();
    g_autoptr(MpProgramme) p = mp_programme_parse((const char *)data, size, "<fuzz>", diags);
    if (!p)
        return 0;
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    guint64 total = mp_timeline_duration(tl);
    for (guint i = 0; i < mp_timeline_n_entries(tl); i++)
        (void)mp_timeline_entry(tl, i);
    const double quanta[] = {0.5, 1.0, 5.0};
    for (guint q = 0; q < G_N_ELEMENTS(quanta); q++) {
        guint64 t = 0;
        for (guint n = 0; n < 2000 && t < total; n++) {
            double v = mp_timeline_intensity(tl, t);
            if (isnan(v))
                __builtin_trap(); /* an intensity must always be a number */
            (void)mp_quantise(v, quanta[q]);
            (void)mp_timeline_entry_at(tl, t);
            guint64 next = mp_timeline_next_change(tl, t, quanta[q]);
            if (next <= t)
                break;
            t = next;
        }
    }
    for (guint64 k = 0; k <= 64; k++)
        (void)mp_timeline_intensity(tl, total ? total * k / 64 : k);
    return 0;
}
