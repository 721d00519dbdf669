/* Devices described by data: a *.device key file turned into an MpDriver.
 * See docs/device-files.md for the format. */
#pragma once

#include "protocol/driver.h"

G_BEGIN_DECLS

/* Errors name the file, the line or key, and the problem:
 * "acme.device:12: [Commands] Intensity: unknown placeholder {levl}; did you mean {level}?" */
MpDriver *mp_device_file_load(const char *path, GError **error);
MpDriver *mp_device_file_parse(const char *text, gsize len, const char *origin, GError **error);

G_END_DECLS
