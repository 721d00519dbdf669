/* The JSON objects massagectl prints for the daemon's objects and events
 * (docs/json.md, data/schemas/massagectl.schema.json): one builder for each,
 * shared by every command that prints it. */
#include "cli/client.h"

void mctl_json_add_battery(JsonBuilder *b, gint level)
{
    json_builder_set_member_name(b, "battery");
    if (level >= 0)
        json_builder_add_int_value(b, level);
    else
        json_builder_add_null_value(b);
}

void mctl_json_add_device(JsonBuilder *b, MsdDevice1 *d)
{
    json_builder_begin_object(b);
    mctl_json_add_string(b, "path", g_dbus_proxy_get_object_path(G_DBUS_PROXY(d)));
    mctl_json_add_string(b, "address", msd_device1_get_address(d));
    mctl_json_add_string(b, "name", msd_device1_get_name(d));
    mctl_json_add_string(b, "driver", msd_device1_get_driver(d));
    mctl_json_add_string(b, "kind", msd_device1_get_kind(d));
    json_builder_set_member_name(b, "connected");
    json_builder_add_boolean_value(b, msd_device1_get_connected(d));
    mctl_json_add_string(b, "state", msd_device1_get_state(d));
    mctl_json_add_battery(b, msd_device1_get_battery(d));
    json_builder_set_member_name(b, "intensity");
    json_builder_add_double_value(b, msd_device1_get_intensity(d));
    json_builder_set_member_name(b, "speed");
    json_builder_add_int_value(b, msd_device1_get_speed(d));
    /* No session is "/" on the bus, null here. */
    const char *s = msd_device1_get_session(d);
    mctl_json_add_string(b, "session", s && !g_str_equal(s, "/") ? s : NULL);
    json_builder_end_object(b);
}

void mctl_json_add_time(JsonBuilder *b, const char *member, gint64 unix_us)
{
    json_builder_set_member_name(b, member);
    g_autoptr(GDateTime) secs =
        unix_us > 0 ? g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC) : NULL;
    g_autoptr(GDateTime) t = secs ? g_date_time_add(secs, unix_us % G_USEC_PER_SEC) : NULL;
    g_autofree char *text = t ? g_date_time_format_iso8601(t) : NULL;
    if (text)
        json_builder_add_string_value(b, text);
    else
        json_builder_add_null_value(b);
}

void mctl_json_add_session(JsonBuilder *b, MsdSession1 *s, MctlClient *client)
{
    json_builder_begin_object(b);
    mctl_json_add_session_members(b, s, client);
    json_builder_end_object(b);
}

/* A session's optional text: absent is null, never "" or "none" (docs/json.md). */
static const char *present(const char *v)
{
    return v && *v && !g_str_equal(v, "none") ? v : NULL;
}

void mctl_json_add_session_members(JsonBuilder *b, MsdSession1 *s, MctlClient *client)
{
#define INT(k, v)                                                                                  \
    json_builder_set_member_name(b, k);                                                            \
    json_builder_add_int_value(b, (gint64)(v))
    mctl_json_add_string(b, "path", g_dbus_proxy_get_object_path(G_DBUS_PROXY(s)));
    mctl_json_add_string(b, "programme", msd_session1_get_programme(s));
    /* A device is named by its address everywhere; its object path is
     * device_path (docs/json.md). */
    const char *dev_path = msd_session1_get_device(s);
    g_autoptr(MsdDevice1) dev = client && dev_path && g_variant_is_object_path(dev_path)
                                    ? mctl_client_device_at(client, dev_path)
                                    : NULL;
    mctl_json_add_string(b, "device", dev ? msd_device1_get_address(dev) : NULL);
    mctl_json_add_string(b, "device_path", dev_path ? dev_path : "/");
    mctl_json_add_string(b, "state", msd_session1_get_state(s));
    mctl_json_add_string(b, "pause_reason", present(msd_session1_get_pause_reason(s)));
    INT("step", msd_session1_get_step(s));
    INT("step_count", msd_session1_get_step_count(s));
    mctl_json_add_string(b, "step_name", msd_session1_get_step_name(s));
    mctl_json_add_string(b, "muscle", present(msd_session1_get_muscle(s)));
    mctl_json_add_string(b, "side", present(msd_session1_get_side(s)));
    mctl_json_add_string(b, "zone", present(msd_session1_get_zone(s)));
    mctl_json_add_string(b, "prompt", present(msd_session1_get_prompt(s)));
    mctl_json_add_time(b, "step_started_at", (gint64)msd_session1_get_step_started_at(s));
    INT("elapsed_ms", msd_session1_get_elapsed(s));
    INT("duration_ms", msd_session1_get_duration(s));
    json_builder_set_member_name(b, "intensity");
    json_builder_add_double_value(b, msd_session1_get_intensity(s));
    json_builder_set_member_name(b, "scale");
    json_builder_add_double_value(b, msd_session1_get_scale(s));
#undef INT
}

void mctl_json_add_devices(JsonBuilder *b, GPtrArray *devices)
{
    json_builder_set_member_name(b, "devices");
    json_builder_begin_array(b);
    for (guint i = 0; i < devices->len; i++)
        mctl_json_add_device(b, devices->pdata[i]);
    json_builder_end_array(b);
}

void mctl_print_device_json(MsdDevice1 *d)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    mctl_json_add_device(b, d);
    mctl_print_json_builder(b);
}

void mctl_print_devices_json(GPtrArray *devices)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    mctl_json_add_devices(b, devices);
    json_builder_end_object(b);
    mctl_print_json_builder(b);
}

/* The envelope of every event line, monitor's and start --follow's alike:
 * what kind of event, and when massagectl saw it. */
void mctl_json_event_begin(JsonBuilder *b, const char *event, const char *what)
{
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event");
    json_builder_add_string_value(b, event);
    if (what) {
        json_builder_set_member_name(b, "what");
        json_builder_add_string_value(b, what);
    }
    mctl_json_add_time(b, "time", g_get_real_time());
}

void mctl_json_event_print(JsonBuilder *b)
{
    json_builder_end_object(b);
    mctl_print_json_builder(b);
}
