/* The .device parser; a file that parses is then exercised like a driver:
 * every command encoded, the input decoded as a notification and parsed as
 * a written frame. */
#include "fuzz/fuzz.h"
#include "protocol/device-file.h"
#include "protocol/driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(MpDriver) drv = mp_device_file_parse((const char *)data, size, "<fuzz>", &error);
    if (!drv)
        return 0;
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    for (int k = MP_CMD_START; k <= MP_CMD_BATTERY; k++) {
        const double values[] = {0, 1, 50, 100, 1e9, -1};
        for (guint v = 0; v < G_N_ELEMENTS(values); v++) {
            MpCommand cmd = {.kind = (MpCommandKind)k, .value = values[v]};
            g_autoptr(GError) e = NULL;
            (void)mp_driver_encode(drv, &cmd, 1, frames, &e);
        }
    }
    for (guint i = 0; i < frames->len; i++) {
        gsize n = 0;
        const guint8 *b = g_bytes_get_data(frames->pdata[i], &n);
        MpCommand cmd;
        guint8 seq = 0;
        g_autoptr(GError) e = NULL;
        (void)mp_driver_parse_command(drv, b, n, &cmd, &seq, &e);
    }
    MpReading r = {0};
    g_autoptr(GError) e1 = NULL;
    if (drv->notify_uuid)
        (void)mp_driver_decode(drv, drv->notify_uuid, data, size, &r, &e1);
    MpCommand cmd;
    guint8 seq = 0;
    g_autoptr(GError) e2 = NULL;
    (void)mp_driver_parse_command(drv, data, size, &cmd, &seq, &e2);
    return 0;
}
