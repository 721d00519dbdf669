/* The simulated reference device's own rules (docs/protocol.md), with the
 * real reference driver: the sequence window (mp_reference_seq_accept), the
 * ACK-then-STATE order of its answers, the answer to a bad CRC, and what
 * restarts the device-side watchdog. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "protocol/reference.h"
#include "sim/device-model.h"
#include "sim-fixture.h"

static void on_notify(SimDevice *dev, const char *uuid, GBytes *value, gpointer user_data)
{
    SimFixture *f = user_data;
    if (mp_uuid_equal(uuid, MP_REF_STATUS_UUID))
        g_ptr_array_add(f->notified, g_bytes_ref(value));
}

static int setup(void **state)
{
    g_autoptr(MpDriver) d = mp_driver_reference_new();
    SimDeviceConfig cfg;
    sim_device_config_init(&cfg);
    cfg.keepalive_timeout_ms = 300;
    cfg.force_period_ms = 600000; /* no force readings in the way */
    static const SimDeviceCallbacks cb = {.notify = on_notify};
    *state = sim_fixture_new("sim-ref-XXXXXX.jsonl", d, &cfg, &cb);
    sim_device_config_clear(&cfg);
    return 0;
}

/* Writes one Control frame; `bad_crc` flips the CRC's low byte. */
static void send_frame(SimFixture *f, guint8 op, guint8 seq, gint payload, gboolean bad_crc)
{
    guint8 p = (guint8)payload;
    f->before = f->notified->len;
    g_autoptr(GBytes) frame = mp_reference_frame_build(op, seq, &p, payload < 0 ? 0 : 1);
    gsize len = 0;
    guint8 *data = g_memdup2(g_bytes_get_data(frame, &len), g_bytes_get_size(frame));
    if (bad_crc)
        data[len - 2] ^= 0xff;
    assert_true(sim_device_write(f->dev, MP_REF_CONTROL_UUID, data, len, NULL));
    g_free(data);
}

/* The last notification: VER OP SEQ LEN PAYLOAD... */
static const guint8 *last(SimFixture *f)
{
    assert_true(f->notified->len > 0);
    return g_bytes_get_data(f->notified->pdata[f->notified->len - 1], NULL);
}

/* The last frame's first answer is its ACK. */
static void assert_ack(SimFixture *f, guint8 seq, guint8 status)
{
    assert_true(f->notified->len > f->before);
    const guint8 *n = g_bytes_get_data(f->notified->pdata[f->before], NULL);
    assert_int_equal(n[1], MP_REF_OP_ACK);
    assert_int_equal(n[4], seq);
    assert_int_equal(n[5], status);
}

/* After the ACK: a STATE (running flag, intensity) if the frame changed the
 * state or asked for it, else nothing (docs/protocol.md section 7). */
static void assert_state(SimFixture *f, gboolean is_running, guint8 intensity)
{
    assert_int_equal(f->notified->len, f->before + 2);
    const guint8 *n = last(f);
    assert_int_equal(n[1], MP_REF_OP_STATE);
    assert_int_equal(n[4] & 1, is_running ? 1 : 0);
    assert_int_equal(n[5], intensity);
}

static void assert_no_state(SimFixture *f)
{
    assert_int_equal(f->notified->len, f->before + 1);
}

static gboolean running(SimFixture *f)
{
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    return st.running;
}

/* Time passes only when a test says so: the model's timers (watchdog,
 * tick) fire inside this call, in deadline order, with no real waiting. */
static void advance(SimFixture *f, guint ms)
{
    msd_fake_clock_advance(f->clock, (gint64)ms * 1000);
}

/* KEEPALIVE and STATUS with a far-ahead SEQ, and an old STOP, must not move
 * the window: the next state change just after the last applied one is
 * still accepted. */
static void test_window_moves_only_on_state_changes(void **state)
{
    SimFixture *f = *state;
    send_frame(f, MP_REF_OP_START, 5, 30, FALSE);
    assert_ack(f, 5, MP_REF_OK);
    assert_state(f, TRUE, 30);
    send_frame(f, MP_REF_OP_KEEPALIVE, 40, -1, FALSE);
    assert_ack(f, 40, MP_REF_OK);
    assert_no_state(f);
    send_frame(f, MP_REF_OP_INTENSITY, 6, 40, FALSE);
    assert_ack(f, 6, MP_REF_OK);
    assert_state(f, TRUE, 40);
    send_frame(f, MP_REF_OP_STATUS_REQ, 90, -1, FALSE);
    assert_ack(f, 90, MP_REF_OK);
    assert_state(f, TRUE, 40); /* asked for, though nothing changed */
    send_frame(f, MP_REF_OP_INTENSITY, 7, 40, FALSE);
    assert_ack(f, 7, MP_REF_OK);
    assert_no_state(f); /* the same level: no change, no STATE */
    send_frame(f, MP_REF_OP_INTENSITY, 7, 45, FALSE);
    assert_ack(f, 7, MP_REF_ERR_STALE);
    assert_no_state(f);
    send_frame(f, MP_REF_OP_INTENSITY, 8, 45, FALSE);
    assert_ack(f, 8, MP_REF_OK);
    /* An old STOP still stops... */
    send_frame(f, MP_REF_OP_STOP, 2, -1, FALSE);
    assert_ack(f, 2, MP_REF_OK);
    assert_state(f, FALSE, 45);
    assert_false(running(f));
    /* ...without dragging the window back: 8 is still the last applied. */
    send_frame(f, MP_REF_OP_START, 8, 30, FALSE);
    assert_ack(f, 8, MP_REF_ERR_STALE);
    assert_false(running(f));
    send_frame(f, MP_REF_OP_START, 9, 30, FALSE);
    assert_ack(f, 9, MP_REF_OK);
    assert_true(running(f));
}

/* A frame whose CRC fails: an ERROR BAD_CRC notification, never an ACK
 * (its SEQ cannot be trusted), and nothing applied. */
static void test_bad_crc_gets_error(void **state)
{
    SimFixture *f = *state;
    send_frame(f, MP_REF_OP_START, 1, 30, TRUE);
    assert_int_equal(f->notified->len, 1);
    const guint8 *n = last(f);
    assert_int_equal(n[1], MP_REF_OP_ERROR);
    assert_int_equal(n[4], MP_REF_ERR_BAD_CRC);
    assert_false(running(f));
}

/* Any frame with a valid CRC, even a stale one or one with an opcode the
 * device does not know, restarts the watchdog; a bad-CRC frame does not.
 * Watchdog 300 ms. */
static void test_watchdog_restarted_by_valid_frames(void **state)
{
    SimFixture *f = *state;
    send_frame(f, MP_REF_OP_START, 10, 30, FALSE);
    for (int i = 0; i < 3; i++) { /* 6 x 200 ms: only refused frames keep it up */
        advance(f, 200);
        send_frame(f, MP_REF_OP_INTENSITY, 3, 50, FALSE);
        assert_ack(f, 3, MP_REF_ERR_STALE);
        assert_true(running(f));
        advance(f, 200);
        send_frame(f, 0x55, 12, -1, FALSE); /* unknown opcode */
        assert_ack(f, 12, MP_REF_ERR_UNKNOWN_OPCODE);
        assert_true(running(f));
    }
    for (int i = 0; i < 3; i++) { /* bad-CRC frames do not count */
        advance(f, 120);
        send_frame(f, MP_REF_OP_KEEPALIVE, 11, -1, TRUE);
    }
    advance(f, 100);
    assert_false(running(f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_window_moves_only_on_state_changes, setup,
                                        sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_crc_gets_error, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_restarted_by_valid_frames, setup,
                                        sim_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
