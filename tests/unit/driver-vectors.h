/* Helpers shared by the driver tests: encode one command and compare the
 * frames with bytes written out in the test, decode written-out bytes. */
#pragma once

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol/driver.h"

/* One command and the single frame it must encode to. */
typedef struct {
    MpCommandKind kind;
    double value;
    guint8 seq;
    const guint8 *bytes;
    gsize len;
} EncodeVector;

#define FRAME(...) (const guint8[]){__VA_ARGS__}, sizeof((const guint8[]){__VA_ARGS__})

static inline void assert_bytes(GBytes *got, const guint8 *want, gsize want_len)
{
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(got, &len);
    if (len != want_len || memcmp(data, want, len) != 0) {
        g_autofree char *g = mp_hex_format(data, len);
        g_autofree char *w = mp_hex_format(want, want_len);
        fail_msg("frame differs:\n  got  %s\n  want %s", g, w);
    }
}

static inline void check_encode_vectors(const MpDriver *driver, const EncodeVector *v, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        g_autoptr(GError) error = NULL;
        MpCommand cmd = {v[i].kind, v[i].value};
        if (!mp_driver_encode(driver, &cmd, v[i].seq, frames, &error))
            fail_msg("%s %g: %s", mp_command_kind_to_string(v[i].kind), v[i].value, error->message);
        assert_int_equal(frames->len, 1);
        assert_bytes(g_ptr_array_index(frames, 0), v[i].bytes, v[i].len);
    }
}

/* Encoding must fail with `code` and leave no frame behind. */
static inline void assert_encode_fails(const MpDriver *driver, MpCommandKind kind, double value,
                                       gint code)
{
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GError) error = NULL;
    MpCommand cmd = {kind, value};
    assert_false(mp_driver_encode(driver, &cmd, 0, frames, &error));
    assert_non_null(error);
    if (!g_error_matches(error, MP_ERROR, code))
        fail_msg("%s %g: expected code %d, got %d (%s)", mp_command_kind_to_string(kind), value,
                 code, error->code, error->message);
    /* Every message names the driver. */
    assert_true(g_str_has_prefix(error->message, driver->name));
    assert_int_equal(frames->len, 0);
}

/* Decoding must fail with `code`; the message must name the driver and
 * contain `needle`. */
static inline void assert_decode_fails(const MpDriver *driver, const char *uuid, const guint8 *data,
                                       gsize len, gint code, const char *needle)
{
    g_autoptr(GError) error = NULL;
    MpReading r;
    assert_false(mp_driver_decode(driver, uuid, data, len, &r, &error));
    assert_non_null(error);
    if (!g_error_matches(error, MP_ERROR, code))
        fail_msg("expected code %d, got %d (%s)", code, error->code, error->message);
    assert_true(g_str_has_prefix(error->message, driver->name));
    if (needle && !strstr(error->message, needle))
        fail_msg("'%s' not in '%s'", needle, error->message);
}

static inline void assert_parse_fails(const MpDriver *driver, const guint8 *data, gsize len,
                                      gint code)
{
    g_autoptr(GError) error = NULL;
    MpCommand cmd;
    guint8 seq;
    assert_false(mp_driver_parse_command(driver, data, len, &cmd, &seq, &error));
    assert_non_null(error);
    if (!g_error_matches(error, MP_ERROR, code))
        fail_msg("expected code %d, got %d (%s)", code, error->code, error->message);
    assert_true(g_str_has_prefix(error->message, driver->name));
}

/* Encodes `kind value`, parses the frame back on the device side. */
static inline MpCommand round_trip(const MpDriver *driver, MpCommandKind kind, double value,
                                   guint8 seq, guint8 *seq_out)
{
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GError) error = NULL;
    MpCommand cmd = {kind, value}, back = {0};
    assert_true(mp_driver_encode(driver, &cmd, seq, frames, &error));
    assert_int_equal(frames->len, 1);
    gsize len;
    const guint8 *data = g_bytes_get_data(g_ptr_array_index(frames, 0), &len);
    if (!mp_driver_parse_command(driver, data, len, &back, seq_out, &error))
        fail_msg("parse back: %s", error->message);
    return back;
}

/* Encodes a reading on the device side and decodes it on the host side. */
static inline MpReading reading_round_trip(const MpDriver *driver, const MpReading *in)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = mp_driver_encode_reading(driver, in, &error);
    if (!frame)
        fail_msg("encode_reading: %s", error->message);
    MpReading out;
    gsize len;
    const guint8 *data = g_bytes_get_data(frame, &len);
    if (!mp_driver_decode(driver, driver->notify_uuid, data, len, &out, &error))
        fail_msg("decode: %s", error->message);
    return out;
}
