/* bench-schedule: the times a programme's quantised intensity changes, from
 * protocol/'s evaluator (mp_timeline_next_change), which is the schedule the
 * daemon's writes should follow. Prints "t_ms level" lines, level =
 * mp_quantise(intensity) * quantum, starting with t = 0.
 *
 *   bench-schedule PROGRAMME_FILE [QUANTUM]   (quantum: 1 percent by default,
 *                                              the daemon's default) */
#include "protocol/timeline.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        g_printerr("usage: bench-schedule PROGRAMME_FILE [QUANTUM]\n");
        return 2;
    }
    double quantum = argc == 3 ? g_ascii_strtod(argv[2], NULL) : 1.0;
    g_autoptr(GPtrArray) diags = g_ptr_array_new_with_free_func((GDestroyNotify)mp_diagnostic_free);
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(argv[1], &text, &len, &error)) {
        g_printerr("bench-schedule: %s\n", error->message);
        return 1;
    }
    /* parse only: the bench may use a programme longer than the default
     * session cap; the daemon is configured to accept it. */
    MpProgramme *p = mp_programme_parse(text, len, argv[1], diags);
    if (!p) {
        g_printerr("bench-schedule: %s does not parse\n", argv[1]);
        return 1;
    }
    g_autoptr(MpTimeline) tl = mp_timeline_new(p);
    mp_programme_unref(p);
    guint64 t = 0;
    while (t != G_MAXUINT64) {
        printf("%" G_GUINT64_FORMAT " %g\n", t,
               mp_quantise(mp_timeline_intensity(tl, t), quantum) * quantum);
        t = mp_timeline_next_change(tl, t, quantum);
    }
    return 0;
}
