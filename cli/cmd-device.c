/* massagectl device list|encode|decode|check: drivers and *.device files,
 * offline (no daemon), for people adding a device. */
#include <math.h>
#include <string.h>

#include "cli/massagectl.h"
#include "protocol/device-file.h"
#include "protocol/registry.h"

/* Built-ins, then <data_dir>/devices, then the user's directory: later wins. */
static MpRegistry *load_registry(MctlContext *ctx, GPtrArray *errors)
{
    MpRegistry *r = mp_registry_new();
    g_autofree char *shipped = g_build_filename(ctx->data_dir, "devices", NULL);
    mp_registry_load_dir(r, shipped, errors);
    if (ctx->device_dir)
        mp_registry_load_dir(r, ctx->device_dir, errors);
    return r;
}

static MpDriver *lookup_driver(MctlContext *ctx, const char *name, int *rc)
{
    g_autoptr(MpRegistry) r = load_registry(ctx, NULL);
    g_autoptr(GError) error = NULL;
    MpDriver *d = mp_registry_lookup(r, name, &error);
    if (!d) {
        const char *hint = g_error_matches(error, MP_ERROR, MP_ERROR_NOT_FOUND)
                               ? "Run 'massagectl device list' for the known drivers."
                               : NULL;
        *rc = mctl_fail_error(ctx, error, hint);
    }
    return d;
}

static int device_list(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "",
        .summary = "Lists the built-in drivers and the *.device files found in the data "
                   "directory and the device directory.",
        .arg_error = "device list takes no arguments",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func((GDestroyNotify)g_error_free);
    g_autoptr(MpRegistry) r = load_registry(ctx, errors);
    g_autoptr(GPtrArray) list = mp_registry_list(r);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "drivers");
        json_builder_begin_array(b);
        for (guint i = 0; i < list->len; i++) {
            const MpDriver *d = list->pdata[i];
            json_builder_begin_object(b);
            mctl_json_add_string(b, "name", d->name);
            mctl_json_add_string(b, "kind", mp_device_kind_to_string(d->kind));
            mctl_json_add_string(b, "origin", d->origin);
            mctl_json_add_string(b, "description", d->description);
            mctl_json_add_string(b, "service", d->service_uuid);
            /* The characteristics, so tests and tools need not copy them. */
            mctl_json_add_string(b, "write", d->write_uuid);
            mctl_json_add_string(b, "notify", d->notify_uuid);
            json_builder_set_member_name(b, "read");
            json_builder_begin_array(b);
            for (guint k = 0; d->read_uuids && d->read_uuids[k]; k++)
                json_builder_add_string_value(b, d->read_uuids[k]);
            json_builder_end_array(b);
            json_builder_set_member_name(b, "speed_min");
            json_builder_add_int_value(b, d->speed_min);
            json_builder_set_member_name(b, "speed_max");
            json_builder_add_int_value(b, d->speed_max);
            mctl_json_add_string(b, "speed_unit", d->speed_unit);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_set_member_name(b, "errors");
        json_builder_begin_array(b);
        for (guint i = 0; i < errors->len; i++)
            json_builder_add_string_value(b, ((GError *)errors->pdata[i])->message);
        json_builder_end_array(b);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
        return MCTL_EXIT_OK;
    }
    /* One line per driver, the name first: the bash completion reads it. */
    gsize wname = 4, wkind = 4, worigin = 6;
    for (guint i = 0; i < list->len; i++) {
        const MpDriver *d = list->pdata[i];
        wname = MAX(wname, strlen(d->name));
        wkind = MAX(wkind, strlen(mp_device_kind_to_string(d->kind)));
        worigin = MAX(worigin, strlen(d->origin));
    }
    printf("%-*s  %-*s  %-*s  %s\n", (int)wname, "NAME", (int)wkind, "KIND", (int)worigin, "ORIGIN",
           "DESCRIPTION");
    for (guint i = 0; i < list->len; i++) {
        const MpDriver *d = list->pdata[i];
        printf("%-*s  %-*s  %-*s  %s\n", (int)wname, d->name, (int)wkind,
               mp_device_kind_to_string(d->kind), (int)worigin, d->origin,
               d->description ? d->description : "");
    }
    /* A broken file must not hide the others: warn and go on. */
    for (guint i = 0; i < errors->len; i++)
        fprintf(stderr, "%s: warning: skipped %s\n", ctx->prog,
                ((GError *)errors->pdata[i])->message);
    return MCTL_EXIT_OK;
}

static int device_encode(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    gint seq = 0;
    const GOptionEntry entries[] = {
        {"seq", 0, 0, G_OPTION_ARG_INT, &seq, "sequence number for {seq} (0-255)", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "DRIVER COMMAND [VALUE]",
        .summary = "Prints the frames DRIVER writes for COMMAND, one per line, as lowercase hex "
                   "bytes.\n"
                   "COMMAND: start [PERCENT], stop, intensity PERCENT, speed N, mode N, status, "
                   "keepalive, battery.\n"
                   "DRIVER: a driver name or the path of a .device file.",
        .entries = entries,
        .min_args = 2,
        .max_args = 3,
        .arg_error = "usage: device encode DRIVER COMMAND [VALUE]",
        .arg_hint = "Run 'massagectl device encode --help'.",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    if (seq < 0 || seq > 255)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--seq %d is outside 0..255", seq);
    MpCommand cmd = {0};
    if (!mp_command_kind_from_string(argv[2], &cmd.kind))
        return mctl_fail(ctx, MCTL_EXIT_USAGE,
                         "Commands: start, stop, intensity, speed, mode, status, keepalive, "
                         "battery.",
                         "unknown command '%s'", argv[2]);
    gboolean needs_value =
        cmd.kind == MP_CMD_INTENSITY || cmd.kind == MP_CMD_SPEED || cmd.kind == MP_CMD_MODE;
    if (needs_value && argc < 4)
        return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "%s needs a value", argv[2]);
    if (argc == 4) {
        char *end = NULL;
        cmd.value = g_ascii_strtod(argv[3], &end);
        if (end == argv[3] || *end || !isfinite(cmd.value))
            return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "'%s' is not a number", argv[3]);
    }
    g_autoptr(MpDriver) d = lookup_driver(ctx, argv[1], &rc);
    if (!d)
        return rc;
    g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GError) error = NULL;
    if (!mp_driver_encode(d, &cmd, (guint8)seq, frames, &error))
        return mctl_fail_error(ctx, error, NULL);

    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    mctl_json_add_string(b, "driver", d->name);
    mctl_json_add_string(b, "command", mp_command_kind_to_string(cmd.kind));
    json_builder_set_member_name(b, "value");
    json_builder_add_double_value(b, cmd.value);
    mctl_json_add_string(b, "write_type",
                         d->write_type == MP_WRITE_WITH_RESPONSE ? "with-response"
                                                                 : "without-response");
    mctl_json_add_string(b, "characteristic", d->write_uuid);
    json_builder_set_member_name(b, "frames");
    json_builder_begin_array(b);
    for (guint i = 0; i < frames->len; i++) {
        gsize len = 0;
        const guint8 *data = g_bytes_get_data(frames->pdata[i], &len);
        g_autofree char *hex = mp_hex_format(data, len);
        if (ctx->json)
            json_builder_add_string_value(b, hex);
        else
            printf("%s\n", hex);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    if (ctx->json)
        mctl_print_json_builder(b);
    return MCTL_EXIT_OK;
}

static void reading_to_json(JsonBuilder *b, const MpReading *r)
{
    json_builder_begin_object(b);
    if (r->fields & MP_READING_RUNNING) {
        json_builder_set_member_name(b, "running");
        json_builder_add_boolean_value(b, r->running);
    }
    if (r->fields & MP_READING_INTENSITY) {
        json_builder_set_member_name(b, "intensity");
        json_builder_add_double_value(b, r->intensity);
    }
    if (r->fields & MP_READING_SPEED) {
        json_builder_set_member_name(b, "speed");
        json_builder_add_int_value(b, r->speed);
    }
    if (r->fields & MP_READING_BATTERY) {
        json_builder_set_member_name(b, "battery");
        json_builder_add_int_value(b, r->battery);
    }
    if (r->fields & MP_READING_FORCE) {
        json_builder_set_member_name(b, "force");
        json_builder_add_double_value(b, r->force);
    }
    if (r->fields & MP_READING_ERROR) {
        json_builder_set_member_name(b, "error_code");
        json_builder_add_int_value(b, r->error_code);
    }
    if (r->fields & MP_READING_ACK) {
        json_builder_set_member_name(b, "ack_seq");
        json_builder_add_int_value(b, r->ack_seq);
        json_builder_set_member_name(b, "ack_status");
        json_builder_add_int_value(b, r->ack_status);
    }
    if (r->fields & MP_READING_INFO)
        mctl_json_add_string(b, "info", r->info);
    json_builder_end_object(b);
}

static int device_decode(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    g_autofree char *char_uuid = NULL;
    const GOptionEntry entries[] = {
        {"char", 0, 0, G_OPTION_ARG_STRING, &char_uuid,
         "the characteristic the bytes came from (default: the driver's notify characteristic)",
         "UUID"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    const MctlArgs args = {
        .params = "DRIVER HEX...",
        .summary = "Decodes bytes a device notified, e.g. 'bb 16 10 00 01 ...', and prints the "
                   "reading.\n"
                   "DRIVER: a driver name or the path of a .device file.",
        .entries = entries,
        .min_args = 2,
        .max_args = -1,
        .arg_error = "usage: device decode DRIVER HEX...",
        .arg_hint = "Run 'massagectl device decode --help'.",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    g_autofree char *text = g_strjoinv(" ", argv + 2);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = mp_hex_parse(text, &error);
    if (!bytes)
        return mctl_fail_error(ctx, error, NULL);
    g_autoptr(MpDriver) d = lookup_driver(ctx, argv[1], &rc);
    if (!d)
        return rc;
    g_autofree char *uuid = NULL;
    if (char_uuid) {
        uuid = mp_uuid_normalise(char_uuid, &error);
        if (!uuid)
            return mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--char: %s", error->message);
    }
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(bytes, &len);
    MpReading reading;
    if (!mp_driver_decode(d, uuid ? uuid : d->notify_uuid, data, len, &reading, &error))
        return mctl_fail_error(ctx, error, NULL);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        mctl_json_add_string(b, "driver", d->name);
        json_builder_set_member_name(b, "reading");
        reading_to_json(b, &reading);
        json_builder_end_object(b);
        mctl_print_json_builder(b);
    } else {
        g_autofree char *line = mp_reading_to_string(&reading);
        printf("%s\n", line);
    }
    return MCTL_EXIT_OK;
}

static int device_check(MctlContext *ctx, int argc, char **argv)
{
    int rc = MCTL_EXIT_OK;
    const MctlArgs args = {
        .params = "FILE.device...",
        .summary = "Checks *.device files. Errors name the file, the line and the problem; each "
                   "good file gets one summary line.",
        .min_args = 1,
        .max_args = -1,
        .arg_error = "usage: device check FILE.device...",
        .arg_hint = "Run 'massagectl device check --help'.",
    };
    if (!mctl_parse_args(ctx, &argc, &argv, &args, &rc))
        return rc;
    int worst = MCTL_EXIT_OK;
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "files");
    json_builder_begin_array(b);
    for (int i = 1; i < argc; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(MpDriver) d = mp_device_file_load(argv[i], &error);
        json_builder_begin_object(b);
        mctl_json_add_string(b, "file", argv[i]);
        json_builder_set_member_name(b, "ok");
        json_builder_add_boolean_value(b, d != NULL);
        if (!d) {
            int code = mctl_exit_for_error(error);
            /* Invalid beats missing: the exit code tells the worse news. */
            if (worst != MCTL_EXIT_INVALID)
                worst = code;
            json_builder_set_member_name(b, "error");
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "code");
            json_builder_add_int_value(b, code);
            mctl_json_add_string(b, "name", mctl_exit_name(code));
            mctl_json_add_string(b, "message", error->message);
            json_builder_end_object(b);
            if (!ctx->json)
                fprintf(stderr, "%s: %s\n", ctx->prog, error->message);
        } else {
            mctl_json_add_string(b, "name", d->name);
            mctl_json_add_string(b, "kind", mp_device_kind_to_string(d->kind));
            if (!ctx->json)
                printf("%s: ok: %s (%s), service %s\n", argv[i], d->name,
                       mp_device_kind_to_string(d->kind), d->service_uuid);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    if (ctx->json)
        mctl_print_json_builder(b);
    return worst;
}

static const MctlCommand device_commands[] = {
    {"list", "", "The built-in drivers and the *.device files", device_list},
    {"encode", "DRIVER COMMAND [VALUE]", "The frames a command is written as", device_encode},
    {"decode", "DRIVER HEX...", "The reading a notification carries", device_decode},
    {"check", "FILE.device...", "Check device files, with located errors", device_check},
    {NULL, NULL, NULL, NULL},
};

int mctl_cmd_device(MctlContext *ctx, int argc, char **argv)
{
    return mctl_run_table(ctx, "device", device_commands, argc, argv);
}
