/* Errors of the protocol library: one GError domain for drivers, device files and programmes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define MP_ERROR (mp_error_quark())

typedef enum {
    MP_ERROR_INVALID,     /* malformed input: bytes, a file, a value that does not parse */
    MP_ERROR_RANGE,       /* a well-formed value outside the allowed range */
    MP_ERROR_CHECKSUM,    /* a frame whose checksum or CRC does not match */
    MP_ERROR_UNSUPPORTED, /* a command or characteristic the driver does not know */
    MP_ERROR_NOT_FOUND,   /* no such driver, programme or file */
    MP_ERROR_SAFETY,      /* refused by a safety limit */
} MpError;

GQuark mp_error_quark(void);

G_END_DECLS
