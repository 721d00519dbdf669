/* The generic device engine: decode, keep state, answer, enforce keepalive. */
#include <string.h>

#include "sim/device-model.h"

#include "protocol/reference.h"

#define TICK_MS         1000
#define SIM_LOW_BATTERY 5 /* percent: the reference device will not run at or below */

struct _SimDevice {
    MpDriver *driver;
    SimDeviceConfig cfg;
    SimLog *log;
    GStrv uuids;
    GPtrArray *gatt; /* SimGattChar* */
    guint supported; /* MpReadingField mask the driver can encode */
    gboolean is_reference;
    guint speed_lo, speed_hi;  /* the motor's running range, device units */
    MpRefSeqWindow seq_window; /* reference: the device's sequence rule */

    SimDeviceState st; /* what sim_device_get_state() reports */
    gint64 drain_ms;   /* running time not yet turned into a percent of battery */
    gint64 last_tick_us;

    /* Every wait is on this clock: the real one in massage-sim, a fake one
     * in tests, which then advance time instead of sleeping. */
    MsdClock *clock;
    guint watchdog_id; /* keepalive: fires when the host has been quiet too long */
    guint tick_id;     /* battery drain and force readings while connected */
    guint garbage_id;  /* the garbage-every fault */

    SimDeviceCallbacks cb;
    gpointer cb_data;
};

void sim_device_config_init(SimDeviceConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->rssi = -52;
    cfg->battery = 85;
    cfg->drain_s_per_pct = 60;
    cfg->force_period_ms = 1000;
    cfg->powered = TRUE;
}

void sim_device_config_clear(SimDeviceConfig *cfg)
{
    g_clear_pointer(&cfg->name, g_free);
    g_clear_pointer(&cfg->address, g_free);
}

static void gatt_char_free(gpointer p)
{
    SimGattChar *c = p;
    g_free(c->service_uuid);
    g_free(c->uuid);
    g_free(c);
}

static void add_char(SimDevice *dev, const char *service, const char *uuid, SimCharFlags flags)
{
    g_autofree char *norm = mp_uuid_normalise(uuid, NULL);
    if (!norm)
        return;
    /* One characteristic may be both written and notified: merge flags. */
    for (guint i = 0; i < dev->gatt->len; i++) {
        SimGattChar *c = dev->gatt->pdata[i];
        if (g_str_equal(c->uuid, norm)) {
            c->flags |= flags;
            return;
        }
    }
    SimGattChar *c = g_new0(SimGattChar, 1);
    c->service_uuid = mp_uuid_normalise(service, NULL);
    c->uuid = g_steal_pointer(&norm);
    c->flags = flags;
    g_ptr_array_add(dev->gatt, c);
}

/* Which reading fields the driver can put into a notification: asked once,
 * field by field, so the model never sends what the device could not. */
static guint probe_supported(const MpDriver *driver)
{
    static const guint fields[] = {MP_READING_BATTERY,   MP_READING_RUNNING, MP_READING_SPEED,
                                   MP_READING_INTENSITY, MP_READING_FORCE,   MP_READING_ACK,
                                   MP_READING_ERROR};
    guint mask = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        MpReading r = {.fields = fields[i], .battery = 50, .running = TRUE, .speed = 1};
        g_autoptr(GBytes) b = mp_driver_encode_reading(driver, &r, NULL);
        if (b)
            mask |= fields[i];
    }
    return mask;
}

static void build_gatt(SimDevice *dev)
{
    const MpDriver *d = dev->driver;
    const char *svc = d->service_uuid;
    /* Devices written without response usually accept both write types
     * (e.g. the Nordic UART RX characteristic); the reference protocol's
     * Control characteristic is write-without-response only, by its spec. */
    SimCharFlags wflags = d->write_type == MP_WRITE_WITH_RESPONSE ? SIM_CHAR_WRITE
                          : dev->is_reference                     ? SIM_CHAR_WRITE_NR
                                              : (SimCharFlags)(SIM_CHAR_WRITE_NR | SIM_CHAR_WRITE);
    if (d->write_uuid)
        add_char(dev, svc, d->write_uuid, wflags);
    if (d->notify_uuid)
        add_char(dev, svc, d->notify_uuid, SIM_CHAR_NOTIFY);
    for (char **u = d->read_uuids; u && *u; u++) {
        if (mp_uuid_equal(*u, SIM_UUID_BATTERY_LEVEL))
            continue; /* below, in its own service */
        add_char(dev, svc, *u, SIM_CHAR_READ);
    }
    if (sim_device_has_battery_service(dev))
        add_char(dev, SIM_UUID_BATTERY_SERVICE, SIM_UUID_BATTERY_LEVEL,
                 SIM_CHAR_READ | SIM_CHAR_NOTIFY);
}

gboolean sim_device_has_battery_service(const SimDevice *dev)
{
    /* The reference protocol reports battery through the standard Battery
     * Service; so does any driver that asks to read Battery Level. */
    if (g_strcmp0(dev->driver->name, "reference") == 0)
        return TRUE;
    for (char **u = dev->driver->read_uuids; u && *u; u++)
        if (mp_uuid_equal(*u, SIM_UUID_BATTERY_LEVEL))
            return TRUE;
    return FALSE;
}

SimDevice *sim_device_new(MpDriver *driver, const SimDeviceConfig *cfg, SimLog *log,
                          MsdClock *clock)
{
    SimDevice *dev = g_new0(SimDevice, 1);
    dev->driver = mp_driver_ref(driver);
    dev->clock = msd_clock_ref(clock);
    dev->cfg = *cfg;
    dev->cfg.name = g_strdup(cfg->name ? cfg->name : driver->name);
    dev->cfg.address = g_ascii_strup(cfg->address ? cfg->address : "AA:BB:CC:DD:EE:FF", -1);
    dev->log = log;
    dev->gatt = g_ptr_array_new_with_free_func(gatt_char_free);
    dev->is_reference = g_strcmp0(driver->name, "reference") == 0;
    dev->speed_lo = driver->speed_min;
    dev->speed_hi = driver->speed_max;
    if (dev->is_reference) {
        /* The simulated reference device: a percussion gun of 1750..3200 rpm. */
        dev->speed_lo = 1750;
        dev->speed_hi = 3200;
    }
    build_gatt(dev);
    g_autoptr(GStrvBuilder) ub = g_strv_builder_new();
    g_autofree char *svc =
        driver->service_uuid ? mp_uuid_normalise(driver->service_uuid, NULL) : NULL;
    if (svc)
        g_strv_builder_add(ub, svc);
    if (sim_device_has_battery_service(dev))
        g_strv_builder_add(ub, SIM_UUID_BATTERY_SERVICE);
    dev->uuids = g_strv_builder_end(ub);
    dev->supported = probe_supported(driver);
    dev->st.powered = cfg->powered;
    dev->st.battery = MIN(cfg->battery, 100);
    return dev;
}

static void stop_timers(SimDevice *dev)
{
    msd_clock_clear(dev->clock, &dev->watchdog_id);
    msd_clock_clear(dev->clock, &dev->tick_id);
    msd_clock_clear(dev->clock, &dev->garbage_id);
}

void sim_device_free(SimDevice *dev)
{
    if (!dev)
        return;
    stop_timers(dev);
    g_ptr_array_unref(dev->gatt);
    g_strfreev(dev->uuids);
    sim_device_config_clear(&dev->cfg);
    mp_driver_unref(dev->driver);
    msd_clock_unref(dev->clock);
    g_free(dev);
}

void sim_device_set_callbacks(SimDevice *dev, const SimDeviceCallbacks *cb, gpointer user_data)
{
    dev->cb = *cb;
    dev->cb_data = user_data;
}

const char *sim_device_get_address(const SimDevice *dev)
{
    return dev->cfg.address;
}
const char *sim_device_get_name(const SimDevice *dev)
{
    return dev->cfg.name;
}
const MpDriver *sim_device_get_driver(const SimDevice *dev)
{
    return dev->driver;
}
const SimDeviceConfig *sim_device_get_config(const SimDevice *dev)
{
    return &dev->cfg;
}
SimDeviceConfig *sim_device_get_config_mut(SimDevice *dev)
{
    return &dev->cfg;
}
const char *const *sim_device_get_uuids(const SimDevice *dev)
{
    return (const char *const *)dev->uuids;
}
GPtrArray *sim_device_get_gatt(const SimDevice *dev)
{
    return dev->gatt;
}
gboolean sim_device_is_connected(const SimDevice *dev)
{
    return dev->st.connected;
}

void sim_device_get_state(const SimDevice *dev, SimDeviceState *out)
{
    *out = dev->st;
}

static void notify(SimDevice *dev, const char *uuid, GBytes *value)
{
    if (dev->st.connected && dev->cb.notify && uuid)
        dev->cb.notify(dev, uuid, value, dev->cb_data);
}

/* Sends one reading on the notify characteristic, as one frame if the driver
 * can encode the fields together, else one frame per field. */
static void send_reading(SimDevice *dev, const MpReading *reading)
{
    MpReading r = *reading;
    r.fields &= dev->supported;
    if (!r.fields || !dev->driver->notify_uuid)
        return;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) frame = mp_driver_encode_reading(dev->driver, &r, &error);
    if (frame) {
        notify(dev, dev->driver->notify_uuid, frame);
        return;
    }
    for (guint bit = 1; bit <= MP_READING_INFO; bit <<= 1) {
        if (!(r.fields & bit))
            continue;
        MpReading one = r;
        one.fields = bit;
        g_autoptr(GBytes) f = mp_driver_encode_reading(dev->driver, &one, NULL);
        if (f)
            notify(dev, dev->driver->notify_uuid, f);
    }
}

static void fill_state(const SimDevice *dev, MpReading *r, guint fields)
{
    r->fields = fields;
    r->running = dev->st.running;
    r->intensity = dev->st.intensity;
    r->speed = dev->st.speed;
    r->battery = dev->st.battery;
    r->force = dev->st.force;
}

static void notify_battery_level(SimDevice *dev)
{
    if (!sim_device_has_battery_service(dev))
        return;
    guint8 level = (guint8)dev->st.battery;
    g_autoptr(GBytes) b = g_bytes_new(&level, 1);
    notify(dev, SIM_UUID_BATTERY_LEVEL, b);
}

static void set_running(SimDevice *dev, gboolean running)
{
    dev->st.running = running;
    if (!running)
        dev->st.force = 0;
}

static void power_off(SimDevice *dev, const char *reason)
{
    set_running(dev, FALSE);
    dev->st.powered = FALSE;
    sim_log_event(dev->log, dev->cfg.address, "power-off", "reason", reason, NULL);
    if (dev->st.connected && dev->cb.drop_link)
        dev->cb.drop_link(dev, reason, dev->cb_data); /* calls sim_device_link_down */
}

static guint keepalive_timeout_ms(const SimDevice *dev)
{
    if (dev->cfg.keepalive_timeout_ms)
        return dev->cfg.keepalive_timeout_ms;
    return dev->driver->keepalive_ms * 3;
}

static void send_error(SimDevice *dev, guint code)
{
    MpReading r = {.fields = MP_READING_ERROR, .error_code = code};
    send_reading(dev, &r);
}

static void on_watchdog(gpointer user_data)
{
    SimDevice *dev = user_data;
    dev->watchdog_id = 0;
    if (dev->st.running) {
        set_running(dev, FALSE);
        g_autofree char *ms = g_strdup_printf("%u", keepalive_timeout_ms(dev));
        sim_log_event(dev->log, dev->cfg.address, "keepalive-timeout", "timeout_ms", ms, NULL);
        if (dev->is_reference)
            send_error(dev, MP_REF_ERR_WATCHDOG);
        MpReading r = {0};
        fill_state(dev, &r, MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED);
        send_reading(dev, &r);
    }
}

/* A timer `ms` from now. Periodic timers re-arm from "now" rather than from
 * their last deadline, as the GLib timeouts they replace did: after a stall a
 * real device does not burst the readings it missed, and the battery drain
 * counts the time that really passed. */
static guint schedule_in(SimDevice *dev, guint ms, MsdClockFunc func)
{
    return msd_clock_schedule(dev->clock, msd_clock_now(dev->clock) + (gint64)ms * 1000, func, dev);
}

/* The device-side keepalive: any frame from the host re-arms it. */
static void rearm_watchdog(SimDevice *dev)
{
    msd_clock_clear(dev->clock, &dev->watchdog_id);
    if (dev->driver->keepalive_ms && dev->st.connected)
        dev->watchdog_id = schedule_in(dev, keepalive_timeout_ms(dev), on_watchdog);
}

static guint tick_period_ms(const SimDevice *dev)
{
    return dev->cfg.force_period_ms ? dev->cfg.force_period_ms : TICK_MS;
}

static void on_tick(gpointer user_data)
{
    SimDevice *dev = user_data;
    /* The next tick first: a power-off below (battery empty) drops the link,
     * and link_down cancels it with the others. */
    dev->tick_id = schedule_in(dev, tick_period_ms(dev), on_tick);
    gint64 now = msd_clock_now(dev->clock);
    gint64 elapsed_ms = (now - dev->last_tick_us) / 1000;
    dev->last_tick_us = now;
    if (!dev->st.running)
        return;
    /* A plausible force: rises with intensity, a little ripple over time. */
    dev->st.force = 2.0 + dev->st.intensity * 0.3 + (double)((now / 100000) % 7) * 0.1;
    if (dev->supported & MP_READING_FORCE) {
        MpReading r = {0};
        fill_state(dev, &r, MP_READING_FORCE);
        send_reading(dev, &r);
    }
    if (dev->cfg.drain_s_per_pct) {
        dev->drain_ms += elapsed_ms;
        gint64 per = (gint64)dev->cfg.drain_s_per_pct * 1000;
        if (dev->drain_ms >= per && dev->st.battery > 0) {
            dev->drain_ms -= per;
            dev->st.battery--;
            notify_battery_level(dev);
            if (dev->st.battery == 0)
                power_off(dev, "battery-empty"); /* last: it may end the link */
        }
    }
}

static void on_garbage(gpointer user_data)
{
    SimDevice *dev = user_data;
    dev->garbage_id = schedule_in(dev, dev->cfg.garbage_every_ms, on_garbage);
    sim_device_send_garbage(dev, NULL, NULL);
}

void sim_device_link_up(SimDevice *dev)
{
    dev->st.connected = TRUE;
    mp_reference_seq_reset(&dev->seq_window);
    dev->last_tick_us = msd_clock_now(dev->clock);
    if (!dev->tick_id)
        dev->tick_id = schedule_in(dev, tick_period_ms(dev), on_tick);
    rearm_watchdog(dev);
    if (dev->cfg.garbage_every_ms && !dev->garbage_id)
        dev->garbage_id = schedule_in(dev, dev->cfg.garbage_every_ms, on_garbage);
    sim_log_event(dev->log, dev->cfg.address, "connect", NULL);
}

void sim_device_link_down(SimDevice *dev, const char *reason)
{
    if (!dev->st.connected)
        return;
    dev->st.connected = FALSE;
    stop_timers(dev);
    /* A massage device with no host stops: nobody could stop it otherwise. */
    set_running(dev, FALSE);
    sim_log_event(dev->log, dev->cfg.address, "disconnect", "reason", reason, NULL);
}

/* The device's whole state in one reading (the reference protocol's STATE). */
static void send_state(SimDevice *dev)
{
    MpReading r = {0};
    fill_state(dev, &r,
               MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY | MP_READING_BATTERY);
    send_reading(dev, &r);
}

static void apply(SimDevice *dev, const MpCommand *cmd)
{
    double span = (double)dev->speed_hi - (double)dev->speed_lo;
    switch (cmd->kind) {
    case MP_CMD_START:
        set_running(dev, TRUE);
        if (cmd->value > 0)
            dev->st.intensity = CLAMP(cmd->value, 0, 100);
        else if (dev->st.intensity <= 0)
            dev->st.intensity = 1; /* the device's lowest setting */
        if (span > 0)
            dev->st.speed = (guint)(dev->speed_lo + span * dev->st.intensity / 100.0 + 0.5);
        break;
    case MP_CMD_STOP:
        set_running(dev, FALSE);
        break;
    case MP_CMD_INTENSITY:
        dev->st.intensity = CLAMP(cmd->value, 0, 100);
        if (span > 0)
            dev->st.speed = (guint)(dev->speed_lo + span * dev->st.intensity / 100.0 + 0.5);
        set_running(dev, dev->st.intensity > 0);
        break;
    case MP_CMD_SPEED:
        dev->st.speed = (guint)MAX(cmd->value, 0);
        if (span > 0)
            dev->st.intensity =
                CLAMP((dev->st.speed - (double)dev->speed_lo) * 100.0 / span, 0, 100);
        set_running(dev, dev->st.speed > 0);
        break;
    case MP_CMD_STATUS:
        send_state(dev);
        break;
    case MP_CMD_BATTERY: {
        MpReading r = {0};
        fill_state(dev, &r, MP_READING_BATTERY);
        send_reading(dev, &r);
        break;
    }
    case MP_CMD_MODE:
    case MP_CMD_KEEPALIVE:
        break;
    }
}

/* ---- the reference protocol's device-side rules (docs/protocol.md) ---- */

/* A frame the driver could not parse: the reference device answers with an
 * ACK carrying the protocol's status code, so the host learns why. */
static void reference_refuse(SimDevice *dev, const guint8 *data, gsize len)
{
    if (!dev->is_reference || len < 3)
        return;
    MpCommand cmd;
    guint8 seq = 0, status = 0;
    if (mp_reference_parse_control(data, len, &cmd, &seq, &status, NULL) || status == 0)
        return;
    /* A frame whose CRC checked (the refusal came after the CRC: version,
     * opcode, value) still shows the host is alive. */
    if (status != MP_REF_ERR_BAD_LENGTH && status != MP_REF_ERR_BAD_CRC)
        rearm_watchdog(dev);
    /* A bad CRC means SEQ itself cannot be trusted: no ACK for it, an ERROR. */
    if (status == MP_REF_ERR_BAD_CRC) {
        send_error(dev, MP_REF_ERR_BAD_CRC);
        return;
    }
    MpReading r = {.fields = MP_READING_ACK, .ack_seq = data[2], .ack_status = status};
    send_reading(dev, &r);
}

/* A parsed frame the reference device still refuses: 0 when accepted. */
static guint8 reference_check(SimDevice *dev, const MpCommand *cmd, guint8 seq)
{
    if (!dev->is_reference)
        return 0;
    if (cmd->kind == MP_CMD_SPEED && cmd->value != 0 &&
        (cmd->value < dev->speed_lo || cmd->value > dev->speed_hi))
        return MP_REF_ERR_OUT_OF_RANGE;
    if ((cmd->kind == MP_CMD_START || (cmd->kind == MP_CMD_INTENSITY && cmd->value > 0) ||
         (cmd->kind == MP_CMD_SPEED && cmd->value > 0)) &&
        dev->st.battery <= SIM_LOW_BATTERY)
        return MP_REF_ERR_LOW_BATTERY;
    /* Last, so that only a frame about to be applied moves the window. STOP
     * is applied whatever its sequence number (stop must never be lost);
     * STATUS and KEEPALIVE neither go stale nor move the window. */
    return mp_reference_seq_accept(&dev->seq_window, cmd->kind, seq);
    return 0;
}

static GBytes *reference_read(SimDevice *dev, const char *uuid)
{
    if (dev->is_reference && mp_uuid_equal(uuid, MP_REF_CAPABILITIES_UUID)) {
        MpRefCapabilities caps = {
            .version_major = MP_REF_VERSION_MAJOR,
            .version_minor = MP_REF_VERSION_MINOR,
            .kind = MP_REF_KIND_PERCUSSION,
            .features = MP_REF_FEATURE_SPEED | MP_REF_FEATURE_FORCE | MP_REF_FEATURE_BATTERY,
            .speed_min = (guint16)dev->speed_lo,
            .speed_max = (guint16)dev->speed_hi,
            .speed_unit = MP_REF_UNIT_RPM,
            .watchdog_ms = (guint16)MIN(keepalive_timeout_ms(dev), G_MAXUINT16),
            .mode_count = 0,
            .min_gap_ms = MP_REF_DEFAULT_MIN_GAP_MS,
        };
        return mp_reference_encode_capabilities(&caps);
    }
    return NULL;
}

static const SimGattChar *find_char(const SimDevice *dev, const char *uuid)
{
    for (guint i = 0; i < dev->gatt->len; i++) {
        const SimGattChar *c = dev->gatt->pdata[i];
        if (mp_uuid_equal(c->uuid, uuid))
            return c;
    }
    return NULL;
}

gboolean sim_device_write(SimDevice *dev, const char *char_uuid, const guint8 *data, gsize len,
                          GError **error)
{
    const SimGattChar *c = find_char(dev, char_uuid);
    if (!c || !(c->flags & (SIM_CHAR_WRITE | SIM_CHAR_WRITE_NR))) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: characteristic %s is not writable",
                    dev->cfg.address, char_uuid);
        return FALSE;
    }
    dev->st.writes++;
    MpCommand cmd = {0};
    guint8 seq = 0;
    g_autoptr(GError) perr = NULL;
    if (!mp_driver_parse_command(dev->driver, data, len, &cmd, &seq, &perr)) {
        sim_log_write(dev->log, dev->cfg.address, c->uuid, data, len, NULL, FALSE, 0,
                      perr->message);
        reference_refuse(dev, data, len);
        return TRUE;
    }
    guint8 status = reference_check(dev, &cmd, seq);
    g_autofree char *refused = status ? g_strdup_printf("refused: status %u", status) : NULL;
    sim_log_write(dev->log, dev->cfg.address, c->uuid, data, len, &cmd, dev->driver->uses_seq, seq,
                  refused);
    /* Any frame from the host, even a refused one, shows the host is alive. */
    rearm_watchdog(dev);
    /* The reference protocol's order (docs/protocol.md §7): ACK, then a STATE
     * if the frame changed running, intensity or speed (or asked for one). */
    if (dev->driver->uses_seq) {
        MpReading r = {.fields = MP_READING_ACK, .ack_seq = seq, .ack_status = status};
        send_reading(dev, &r);
    }
    if (!status) {
        gboolean was_running = dev->st.running;
        double was_intensity = dev->st.intensity;
        guint was_speed = dev->st.speed;
        apply(dev, &cmd);
        if (dev->is_reference && cmd.kind != MP_CMD_STATUS &&
            (dev->st.running != was_running || dev->st.intensity != was_intensity ||
             dev->st.speed != was_speed))
            send_state(dev);
    }
    return TRUE;
}

GBytes *sim_device_read(SimDevice *dev, const char *char_uuid, GError **error)
{
    const SimGattChar *c = find_char(dev, char_uuid);
    if (!c || !(c->flags & SIM_CHAR_READ)) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: characteristic %s is not readable",
                    dev->cfg.address, char_uuid);
        return NULL;
    }
    if (mp_uuid_equal(c->uuid, SIM_UUID_BATTERY_LEVEL)) {
        guint8 level = (guint8)dev->st.battery;
        return g_bytes_new(&level, 1);
    }
    GBytes *ref = reference_read(dev, c->uuid);
    if (ref)
        return ref;
    /* Other readable characteristics (capabilities, device information)
     * answer with the device's state as a reading frame if the driver has
     * one, else with the device name as Device Information does. */
    MpReading r = {0};
    fill_state(dev, &r,
               (MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY | MP_READING_BATTERY) &
                   dev->supported);
    GBytes *b = r.fields ? mp_driver_encode_reading(dev->driver, &r, NULL) : NULL;
    if (b)
        return b;
    return g_bytes_new(dev->cfg.name, strlen(dev->cfg.name));
}

void sim_device_set_battery(SimDevice *dev, guint percent)
{
    dev->st.battery = MIN(percent, 100);
    g_autofree char *pct = g_strdup_printf("%u", dev->st.battery);
    sim_log_event(dev->log, dev->cfg.address, "battery", "percent", pct, NULL);
    notify_battery_level(dev);
    if (dev->is_reference && dev->st.running && dev->st.battery <= SIM_LOW_BATTERY &&
        dev->st.battery > 0) {
        /* Too low to run: the device stops itself and says why. */
        set_running(dev, FALSE);
        sim_log_event(dev->log, dev->cfg.address, "low-battery-stop", NULL);
        send_error(dev, MP_REF_ERR_LOW_BATTERY);
        MpReading r = {0};
        fill_state(dev, &r, MP_READING_RUNNING | MP_READING_INTENSITY | MP_READING_SPEED);
        send_reading(dev, &r);
    }
    if (dev->st.battery == 0 && dev->st.powered)
        power_off(dev, "battery-empty");
}

gboolean sim_device_press_button(SimDevice *dev)
{
    gboolean was_running = dev->st.running;
    set_running(dev, FALSE);
    sim_log_event(dev->log, dev->cfg.address, "button-stop", "was_running",
                  was_running ? "true" : "false", NULL);
    /* Only the button's stop is modelled: a press at rest (which would start
     * some real devices) changes nothing and reports nothing. */
    if (!was_running)
        return FALSE;
    /* docs/protocol.md §10.3: stop on the button and report it, ERROR
     * USER_STOP then a STATE. */
    if (dev->is_reference)
        send_error(dev, MP_REF_ERR_USER_STOP);
    /* Drivers that cannot say "running" (Lovense-style: type, battery, OK,
     * ERR) stop silently, as such devices do. */
    if (!(dev->supported & MP_READING_RUNNING))
        return TRUE;
    MpReading r = {0};
    fill_state(dev, &r,
               MP_READING_RUNNING | MP_READING_SPEED | MP_READING_INTENSITY | MP_READING_BATTERY);
    r.speed = 0; /* §7: speed is 0 when stopped */
    send_reading(dev, &r);
    return TRUE;
}

void sim_device_set_powered(SimDevice *dev, gboolean powered)
{
    if (!powered) {
        if (dev->st.powered)
            power_off(dev, "power-off");
        return;
    }
    if (!dev->st.powered) {
        dev->st.powered = TRUE;
        sim_log_event(dev->log, dev->cfg.address, "power-on", NULL);
    }
}

gboolean sim_device_send_garbage(SimDevice *dev, GBytes *garbage, GError **error)
{
    if (!dev->driver->notify_uuid) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED,
                    "%s: the device has no notify characteristic", dev->cfg.address);
        return FALSE;
    }
    g_autoptr(GBytes) bytes = garbage ? g_bytes_ref(garbage) : NULL;
    if (!bytes) {
        guint8 buf[20];
        gsize n = (gsize)g_random_int_range(1, sizeof buf + 1);
        for (gsize i = 0; i < n; i++)
            buf[i] = (guint8)g_random_int_range(0, 256);
        bytes = g_bytes_new(buf, n);
    }
    gsize len = 0;
    const guint8 *p = g_bytes_get_data(bytes, &len);
    g_autofree char *hex = mp_hex_format(p, len);
    sim_log_event(dev->log, dev->cfg.address, "garbage", "hex", hex, NULL);
    notify(dev, dev->driver->notify_uuid, bytes);
    return TRUE;
}
