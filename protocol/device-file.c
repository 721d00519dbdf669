/* *.device files: the key file (read by the line-keeping reader shared with
 * programmes, protocol/key-file.h: GKeyFile forgets line numbers, and every
 * error here must name its line), the checks, and the MpDriver built from
 * the result. The format: docs/device-files.md. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "protocol/device-file.h"
#include "protocol/key-file.h"
#include "protocol/text-file.h"
#include "protocol/driver-values.h"
#include "protocol/frame-template.h"
#include "protocol/suggest.h"

/* ---- the key file ------------------------------------------------------- */

typedef struct {
    char *key;
    char *value;
    guint line;
    gboolean used;
} Entry;

typedef struct {
    char *name;
    guint line;
    GArray *entries; /* Entry */
} Group;

typedef struct {
    const char *origin;
    GPtrArray *groups; /* Group* */
} KeyFile;

static void entry_clear(gpointer p)
{
    Entry *e = p;
    g_free(e->key);
    g_free(e->value);
}

static void group_free(gpointer p)
{
    Group *g = p;
    g_free(g->name);
    g_array_unref(g->entries);
    g_free(g);
}

static const char *const group_names[] = {"Device", "Commands", "Notifications", NULL};

/* "file:12: [Commands] Intensity: problem", with the parts that are known. */
G_GNUC_PRINTF(6, 7)
static void fail_at(GError **error, const char *origin, guint line, const char *group,
                    const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mp_located_error_valist(error, MP_ERROR, MP_ERROR_INVALID, origin, line, group, key, fmt, ap);
    va_end(ap);
}

/* The first record that is an error of kind `kind`, or NULL. */
static const MpKeyLine *first_error(GArray *lines, MpKeyError kind)
{
    for (guint i = 0; i < lines->len; i++) {
        const MpKeyLine *l = &g_array_index(lines, MpKeyLine, i);
        if (l->kind == MP_KEY_LINE_ERROR && l->error == kind)
            return l;
    }
    return NULL;
}

/* Builds the groups from the reader's records; stops at the first problem.
 * A NUL byte or invalid UTF-8 anywhere is reported before anything else:
 * the file is not text. */
static gboolean read_lines(KeyFile *kf, const char *text, gsize len, GError **error)
{
    g_autoptr(GArray) lines = mp_key_file_read(text, len, 0);
    const MpKeyLine *bad = first_error(lines, MP_KEY_ERROR_NUL);
    if (bad) {
        fail_at(error, kf->origin, bad->line, NULL, NULL, "contains a NUL byte: not a text file");
        return FALSE;
    }
    bad = first_error(lines, MP_KEY_ERROR_UTF8);
    if (bad) {
        fail_at(error, kf->origin, bad->line, NULL, NULL, "not UTF-8 text");
        return FALSE;
    }
    Group *group = NULL;
    for (guint i = 0; i < lines->len; i++) {
        MpKeyLine *l = &g_array_index(lines, MpKeyLine, i);
        guint line = l->line;
        if (l->kind == MP_KEY_LINE_ERROR) {
            if (l->error == MP_KEY_ERROR_HEADER)
                fail_at(error, kf->origin, line, NULL, NULL,
                        "'%s' is not a group header: expected [Name]", l->name);
            else if (l->error == MP_KEY_ERROR_NO_EQUALS)
                fail_at(error, kf->origin, line, group ? group->name : NULL, NULL,
                        "'%s': expected KEY = VALUE", l->name);
            else if (!group) /* MP_KEY_ERROR_NO_KEY */
                fail_at(error, kf->origin, line, NULL, NULL,
                        " = ... comes before any group; start with [Device]");
            else
                fail_at(error, kf->origin, line, group->name, NULL, "a line with '=' but no key");
            return FALSE;
        }
        if (l->kind == MP_KEY_LINE_GROUP) {
            const char *name = l->name;
            if (!g_strv_contains(group_names, name)) {
                const char *near = mp_suggest(name, group_names);
                if (near)
                    fail_at(error, kf->origin, line, NULL, NULL,
                            "unknown group [%s]; did you mean [%s]?", name, near);
                else
                    fail_at(error, kf->origin, line, NULL, NULL,
                            "unknown group [%s] (known: [Device], [Commands], [Notifications])",
                            name);
                return FALSE;
            }
            if (l->first_line) {
                fail_at(error, kf->origin, line, NULL, NULL,
                        "[%s] appears twice (first on line %u)", name, l->first_line);
                return FALSE;
            }
            group = g_new0(Group, 1);
            group->name = g_steal_pointer(&l->name);
            group->line = line;
            group->entries = g_array_new(FALSE, TRUE, sizeof(Entry));
            g_array_set_clear_func(group->entries, entry_clear);
            g_ptr_array_add(kf->groups, group);
            continue;
        }
        const char *key = l->name;
        if (!group) {
            fail_at(error, kf->origin, line, NULL, NULL,
                    "%s = ... comes before any group; start with [Device]", key);
            return FALSE;
        }
        if (l->first_line) {
            fail_at(error, kf->origin, line, group->name, key, "given twice (first on line %u)",
                    l->first_line);
            return FALSE;
        }
        Entry e = {g_steal_pointer(&l->name), g_steal_pointer(&l->value), line, FALSE};
        g_array_append_val(group->entries, e);
    }
    return TRUE;
}

static Group *find_group(KeyFile *kf, const char *name)
{
    for (guint i = 0; i < kf->groups->len; i++) {
        Group *g = kf->groups->pdata[i];
        if (g_str_equal(g->name, name))
            return g;
    }
    return NULL;
}

static Entry *find_entry(Group *g, const char *key)
{
    for (guint i = 0; g && i < g->entries->len; i++) {
        Entry *e = &g_array_index(g->entries, Entry, i);
        if (g_str_equal(e->key, key)) {
            e->used = TRUE;
            return e;
        }
    }
    return NULL;
}

static gboolean check_known_keys(KeyFile *kf, Group *g, const char *const *known, GError **error)
{
    for (guint i = 0; g && i < g->entries->len; i++) {
        Entry *e = &g_array_index(g->entries, Entry, i);
        if (g_strv_contains(known, e->key))
            continue;
        const char *near = mp_suggest(e->key, known);
        if (near) {
            fail_at(error, kf->origin, e->line, g->name, e->key, "unknown key; did you mean %s?",
                    near);
        } else {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            fail_at(error, kf->origin, e->line, g->name, e->key, "unknown key (known: %s)", list);
        }
        return FALSE;
    }
    return TRUE;
}

/* ---- the driver's private part ------------------------------------------ */

#define N_COMMANDS (MP_CMD_BATTERY + 1)

typedef struct {
    char *name;
    MpFrameTemplate *pattern;
    guint fields; /* MpReadingField bits it reports */
} Rule;

typedef struct {
    GPtrArray *commands[N_COMMANDS]; /* MpFrameTemplate*, one per frame; NULL: none */
    gboolean has_levels, has_zero_level, has_modes;
    guint level_min, level_max, zero_level;
    guint mode_min, mode_max;
    GPtrArray *rules; /* Rule* */
} DeviceFile;

static void rule_free(gpointer p)
{
    Rule *r = p;
    g_free(r->name);
    mp_frame_template_free(r->pattern);
    g_free(r);
}

static void device_file_free(gpointer p)
{
    DeviceFile *df = p;
    for (gsize i = 0; i < N_COMMANDS; i++)
        if (df->commands[i])
            g_ptr_array_unref(df->commands[i]);
    g_ptr_array_unref(df->rules);
    g_free(df);
}

/* The [Commands] keys, indexed by MpCommandKind. */
static const char *const command_keys[] = {
    [MP_CMD_START] = "Start",
    [MP_CMD_STOP] = "Stop",
    [MP_CMD_INTENSITY] = "Intensity",
    [MP_CMD_SPEED] = "Speed",
    [MP_CMD_MODE] = "Mode",
    [MP_CMD_STATUS] = "Status",
    [MP_CMD_KEEPALIVE] = "Keepalive",
    [MP_CMD_BATTERY] = "Battery",
    NULL,
};

static const char *const device_keys[] = {
    "Name",      "Description", "Kind",      "NamePatterns", "Service",   "Write",
    "Notify",    "Read",        "WriteType", "MinGap",       "Keepalive", "Levels",
    "ZeroLevel", "Speed",       "SpeedUnit", "Modes",        NULL,
};

/* ---- intensity <-> level ------------------------------------------------ */

static guint percent_to_level(const DeviceFile *df, double percent)
{
    if (percent == 0.0 && df->has_zero_level)
        return df->zero_level;
    double span = (double)(df->level_max - df->level_min);
    return df->level_min + (guint)lround(percent / 100.0 * span);
}

static gboolean level_to_percent(const DeviceFile *df, guint level, double *out)
{
    if (df->has_zero_level && level == df->zero_level) {
        *out = 0.0;
        return TRUE;
    }
    if (level < df->level_min || level > df->level_max)
        return FALSE;
    *out = (double)(level - df->level_min) * 100.0 / (double)(df->level_max - df->level_min);
    return TRUE;
}

/* ---- MpDriver callbacks ------------------------------------------------- */

static gboolean append_frames(const MpDriver *driver, MpCommandKind kind,
                              const guint values[MP_SLOT_COUNT], GPtrArray *frames, GError **error)
{
    const DeviceFile *df = driver->priv;
    GPtrArray *tpl = df->commands[kind];
    if (!tpl) {
        MpCommand cmd = {kind, 0};
        g_autofree char *why =
            g_strdup_printf("%s has no [Commands] %s", driver->origin, command_keys[kind]);
        return mp_value_unsupported(driver, &cmd, why, error);
    }
    for (guint i = 0; i < tpl->len; i++)
        g_ptr_array_add(frames, mp_frame_template_encode(tpl->pdata[i], values));
    return TRUE;
}

static gboolean df_encode(const MpDriver *driver, const MpCommand *cmd, guint8 seq,
                          GPtrArray *frames, GError **error)
{
    const DeviceFile *df = driver->priv;
    guint values[MP_SLOT_COUNT] = {0};
    values[MP_SLOT_SEQ] = seq;
    double percent;
    switch (cmd->kind) {
    case MP_CMD_INTENSITY:
        if (!mp_value_percent(driver, cmd, &percent, error))
            return FALSE;
        if (!df->commands[MP_CMD_INTENSITY])
            return append_frames(driver, cmd->kind, values, frames, error);
        values[MP_SLOT_LEVEL] = percent_to_level(df, percent);
        return append_frames(driver, cmd->kind, values, frames, error);
    case MP_CMD_START:
        /* Start with a value: the Start frames (if any), then that intensity. */
        if (!mp_value_percent(driver, cmd, &percent, error))
            return FALSE;
        if (!df->commands[MP_CMD_INTENSITY] || (percent == 0.0 && df->commands[MP_CMD_START]))
            return append_frames(driver, cmd->kind, values, frames, error);
        if (percent == 0.0) {
            /* No Start frame and no value: the lowest level that runs the motor
             * (MIN is "off" unless ZeroLevel says otherwise). */
            values[MP_SLOT_LEVEL] = df->has_zero_level ? df->level_min : df->level_min + 1;
            return append_frames(driver, MP_CMD_INTENSITY, values, frames, error);
        }
        if (df->commands[MP_CMD_START] &&
            !append_frames(driver, MP_CMD_START, values, frames, error))
            return FALSE;
        values[MP_SLOT_LEVEL] = percent_to_level(df, percent);
        return append_frames(driver, MP_CMD_INTENSITY, values, frames, error);
    case MP_CMD_SPEED:
        if (!df->commands[MP_CMD_SPEED])
            return append_frames(driver, cmd->kind, values, frames, error);
        if (!mp_value_whole(driver, cmd, driver->speed_min, driver->speed_max,
                            driver->speed_unit ? driver->speed_unit : "", &values[MP_SLOT_SPEED],
                            error))
            return FALSE;
        return append_frames(driver, cmd->kind, values, frames, error);
    case MP_CMD_MODE:
        if (!df->has_modes)
            return append_frames(driver, cmd->kind, values, frames, error);
        if (!mp_value_whole(driver, cmd, df->mode_min, df->mode_max, "mode", &values[MP_SLOT_MODE],
                            error))
            return FALSE;
        return append_frames(driver, cmd->kind, values, frames, error);
    case MP_CMD_STOP:
    case MP_CMD_STATUS:
    case MP_CMD_KEEPALIVE:
    case MP_CMD_BATTERY:
        if (cmd->value != 0.0) {
            g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %s takes no value (got %g)",
                        driver->name, mp_command_kind_to_string(cmd->kind), cmd->value);
            return FALSE;
        }
        return append_frames(driver, cmd->kind, values, frames, error);
    }
    g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: unknown command %d", driver->name,
                (int)cmd->kind);
    return FALSE;
}

/* A captured value that is outside what the file declares is malformed input. */
static gboolean values_to_reading(const MpDriver *driver, const char *rule, guint slots,
                                  const guint values[MP_SLOT_COUNT], MpReading *out, GError **error)
{
    const DeviceFile *df = driver->priv;
    if (slots & (1u << MP_SLOT_BATTERY)) {
        if (values[MP_SLOT_BATTERY] > 100) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s: [Notifications] %s: battery %u%% is above 100%%", driver->name, rule,
                        values[MP_SLOT_BATTERY]);
            return FALSE;
        }
        out->fields |= MP_READING_BATTERY;
        out->battery = values[MP_SLOT_BATTERY];
    }
    if (slots & (1u << MP_SLOT_RUNNING)) {
        out->fields |= MP_READING_RUNNING;
        out->running = values[MP_SLOT_RUNNING] != 0;
    }
    if (slots & (1u << MP_SLOT_LEVEL)) {
        if (!level_to_percent(df, values[MP_SLOT_LEVEL], &out->intensity)) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s: [Notifications] %s: level %u is outside Levels %u..%u", driver->name,
                        rule, values[MP_SLOT_LEVEL], df->level_min, df->level_max);
            return FALSE;
        }
        out->fields |= MP_READING_INTENSITY;
    }
    if (slots & (1u << MP_SLOT_SPEED)) {
        if (values[MP_SLOT_SPEED] > driver->speed_max) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s: [Notifications] %s: speed %u is above Speed %u..%u", driver->name,
                        rule, values[MP_SLOT_SPEED], driver->speed_min, driver->speed_max);
            return FALSE;
        }
        out->fields |= MP_READING_SPEED;
        out->speed = values[MP_SLOT_SPEED];
    }
    if (slots & (1u << MP_SLOT_ERROR)) {
        out->fields |= MP_READING_ERROR;
        out->error_code = values[MP_SLOT_ERROR];
    }
    return TRUE;
}

static gboolean df_decode(const MpDriver *driver, const char *char_uuid, const guint8 *data,
                          gsize len, MpReading *out, GError **error)
{
    const DeviceFile *df = driver->priv;
    g_autofree char *hex = mp_hex_format(data, MIN(len, 32));
    /* The standard Battery Level characteristic: one byte, percent. */
    if (char_uuid && mp_uuid_equal(char_uuid, "2a19")) {
        if (len != 1 || data[0] > 100) {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "%s: Battery Level (0x2A19) must be one byte 0..100, got '%s'",
                        driver->name, hex);
            return FALSE;
        }
        out->fields = MP_READING_BATTERY;
        out->battery = data[0];
        return TRUE;
    }
    if (df->rules->len == 0) {
        g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED, "%s: %s has no [Notifications] rules",
                    driver->name, driver->origin);
        return FALSE;
    }
    if (len == 0) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID, "%s: empty notification", driver->name);
        return FALSE;
    }
    for (guint i = 0; i < df->rules->len; i++) {
        const Rule *r = df->rules->pdata[i];
        guint values[MP_SLOT_COUNT] = {0};
        g_autofree char *bad = NULL;
        switch (mp_frame_template_match(r->pattern, data, len, values, &bad)) {
        case MP_MATCH_NO:
            continue;
        case MP_MATCH_CHECKSUM:
            g_set_error(error, MP_ERROR, MP_ERROR_CHECKSUM,
                        "%s: [Notifications] %s: bad checksum in '%s': %s", driver->name, r->name,
                        hex, bad);
            return FALSE;
        case MP_MATCH_YES:
            return values_to_reading(driver, r->name, mp_frame_template_slots(r->pattern), values,
                                     out, error);
        }
    }
    g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                "%s: %zu bytes '%s%s' match no [Notifications] rule", driver->name, len, hex,
                len > 32 ? " ..." : "");
    return FALSE;
}

/* Stop first: on devices where stop is "intensity 0" the frame means stop. */
static const MpCommandKind parse_order[] = {
    MP_CMD_STOP,    MP_CMD_START,     MP_CMD_STATUS, MP_CMD_KEEPALIVE,
    MP_CMD_BATTERY, MP_CMD_INTENSITY, MP_CMD_SPEED,  MP_CMD_MODE,
};

static gboolean df_parse_command(const MpDriver *driver, const guint8 *data, gsize len,
                                 MpCommand *out, guint8 *seq, GError **error)
{
    const DeviceFile *df = driver->priv;
    g_autofree char *hex = mp_hex_format(data, MIN(len, 32));
    g_autofree char *checksum_problem = NULL;
    for (gsize k = 0; k < G_N_ELEMENTS(parse_order); k++) {
        MpCommandKind kind = parse_order[k];
        GPtrArray *tpl = df->commands[kind];
        for (guint i = 0; tpl && i < tpl->len; i++) {
            guint values[MP_SLOT_COUNT] = {0};
            g_autofree char *bad = NULL;
            MpMatch m = mp_frame_template_match(tpl->pdata[i], data, len, values, &bad);
            if (m == MP_MATCH_CHECKSUM && !checksum_problem)
                checksum_problem = g_strdup_printf("[Commands] %s: %s", command_keys[kind], bad);
            if (m != MP_MATCH_YES)
                continue;
            guint slots = mp_frame_template_slots(tpl->pdata[i]);
            out->kind = kind;
            out->value = 0;
            if (slots & (1u << MP_SLOT_LEVEL)) {
                if (!level_to_percent(df, values[MP_SLOT_LEVEL], &out->value))
                    continue; /* not a level this device uses: not this command */
            } else if (slots & (1u << MP_SLOT_SPEED)) {
                if (values[MP_SLOT_SPEED] < driver->speed_min ||
                    values[MP_SLOT_SPEED] > driver->speed_max)
                    continue;
                out->value = values[MP_SLOT_SPEED];
            } else if (slots & (1u << MP_SLOT_MODE)) {
                if (values[MP_SLOT_MODE] < df->mode_min || values[MP_SLOT_MODE] > df->mode_max)
                    continue;
                out->value = values[MP_SLOT_MODE];
            }
            *seq = (guint8)values[MP_SLOT_SEQ];
            return TRUE;
        }
    }
    if (checksum_problem) {
        g_set_error(error, MP_ERROR, MP_ERROR_CHECKSUM, "%s: bad checksum in '%s': %s",
                    driver->name, hex, checksum_problem);
        return FALSE;
    }
    g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                "%s: %zu bytes '%s%s' match no [Commands] template", driver->name, len, hex,
                len > 32 ? " ..." : "");
    return FALSE;
}

static guint slots_to_fields(guint slots)
{
    guint f = 0;
    if (slots & (1u << MP_SLOT_BATTERY))
        f |= MP_READING_BATTERY;
    if (slots & (1u << MP_SLOT_RUNNING))
        f |= MP_READING_RUNNING;
    if (slots & (1u << MP_SLOT_LEVEL))
        f |= MP_READING_INTENSITY;
    if (slots & (1u << MP_SLOT_SPEED))
        f |= MP_READING_SPEED;
    if (slots & (1u << MP_SLOT_ERROR))
        f |= MP_READING_ERROR;
    return f;
}

/* The first rule that reports every field the reading sets. */
static GBytes *df_encode_reading(const MpDriver *driver, const MpReading *reading, GError **error)
{
    const DeviceFile *df = driver->priv;
    for (guint i = 0; reading->fields && i < df->rules->len; i++) {
        const Rule *r = df->rules->pdata[i];
        if ((r->fields & reading->fields) != reading->fields)
            continue;
        guint values[MP_SLOT_COUNT] = {0};
        if (reading->fields & MP_READING_INTENSITY) {
            if (!(reading->intensity >= 0 && reading->intensity <= 100)) {
                g_set_error(error, MP_ERROR, MP_ERROR_RANGE,
                            "%s: intensity %g%% is outside 0..100%%", driver->name,
                            reading->intensity);
                return NULL;
            }
            values[MP_SLOT_LEVEL] = percent_to_level(df, reading->intensity);
        }
        guint limits[][2] = {
            {MP_SLOT_BATTERY, reading->battery},
            {MP_SLOT_SPEED, reading->speed},
            {MP_SLOT_ERROR, reading->error_code},
        };
        for (gsize k = 0; k < G_N_ELEMENTS(limits); k++) {
            guint max = mp_frame_template_slot_max(r->pattern, (MpSlot)limits[k][0]);
            if (max && limits[k][1] > max) {
                g_set_error(error, MP_ERROR, MP_ERROR_RANGE,
                            "%s: [Notifications] %s: %u does not fit its placeholder (0..%u)",
                            driver->name, r->name, limits[k][1], max);
                return NULL;
            }
            values[limits[k][0]] = limits[k][1];
        }
        values[MP_SLOT_RUNNING] = reading->running ? 1 : 0;
        return mp_frame_template_encode(r->pattern, values);
    }
    g_autofree char *what = mp_reading_to_string(reading);
    g_set_error(error, MP_ERROR, MP_ERROR_UNSUPPORTED,
                "%s: no [Notifications] rule reports all of '%s'", driver->name, what);
    return NULL;
}

/* ---- building the driver ------------------------------------------------ */

typedef struct {
    KeyFile *kf;
    Group *group;
    GError **error;
} Ctx;

static gboolean parse_uint(const char *s, guint max, guint *out)
{
    if (!*s)
        return FALSE;
    char *end = NULL;
    guint64 v;
    if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X")) {
        if (!s[2])
            return FALSE;
        v = g_ascii_strtoull(s + 2, &end, 16);
    } else {
        for (const char *p = s; *p; p++)
            if (!g_ascii_isdigit(*p))
                return FALSE;
        v = g_ascii_strtoull(s, &end, 10);
    }
    if (*end || v > max)
        return FALSE;
    *out = (guint)v;
    return TRUE;
}

static gboolean get_uint(Ctx *c, const char *key, guint max, guint *out)
{
    Entry *e = find_entry(c->group, key);
    if (!e)
        return TRUE;
    if (!parse_uint(e->value, max, out)) {
        fail_at(c->error, c->kf->origin, e->line, c->group->name, key,
                "'%s' is not a whole number in 0..%u", e->value, max);
        return FALSE;
    }
    return TRUE;
}

/* "MIN..MAX"; `strict`: MIN < MAX. */
static gboolean get_range(Ctx *c, const char *key, gboolean strict, gboolean *has, guint *min,
                          guint *max)
{
    Entry *e = find_entry(c->group, key);
    *has = e != NULL;
    if (!e)
        return TRUE;
    g_auto(GStrv) parts = g_strsplit(e->value, "..", 2);
    if (!parts[0] || !parts[1] || !parse_uint(g_strstrip(parts[0]), 65535, min) ||
        !parse_uint(g_strstrip(parts[1]), 65535, max)) {
        fail_at(c->error, c->kf->origin, e->line, c->group->name, key,
                "'%s' is not a range MIN..MAX of whole numbers in 0..65535", e->value);
        return FALSE;
    }
    if (strict ? *min >= *max : *min > *max) {
        fail_at(c->error, c->kf->origin, e->line, c->group->name, key, "'%s': MIN must be %s MAX",
                e->value, strict ? "below" : "at most");
        return FALSE;
    }
    return TRUE;
}

static gboolean get_uuid(Ctx *c, const char *key, gboolean required, char **out)
{
    Entry *e = find_entry(c->group, key);
    if (!e) {
        if (required)
            fail_at(c->error, c->kf->origin, c->group->line, c->group->name, NULL, "missing key %s",
                    key);
        return !required;
    }
    g_autoptr(GError) local = NULL;
    *out = mp_uuid_normalise(e->value, &local);
    if (!*out) {
        fail_at(c->error, c->kf->origin, e->line, c->group->name, key, "%s", local->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean valid_name(const char *s)
{
    if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s))
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && !strchr("-_.", *p))
            return FALSE;
    return strlen(s) <= 64;
}

static gboolean read_device(Ctx *c, MpDriver *d, DeviceFile *df)
{
    KeyFile *kf = c->kf;
    Group *g = c->group;
    if (!check_known_keys(kf, g, device_keys, c->error))
        return FALSE;

    Entry *e = find_entry(g, "Name");
    if (!e) {
        fail_at(c->error, kf->origin, g->line, g->name, NULL, "missing key Name");
        return FALSE;
    }
    if (!valid_name(e->value)) {
        fail_at(c->error, kf->origin, e->line, g->name, "Name",
                "'%s' must be 1-64 lowercase letters, digits, '-', '_' or '.', starting with a "
                "letter or digit",
                e->value);
        return FALSE;
    }
    d->name = g_strdup(e->value);
    e = find_entry(g, "Description");
    d->description = g_strdup(e ? e->value : "");

    e = find_entry(g, "Kind");
    if (!e) {
        fail_at(c->error, kf->origin, g->line, g->name, NULL, "missing key Kind");
        return FALSE;
    }
    if (!mp_device_kind_from_string(e->value, &d->kind) || d->kind == MP_KIND_ANY) {
        static const char *const kinds[] = {"percussion", "vibration", NULL};
        const char *near = mp_suggest(e->value, kinds);
        fail_at(c->error, kf->origin, e->line, g->name, "Kind",
                "'%s' is not a kind (percussion or vibration)%s%s%s", e->value,
                near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
        return FALSE;
    }

    e = find_entry(g, "NamePatterns");
    if (e) {
        g_auto(GStrv) parts = g_strsplit(e->value, ";", -1);
        g_autoptr(GPtrArray) pats = g_ptr_array_new_with_free_func(g_free);
        for (char **p = parts; *p; p++) {
            g_strstrip(*p);
            if (**p)
                g_ptr_array_add(pats, g_strdup(*p));
        }
        g_ptr_array_add(pats, NULL);
        g_strfreev(d->name_patterns);
        d->name_patterns = (GStrv)g_ptr_array_free(g_steal_pointer(&pats), FALSE);
    }

    if (!get_uuid(c, "Service", TRUE, &d->service_uuid) ||
        !get_uuid(c, "Write", TRUE, &d->write_uuid) ||
        !get_uuid(c, "Notify", FALSE, &d->notify_uuid))
        return FALSE;
    e = find_entry(g, "Read");
    if (e) {
        g_auto(GStrv) parts = g_strsplit(e->value, ";", -1);
        g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);
        for (char **p = parts; *p; p++) {
            g_strstrip(*p);
            if (!**p)
                continue;
            g_autoptr(GError) local = NULL;
            char *u = mp_uuid_normalise(*p, &local);
            if (!u) {
                fail_at(c->error, kf->origin, e->line, g->name, "Read", "%s", local->message);
                return FALSE;
            }
            g_ptr_array_add(uuids, u);
        }
        g_ptr_array_add(uuids, NULL);
        g_strfreev(d->read_uuids);
        d->read_uuids = (GStrv)g_ptr_array_free(g_steal_pointer(&uuids), FALSE);
    }

    e = find_entry(g, "WriteType");
    d->write_type = MP_WRITE_WITHOUT_RESPONSE;
    if (e) {
        if (g_str_equal(e->value, "with-response")) {
            d->write_type = MP_WRITE_WITH_RESPONSE;
        } else if (!g_str_equal(e->value, "without-response")) {
            fail_at(c->error, kf->origin, e->line, g->name, "WriteType",
                    "'%s' is not a write type (with-response or without-response)", e->value);
            return FALSE;
        }
    }
    if (!get_uint(c, "MinGap", 60000, &d->min_gap_ms) ||
        !get_uint(c, "Keepalive", 60000, &d->keepalive_ms))
        return FALSE;

    if (!get_range(c, "Levels", TRUE, &df->has_levels, &df->level_min, &df->level_max))
        return FALSE;
    e = find_entry(g, "ZeroLevel");
    if (e) {
        if (!df->has_levels) {
            fail_at(c->error, kf->origin, e->line, g->name, "ZeroLevel", "needs Levels = MIN..MAX");
            return FALSE;
        }
        if (!get_uint(c, "ZeroLevel", 65535, &df->zero_level))
            return FALSE;
        df->has_zero_level = TRUE;
    }
    gboolean has_speed = FALSE;
    if (!get_range(c, "Speed", TRUE, &has_speed, &d->speed_min, &d->speed_max))
        return FALSE;
    e = find_entry(g, "SpeedUnit");
    d->speed_unit = g_strdup(e ? e->value : "level");
    if (!get_range(c, "Modes", FALSE, &df->has_modes, &df->mode_min, &df->mode_max))
        return FALSE;
    return TRUE;
}

/* The value a command's frames carry, and the [Device] key giving its range. */
static const struct {
    MpCommandKind kind;
    MpSlot slot;
    const char *placeholder;
    const char *range_key;
} valued[] = {
    {MP_CMD_INTENSITY, MP_SLOT_LEVEL, "level", "Levels"},
    {MP_CMD_SPEED, MP_SLOT_SPEED, "speed", "Speed"},
    {MP_CMD_MODE, MP_SLOT_MODE, "mode", "Modes"},
};

static gboolean read_commands(Ctx *c, MpDriver *d, DeviceFile *df, guint device_line)
{
    KeyFile *kf = c->kf;
    Group *g = c->group;
    if (!g) {
        fail_at(c->error, kf->origin, 0, NULL, NULL,
                "missing group [Commands] (at least Stop = ... is needed)");
        return FALSE;
    }
    if (!check_known_keys(kf, g, command_keys, c->error))
        return FALSE;
    for (gsize k = 0; k < N_COMMANDS; k++) {
        Entry *e = find_entry(g, command_keys[k]);
        if (!e)
            continue;
        GPtrArray *frames = g_ptr_array_new_with_free_func((GDestroyNotify)mp_frame_template_free);
        df->commands[k] = frames;
        /* g_strsplit("") gives no parts; an empty value is one empty frame. */
        g_auto(GStrv) parts = *e->value ? g_strsplit(e->value, "|", -1) : g_strsplit(" ", "|", -1);
        guint slots = 0;
        for (char **p = parts; *p; p++) {
            g_autoptr(GError) local = NULL;
            MpFrameTemplate *t = mp_frame_template_parse(*p, MP_TEMPLATE_COMMAND, &local);
            if (!t) {
                fail_at(c->error, kf->origin, e->line, g->name, e->key, "%s", local->message);
                return FALSE;
            }
            g_ptr_array_add(frames, t);
            slots |= mp_frame_template_slots(t);
        }
        if (slots & (1u << MP_SLOT_SEQ))
            d->uses_seq = TRUE;
        for (gsize v = 0; v < G_N_ELEMENTS(valued); v++) {
            gboolean has = (slots & (1u << valued[v].slot)) != 0;
            if (valued[v].kind == (MpCommandKind)k) {
                if (!has) {
                    fail_at(c->error, kf->origin, e->line, g->name, e->key,
                            "the frame has no {%s} placeholder for the value",
                            valued[v].placeholder);
                    return FALSE;
                }
            } else if (has) {
                fail_at(c->error, kf->origin, e->line, g->name, e->key,
                        "{%s...} carries the %s value; only %s may use it", valued[v].placeholder,
                        mp_command_kind_to_string(valued[v].kind), command_keys[valued[v].kind]);
                return FALSE;
            }
        }
    }
    if (!df->commands[MP_CMD_STOP]) {
        fail_at(c->error, kf->origin, g->line, g->name, NULL,
                "missing key Stop (every device must be stoppable)");
        return FALSE;
    }
    /* Every valued command needs its range, and the range must fit the placeholder. */
    gboolean has_range[] = {df->has_levels, d->speed_max > 0, df->has_modes};
    guint range_max[] = {MAX(df->level_max, df->has_zero_level ? df->zero_level : 0), d->speed_max,
                         df->mode_max};
    for (gsize v = 0; v < G_N_ELEMENTS(valued); v++) {
        GPtrArray *frames = df->commands[valued[v].kind];
        if (!frames)
            continue;
        Entry *e = find_entry(g, command_keys[valued[v].kind]);
        if (!has_range[v]) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "needs %s = MIN..MAX in [Device] (line %u)", valued[v].range_key, device_line);
            return FALSE;
        }
        for (guint i = 0; i < frames->len; i++) {
            guint max = mp_frame_template_slot_max(frames->pdata[i], valued[v].slot);
            if (max && range_max[v] > max) {
                fail_at(c->error, kf->origin, e->line, g->name, e->key,
                        "%s up to %u does not fit one byte; use {%s16be} or {%s16le}",
                        valued[v].range_key, range_max[v], valued[v].placeholder,
                        valued[v].placeholder);
                return FALSE;
            }
        }
    }
    Entry *ka = find_entry(g, "Keepalive");
    if (d->keepalive_ms > 0 && !ka) {
        fail_at(c->error, kf->origin, g->line, g->name, NULL,
                "missing key Keepalive: [Device] Keepalive = %u needs the frame to send",
                d->keepalive_ms);
        return FALSE;
    }
    if (ka && d->keepalive_ms == 0) {
        fail_at(c->error, kf->origin, ka->line, g->name, "Keepalive",
                "a keepalive frame without [Device] Keepalive = MILLISECONDS");
        return FALSE;
    }
    return TRUE;
}

static gboolean valid_rule_name(const char *s)
{
    if (!g_ascii_isalpha(*s))
        return FALSE;
    for (const char *p = s; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
            return FALSE;
    return TRUE;
}

static gboolean read_notifications(Ctx *c, MpDriver *d, DeviceFile *df)
{
    KeyFile *kf = c->kf;
    Group *g = c->group;
    for (guint i = 0; g && i < g->entries->len; i++) {
        Entry *e = &g_array_index(g->entries, Entry, i);
        e->used = TRUE;
        if (!valid_rule_name(e->key)) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "a rule name is a word (letters, digits, '-', '_')");
            return FALSE;
        }
        if (!d->notify_uuid) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "notification rules need Notify = UUID in [Device]");
            return FALSE;
        }
        g_autoptr(GError) local = NULL;
        MpFrameTemplate *t = mp_frame_template_parse(e->value, MP_TEMPLATE_NOTIFICATION, &local);
        if (!t) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key, "%s", local->message);
            return FALSE;
        }
        Rule *r = g_new0(Rule, 1);
        r->name = g_strdup(e->key);
        r->pattern = t;
        r->fields = slots_to_fields(mp_frame_template_slots(t));
        g_ptr_array_add(df->rules, r);
        if (!r->fields) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "the pattern reports nothing: add {battery}, {running}, {level}, {speed} or "
                    "{error}");
            return FALSE;
        }
        if ((r->fields & MP_READING_INTENSITY) && !df->has_levels) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "{level} needs Levels = MIN..MAX in [Device]");
            return FALSE;
        }
        if ((r->fields & MP_READING_SPEED) && d->speed_max == 0) {
            fail_at(c->error, kf->origin, e->line, g->name, e->key,
                    "{speed} needs Speed = MIN..MAX in [Device]");
            return FALSE;
        }
    }
    return TRUE;
}

MpDriver *mp_device_file_parse(const char *text, gsize len, const char *origin, GError **error)
{
    g_return_val_if_fail(text && origin, NULL);
    KeyFile kf = {origin, g_ptr_array_new_with_free_func(group_free)};
    g_autoptr(GPtrArray) groups = kf.groups;
    if (!read_lines(&kf, text, len, error))
        return NULL;

    g_autoptr(MpDriver) d = mp_driver_new();
    DeviceFile *df = g_new0(DeviceFile, 1);
    df->rules = g_ptr_array_new_with_free_func(rule_free);
    d->priv = df;
    d->priv_free = device_file_free;
    d->origin = g_strdup(origin);

    Ctx c = {&kf, find_group(&kf, "Device"), error};
    if (!c.group) {
        fail_at(error, origin, 0, NULL, NULL, "missing group [Device]");
        return NULL;
    }
    guint device_line = c.group->line;
    if (!read_device(&c, d, df))
        return NULL;
    c.group = find_group(&kf, "Commands");
    if (!read_commands(&c, d, df, device_line))
        return NULL;
    c.group = find_group(&kf, "Notifications");
    if (!read_notifications(&c, d, df))
        return NULL;

    d->encode = df_encode;
    d->decode = df_decode;
    d->parse_command = df_parse_command;
    d->encode_reading = df_encode_reading;
    return g_steal_pointer(&d);
}

MpDriver *mp_device_file_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;
    if (!mp_text_file_read(path, MP_DEVICE_FILE_MAX_SIZE, &text, &len, &local)) {
        gboolean missing = g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        g_set_error(error, MP_ERROR, missing ? MP_ERROR_NOT_FOUND : MP_ERROR_INVALID, "%s",
                    local->message);
        return NULL;
    }
    return mp_device_file_parse(text, len, path, error);
}
