/* One check for a Bluetooth address, shared by the daemon's history
 * filters, its motion record and massagectl. */
#include "protocol/address.h"

#include <string.h>

gboolean mp_address_is_valid(const char *text)
{
    if (!text || strlen(text) != 17)
        return FALSE;
    for (int i = 0; i < 17; i++)
        if (i % 3 == 2 ? text[i] != ':' : !g_ascii_isxdigit(text[i]))
            return FALSE;
    return TRUE;
}
