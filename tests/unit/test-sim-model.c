/* The simulator's device model with a driver built here: decoding, state,
 * answers, sequence acknowledgements, the keepalive watchdog, battery and
 * power, the device's own stop button (also with the built-in drivers), and
 * the command log's lines. No D-Bus: the model is transport-free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "protocol/reference.h"
#include "sim/device-model.h"
#include "sim-fixture.h"

/* A tiny protocol: frames are [kind, value, seq]; readings are
 * [0xB0, fields low byte, running, intensity, battery, ack_seq, ack_status]. */
static gboolean t_parse(const MpDriver *d, const guint8 *data, gsize len, MpCommand *out,
                        guint8 *seq, GError **error)
{
    if (len != 3 || data[0] > MP_CMD_BATTERY) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "bad frame (%zu bytes)", len);
        return FALSE;
    }
    out->kind = (MpCommandKind)data[0];
    out->value = data[1];
    *seq = data[2];
    return TRUE;
}

static GBytes *t_encode_reading(const MpDriver *d, const MpReading *r, GError **error)
{
    if (r->fields & MP_READING_FORCE) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "no force");
        return NULL;
    }
    guint8 f[7] = {0xB0,
                   (guint8)r->fields,
                   (guint8)r->running,
                   (guint8)r->intensity,
                   (guint8)r->battery,
                   (guint8)r->ack_seq,
                   (guint8)r->ack_status};
    return g_bytes_new(f, sizeof f);
}

static MpDriver *test_driver(void)
{
    MpDriver *d = mp_driver_new();
    d->name = g_strdup("unit");
    d->service_uuid = g_strdup("0000fff0-0000-1000-8000-00805f9b34fb");
    d->write_uuid = g_strdup("0000fff1-0000-1000-8000-00805f9b34fb");
    d->notify_uuid = g_strdup("0000fff2-0000-1000-8000-00805f9b34fb");
    d->write_type = MP_WRITE_WITHOUT_RESPONSE;
    d->keepalive_ms = 50; /* device watchdog: 150 ms */
    d->speed_min = 1000;
    d->speed_max = 3000;
    d->uses_seq = TRUE;
    d->parse_command = t_parse;
    d->encode_reading = t_encode_reading;
    return d;
}

static void on_notify(SimDevice *dev, const char *uuid, GBytes *value, gpointer user_data)
{
    SimFixture *f = user_data;
    assert_string_equal(uuid, "0000fff2-0000-1000-8000-00805f9b34fb");
    g_ptr_array_add(f->notified, g_bytes_ref(value));
}

static void on_drop(SimDevice *dev, const char *reason, gpointer user_data)
{
    SimFixture *f = user_data;
    f->drops++;
    sim_device_link_down(dev, reason);
}

static int setup(void **state)
{
    g_autoptr(MpDriver) d = test_driver();
    SimDeviceConfig cfg;
    sim_device_config_init(&cfg);
    cfg.address = g_strdup("aa:bb:cc:dd:ee:01");
    cfg.battery = 50;
    static const SimDeviceCallbacks cb = {.notify = on_notify, .drop_link = on_drop};
    *state = sim_fixture_new("sim-model-XXXXXX.jsonl", d, &cfg, &cb);
    sim_device_config_clear(&cfg);
    return 0;
}

static void write3(SimFixture *f, guint8 kind, guint8 value, guint8 seq)
{
    guint8 frame[3] = {kind, value, seq};
    assert_true(sim_device_write(f->dev, "fff1", frame, 3, NULL));
}

static void assert_notified(SimFixture *f, guint i, const guint8 *want, gsize n)
{
    assert_true(i < f->notified->len);
    gsize len = 0;
    const guint8 *got = g_bytes_get_data(f->notified->pdata[i], &len);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
}

static void test_gatt_layout(void **state)
{
    SimFixture *f = *state;
    GPtrArray *gatt = sim_device_get_gatt(f->dev);
    assert_int_equal(gatt->len, 2);
    const SimGattChar *w = gatt->pdata[0], *n = gatt->pdata[1];
    assert_string_equal(w->uuid, "0000fff1-0000-1000-8000-00805f9b34fb");
    assert_int_equal(w->flags, SIM_CHAR_WRITE_NR | SIM_CHAR_WRITE);
    assert_string_equal(n->uuid, "0000fff2-0000-1000-8000-00805f9b34fb");
    assert_int_equal(n->flags, SIM_CHAR_NOTIFY);
    assert_false(sim_device_has_battery_service(f->dev));
    assert_string_equal(sim_device_get_address(f->dev), "AA:BB:CC:DD:EE:01");
    assert_string_equal(sim_device_get_name(f->dev), "unit");
}

static void test_start_intensity_ack(void **state)
{
    SimFixture *f = *state;
    write3(f, MP_CMD_INTENSITY, 40, 7);
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_true(st.running);
    assert_true(st.intensity == 40.0);
    assert_int_equal(st.speed, 1800); /* 1000 + 40 % of 2000 */
    static const guint8 ack[] = {0xB0, MP_READING_ACK, 0, 0, 0, 7, 0};
    assert_int_equal(f->notified->len, 1);
    assert_notified(f, 0, ack, sizeof ack);
    write3(f, MP_CMD_STOP, 0, 8);
    sim_device_get_state(f->dev, &st);
    assert_false(st.running);
}

static void test_status_answer(void **state)
{
    SimFixture *f = *state;
    write3(f, MP_CMD_START, 30, 1);
    write3(f, MP_CMD_STATUS, 0, 2);
    /* ack(1), ack(2), then the status reading: an answer follows its ACK. */
    assert_int_equal(f->notified->len, 3);
    static const guint8 status[] = {
        0xB0, MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY | MP_READING_BATTERY,
        1,    30,
        50,   0,
        0};
    assert_notified(f, 2, status, sizeof status);
}

static void test_garbage_is_logged_not_applied(void **state)
{
    SimFixture *f = *state;
    static const guint8 junk[] = {0xde, 0xad};
    assert_true(sim_device_write(f->dev, "fff1", junk, sizeof junk, NULL));
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_false(st.running);
    assert_int_equal(st.writes, 1);
    assert_int_equal(f->notified->len, 0);
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(f->log_path, &text, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(g_strstrip(text), "\n", -1);
    /* "connect" event, then the write. */
    assert_int_equal(g_strv_length(lines), 2);
    g_autoptr(JsonNode) node = json_from_string(lines[1], NULL);
    JsonObject *o = json_node_get_object(node);
    assert_string_equal(json_object_get_string_member(o, "dev"), "AA:BB:CC:DD:EE:01");
    assert_string_equal(json_object_get_string_member(o, "char"),
                        "0000fff1-0000-1000-8000-00805f9b34fb");
    assert_string_equal(json_object_get_string_member(o, "hex"), "de ad");
    assert_string_equal(json_object_get_string_member(o, "error"), "bad frame (2 bytes)");
    assert_false(json_object_has_member(o, "cmd"));
    assert_true(json_object_get_int_member(o, "t_ns") > 0);
}

static void test_write_to_notify_char_refused(void **state)
{
    SimFixture *f = *state;
    g_autoptr(GError) error = NULL;
    guint8 frame[3] = {MP_CMD_START, 10, 1};
    assert_false(sim_device_write(f->dev, "fff2", frame, 3, &error));
    assert_true(g_error_matches(error, MP_ERROR, MP_ERROR_UNSUPPORTED));
}

/* Time passes only when a test says so: the model's timers (watchdog,
 * tick) fire inside this call, in deadline order, with no real waiting. */
static void advance(SimFixture *f, guint ms)
{
    msd_fake_clock_advance(f->clock, (gint64)ms * 1000);
}

static void test_keepalive_watchdog(void **state)
{
    SimFixture *f = *state;
    write3(f, MP_CMD_INTENSITY, 60, 1);
    /* Frames every 50 ms keep it running past the 150 ms watchdog... */
    for (guint8 i = 2; i < 8; i++) {
        advance(f, 50);
        write3(f, MP_CMD_KEEPALIVE, 0, i);
    }
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_true(st.running);
    /* ...silence stops it by itself. */
    advance(f, 400);
    sim_device_get_state(f->dev, &st);
    assert_false(st.running);
    assert_true(st.connected);
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(f->log_path, &text, NULL, NULL));
    assert_non_null(strstr(text, "\"event\":\"keepalive-timeout\",\"timeout_ms\":\"150\""));
}

static void test_link_down_stops(void **state)
{
    SimFixture *f = *state;
    write3(f, MP_CMD_START, 20, 1);
    sim_device_link_down(f->dev, "link-loss");
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_false(st.running);
    assert_false(st.connected);
    /* Nothing is notified without a link. */
    guint before = f->notified->len;
    write3(f, MP_CMD_STATUS, 0, 2);
    assert_int_equal(f->notified->len, before);
}

static void test_battery_and_power(void **state)
{
    SimFixture *f = *state;
    sim_device_set_battery(f->dev, 250);
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_int_equal(st.battery, 100);
    write3(f, MP_CMD_START, 20, 1);
    sim_device_set_battery(f->dev, 0);
    sim_device_get_state(f->dev, &st);
    assert_false(st.powered);
    assert_false(st.running);
    assert_false(st.connected);
    assert_int_equal(f->drops, 1);
    sim_device_set_powered(f->dev, TRUE);
    sim_device_get_state(f->dev, &st);
    assert_true(st.powered);
}

static void test_battery_drains_while_running(void **state)
{
    SimFixture *f = *state;
    /* Re-link so the tick runs every 100 ms; one percent per second. */
    sim_device_link_down(f->dev, "test");
    sim_device_get_config_mut(f->dev)->drain_s_per_pct = 1;
    sim_device_get_config_mut(f->dev)->force_period_ms = 100;
    sim_device_link_up(f->dev);
    write3(f, MP_CMD_INTENSITY, 50, 1);
    for (guint8 i = 2; i < 50; i++) { /* 2.4 s, keepalive frames every 50 ms */
        advance(f, 50);
        write3(f, MP_CMD_KEEPALIVE, 0, i);
    }
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_true(st.running);
    /* 2.4 s of running at one percent a second, on a clock that does not
     * jitter: exactly two percent. */
    assert_int_equal(st.battery, 48);
    /* Idle, it does not drain. */
    write3(f, MP_CMD_STOP, 0, 60);
    guint before = st.battery;
    advance(f, 1300);
    sim_device_get_state(f->dev, &st);
    assert_int_equal(st.battery, before);
}

static void test_garbage_notification(void **state)
{
    SimFixture *f = *state;
    static const guint8 g[] = {1, 2, 3};
    g_autoptr(GBytes) b = g_bytes_new(g, sizeof g);
    assert_true(sim_device_send_garbage(f->dev, b, NULL));
    assert_notified(f, 0, g, sizeof g);
    assert_true(sim_device_send_garbage(f->dev, NULL, NULL));
    assert_int_equal(f->notified->len, 2);
    gsize n = g_bytes_get_size(f->notified->pdata[1]);
    assert_true(n >= 1 && n <= 20);
}

static gboolean log_has(SimFixture *f, const char *needle)
{
    g_autofree char *text = NULL;
    assert_true(g_file_get_contents(f->log_path, &text, NULL, NULL));
    return strstr(text, needle) != NULL;
}

/* The button stops a running motor; a driver that can say "running" reports
 * it in one reading with running cleared and speed 0. At rest a press only
 * logs. */
static void test_button_stop(void **state)
{
    SimFixture *f = *state;
    write3(f, MP_CMD_INTENSITY, 40, 1);
    guint before = f->notified->len;
    assert_true(sim_device_press_button(f->dev));
    SimDeviceState st;
    sim_device_get_state(f->dev, &st);
    assert_false(st.running);
    assert_true(st.connected);
    assert_int_equal(f->notified->len, before + 1);
    static const guint8 stopped[] = {
        0xB0, MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY | MP_READING_BATTERY,
        0,    40,
        50,   0,
        0};
    assert_notified(f, before, stopped, sizeof stopped);
    assert_true(log_has(f, "\"event\":\"button-stop\",\"was_running\":\"true\""));

    assert_false(sim_device_press_button(f->dev));
    assert_int_equal(f->notified->len, before + 1);
    assert_true(log_has(f, "\"event\":\"button-stop\",\"was_running\":\"false\""));
}

/* ---- the button with the built-in drivers ---- */

typedef struct {
    const char *notify_uuid;
    GPtrArray *notified;
} Collect;

static void on_notify_collect(SimDevice *dev, const char *uuid, GBytes *value, gpointer user_data)
{
    Collect *c = user_data;
    if (mp_uuid_equal(uuid, c->notify_uuid))
        g_ptr_array_add(c->notified, g_bytes_ref(value));
}

/* A connected device of `driver`, its motor started at 40 % by the host's own
 * frames; returns what it notified after the button was pressed. */
static GPtrArray *press_while_running(MpDriver *driver)
{
    SimDeviceConfig cfg;
    sim_device_config_init(&cfg);
    cfg.keepalive_timeout_ms = 600000;
    cfg.force_period_ms = 600000; /* no force readings in the way */
    /* Declared first so it goes last: the device holds a reference anyway. */
    g_autoptr(MsdClock) clock = msd_clock_new_fake(0);
    g_autoptr(SimDevice) dev = sim_device_new(driver, &cfg, NULL, clock);
    sim_device_config_clear(&cfg);
    Collect c = {.notify_uuid = driver->notify_uuid,
                 .notified = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref)};
    const SimDeviceCallbacks cb = {.notify = on_notify_collect};
    sim_device_set_callbacks(dev, &cb, &c);
    sim_device_link_up(dev);
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    MpCommand start = {.kind = MP_CMD_START, .value = 40};
    assert_true(mp_driver_encode(driver, &start, 1, frames, NULL));
    for (guint i = 0; i < frames->len; i++) {
        gsize len = 0;
        const guint8 *p = g_bytes_get_data(frames->pdata[i], &len);
        assert_true(sim_device_write(dev, driver->write_uuid, p, len, NULL));
    }
    SimDeviceState st;
    sim_device_get_state(dev, &st);
    assert_true(st.running);
    g_ptr_array_set_size(c.notified, 0);
    assert_true(sim_device_press_button(dev));
    sim_device_get_state(dev, &st);
    assert_false(st.running);
    return c.notified;
}

static MpReading decoded(MpDriver *driver, GPtrArray *notified, guint i)
{
    assert_true(i < notified->len);
    gsize len = 0;
    const guint8 *p = g_bytes_get_data(notified->pdata[i], &len);
    MpReading r = {0};
    g_autoptr(GError) error = NULL;
    gboolean ok = mp_driver_decode(driver, driver->notify_uuid, p, len, &r, &error);
    if (!ok)
        fail_msg("%s: notification %u does not decode: %s", driver->name, i, error->message);
    return r;
}

/* Reference: ERROR USER_STOP (0x14), then a STATE with running cleared. */
static void test_button_stop_reference(void **state)
{
    g_autoptr(MpDriver) d = mp_driver_reference_new();
    g_autoptr(GPtrArray) n = press_while_running(d);
    assert_int_equal(n->len, 2);
    MpReading err = decoded(d, n, 0);
    assert_true(err.fields & MP_READING_ERROR);
    assert_int_equal(err.error_code, MP_REF_ERR_USER_STOP);
    MpReading st = decoded(d, n, 1);
    assert_true(st.fields & MP_READING_RUNNING);
    assert_false(st.running);
    assert_int_equal(st.speed, 0);
}

/* Theragun: a status reply with running = 0 (the simulator's assumption). */
static void test_button_stop_theragun(void **state)
{
    g_autoptr(MpDriver) d = mp_driver_theragun_new();
    g_autoptr(GPtrArray) n = press_while_running(d);
    assert_int_equal(n->len, 1);
    MpReading st = decoded(d, n, 0);
    assert_true(st.fields & MP_READING_RUNNING);
    assert_false(st.running);
}

/* Lovense-style: its readings cannot say "running": it stops silently. */
static void test_button_stop_lovense(void **state)
{
    g_autoptr(MpDriver) d = mp_driver_lovense_new();
    g_autoptr(GPtrArray) n = press_while_running(d);
    assert_int_equal(n->len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gatt_layout, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_start_intensity_ack, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_status_answer, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_is_logged_not_applied, setup,
                                        sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_write_to_notify_char_refused, setup,
                                        sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_watchdog, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_link_down_stops, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_battery_and_power, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_notification, setup, sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_battery_drains_while_running, setup,
                                        sim_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_button_stop, setup, sim_fixture_teardown),
        cmocka_unit_test(test_button_stop_reference),
        cmocka_unit_test(test_button_stop_theragun),
        cmocka_unit_test(test_button_stop_lovense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
