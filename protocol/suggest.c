/* "Did you mean …?": the one suggester for every name a person types — keys,
 * values, group words, commands, programme ids. Pure C, no I/O. */
#include <string.h>

#include "protocol/suggest.h"

/* Edit distance with adjacent transpositions (optimal string alignment),
 * case-insensitive: "rmap" is one slip from "ramp". Inputs are short (keys
 * and value names); long words are not compared at all. */
static guint edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return G_MAXUINT;
    guint t[65][65];
    for (gsize i = 0; i <= la; i++)
        t[i][0] = (guint)i;
    for (gsize j = 0; j <= lb; j++)
        t[0][j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        for (gsize j = 1; j <= lb; j++) {
            char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);
            guint best = t[i - 1][j - 1] + (ca == cb ? 0 : 1);
            best = MIN(best, t[i - 1][j] + 1);
            best = MIN(best, t[i][j - 1] + 1);
            if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) &&
                g_ascii_tolower(a[i - 2]) == cb)
                best = MIN(best, t[i - 2][j - 2] + 1);
            t[i][j] = best;
        }
    }
    return t[la][lb];
}

const char *mp_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    guint best_d = G_MAXUINT;
    for (gsize i = 0; candidates[i]; i++) {
        guint d = edit_distance(word, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    /* A typo is at most a third of the word (at least 1, at most 3 edits);
     * anything further is a different word and a suggestion would confuse. */
    gsize len = MAX(strlen(word), best ? strlen(best) : 0);
    guint allowed = CLAMP((guint)(len / 3), 1u, 3u);
    return best_d <= allowed ? best : NULL;
}
