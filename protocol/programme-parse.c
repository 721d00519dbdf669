/* The programme parser, on the line-keeping key-file reader shared with
 * *.device files (protocol/key-file.h) so every diagnostic carries its line
 * and duplicates are caught. It never stops at the first problem: each line
 * is checked, each error recorded, and only then is the programme refused. */
#include "protocol/programme-private.h"

#include <string.h>

#include "protocol/key-file.h"
#include "protocol/mp-error.h"
#include "protocol/timespan.h"

/* Past this many diagnostics the input is not a programme with typos but
 * something else entirely (a binary, the wrong file); say so and stop. */
#define MAX_DIAGNOSTICS 100
#define MAX_STEP_ID     64
/* A caution is printed before every start, so it must stay short enough to
 * be read there: a few sentences, not a leaflet. In characters, not bytes. */
#define MAX_CAUTION 400

static const char *const group_words[] = {"Programme", "Step", NULL};
static const char *const programme_keys[] = {"Name",    "Summary", "Description", "Author",
                                             "Kind",    "Sides",   "References",  "MaxIntensity",
                                             "Caution", NULL};
static const char *const step_keys[] = {"Name",      "Muscle", "Zone",   "Side", "Duration",
                                        "Intensity", "Speed",  "Prompt", NULL};
static const char *const muscle_words[] = {"hamstrings",      "biceps-femoris", "semitendinosus",
                                           "semimembranosus", "glutes",         "calves",
                                           "quadriceps",      "lower-back",     NULL};
static const char *const zone_words[] = {"proximal", "mid", "distal", "full-length", NULL};
static const char *const side_words[] = {"left", "right", NULL};
static const char *const sides_words[] = {"left", "right", "none", NULL};
static const char *const kind_words[] = {"percussion", "vibration", "any", NULL};

typedef enum {
    GROUP_NONE,
    GROUP_PROGRAMME,
    GROUP_STEP,
    GROUP_UNKNOWN, /* reported once at its header; its keys are skipped */
} GroupKind;

typedef struct {
    const char *source;
    GPtrArray *diags;
    guint n_diags; /* diagnostics this parse added */
    gboolean errors;
    gboolean gave_up;
    MpProgramme *p;

    GroupKind group;
    char *group_name; /* "Programme", "Step mid" */
    MpStep *step;
    gboolean step_bad;
    gboolean saw_zone;
    gboolean reported_order;
    guint zone_line;
    guint skipped; /* unreadable lines in this group: no "X is required" then */

    GHashTable *step_ids; /* id -> header line */
    guint n_step_headers;
    gboolean programme_skipped; /* unreadable lines in [Programme] */
} Parser;

static void add_error(Parser *ps, guint line, const char *key, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static void add_error(Parser *ps, guint line, const char *key, const char *format, ...)
{
    ps->errors = TRUE;
    if (ps->group == GROUP_STEP)
        ps->step_bad = TRUE;
    if (ps->gave_up)
        return;
    if (ps->n_diags >= MAX_DIAGNOSTICS) {
        mp_diag_add(ps->diags, MP_DIAG_ERROR, ps->source, line, NULL, NULL,
                    "too many errors; is this a programme file?");
        ps->gave_up = TRUE;
        return;
    }
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    const char *group =
        ps->group == GROUP_PROGRAMME || ps->group == GROUP_STEP ? ps->group_name : NULL;
    mp_diag_add(ps->diags, MP_DIAG_ERROR, ps->source, line, group, key, "%s", msg);
    ps->n_diags++;
}

/* "unknown X \"v\"; did you mean w?" or the list of choices. */
static void unknown_value(Parser *ps, guint line, const char *key, const char *what,
                          const char *value, const char *const *choices)
{
    const char *hint = mp_suggest(value, choices);
    if (hint) {
        add_error(ps, line, key, "unknown %s \"%s\"; did you mean %s?", what, value, hint);
        return;
    }
    g_autofree char *list = g_strjoinv(", ", (char **)choices);
    add_error(ps, line, key, "unknown %s \"%s\"; use one of: %s", what, value, list);
}

static void finish_step(Parser *ps)
{
    MpStep *step = ps->step;
    if (!step)
        return;
    /* Only what is truly absent is reported: a key that was present but
     * wrong already has its own diagnostic. */
    if (step->duration_line == 0 && ps->skipped == 0)
        add_error(ps, step->line, NULL, "Duration is required, e.g. Duration=60s");
    if (step->muscle_line != 0 && step->intensity_line == 0 && ps->skipped == 0)
        add_error(ps, step->line, NULL, "Intensity is required for a step on a muscle");
    if (step->muscle_line == 0 && step->intensity_line != 0 &&
        !mp_envelope_is_rest(&step->intensity))
        add_error(ps, step->intensity_line, "Intensity",
                  "a step above 0%% needs a Muscle (rest steps are 0%%)");
    if (step->muscle_line == 0 && ps->saw_zone)
        add_error(ps, ps->zone_line, "Zone", "a Zone needs a Muscle");
    if (step->muscle != MP_MUSCLE_NONE && !ps->saw_zone)
        step->zone = MP_ZONE_FULL_LENGTH;
    if (!step->name)
        step->name = g_strdup(step->id);

    if (ps->step_bad)
        mp_step_free(step);
    else if (ps->p->steps->len >= MP_PROGRAMME_MAX_STEPS)
        mp_step_free(step); /* reported at the header */
    else
        g_ptr_array_add(ps->p->steps, step);
    ps->step = NULL;
}

static void close_group(Parser *ps)
{
    if (ps->group == GROUP_PROGRAMME && ps->skipped > 0)
        ps->programme_skipped = TRUE;
    if (ps->group == GROUP_STEP)
        finish_step(ps);
    g_clear_pointer(&ps->group_name, g_free);
    ps->group = GROUP_NONE;
    ps->step_bad = FALSE;
    ps->saw_zone = FALSE;
    ps->zone_line = 0;
    ps->skipped = 0;
}

static gboolean valid_step_id(const char *id)
{
    if (!*id || strlen(id) > MAX_STEP_ID)
        return FALSE;
    for (const char *c = id; *c; c++) {
        if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
            return FALSE;
    }
    return TRUE;
}

static void open_group(Parser *ps, guint line, const char *inner)
{
    close_group(ps);
    g_autofree char *name = g_strstrip(g_strdup(inner));

    if (g_str_equal(name, "Programme")) {
        ps->group = GROUP_PROGRAMME;
        ps->group_name = g_strdup("Programme");
        if (ps->p->line) {
            add_error(ps, line, NULL, "[Programme] appears twice (first at line %u)", ps->p->line);
            return;
        }
        ps->p->line = line;
        return;
    }

    /* "[Step id]": the word Step, whitespace, the id. */
    if (g_str_has_prefix(name, "Step") && (name[4] == '\0' || g_ascii_isspace(name[4]))) {
        const char *id = name + 4;
        while (g_ascii_isspace(*id))
            id++;
        ps->group = GROUP_STEP;
        ps->group_name = g_strdup_printf("Step %s", id);
        ps->n_step_headers++;
        ps->step = mp_step_new(id, line);
        if (!ps->p->line && !ps->reported_order) {
            ps->reported_order = TRUE;
            add_error(ps, line, NULL, "the file must start with a [Programme] group");
        }
        if (!*id) {
            g_free(ps->group_name);
            ps->group_name = g_strdup("Step");
            add_error(ps, line, NULL, "a step needs an id, e.g. [Step warm-up]");
            return;
        }
        if (!valid_step_id(id)) {
            add_error(ps, line, NULL,
                      "step id \"%s\" may only use letters, digits, '-', '_' and '.' (at most "
                      "%d)",
                      id, MAX_STEP_ID);
            return;
        }
        gpointer first = g_hash_table_lookup(ps->step_ids, id);
        if (first) {
            add_error(ps, line, NULL, "duplicate step id \"%s\" (first at line %u)", id,
                      GPOINTER_TO_UINT(first));
            return;
        }
        g_hash_table_insert(ps->step_ids, g_strdup(id), GUINT_TO_POINTER(line));
        if (ps->n_step_headers == MP_PROGRAMME_MAX_STEPS + 1)
            add_error(ps, line, NULL, "more than %d steps", MP_PROGRAMME_MAX_STEPS);
        return;
    }

    /* Unknown: suggest on the first word, keep the rest ("[Stpe mid]"). */
    ps->group = GROUP_NONE;
    const char *rest = name;
    while (*rest && !g_ascii_isspace(*rest))
        rest++;
    g_autofree char *first_word = g_strndup(name, (gsize)(rest - name));
    const char *hint = mp_suggest(first_word, group_words);
    if (hint)
        add_error(ps, line, NULL, "unknown group [%s]; did you mean [%s%s]?", name, hint, rest);
    else
        add_error(ps, line, NULL, "unknown group [%s]; use [Programme] or [Step id]", name);
    ps->group = GROUP_UNKNOWN;
}

static gboolean text_value(Parser *ps, guint line, const char *key, const char *value, char **out)
{
    if (!*value) {
        add_error(ps, line, key, "must not be empty");
        return FALSE;
    }
    g_free(*out);
    *out = g_strdup(value);
    return TRUE;
}

/* Caution= is printed on the person's terminal before every start: bounded,
 * and without control characters (an escape sequence could rewrite what the
 * terminal shows, a tab or a bell has no business in it either). */
static void parse_caution(Parser *ps, guint line, const char *value)
{
    glong n = g_utf8_strlen(value, -1);
    if (n > MAX_CAUTION) {
        add_error(ps, line, "Caution", "is %ld characters long; at most %d fit before a start", n,
                  MAX_CAUTION);
        return;
    }
    for (const char *c = value; *c; c = g_utf8_next_char(c)) {
        gunichar u = g_utf8_get_char(c);
        if (g_unichar_iscntrl(u)) {
            add_error(ps, line, "Caution", "contains a control character (U+%04X)", u);
            return;
        }
    }
    text_value(ps, line, "Caution", value, &ps->p->caution);
}

static void parse_sides(Parser *ps, guint line, const char *value)
{
    MpProgramme *p = ps->p;
    p->sides_line = line;
    p->n_sides = 0;
    if (g_str_equal(value, "none"))
        return;
    g_auto(GStrv) parts = g_strsplit(value, ",", -1);
    guint n = 0;
    MpSide sides[2] = {MP_SIDE_NONE, MP_SIDE_NONE};
    for (gsize i = 0; parts[i]; i++) {
        char *word = g_strstrip(parts[i]);
        MpSide side;
        if (!*word) {
            add_error(ps, line, "Sides", "\"%s\" has an empty entry; write e.g. left,right", value);
            return;
        }
        if (!mp_side_from_string(word, &side)) {
            if (g_str_equal(word, "none"))
                add_error(ps, line, "Sides", "none cannot be combined with a side");
            else
                unknown_value(ps, line, "Sides", "side", word, sides_words);
            return;
        }
        if (n == 2) {
            add_error(ps, line, "Sides", "\"%s\" has more than two sides", value);
            return;
        }
        if (n == 1 && sides[0] == side) {
            add_error(ps, line, "Sides", "%s is given twice", word);
            return;
        }
        sides[n++] = side;
    }
    p->sides[0] = sides[0];
    p->sides[1] = sides[1];
    p->n_sides = n;
}

static void parse_references(Parser *ps, guint line, const char *value)
{
    /* Repeatable; one value may also hold several separated by " | ". */
    g_auto(GStrv) parts = g_strsplit(value, " | ", -1);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_addv(b, (const char **)ps->p->references);
    gboolean any = FALSE;
    for (gsize i = 0; parts[i]; i++) {
        char *ref = g_strstrip(parts[i]);
        if (*ref) {
            g_strv_builder_add(b, ref);
            any = TRUE;
        }
    }
    if (!any) {
        add_error(ps, line, "References", "must not be empty");
        return;
    }
    g_strfreev(ps->p->references);
    ps->p->references = g_strv_builder_end(b);
}

static void programme_key(Parser *ps, guint line, const char *key, const char *value)
{
    MpProgramme *p = ps->p;
    if (g_str_equal(key, "Name")) {
        text_value(ps, line, key, value, &p->name);
    } else if (g_str_equal(key, "Summary")) {
        text_value(ps, line, key, value, &p->summary);
    } else if (g_str_equal(key, "Description")) {
        text_value(ps, line, key, value, &p->description);
    } else if (g_str_equal(key, "Author")) {
        text_value(ps, line, key, value, &p->author);
    } else if (g_str_equal(key, "Caution")) {
        parse_caution(ps, line, value);
    } else if (g_str_equal(key, "Kind")) {
        p->kind_line = line;
        if (!mp_device_kind_from_string(value, &p->kind))
            unknown_value(ps, line, key, "kind", value, kind_words);
    } else if (g_str_equal(key, "Sides")) {
        parse_sides(ps, line, value);
    } else if (g_str_equal(key, "References")) {
        parse_references(ps, line, value);
    } else if (g_str_equal(key, "MaxIntensity")) {
        g_autoptr(GError) error = NULL;
        p->max_intensity_line = line;
        if (!mp_percent_parse(value, &p->max_intensity, &error))
            add_error(ps, line, key, "%s", error->message);
        else if (p->max_intensity <= 0.0)
            add_error(ps, line, key, "must be above 0%%");
    }
}

static void step_key(Parser *ps, guint line, const char *key, const char *value)
{
    MpStep *step = ps->step;
    g_autoptr(GError) error = NULL;
    if (g_str_equal(key, "Name")) {
        text_value(ps, line, key, value, &step->name);
    } else if (g_str_equal(key, "Prompt")) {
        text_value(ps, line, key, value, &step->prompt);
    } else if (g_str_equal(key, "Muscle")) {
        step->muscle_line = line;
        if (!mp_muscle_from_string(value, &step->muscle))
            unknown_value(ps, line, key, "muscle", value, muscle_words);
    } else if (g_str_equal(key, "Zone")) {
        ps->saw_zone = TRUE;
        ps->zone_line = line;
        if (!mp_zone_from_string(value, &step->zone))
            unknown_value(ps, line, key, "zone", value, zone_words);
    } else if (g_str_equal(key, "Side")) {
        step->side_line = line;
        if (!mp_side_from_string(value, &step->side))
            unknown_value(ps, line, key, "side", value, side_words);
    } else if (g_str_equal(key, "Duration")) {
        step->duration_line = line;
        if (!mp_timespan_parse(value, &step->duration_ms, &error))
            add_error(ps, line, key, "%s", error->message);
        else if (step->duration_ms == 0)
            add_error(ps, line, key, "must be longer than 0s");
    } else if (g_str_equal(key, "Intensity")) {
        step->intensity_line = line;
        if (!mp_envelope_parse(value, &step->intensity, &error))
            add_error(ps, line, key, "%s", error->message);
    } else if (g_str_equal(key, "Speed")) {
        step->speed_line = line;
        if (!mp_percent_parse(value, &step->speed, &error))
            add_error(ps, line, key, "%s", error->message);
        else if (step->speed > 100.0)
            add_error(ps, line, key, "%s is above 100%%", value);
    }
}

/* `first`: the line of the same key earlier in this group, or 0. */
static void key_value(Parser *ps, guint line, const char *key, const char *value, guint first)
{
    if (ps->group == GROUP_UNKNOWN)
        return;
    if (ps->group == GROUP_NONE) {
        add_error(ps, line, NULL, "%s= is outside a group; the file starts with [Programme]", key);
        return;
    }
    const char *const *known = ps->group == GROUP_PROGRAMME ? programme_keys : step_keys;
    const char *const *other = ps->group == GROUP_PROGRAMME ? step_keys : programme_keys;
    if (!g_strv_contains(known, key)) {
        const char *hint = mp_suggest(key, known);
        if (g_strv_contains(other, key) && hint)
            add_error(ps, line, key, "belongs in %s; did you mean %s?",
                      ps->group == GROUP_PROGRAMME ? "a [Step] group" : "[Programme]", hint);
        else if (g_strv_contains(other, key))
            add_error(ps, line, key, "belongs in %s, not here",
                      ps->group == GROUP_PROGRAMME ? "a [Step] group" : "[Programme]");
        else if (hint) {
            add_error(ps, line, key, "unknown key; did you mean %s?", hint);
            /* A misspelt Duration is not also a missing one. */
            if (ps->step && g_str_equal(hint, "Duration"))
                ps->step->duration_line = line;
            if (ps->step && g_str_equal(hint, "Intensity"))
                ps->step->intensity_line = line;
        } else {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            add_error(ps, line, key, "unknown key; use one of: %s", list);
        }
        return;
    }
    if (first && !g_str_equal(key, "References")) {
        add_error(ps, line, key, "is given twice (first at line %u)", first);
        return;
    }
    if (ps->group == GROUP_PROGRAMME)
        programme_key(ps, line, key, value);
    else
        step_key(ps, line, key, value);
}

/* One record of the key-file reader: the lines it could not read are
 * worded here, in the programme's terms. */
static void read_record(Parser *ps, const MpKeyLine *l)
{
    switch (l->kind) {
    case MP_KEY_LINE_GROUP:
        open_group(ps, l->line, l->name);
        return;
    case MP_KEY_LINE_ENTRY:
        key_value(ps, l->line, l->name, l->value, l->first_line);
        return;
    case MP_KEY_LINE_ERROR:
        break;
    }
    switch (l->error) {
    case MP_KEY_ERROR_TOO_LONG:
        ps->skipped++;
        add_error(ps, l->line, NULL, "the line is longer than %d bytes", MP_PROGRAMME_MAX_LINE);
        break;
    case MP_KEY_ERROR_NUL:
        ps->skipped++;
        add_error(ps, l->line, NULL, "the line contains a NUL byte");
        break;
    case MP_KEY_ERROR_UTF8:
        ps->skipped++;
        add_error(ps, l->line, NULL, "the line is not valid UTF-8");
        break;
    case MP_KEY_ERROR_HEADER:
        close_group(ps);
        add_error(ps, l->line, NULL, "a group header must end with ], e.g. [Step warm-up]");
        ps->group = GROUP_UNKNOWN; /* its keys would only add noise */
        break;
    case MP_KEY_ERROR_NO_EQUALS:
        ps->skipped++;
        add_error(ps, l->line, NULL, "expected Key=value, a [Group] or a # comment");
        break;
    case MP_KEY_ERROR_NO_KEY:
        add_error(ps, l->line, NULL, "a line starts with '='; expected Key=value");
        break;
    case MP_KEY_ERROR_NONE:
        break;
    }
}

static gboolean only_blank(const char *text, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isspace(text[i]))
            return FALSE;
    }
    return TRUE;
}

static void check_programme(Parser *ps)
{
    MpProgramme *p = ps->p;
    ps->group = GROUP_PROGRAMME;
    ps->group_name = g_strdup("Programme");
    if (!p->line) {
        ps->group = GROUP_NONE;
        if (!ps->reported_order)
            add_error(ps, 0, NULL, "there is no [Programme] group");
        return;
    }
    if (!p->name && !ps->programme_skipped)
        add_error(ps, p->line, NULL, "Name is required");
    if (ps->n_step_headers == 0)
        add_error(ps, p->line, NULL, "the programme has no steps");
    /* A step whose Side is not one of the passes would never play. */
    for (guint i = 0; i < p->steps->len; i++) {
        MpStep *step = g_ptr_array_index(p->steps, i);
        if (step->side == MP_SIDE_NONE || p->n_sides == 0)
            continue;
        if (step->side != p->sides[0] && (p->n_sides < 2 || step->side != p->sides[1])) {
            g_free(ps->group_name);
            ps->group_name = g_strdup_printf("Step %s", step->id);
            ps->group = GROUP_STEP;
            add_error(ps, step->side_line, "Side", "%s never plays: the programme's Sides is %s",
                      mp_side_to_string(step->side), mp_side_to_string(p->sides[0]));
            g_ptr_array_remove_index(p->steps, i);
            i--;
        }
    }
    g_clear_pointer(&ps->group_name, g_free);
    ps->group = GROUP_NONE;
}

MpProgramme *mp_programme_parse_partial(const char *text, gsize len, const char *source,
                                        GPtrArray *diagnostics, gboolean *had_errors)
{
    g_autoptr(GPtrArray) own = NULL;
    if (!diagnostics)
        diagnostics = own = mp_diagnostics_new();
    *had_errors = TRUE;
    if (!source)
        source = "<text>";
    if (!text)
        len = 0;
    if (len > MP_PROGRAMME_MAX_SIZE) {
        mp_diag_add(diagnostics, MP_DIAG_ERROR, source, 0, NULL, NULL,
                    "the file is larger than %d bytes", MP_PROGRAMME_MAX_SIZE);
        return NULL;
    }
    if (only_blank(text, len)) {
        mp_diag_add(diagnostics, MP_DIAG_ERROR, source, 0, NULL, NULL, "the file is empty");
        return NULL;
    }

    Parser ps = {
        .source = source,
        .diags = diagnostics,
        .p = mp_programme_new(source),
        .step_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };

    g_autoptr(GArray) lines = mp_key_file_read(text, len, MP_PROGRAMME_MAX_LINE);
    for (guint i = 0; i < lines->len && !ps.gave_up; i++)
        read_record(&ps, &g_array_index(lines, MpKeyLine, i));
    close_group(&ps);
    if (!ps.gave_up)
        check_programme(&ps);

    g_hash_table_unref(ps.step_ids);
    g_free(ps.group_name);
    *had_errors = ps.errors;
    return ps.p;
}
