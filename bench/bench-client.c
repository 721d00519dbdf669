/* bench-client: a minimal GDBus client for the benchmarks. It records
 * CLOCK_MONOTONIC (the clock of massage-sim's command log) just before each
 * call and prints it, one line per call, so the script can pair each call
 * with the frame the simulated device logged.
 *
 *   bench-client stop DEVICE_PATH N          SetIntensity(30), 50 ms, t0, Stop()
 *   bench-client floor CHAR_PATH HEX N       t0, WriteValue(HEX) straight to org.bluez
 *   bench-client flood SESSION DEVICE OTHER RATE SECONDS
 *                   Adjust() calls at RATE/s, async, with a Stop to OTHER every
 *                   100 ms; then DEVICE's Stop. Prints "sent N", "last V",
 *                   "ostop T0" per OTHER stop, "replies N", "stop T0".
 *   bench-client start DEVICE_PATH PROGRAMME N
 *                   t0, Manager1.Start (answered once the session plays),
 *                   t1; prints "T0 T1" per round; then the session's Stop and
 *                   150 ms of quiet. */
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/names.h"

static gint64 mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gboolean call(GDBusConnection *bus, const char *dest, const char *path, const char *iface,
                     const char *method, GVariant *args)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) r = g_dbus_connection_call_sync(bus, dest, path, iface, method, args, NULL,
                                                        G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
    if (!r)
        g_printerr("bench-client: %s.%s on %s: %s\n", iface, method, path, error->message);
    return r != NULL;
}

static int run_stop(GDBusConnection *bus, const char *dev, int n)
{
    for (int i = 0; i < n; i++) {
        call(bus, MSD_BUS_NAME, dev, MSD_DEVICE_IFACE, "SetIntensity", g_variant_new("(d)", 30.0));
        g_usleep(50000);
        gint64 t0 = mono_ns();
        if (call(bus, MSD_BUS_NAME, dev, MSD_DEVICE_IFACE, "Stop", NULL))
            printf("%" G_GINT64_FORMAT "\n", t0);
    }
    return 0;
}

static int run_floor(GDBusConnection *bus, const char *chr, const char *hex, int n)
{
    g_autoptr(GByteArray) bytes = g_byte_array_new();
    for (const char *p = hex; *p;) {
        char *end = NULL;
        guint8 b = (guint8)strtoul(p, &end, 16);
        if (end == p)
            break;
        g_byte_array_append(bytes, &b, 1);
        p = end;
    }
    for (int i = 0; i < n; i++) {
        GVariantBuilder opts;
        g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&opts, "{sv}", "type", g_variant_new_string("command"));
        GVariant *v = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, bytes->data, bytes->len, 1);
        gint64 t0 = mono_ns();
        if (call(bus, BLUEZ_BUS_NAME, chr, BLUEZ_GATT_CHAR_IFACE, "WriteValue",
                 g_variant_new("(@aya{sv})", v, &opts)))
            printf("%" G_GINT64_FORMAT "\n", t0);
        g_usleep(50000); /* the same pacing as the stop rounds */
    }
    return 0;
}

static int replies;

static void on_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
    (void)user_data;
    g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, NULL);
    replies++;
}

static int run_flood(GDBusConnection *bus, const char *session, const char *dev, const char *other,
                     int rate, int seconds)
{
    /* Values cycle 10, 20, ..., 100; the last one sent is 25, a decrease
     * from 90, so the final level shows whether the latest Adjust won.
     * Every 100 ms a Stop goes to OTHER (a second device) without waiting:
     * the stop latency while the daemon is flooded. */
    gint64 start = mono_ns();
    gint64 total = (gint64)rate * seconds;
    gint64 sent = 0;
    double v = 0;
    GString *stops = g_string_new(NULL);
    while (sent < total) {
        gint64 due = start + sent * 1000000000 / rate;
        while (mono_ns() < due)
            if (!g_main_context_iteration(NULL, FALSE))
                g_usleep(100);
        v = sent == total - 1 ? 25.0 : 10.0 + (double)(sent % 10) * 10.0;
        g_dbus_connection_call(bus, MSD_BUS_NAME, session, MSD_SESSION_IFACE, "Adjust",
                               g_variant_new("(d)", v), NULL, G_DBUS_CALL_FLAGS_NONE, 30000, NULL,
                               on_reply, NULL);
        if (sent % (rate / 10) == rate / 20) {
            g_string_append_printf(stops, "ostop %" G_GINT64_FORMAT "\n", mono_ns());
            g_dbus_connection_call(bus, MSD_BUS_NAME, other, MSD_DEVICE_IFACE, "Stop", NULL, NULL,
                                   G_DBUS_CALL_FLAGS_NONE, 30000, NULL, NULL, NULL);
        }
        sent++;
    }
    gint64 t_end = mono_ns();
    printf("sent %" G_GINT64_FORMAT "\nlast %.0f\nsend_s %.3f\n%s", sent, v,
           (double)(t_end - start) / 1e9, stops->str);
    g_string_free(stops, TRUE);
    while (replies < sent && mono_ns() - t_end < 30 * G_GINT64_CONSTANT(1000000000))
        g_main_context_iteration(NULL, TRUE);
    printf("replies %d\nreplies_s %.3f\n", replies, (double)(mono_ns() - start) / 1e9);
    /* Time for the engine to settle on the last value (a rise is ramped at
     * the safety limit), then stop the flooded device itself. */
    g_usleep(1500000);
    gint64 t0 = mono_ns();
    call(bus, MSD_BUS_NAME, dev, MSD_DEVICE_IFACE, "Stop", NULL);
    printf("stop %" G_GINT64_FORMAT "\n", t0);
    return 0;
}

static int run_start(GDBusConnection *bus, const char *dev, const char *prog, int n)
{
    for (int i = 0; i < n; i++) {
        g_autoptr(GError) error = NULL;
        gint64 t0 = mono_ns();
        g_autoptr(GVariant) r = g_dbus_connection_call_sync(
            bus, MSD_BUS_NAME, MSD_ROOT_PATH, MSD_MANAGER_IFACE, "Start",
            g_variant_new("(osa{sv})", dev, prog, NULL), G_VARIANT_TYPE("(o)"),
            G_DBUS_CALL_FLAGS_NONE, 60000, NULL, &error);
        gint64 t1 = mono_ns();
        if (!r) {
            g_printerr("bench-client: Start: %s\n", error->message);
            return 1;
        }
        const char *session = NULL;
        g_variant_get(r, "(&o)", &session);
        printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", t0, t1);
        call(bus, MSD_BUS_NAME, session, MSD_SESSION_IFACE, "Stop", NULL);
        g_usleep(150000);
    }
    return 0;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
    if (!bus) {
        g_printerr("bench-client: system bus: %s\n", error->message);
        return 1;
    }
    if (argc == 4 && g_str_equal(argv[1], "stop"))
        return run_stop(bus, argv[2], atoi(argv[3]));
    if (argc == 5 && g_str_equal(argv[1], "floor"))
        return run_floor(bus, argv[2], argv[3], atoi(argv[4]));
    if (argc == 5 && g_str_equal(argv[1], "start"))
        return run_start(bus, argv[2], argv[3], atoi(argv[4]));
    if (argc == 7 && g_str_equal(argv[1], "flood"))
        return run_flood(bus, argv[2], argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
    g_printerr("usage: bench-client stop DEVICE N | floor CHAR HEX N | "
               "flood SESSION DEVICE OTHER_DEVICE RATE SECONDS | start DEVICE PROGRAMME N\n");
    return 2;
}
