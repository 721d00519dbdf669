/* massage-sim: simulated massage devices behind a fake org.bluez, or
 * (--peripheral) served from real adapters through a real bluetoothd.
 *
 *   massage-sim --device reference,name=Ref --device theragun --log cmds.jsonl
 *
 * Everything goes to the system bus, which tests point elsewhere with
 * DBUS_SYSTEM_BUS_ADDRESS. See docs/simulator.md. */
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "config.h"
#include "sim/control.h"
#include "sim/drivers.h"
#include "sim/fake-bluez.h"
#include "sim/peripheral.h"
#include "sim/world.h"

typedef struct {
    SimWorld world;
    GMainLoop *loop;
    SimControl *control;
    int status;
} Sim;

static Sim *the_sim;

static gboolean opt_device(const char *name, const char *value, gpointer data, GError **error)
{
    return sim_world_add_device(&the_sim->world, value, error);
}

static gboolean opt_adapter(const char *name, const char *value, gpointer data, GError **error)
{
    return sim_world_add_adapter(&the_sim->world, value, error);
}

static gboolean opt_config(const char *name, const char *value, gpointer data, GError **error)
{
    return sim_world_load_config(&the_sim->world, value, error);
}

static gboolean opt_devices_dir(const char *name, const char *value, gpointer data, GError **error)
{
    g_ptr_array_add(the_sim->world.device_dirs, g_strdup(value));
    return TRUE;
}

static gboolean on_signal(gpointer user_data)
{
    Sim *sim = user_data;
    g_main_loop_quit(sim->loop);
    return G_SOURCE_CONTINUE;
}

/* The bus went away (dbus-daemon stopped): nothing left to simulate for. */
static void on_bus_closed(GDBusConnection *conn, gboolean remote_peer_vanished, GError *error,
                          gpointer user_data)
{
    Sim *sim = user_data;
    g_printerr("massage-sim: the system bus connection closed; exiting\n");
    g_main_loop_quit(sim->loop);
}

static void on_bluez_name(FakeBluez *fb, gboolean ok, gpointer user_data)
{
    Sim *sim = user_data;
    if (sim->control)
        sim_control_bluez_changed(sim->control);
    if (!ok) {
        sim->status = 1;
        g_main_loop_quit(sim->loop);
    }
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    Sim sim = {.status = 0};
    the_sim = &sim;
    sim_world_init(&sim.world);
    gboolean version = FALSE;
    gboolean race = FALSE;
    gboolean peripheral = FALSE, acquire_write = FALSE;
    gint discovery_delay = -1, name_delay = -1, connect_delay = -1, resolve_delay = -1,
         race_delay = -1, mtu = -1, restart_at = -1, bluez_down = 1000;
    g_autofree char *log_path = NULL;
    GOptionEntry entries[] = {
        {"device", 'd', 0, G_OPTION_ARG_CALLBACK, opt_device,
         "A simulated device (repeatable): DRIVER[,name=NAME][,address=ADDR][,key=value...]",
         "SPEC"},
        {"config", 'c', 0, G_OPTION_ARG_CALLBACK, opt_config, "Load the world from a key file",
         "FILE"},
        {"log", 'l', 0, G_OPTION_ARG_FILENAME, &log_path,
         "Append one JSON line per write and event to FILE (- for stdout)", "FILE"},
        {"adapter", 'a', 0, G_OPTION_ARG_CALLBACK, opt_adapter,
         "A controller, hci0..hci9[=ADDRESS] (repeatable; default hci0)", "NAME"},
        {"devices-dir", 0, 0, G_OPTION_ARG_CALLBACK, opt_devices_dir,
         "Also load *.device files from DIR", "DIR"},
        {"discovery-delay", 0, 0, G_OPTION_ARG_INT, &discovery_delay,
         "StartDiscovery → devices appear (default 300)", "MS"},
        {"name-delay", 0, 0, G_OPTION_ARG_INT, &name_delay,
         "Device object → Name appears (default 0)", "MS"},
        {"connect-delay", 0, 0, G_OPTION_ARG_INT, &connect_delay,
         "Connect → Connected (default 100)", "MS"},
        {"resolve-delay", 0, 0, G_OPTION_ARG_INT, &resolve_delay,
         "Connected → ServicesResolved (default 200)", "MS"},
        {"race-1489", 0, 0, G_OPTION_ARG_NONE, &race,
         "ServicesResolved before the GATT objects exist (bluez#1489)", NULL},
        {"race-delay", 0, 0, G_OPTION_ARG_INT, &race_delay,
         "With --race-1489: GATT objects this much later (default 300)", "MS"},
        {"mtu", 0, 0, G_OPTION_ARG_INT, &mtu,
         "ATT MTU reported by AcquireWrite/Notify (default 247)", "N"},
        {"restart-bluez-at", 0, 0, G_OPTION_ARG_INT, &restart_at,
         "bluetoothd restarts this long after start (org.bluez vanishes and returns)", "MS"},
        {"bluez-down", 0, 0, G_OPTION_ARG_INT, &bluez_down,
         "With --restart-bluez-at: how long org.bluez is gone (default 1000)", "MS"},
        {"peripheral", 0, 0, G_OPTION_ARG_NONE, &peripheral,
         "Serve the devices from real adapters through a real bluetoothd (GATT server and "
         "advertising) instead of faking org.bluez",
         NULL},
        {"acquire-write", 0, 0, G_OPTION_ARG_NONE, &acquire_write,
         "--peripheral: offer WriteAcquired (bluetoothd 5.66 can corrupt a write that arrives "
         "while AcquireWrite is pending; see docs/simulator.md)",
         NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("- simulated massage devices on a fake org.bluez");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(
        ctx, "Device keys: name, address, adapter, rssi, battery, drain, keepalive-timeout,\n"
             "force-period, powered, refuse-connect, write-delay, fail-writes, drop-after,\n"
             "garbage-every, stall-resolve, drop-connects.\n"
             "Control interface: org.massaged.Sim1 at /org/massaged/Sim on org.massaged.Sim.\n");
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("massage-sim: %s\n", error->message);
        sim_world_clear(&sim.world);
        return 2;
    }
    if (version) {
        printf("massage-sim %s\n", MASSAGED_VERSION);
        sim_world_clear(&sim.world);
        return 0;
    }
    struct {
        gint value;
        guint *dest;
        const char *name;
    } ms_opts[] = {
        {discovery_delay, &sim.world.timing.discovery_delay_ms, "--discovery-delay"},
        {name_delay, &sim.world.timing.name_delay_ms, "--name-delay"},
        {connect_delay, &sim.world.timing.connect_delay_ms, "--connect-delay"},
        {resolve_delay, &sim.world.timing.resolve_delay_ms, "--resolve-delay"},
        {race_delay, &sim.world.timing.race_delay_ms, "--race-delay"},
        {restart_at, NULL, "--restart-bluez-at"},
        {bluez_down, NULL, "--bluez-down"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ms_opts); i++) {
        if (ms_opts[i].value == -1)
            continue;
        if (ms_opts[i].value < 0 || ms_opts[i].value > 600000) {
            g_printerr("massage-sim: %s %d: expected 0..600000 ms\n", ms_opts[i].name,
                       ms_opts[i].value);
            sim_world_clear(&sim.world);
            return 2;
        }
        if (ms_opts[i].dest)
            *ms_opts[i].dest = (guint)ms_opts[i].value;
    }
    if (mtu != -1) {
        if (mtu < 23 || mtu > 517) {
            g_printerr("massage-sim: --mtu %d: the ATT MTU is 23..517\n", mtu);
            sim_world_clear(&sim.world);
            return 2;
        }
        sim.world.timing.mtu = (guint16)mtu;
    }
    if (race)
        sim.world.timing.race_1489 = TRUE;
    if (log_path) {
        g_free(sim.world.log_path);
        sim.world.log_path = g_steal_pointer(&log_path);
    }
    if (!sim_world_finish(&sim.world, &error)) {
        g_printerr("massage-sim: %s\n", error->message);
        sim_world_clear(&sim.world);
        return 2;
    }

    g_autoptr(SimLog) log = sim_log_open(sim.world.log_path, &error);
    if (!log) {
        g_printerr("massage-sim: %s\n", error->message);
        sim_world_clear(&sim.world);
        return 1;
    }
    if (peripheral) {
        int rc = sim_peripheral_main(&sim.world, log, acquire_write);
        sim_world_clear(&sim.world);
        return rc;
    }
    g_autoptr(FakeBluez) fb = fake_bluez_new(NULL, &sim.world.timing, log);
    for (guint i = 0; i < sim.world.adapters->len; i++) {
        SimAdapterSpec *a = sim.world.adapters->pdata[i];
        fake_bluez_add_adapter(fb, a->name, a->address);
    }
    g_autoptr(SimDrivers) drivers = sim_drivers_new(sim.world.device_dirs);
    /* One real clock on the default main context for every model (each keeps
     * a reference). */
    g_autoptr(MsdClock) clock = msd_clock_new_real();
    for (guint i = 0; i < sim.world.devices->len; i++) {
        SimDeviceSpec *d = sim.world.devices->pdata[i];
        g_autoptr(MpDriver) driver = sim_drivers_lookup(drivers, d->driver, &error);
        if (!driver) {
            g_printerr("massage-sim: device %s: %s\n", d->cfg.address, error->message);
            sim_world_clear(&sim.world);
            return 2;
        }
        SimDevice *model = sim_device_new(driver, &d->cfg, log, clock);
        if (!fake_bluez_add_device(fb, d->adapter, model, &error)) {
            g_printerr("massage-sim: %s\n", error->message);
            sim_world_clear(&sim.world);
            return 2;
        }
    }

    sim.loop = g_main_loop_new(NULL, FALSE);
    g_autoptr(GDBusConnection) control_conn = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!control_conn) {
        g_printerr("massage-sim: cannot connect to the system bus: %s\n", error->message);
        sim_world_clear(&sim.world);
        g_main_loop_unref(sim.loop);
        return 1;
    }
    g_dbus_connection_set_exit_on_close(control_conn, FALSE);
    g_signal_connect(control_conn, "closed", G_CALLBACK(on_bus_closed), &sim);
    fake_bluez_set_name_callback(fb, on_bluez_name, &sim);
    if (!fake_bluez_start(fb, &error)) {
        g_printerr("massage-sim: %s\n", error->message);
        sim_world_clear(&sim.world);
        g_main_loop_unref(sim.loop);
        return 1;
    }
    sim.control = sim_control_new(control_conn, fb, log);
    if (restart_at >= 0)
        sim_control_schedule_restart(sim.control, (guint)restart_at, (guint)bluez_down);
    guint sigterm = g_unix_signal_add(SIGTERM, on_signal, &sim);
    guint sigint = g_unix_signal_add(SIGINT, on_signal, &sim);
    g_main_loop_run(sim.loop);
    g_source_remove(sigterm);
    g_source_remove(sigint);
    g_clear_pointer(&sim.control, sim_control_free);
    fake_bluez_stop(fb);
    g_main_loop_unref(sim.loop);
    sim_world_clear(&sim.world);
    return sim.status;
}
