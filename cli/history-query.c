/* History filters and fields (history-query.h). */
#include "cli/history-query.h"

#include <string.h>

#include "protocol/address.h"

const char *const mctl_history_columns[] = {
    "id",          "programme_id", "programme_name", "programme_hash", "device_address",
    "device_name", "driver",       "started_at",     "ended_at",       "outcome",
    "detail",      "steps_played", "steps_total",    "peak_intensity", "adjustments",
    "caller_uid",  "caller_name",  "client",         "note",           NULL,
};

void mctl_history_filter_entries(MctlHistoryFilter *f, GOptionEntry out[8])
{
    const GOptionEntry e[8] = {
        {"since", 0, 0, G_OPTION_ARG_STRING, &f->since,
         "Sessions that started at or after TIME (2026-12-05 or 2026-12-05T10:00:00Z)", "TIME"},
        {"until", 0, 0, G_OPTION_ARG_STRING, &f->until, "... and before TIME", "TIME"},
        {"device", 'd', 0, G_OPTION_ARG_STRING, &f->device,
         "On this device (an address, or a name massaged knows now)", "DEV"},
        {"programme", 'p', 0, G_OPTION_ARG_STRING, &f->programme, "Of this programme id", "ID"},
        {"client", 0, 0, G_OPTION_ARG_STRING, &f->client, "For this client label", "LABEL"},
        {"outcome", 0, 0, G_OPTION_ARG_STRING, &f->outcome,
         "completed, stopped, device-lost, error, interrupted, ...", "OUTCOME"},
        {"limit", 'n', 0, G_OPTION_ARG_INT, &f->limit, "Only the newest N (1..10000)", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    memcpy(out, e, sizeof e);
}

void mctl_history_filter_clear(MctlHistoryFilter *f)
{
    g_free(f->since);
    g_free(f->until);
    g_free(f->device);
    g_free(f->programme);
    g_free(f->client);
    g_free(f->outcome);
}

GVariant *mctl_history_query(MctlContext *ctx, MctlClient *c, MctlHistoryFilter *f, int *rc)
{
    if (f->limit != -1 && (f->limit < 1 || f->limit > 10000)) {
        *rc = mctl_fail(ctx, MCTL_EXIT_USAGE, NULL, "--limit must be from 1 to 10000, not %d",
                        f->limit);
        return NULL;
    }
    g_auto(GVariantBuilder) b = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
#define ADD(key, v)                                                                                \
    if (v)                                                                                         \
    g_variant_builder_add(&b, "{sv}", key, g_variant_new_string(v))
    ADD("since", f->since);
    ADD("until", f->until);
    ADD("programme", f->programme);
    ADD("client", f->client);
    ADD("outcome", f->outcome);
#undef ADD
    if (f->limit > 0)
        g_variant_builder_add(&b, "{sv}", "limit", g_variant_new_uint32((guint32)f->limit));
    if (f->device && mp_address_is_valid(f->device)) {
        g_variant_builder_add(&b, "{sv}", "device", g_variant_new_string(f->device));
    } else if (f->device) {
        /* A name: the device massaged knows by it now. */
        g_autoptr(MsdDevice1) d = mctl_client_find_device(c, ctx, f->device, rc);
        if (!d)
            return NULL;
        g_variant_builder_add(&b, "{sv}", "device",
                              g_variant_new_string(msd_device1_get_address(d)));
    }
    GVariant *rows = NULL;
    g_autoptr(GError) error = NULL;
    if (!msd_manager1_call_query_history_sync(c->manager, g_variant_builder_end(&b), &rows, NULL,
                                              &error)) {
        *rc = mctl_fail_dbus(ctx, error, "cannot read the history");
        return NULL;
    }
    return rows;
}

char *mctl_history_field(GVariant *row, const char *column)
{
    g_autoptr(GVariant) v = g_variant_lookup_value(row, column, NULL);
    if (!v)
        return g_strdup("");
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
        return g_variant_dup_string(v, NULL);
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
        return g_strdup_printf("%" G_GINT64_FORMAT, g_variant_get_int64(v));
    if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_formatd(buf, sizeof buf, "%g", g_variant_get_double(v)));
    }
    return g_variant_print(v, FALSE);
}

/* The JSON names of the columns (docs/json.md): a device is "device" (its
 * address) and a programme "programme" (its id), as in every other object. */
static const char *json_name(const char *column)
{
    if (g_str_equal(column, "device_address"))
        return "device";
    if (g_str_equal(column, "programme_id"))
        return "programme";
    return column;
}

void mctl_history_entry_json(JsonBuilder *b, GVariant *row)
{
    json_builder_begin_object(b);
    for (guint i = 0; mctl_history_columns[i]; i++) {
        json_builder_set_member_name(b, json_name(mctl_history_columns[i]));
        g_autoptr(GVariant) v = g_variant_lookup_value(row, mctl_history_columns[i], NULL);
        if (v)
            json_builder_add_value(b, json_gvariant_serialize(v));
        else
            json_builder_add_null_value(b); /* absent is null, every member always there */
    }
    json_builder_end_object(b);
}
