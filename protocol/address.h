/* Bluetooth addresses as people and BlueZ write them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* TRUE for "AA:BB:CC:DD:EE:FF": six pairs of hex digits (either case)
 * separated by colons, nothing else. */
gboolean mp_address_is_valid(const char *text);

G_END_DECLS
