#include "daemon/excerpt.h"

#include <string.h>

char *msd_excerpt(const char *s)
{
    if (!s)
        return g_strdup("");
    gsize len = strlen(s);
    if (len <= MSD_EXCERPT_MAX)
        return g_strdup(s);
    /* Back up to the start of a character so the excerpt stays UTF-8. */
    gsize cut = MSD_EXCERPT_MAX;
    while (cut > 0 && ((guchar)s[cut] & 0xC0) == 0x80)
        cut--;
    return g_strdup_printf("%.*s... (%" G_GSIZE_FORMAT " bytes)", (int)cut, s, len);
}
