/* The control interface's handlers: look the device up, apply the fault. */
#include "sim/control.h"
#include "sim-api.h"

#define ERR_NOT_FOUND "org.massaged.Sim.Error.NotFound"
#define ERR_INVALID   "org.massaged.Sim.Error.InvalidArgs"

struct _SimControl {
    GDBusConnection *conn;
    FakeBluez *fb;
    SimLog *log;
    SimSim1 *skel;
    guint own_id;
    guint restart_id;
    guint scheduled_id;
    guint scheduled_down_ms;
};

static SimDevice *lookup(SimControl *ctl, GDBusMethodInvocation *inv, const char *address)
{
    SimDevice *dev = fake_bluez_lookup_device(ctl->fb, address);
    if (!dev)
        g_dbus_method_invocation_return_dbus_error(inv, ERR_NOT_FOUND,
                                                   "no simulated device with that address");
    return dev;
}

/* A fault set at run time, in the command log: {"event": "fault", "fault":
 * `fault`, "value": `value`} (no "value" when NULL). */
static void log_fault(SimControl *ctl, const char *address, const char *fault, const char *value)
{
    if (value)
        sim_log_event(ctl->log, address, "fault", "fault", fault, "value", value, NULL);
    else
        sim_log_event(ctl->log, address, "fault", "fault", fault, NULL);
}

static const char *bool_string(gboolean b)
{
    return b ? "true" : "false";
}

static gboolean on_list(SimSim1 *skel, GDBusMethodInvocation *inv, SimControl *ctl)
{
    g_autoptr(GPtrArray) devs = fake_bluez_list_devices(ctl->fb);
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssss)"));
    for (guint i = 0; i < devs->len; i++) {
        SimDevice *d = devs->pdata[i];
        g_variant_builder_add(&b, "(ssss)", sim_device_get_address(d), sim_device_get_name(d),
                              sim_device_get_driver(d)->name,
                              fake_bluez_device_adapter(ctl->fb, sim_device_get_address(d)));
    }
    sim_sim1_complete_list_devices(skel, inv, g_variant_builder_end(&b));
    return TRUE;
}

static gboolean on_get_state(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                             SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    SimDeviceState st;
    sim_device_get_state(dev, &st);
    const SimDeviceConfig *cfg = sim_device_get_config(dev);
    GVariantDict d;
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "powered", "b", st.powered);
    g_variant_dict_insert(&d, "connected", "b", st.connected);
    g_variant_dict_insert(&d, "running", "b", st.running);
    g_variant_dict_insert(&d, "intensity", "d", st.intensity);
    g_variant_dict_insert(&d, "speed", "u", st.speed);
    g_variant_dict_insert(&d, "battery", "u", st.battery);
    g_variant_dict_insert(&d, "force", "d", st.force);
    g_variant_dict_insert(&d, "writes", "u", st.writes);
    g_variant_dict_insert(&d, "refuse-connect", "b", cfg->refuse_connect);
    g_variant_dict_insert(&d, "write-delay-ms", "u", cfg->write_delay_ms);
    g_variant_dict_insert(&d, "fail-writes", "b", cfg->fail_writes);
    sim_sim1_complete_get_state(skel, inv, g_variant_dict_end(&d));
    return TRUE;
}

static gboolean on_drop(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                        guint after_ms, SimControl *ctl)
{
    if (!lookup(ctl, inv, address))
        return TRUE;
    fake_bluez_drop_connection(ctl->fb, address, after_ms, NULL);
    log_fault(ctl, address, "drop-connection", NULL);
    sim_sim1_complete_drop_connection(skel, inv);
    return TRUE;
}

static gboolean on_refuse(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                          gboolean refuse, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    sim_device_get_config_mut(dev)->refuse_connect = refuse;
    log_fault(ctl, address, "refuse-connect", bool_string(refuse));
    sim_sim1_complete_set_refuse_connect(skel, inv);
    return TRUE;
}

static gboolean on_delay(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                         guint delay_ms, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    if (delay_ms > 600000) {
        g_dbus_method_invocation_return_dbus_error(inv, ERR_INVALID,
                                                   "delay_ms: at most 600000 (10 minutes)");
        return TRUE;
    }
    sim_device_get_config_mut(dev)->write_delay_ms = delay_ms;
    g_autofree char *v = g_strdup_printf("%u", delay_ms);
    log_fault(ctl, address, "write-delay", v);
    sim_sim1_complete_set_write_delay(skel, inv);
    return TRUE;
}

static gboolean on_fail(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                        gboolean fail, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    sim_device_get_config_mut(dev)->fail_writes = fail;
    log_fault(ctl, address, "fail-writes", bool_string(fail));
    sim_sim1_complete_set_fail_writes(skel, inv);
    return TRUE;
}

static gboolean on_garbage(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                           GVariant *bytes, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    gsize len = 0;
    const guint8 *data = g_variant_get_fixed_array(bytes, &len, 1);
    g_autoptr(GBytes) b = len ? g_bytes_new(data, len) : NULL;
    g_autoptr(GError) error = NULL;
    if (!sim_device_send_garbage(dev, b, &error)) {
        g_dbus_method_invocation_return_dbus_error(inv, ERR_INVALID, error->message);
        return TRUE;
    }
    sim_sim1_complete_send_garbage(skel, inv);
    return TRUE;
}

static gboolean on_battery(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                           guint percent, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    if (percent > 100) {
        g_dbus_method_invocation_return_dbus_error(inv, ERR_INVALID, "percent: 0..100");
        return TRUE;
    }
    sim_device_set_battery(dev, percent);
    sim_sim1_complete_set_battery(skel, inv);
    return TRUE;
}

static gboolean on_powered(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                           gboolean powered, SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    sim_device_set_powered(dev, powered);
    sim_sim1_complete_set_powered(skel, inv);
    return TRUE;
}

static gboolean on_press_button(SimSim1 *skel, GDBusMethodInvocation *inv, const char *address,
                                SimControl *ctl)
{
    SimDevice *dev = lookup(ctl, inv, address);
    if (!dev)
        return TRUE;
    sim_device_press_button(dev);
    sim_sim1_complete_press_button(skel, inv);
    return TRUE;
}

void sim_control_bluez_changed(SimControl *ctl)
{
    sim_sim1_set_bluez_present(ctl->skel, fake_bluez_is_running(ctl->fb));
}

static gboolean on_restart_done(gpointer user_data)
{
    SimControl *ctl = user_data;
    ctl->restart_id = 0;
    g_autoptr(GError) error = NULL;
    if (!fake_bluez_start(ctl->fb, &error))
        g_warning("massage-sim: bluetoothd restart: %s", error->message);
    return G_SOURCE_REMOVE;
}

/* bluetoothd goes away now and comes back `down_ms` later. */
static void restart_bluez(SimControl *ctl, guint down_ms)
{
    log_fault(ctl, "", "restart-bluez", NULL);
    g_clear_handle_id(&ctl->restart_id, g_source_remove);
    fake_bluez_stop(ctl->fb);
    sim_control_bluez_changed(ctl);
    ctl->restart_id = g_timeout_add(down_ms, on_restart_done, ctl);
}

static gboolean on_scheduled_restart(gpointer user_data)
{
    SimControl *ctl = user_data;
    ctl->scheduled_id = 0;
    restart_bluez(ctl, ctl->scheduled_down_ms);
    return G_SOURCE_REMOVE;
}

void sim_control_schedule_restart(SimControl *ctl, guint at_ms, guint down_ms)
{
    g_clear_handle_id(&ctl->scheduled_id, g_source_remove);
    ctl->scheduled_down_ms = down_ms;
    ctl->scheduled_id = g_timeout_add(at_ms, on_scheduled_restart, ctl);
}

static gboolean on_restart(SimSim1 *skel, GDBusMethodInvocation *inv, guint down_ms,
                           SimControl *ctl)
{
    restart_bluez(ctl, down_ms);
    sim_sim1_complete_restart_bluez(skel, inv);
    return TRUE;
}

static gboolean on_present(SimSim1 *skel, GDBusMethodInvocation *inv, gboolean present,
                           SimControl *ctl)
{
    g_clear_handle_id(&ctl->restart_id, g_source_remove);
    g_autoptr(GError) error = NULL;
    if (present) {
        if (!fake_bluez_start(ctl->fb, &error)) {
            g_dbus_method_invocation_return_gerror(inv, error);
            return TRUE;
        }
    } else {
        fake_bluez_stop(ctl->fb);
        sim_control_bluez_changed(ctl);
    }
    sim_sim1_complete_set_bluez_present(skel, inv);
    return TRUE;
}

SimControl *sim_control_new(GDBusConnection *conn, FakeBluez *fb, SimLog *log)
{
    SimControl *ctl = g_new0(SimControl, 1);
    ctl->conn = g_object_ref(conn);
    ctl->fb = fb;
    ctl->log = log;
    ctl->skel = sim_sim1_skeleton_new();
    g_signal_connect(ctl->skel, "handle-list-devices", G_CALLBACK(on_list), ctl);
    g_signal_connect(ctl->skel, "handle-get-state", G_CALLBACK(on_get_state), ctl);
    g_signal_connect(ctl->skel, "handle-drop-connection", G_CALLBACK(on_drop), ctl);
    g_signal_connect(ctl->skel, "handle-set-refuse-connect", G_CALLBACK(on_refuse), ctl);
    g_signal_connect(ctl->skel, "handle-set-write-delay", G_CALLBACK(on_delay), ctl);
    g_signal_connect(ctl->skel, "handle-set-fail-writes", G_CALLBACK(on_fail), ctl);
    g_signal_connect(ctl->skel, "handle-send-garbage", G_CALLBACK(on_garbage), ctl);
    g_signal_connect(ctl->skel, "handle-set-battery", G_CALLBACK(on_battery), ctl);
    g_signal_connect(ctl->skel, "handle-set-powered", G_CALLBACK(on_powered), ctl);
    g_signal_connect(ctl->skel, "handle-press-button", G_CALLBACK(on_press_button), ctl);
    g_signal_connect(ctl->skel, "handle-restart-bluez", G_CALLBACK(on_restart), ctl);
    g_signal_connect(ctl->skel, "handle-set-bluez-present", G_CALLBACK(on_present), ctl);
    g_autoptr(GError) error = NULL;
    if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(ctl->skel), conn,
                                          "/org/massaged/Sim", &error))
        g_warning("massage-sim: cannot export /org/massaged/Sim: %s", error->message);
    sim_control_bluez_changed(ctl);
    ctl->own_id = g_bus_own_name_on_connection(conn, "org.massaged.Sim",
                                               G_BUS_NAME_OWNER_FLAGS_NONE, NULL, NULL, NULL, NULL);
    return ctl;
}

void sim_control_free(SimControl *ctl)
{
    if (!ctl)
        return;
    g_clear_handle_id(&ctl->restart_id, g_source_remove);
    g_clear_handle_id(&ctl->scheduled_id, g_source_remove);
    g_clear_handle_id(&ctl->own_id, g_bus_unown_name);
    g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(ctl->skel));
    g_signal_handlers_disconnect_by_data(ctl->skel, ctl);
    g_object_unref(ctl->skel);
    g_object_unref(ctl->conn);
    g_free(ctl);
}
