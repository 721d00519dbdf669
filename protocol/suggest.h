/* "Did you mean …?" for names a person types (protocol/suggest.c). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The candidate closest to `word` by edit distance (case-insensitive,
 * adjacent transpositions count as one), or NULL if none is close enough to
 * be a plausible typo: at most a third of the word, 1 to 3 edits. */
const char *mp_suggest(const char *word, const char *const *candidates);

G_END_DECLS
