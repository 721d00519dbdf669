/* Checksums used by device protocols. Pure functions over a byte range. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint8 mp_sum8(const guint8 *data, gsize len);          /* low byte of the sum */
guint8 mp_xor8(const guint8 *data, gsize len);          /* XOR of all bytes */
guint8 mp_crc8(const guint8 *data, gsize len);          /* CRC-8/SMBUS: poly 0x07, init 0x00 */
guint16 mp_crc16_modbus(const guint8 *data, gsize len); /* poly 0xA001 reflected, init 0xFFFF */
guint16 mp_crc16_ccitt(const guint8 *data, gsize len);  /* CRC-16/CCITT-FALSE: 0x1021, 0xFFFF */

G_END_DECLS
