/* Every driver's decode and parse_command. Byte 0 picks the driver (the
 * built-ins, then the shipped .device files), byte 1 what to do with the
 * rest: decode it as a notification (or a read of each read-once
 * characteristic), or parse it as a written frame and re-encode what it
 * says. */
#include "fuzz/fuzz.h"
#include "protocol/device-file.h"
#include "protocol/driver.h"
#include "protocol/registry.h"

static GPtrArray *drivers(void)
{
    static GPtrArray *all;
    if (all)
        return all;
    all = g_ptr_array_new();
    g_ptr_array_add(all, mp_driver_reference_new());
    g_ptr_array_add(all, mp_driver_theragun_new());
    g_ptr_array_add(all, mp_driver_lovense_new());
    g_autoptr(GDir) dir = g_dir_open(FUZZ_DEVICE_DIR, 0, NULL);
    const char *name;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    while (dir && (name = g_dir_read_name(dir)))
        if (g_str_has_suffix(name, ".device"))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, (GCompareFunc)g_strcmp0); /* stable indices */
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(FUZZ_DEVICE_DIR, names->pdata[i], NULL);
        MpDriver *d = mp_device_file_load(path, NULL);
        if (d)
            g_ptr_array_add(all, d);
    }
    return all;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    GPtrArray *all = drivers();
    const MpDriver *drv = all->pdata[data[0] % all->len];
    const guint8 *frame = data + 2;
    gsize len = size - 2;
    if (data[1] & 1) {
        MpCommand cmd;
        guint8 seq = 0;
        g_autoptr(GError) e = NULL;
        if (mp_driver_parse_command(drv, frame, len, &cmd, &seq, &e)) {
            g_autoptr(GPtrArray) frames =
                g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
            g_autoptr(GError) e2 = NULL;
            (void)mp_driver_encode(drv, &cmd, seq, frames, &e2);
        }
        return 0;
    }
    const char *uuid = drv->notify_uuid;
    guint n_read = drv->read_uuids ? g_strv_length(drv->read_uuids) : 0;
    guint pick = (data[1] >> 1) % (n_read + 1);
    if (pick > 0)
        uuid = drv->read_uuids[pick - 1];
    if (!uuid)
        uuid = drv->write_uuid;
    MpReading r = {0};
    g_autoptr(GError) e = NULL;
    if (mp_driver_decode(drv, uuid, frame, len, &r, &e)) {
        g_free(mp_reading_to_string(&r));
        g_autoptr(GError) e2 = NULL;
        GBytes *b = mp_driver_encode_reading(drv, &r, &e2);
        if (b)
            g_bytes_unref(b);
    }
    return 0;
}
