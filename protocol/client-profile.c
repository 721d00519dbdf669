/* Client profiles: parser, limit check, serialiser and the exclusions. See
 * client-profile.h and docs/clients.md. */
#include "protocol/client-profile.h"

#include <math.h>
#include <string.h>

#include "protocol/mp-error.h"
#include "protocol/programme-private.h"
#include "protocol/timespan.h"

#define GROUP "Client"

static const char *const known_keys[] = {
    "Label",        "Notes",          "Cautions",     "MaxIntensity", "MaxSessionTime",
    "ExcludeSides", "ExcludeMuscles", "ExcludeZones", NULL,
};

void mp_client_profile_free(MpClientProfile *p)
{
    if (!p)
        return;
    g_free(p->label);
    g_free(p->notes);
    g_free(p->cautions);
    g_free(p);
}

gboolean mp_client_label_check(const char *label, GError **error)
{
    if (!label || !*label) {
        g_set_error_literal(error, MP_ERROR, MP_ERROR_INVALID, "the label is empty");
        return FALSE;
    }
    gsize n = strlen(label);
    if (n > MP_CLIENT_MAX_LABEL) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "the label is %zu bytes long; at most %d are allowed", n, MP_CLIENT_MAX_LABEL);
        return FALSE;
    }
    if (!g_ascii_isalnum(label[0])) {
        g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                    "the label \"%.64s\" must start with a letter or a digit", label);
        return FALSE;
    }
    for (const char *c = label; *c; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.') {
            g_set_error(error, MP_ERROR, MP_ERROR_INVALID,
                        "the label may hold only letters, digits, '-', '_' and '.' (found "
                        "byte 0x%02x at position %zu)",
                        (unsigned char)*c, (gsize)(c - label) + 1);
            return FALSE;
        }
    }
    return TRUE;
}

/* "\n" and "\\" in a value; any other backslash is kept as it is. */
static char *unescape(const char *s)
{
    GString *out = g_string_new(NULL);
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') {
            g_string_append_c(out, '\n');
            s++;
        } else if (s[0] == '\\' && s[1] == '\\') {
            g_string_append_c(out, '\\');
            s++;
        } else {
            g_string_append_c(out, *s);
        }
    }
    return g_string_free(out, FALSE);
}

static char *escape(const char *s)
{
    GString *out = g_string_new(NULL);
    for (; *s; s++) {
        if (*s == '\n')
            g_string_append(out, "\\n");
        else if (*s == '\\')
            g_string_append(out, "\\\\");
        else if (*s != '\r')
            g_string_append_c(out, *s);
    }
    return g_string_free(out, FALSE);
}

typedef gboolean (*NameParser)(const char *s, int *out);

/* The name parser and printer of each enum with an int value, for the
 * lists below; one body for the three. */
#define INT_NAMES(what, Type)                                                                      \
    static gboolean what##_name(const char *s, int *out)                                           \
    {                                                                                              \
        Type v;                                                                                    \
        if (!mp_##what##_from_string(s, &v))                                                       \
            return FALSE;                                                                          \
        *out = v;                                                                                  \
        return TRUE;                                                                               \
    }                                                                                              \
    static const char *what##_str(int v)                                                           \
    {                                                                                              \
        return mp_##what##_to_string((Type)v);                                                     \
    }

INT_NAMES(side, MpSide)
INT_NAMES(muscle, MpMuscle)
INT_NAMES(zone, MpZone)

/* A comma-separated list of names into `flags`; every bad name reported. */
static void parse_names(const char *value, NameParser parse, const char *what, gboolean *flags,
                        int n_flags, const char *source, guint line, const char *key,
                        GPtrArray *diags)
{
    g_auto(GStrv) parts = g_strsplit(value, ",", -1);
    gboolean any = FALSE, bad = FALSE;
    for (guint i = 0; parts[i]; i++) {
        char *name = g_strstrip(parts[i]);
        if (!*name)
            continue;
        int v;
        if (!parse(name, &v) || v <= 0 || v >= n_flags) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "unknown %s \"%s\"", what,
                        name);
            bad = TRUE;
            continue;
        }
        flags[v] = TRUE;
        any = TRUE;
    }
    if (!any && !bad)
        mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "names no %s", what);
}

static void set_text(char **field, const char *value, const char *source, guint line,
                     const char *key, GPtrArray *diags)
{
    g_autofree char *text = unescape(value);
    if (strlen(text) > MP_CLIENT_MAX_TEXT) {
        mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key,
                    "%zu bytes long; at most %d are allowed", strlen(text), MP_CLIENT_MAX_TEXT);
        return;
    }
    g_free(*field);
    *field = *text ? g_steal_pointer(&text) : NULL;
}

static void parse_key(MpClientProfile *p, const char *key, const char *value, const char *source,
                      guint line, GPtrArray *diags)
{
    g_autoptr(GError) error = NULL;
    if (g_str_equal(key, "Label")) {
        p->label_line = line;
        if (!mp_client_label_check(value, &error)) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "%s", error->message);
            return;
        }
        g_free(p->label);
        p->label = g_strdup(value);
    } else if (g_str_equal(key, "Notes")) {
        set_text(&p->notes, value, source, line, key, diags);
    } else if (g_str_equal(key, "Cautions")) {
        set_text(&p->cautions, value, source, line, key, diags);
    } else if (g_str_equal(key, "MaxIntensity")) {
        p->max_intensity_line = line;
        double v;
        if (!mp_percent_parse(value, &v, &error)) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "%s", error->message);
            return;
        }
        if (!(v > 0) || v > 100) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key,
                        "%s is outside 0%% (exclusive) to 100%%", value);
            return;
        }
        p->max_intensity = v;
    } else if (g_str_equal(key, "MaxSessionTime")) {
        p->max_session_line = line;
        guint64 ms;
        if (!mp_timespan_parse(value, &ms, &error)) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "%s", error->message);
            return;
        }
        if (ms == 0) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "must be above 0s");
            return;
        }
        p->max_session_ms = ms;
    } else if (g_str_equal(key, "ExcludeSides")) {
        parse_names(value, side_name, "side (left or right)", p->exclude_side,
                    G_N_ELEMENTS(p->exclude_side), source, line, key, diags);
    } else if (g_str_equal(key, "ExcludeMuscles")) {
        parse_names(value, muscle_name, "muscle", p->exclude_muscle,
                    G_N_ELEMENTS(p->exclude_muscle), source, line, key, diags);
    } else if (g_str_equal(key, "ExcludeZones")) {
        parse_names(value, zone_name, "zone", p->exclude_zone, G_N_ELEMENTS(p->exclude_zone),
                    source, line, key, diags);
    } else {
        const char *guess = mp_suggest(key, known_keys);
        if (guess)
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key,
                        "unknown key; did you mean %s?", guess);
        else
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key, "unknown key");
    }
}

MpClientProfile *mp_client_profile_parse(const char *text, gsize len, const char *source,
                                         GPtrArray *diags)
{
    g_autoptr(GPtrArray) own = diags ? NULL : mp_diagnostics_new();
    if (!diags)
        diags = own;
    guint errors_before = 0;
    for (guint i = 0; i < diags->len; i++)
        errors_before += ((MpDiagnostic *)diags->pdata[i])->severity == MP_DIAG_ERROR;
    if (len > MP_CLIENT_MAX_SIZE) {
        mp_diag_add(diags, MP_DIAG_ERROR, source, 0, NULL, NULL,
                    "the profile is %zu bytes long; at most %d are allowed", len,
                    MP_CLIENT_MAX_SIZE);
        return NULL;
    }
    if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
        mp_diag_add(diags, MP_DIAG_ERROR, source, 0, NULL, NULL, "the profile is not UTF-8 text");
        return NULL;
    }
    g_autoptr(MpClientProfile) p = g_new0(MpClientProfile, 1);
    p->max_intensity = -1;
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *copy = g_strndup(text, len);
    g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
    gboolean in_client = FALSE, had_group = FALSE;
    for (guint i = 0; lines[i]; i++) {
        guint line = i + 1;
        char *l = lines[i];
        if (strlen(l) > MP_CLIENT_MAX_LINE) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, NULL,
                        "the line is longer than %d bytes", MP_CLIENT_MAX_LINE);
            continue;
        }
        g_strstrip(l);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            if (l[strlen(l) - 1] != ']') {
                mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, NULL,
                            "a group header needs a closing ]");
                in_client = FALSE;
                continue;
            }
            g_autofree char *name = g_strndup(l + 1, strlen(l) - 2);
            g_strstrip(name);
            if (!g_str_equal(name, GROUP)) {
                mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, NULL,
                            "unknown group [%s]; a profile has one [Client] group", name);
                in_client = FALSE;
            } else if (had_group) {
                mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, NULL,
                            "a second [Client] group");
                in_client = FALSE;
            } else {
                in_client = had_group = TRUE;
            }
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, NULL,
                        "expected Key=Value, a [Client] header or a # comment");
            continue;
        }
        *eq = '\0';
        char *key = g_strstrip(l);
        char *value = g_strstrip(eq + 1);
        if (!had_group) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, NULL, key,
                        "a key before the [Client] header");
            continue;
        }
        if (!in_client)
            continue; /* inside a bad group: reported once, at its header */
        if (g_hash_table_contains(seen, key)) {
            mp_diag_add(diags, MP_DIAG_ERROR, source, line, GROUP, key,
                        "set a second time (first on line %u)",
                        GPOINTER_TO_UINT(g_hash_table_lookup(seen, key)));
            continue;
        }
        g_hash_table_insert(seen, g_strdup(key), GUINT_TO_POINTER(line));
        parse_key(p, key, value, source, line, diags);
    }
    if (!had_group)
        mp_diag_add(diags, MP_DIAG_ERROR, source, 0, NULL, NULL, "no [Client] group");
    else if (!p->label && !p->label_line)
        mp_diag_add(diags, MP_DIAG_ERROR, source, 0, GROUP, "Label", "missing");

    guint errors_after = 0;
    for (guint i = 0; i < diags->len; i++)
        errors_after += ((MpDiagnostic *)diags->pdata[i])->severity == MP_DIAG_ERROR;
    if (errors_after > errors_before)
        return NULL;
    return g_steal_pointer(&p);
}

gboolean mp_client_profile_check_limits(const MpClientProfile *p, const MpSafetyLimits *limits,
                                        const char *source, GPtrArray *diags)
{
    gboolean ok = TRUE;
    if (p->max_intensity >= 0 && p->max_intensity > limits->max_intensity + 1e-9) {
        g_autofree char *mine = mp_percent_format(p->max_intensity);
        g_autofree char *theirs = mp_percent_format(limits->max_intensity);
        mp_diag_add(diags, MP_DIAG_ERROR, source, p->max_intensity_line, GROUP, "MaxIntensity",
                    "%s is above the daemon's MaxIntensity of %s; a profile may only lower "
                    "limits",
                    mine, theirs);
        ok = FALSE;
    }
    if (p->max_session_ms > 0 && p->max_session_ms > limits->max_session_ms) {
        g_autofree char *mine = mp_timespan_format(p->max_session_ms);
        g_autofree char *theirs = mp_timespan_format(limits->max_session_ms);
        mp_diag_add(diags, MP_DIAG_ERROR, source, p->max_session_line, GROUP, "MaxSessionTime",
                    "%s is longer than the daemon's MaxSessionTime of %s; a profile may only "
                    "lower limits",
                    mine, theirs);
        ok = FALSE;
    }
    return ok;
}

static void append_names(GString *out, const char *key, const gboolean *flags, int n,
                         const char *(*name)(int))
{
    gboolean first = TRUE;
    for (int i = 1; i < n; i++) {
        if (!flags[i])
            continue;
        g_string_append(out, first ? key : ",");
        if (first)
            g_string_append_c(out, '=');
        g_string_append(out, name(i));
        first = FALSE;
    }
    if (!first)
        g_string_append_c(out, '\n');
}

char *mp_client_profile_to_text(const MpClientProfile *p)
{
    GString *out = g_string_new("[Client]\n");
    g_string_append_printf(out, "Label=%s\n", p->label ? p->label : "");
    if (p->notes) {
        g_autofree char *e = escape(p->notes);
        g_string_append_printf(out, "Notes=%s\n", e);
    }
    if (p->cautions) {
        g_autofree char *e = escape(p->cautions);
        g_string_append_printf(out, "Cautions=%s\n", e);
    }
    if (p->max_intensity >= 0) {
        g_autofree char *v = mp_percent_format(p->max_intensity);
        g_string_append_printf(out, "MaxIntensity=%s\n", v);
    }
    if (p->max_session_ms > 0) {
        g_autofree char *v = mp_timespan_format(p->max_session_ms);
        g_string_append_printf(out, "MaxSessionTime=%s\n", v);
    }
    append_names(out, "ExcludeSides", p->exclude_side, G_N_ELEMENTS(p->exclude_side), side_str);
    append_names(out, "ExcludeMuscles", p->exclude_muscle, G_N_ELEMENTS(p->exclude_muscle),
                 muscle_str);
    append_names(out, "ExcludeZones", p->exclude_zone, G_N_ELEMENTS(p->exclude_zone), zone_str);
    return g_string_free(out, FALSE);
}

static gboolean muscle_excluded(const MpClientProfile *p, MpMuscle m)
{
    if (p->exclude_muscle[m])
        return TRUE;
    /* The hamstrings are the three heads together. */
    gboolean head = m == MP_MUSCLE_BICEPS_FEMORIS || m == MP_MUSCLE_SEMITENDINOSUS ||
                    m == MP_MUSCLE_SEMIMEMBRANOSUS;
    return head && p->exclude_muscle[MP_MUSCLE_HAMSTRINGS];
}

gboolean mp_client_profile_excludes(const MpClientProfile *p, const MpStep *step, MpSide side)
{
    if (step->muscle == MP_MUSCLE_NONE || mp_envelope_is_rest(&step->intensity))
        return FALSE;
    if (side != MP_SIDE_NONE && p->exclude_side[side])
        return TRUE;
    if (muscle_excluded(p, step->muscle))
        return TRUE;
    return step->zone != MP_ZONE_NONE && p->exclude_zone[step->zone];
}

gboolean mp_client_profile_apply(const MpClientProfile *p, MpProgramme *prog, GPtrArray *skipped,
                                 GError **error)
{
    /* The passes first: a step that follows the programme's Sides plays in
     * every pass that is left. */
    guint kept = 0;
    for (guint i = 0; i < prog->n_sides; i++) {
        if (p->exclude_side[prog->sides[i]]) {
            g_ptr_array_add(skipped, g_strdup_printf("%s side", mp_side_to_string(prog->sides[i])));
            continue;
        }
        prog->sides[kept++] = prog->sides[i];
    }
    gboolean all_passes_gone = prog->n_sides > 0 && kept == 0;
    prog->n_sides = kept;
    gboolean work_left = FALSE;
    for (guint i = 0; i < prog->steps->len;) {
        const MpStep *st = prog->steps->pdata[i];
        gboolean rest = st->muscle == MP_MUSCLE_NONE || mp_envelope_is_rest(&st->intensity);
        /* With every pass gone, nothing but a step's own side could play. */
        gboolean gone = all_passes_gone && st->side == MP_SIDE_NONE && !rest;
        if (gone || mp_client_profile_excludes(p, st, st->side)) {
            if (!gone || st->side != MP_SIDE_NONE)
                g_ptr_array_add(
                    skipped, g_strdup_printf(
                                 "step %s (%s, %s%s%s)", st->id, mp_muscle_to_string(st->muscle),
                                 mp_zone_to_string(st->zone), st->side != MP_SIDE_NONE ? ", " : "",
                                 st->side != MP_SIDE_NONE ? mp_side_to_string(st->side) : ""));
            g_ptr_array_remove_index(prog->steps, i);
            continue;
        }
        work_left = work_left || !rest;
        i++;
    }
    if (!work_left) {
        g_set_error_literal(error, MP_ERROR, MP_ERROR_SAFETY,
                            "the client profile leaves nothing of the programme to play");
        return FALSE;
    }
    return TRUE;
}
