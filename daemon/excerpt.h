/* A bounded quote of caller-supplied text for errors and logs: a 1 MB id
 * must not come back as a 1 MB error or land in the journal. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes of the input an excerpt keeps at most (cut at a UTF-8 boundary). */
#define MSD_EXCERPT_MAX 64

/* `s` itself if it is short and printable; otherwise its first
 * MSD_EXCERPT_MAX bytes with "... (N bytes)" after them. Never NULL. */
char *msd_excerpt(const char *s);

G_END_DECLS
