/* Programme objects, names of muscles/zones/sides, diagnostics, safety
 * limits and the parse+validate entry points. The parser lives in
 * programme-parse.c, the safety rules in programme-validate.c. */
#include "protocol/programme-private.h"

#include <string.h>

#include "protocol/dir-files.h"
#include "protocol/mp-error.h"
#include "protocol/text-file.h"

static const char *const muscle_names[] = {
    [MP_MUSCLE_NONE] = "none",
    [MP_MUSCLE_HAMSTRINGS] = "hamstrings",
    [MP_MUSCLE_BICEPS_FEMORIS] = "biceps-femoris",
    [MP_MUSCLE_SEMITENDINOSUS] = "semitendinosus",
    [MP_MUSCLE_SEMIMEMBRANOSUS] = "semimembranosus",
    [MP_MUSCLE_GLUTES] = "glutes",
    [MP_MUSCLE_CALVES] = "calves",
    [MP_MUSCLE_QUADRICEPS] = "quadriceps",
    [MP_MUSCLE_LOWER_BACK] = "lower-back",
};

static const char *const zone_names[] = {
    [MP_ZONE_NONE] = "none",     [MP_ZONE_PROXIMAL] = "proximal",       [MP_ZONE_MID] = "mid",
    [MP_ZONE_DISTAL] = "distal", [MP_ZONE_FULL_LENGTH] = "full-length",
};

static const char *const side_names[] = {
    [MP_SIDE_NONE] = "none",
    [MP_SIDE_LEFT] = "left",
    [MP_SIDE_RIGHT] = "right",
};

const char *mp_muscle_to_string(MpMuscle m)
{
    return (gsize)m < G_N_ELEMENTS(muscle_names) ? muscle_names[m] : "unknown";
}

const char *mp_zone_to_string(MpZone z)
{
    return (gsize)z < G_N_ELEMENTS(zone_names) ? zone_names[z] : "unknown";
}

const char *mp_side_to_string(MpSide s)
{
    return (gsize)s < G_N_ELEMENTS(side_names) ? side_names[s] : "unknown";
}

/* Index 0 ("none") is never a valid value in a file. */
static gboolean lookup(const char *const *names, gsize n, const char *s, guint *out)
{
    for (gsize i = 1; i < n; i++) {
        if (g_str_equal(s, names[i])) {
            *out = (guint)i;
            return TRUE;
        }
    }
    return FALSE;
}

/* One body for the three parsers: look the name up, give it its type. */
#define DEFINE_FROM_STRING(fn, Type, names)                                                        \
    gboolean fn(const char *s, Type *out)                                                          \
    {                                                                                              \
        guint v;                                                                                   \
        if (!lookup(names, G_N_ELEMENTS(names), s, &v))                                            \
            return FALSE;                                                                          \
        *out = (Type)v;                                                                            \
        return TRUE;                                                                               \
    }

DEFINE_FROM_STRING(mp_muscle_from_string, MpMuscle, muscle_names)
DEFINE_FROM_STRING(mp_zone_from_string, MpZone, zone_names)
DEFINE_FROM_STRING(mp_side_from_string, MpSide, side_names)

/* The refcount lives next to the public struct, not in it. */
typedef struct {
    MpProgramme pub;
    gint ref_count;
} ProgrammeBox;

MpProgramme *mp_programme_new(const char *source)
{
    ProgrammeBox *box = g_new0(ProgrammeBox, 1);
    box->ref_count = 1;
    box->pub.source = g_strdup(source ? source : "<text>");
    box->pub.kind = MP_KIND_ANY;
    box->pub.max_intensity = 100.0;
    box->pub.references = g_new0(char *, 1);
    box->pub.steps = g_ptr_array_new_with_free_func((GDestroyNotify)mp_step_free);
    return &box->pub;
}

MpProgramme *mp_programme_ref(MpProgramme *p)
{
    g_return_val_if_fail(p != NULL, NULL);
    g_atomic_int_inc(&((ProgrammeBox *)p)->ref_count);
    return p;
}

void mp_programme_unref(MpProgramme *p)
{
    if (!p)
        return;
    ProgrammeBox *box = (ProgrammeBox *)p;
    if (!g_atomic_int_dec_and_test(&box->ref_count))
        return;
    g_free(p->source);
    g_free(p->name);
    g_free(p->summary);
    g_free(p->description);
    g_free(p->author);
    g_free(p->caution);
    g_strfreev(p->references);
    g_ptr_array_unref(p->steps);
    g_free(box);
}

MpStep *mp_step_new(const char *id, guint line)
{
    MpStep *step = g_new0(MpStep, 1);
    step->id = g_strdup(id);
    step->line = line;
    step->speed = -1.0;
    return step;
}

void mp_step_free(MpStep *step)
{
    if (!step)
        return;
    g_free(step->id);
    g_free(step->name);
    g_free(step->prompt);
    g_free(step);
}

void mp_diagnostic_free(MpDiagnostic *d)
{
    if (!d)
        return;
    g_free(d->source);
    g_free(d->group);
    g_free(d->key);
    g_free(d->message);
    g_free(d);
}

char *mp_diagnostic_to_string(const MpDiagnostic *d)
{
    GString *s = g_string_new(d->source ? d->source : "<text>");
    if (d->line > 0)
        g_string_append_printf(s, ":%u", d->line);
    g_string_append(s, ": ");
    if (d->severity == MP_DIAG_WARNING)
        g_string_append(s, "warning: ");
    if (d->group)
        g_string_append_printf(s, "[%s] ", d->group);
    if (d->key)
        g_string_append_printf(s, "%s: ", d->key);
    g_string_append(s, d->message);
    return g_string_free(s, FALSE);
}

GPtrArray *mp_diagnostics_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)mp_diagnostic_free);
}

gboolean mp_diagnostics_have_errors(GPtrArray *diagnostics)
{
    for (guint i = 0; diagnostics && i < diagnostics->len; i++) {
        const MpDiagnostic *d = g_ptr_array_index(diagnostics, i);
        if (d->severity == MP_DIAG_ERROR)
            return TRUE;
    }
    return FALSE;
}

void mp_diag_add(GPtrArray *diagnostics, MpSeverity severity, const char *source, guint line,
                 const char *group, const char *key, const char *format, ...)
{
    if (!diagnostics)
        return;
    MpDiagnostic *d = g_new0(MpDiagnostic, 1);
    va_list ap;
    va_start(ap, format);
    d->message = g_strdup_vprintf(format, ap);
    va_end(ap);
    d->severity = severity;
    d->source = g_strdup(source ? source : "<text>");
    d->line = line;
    d->group = g_strdup(group);
    d->key = g_strdup(key);
    g_ptr_array_add(diagnostics, d);
}

void mp_safety_limits_init(MpSafetyLimits *limits)
{
    /* The reasoning for each value is in docs/programmes.md ("Safety rules"). */
    limits->max_intensity = 100.0;
    limits->max_session_ms = 60ull * 60 * 1000;
    limits->max_zone_ms = 3ull * 60 * 1000;
    limits->min_rest_ms = 30ull * 1000;
    limits->max_muscle_ms = 5ull * 60 * 1000;
    limits->max_rise_per_s = 10.0;
    limits->max_jump = 40.0;
    limits->max_start_intensity = 30.0;
}

static gboolean check_limit(const char *name, double value, double ceiling, GError **error)
{
    if (!(value > 0.0)) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %g must be above 0", name, value);
        return FALSE;
    }
    if (value > ceiling) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE, "%s: %g is looser than the ceiling of %g",
                    name, value, ceiling);
        return FALSE;
    }
    return TRUE;
}

/* A minimum may only be raised: the default is the hard floor. */
static gboolean check_floor(const char *name, guint64 value, guint64 floor, GError **error)
{
    if (value < floor) {
        g_set_error(error, MP_ERROR, MP_ERROR_RANGE,
                    "%s: %" G_GUINT64_FORMAT " is looser than the floor of %" G_GUINT64_FORMAT,
                    name, value, floor);
        return FALSE;
    }
    return TRUE;
}

gboolean mp_safety_limits_check(const MpSafetyLimits *limits, GError **error)
{
    MpSafetyLimits c;
    mp_safety_limits_init(&c);
    return check_limit("max_intensity", limits->max_intensity, c.max_intensity, error) &&
           check_limit("max_session_ms", (double)limits->max_session_ms, (double)c.max_session_ms,
                       error) &&
           check_limit("max_zone_ms", (double)limits->max_zone_ms, (double)c.max_zone_ms, error) &&
           check_floor("min_rest_ms", limits->min_rest_ms, c.min_rest_ms, error) &&
           check_limit("max_muscle_ms", (double)limits->max_muscle_ms, (double)c.max_muscle_ms,
                       error) &&
           check_limit("max_rise_per_s", limits->max_rise_per_s, c.max_rise_per_s, error) &&
           check_limit("max_jump", limits->max_jump, c.max_jump, error) &&
           check_limit("max_start_intensity", limits->max_start_intensity, c.max_start_intensity,
                       error);
}

MpProgramme *mp_programme_load(const char *text, gsize len, const char *source,
                               const MpSafetyLimits *limits, GPtrArray *diagnostics)
{
    MpSafetyLimits defaults;
    if (!limits) {
        mp_safety_limits_init(&defaults);
        limits = &defaults;
    }
    g_autoptr(GPtrArray) own = NULL;
    if (!diagnostics)
        diagnostics = own = mp_diagnostics_new();

    gboolean had_errors = FALSE;
    g_autoptr(MpProgramme) p =
        mp_programme_parse_partial(text, len, source, diagnostics, &had_errors);
    if (!p)
        return NULL;
    if (had_errors) {
        /* The timeline-wide rules need every step; the per-step rules still
         * run on the steps that parsed, so all problems show up at once. */
        mp_programme_validate_steps(p, limits, diagnostics);
        return NULL;
    }
    if (!mp_programme_validate(p, limits, diagnostics))
        return NULL;
    return g_steal_pointer(&p);
}

/* The text of the file at `path`, read with the MP_PROGRAMME_MAX_SIZE bound;
 * NULL and one diagnostic naming the file when it cannot be read. */
static char *read_file(const char *path, gsize *len, GPtrArray *diagnostics)
{
    char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (mp_text_file_read(path, MP_PROGRAMME_MAX_SIZE, &text, len, &error))
        return text;
    /* The reader names the path; the diagnostic names it already. */
    const char *why = error->message;
    gsize n = strlen(path);
    if (strncmp(why, path, n) == 0 && g_str_has_prefix(why + n, ": "))
        why += n + 2;
    if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_FAILED) &&
        g_str_has_prefix(why, "larger than"))
        mp_diag_add(diagnostics, MP_DIAG_ERROR, path, 0, NULL, NULL,
                    "the file is larger than %d bytes", MP_PROGRAMME_MAX_SIZE);
    else
        mp_diag_add(diagnostics, MP_DIAG_ERROR, path, 0, NULL, NULL, "%s", why);
    return NULL;
}

MpProgramme *mp_programme_load_file(const char *path, const MpSafetyLimits *limits,
                                    GPtrArray *diagnostics)
{
    /* Diagnostics name the file as the caller did, like a compiler. */
    gsize len = 0;
    g_autofree char *text = read_file(path, &len, diagnostics);
    if (!text)
        return NULL;
    return mp_programme_load(text, len, path, limits, diagnostics);
}

void mp_programme_file_free(MpProgrammeFile *file)
{
    if (!file)
        return;
    g_free(file->id);
    g_free(file->path);
    g_free(file->text);
    g_clear_pointer(&file->programme, mp_programme_unref);
    g_clear_pointer(&file->diagnostics, g_ptr_array_unref);
    g_free(file);
}

GPtrArray *mp_programme_dir_load(const char *dir, const MpSafetyLimits *limits, GError **error)
{
    static const char suffix[] = ".programme";
    g_auto(GStrv) names = mp_dir_files(dir, suffix, error);
    if (!names)
        return NULL;
    GPtrArray *files = g_ptr_array_new_with_free_func((GDestroyNotify)mp_programme_file_free);
    for (guint i = 0; names[i]; i++) {
        MpProgrammeFile *f = g_new0(MpProgrammeFile, 1);
        f->id = g_strndup(names[i], strlen(names[i]) - strlen(suffix));
        f->path = g_build_filename(dir, names[i], NULL);
        f->diagnostics = mp_diagnostics_new();
        f->text = read_file(f->path, &f->len, f->diagnostics);
        if (f->text)
            f->programme = mp_programme_load(f->text, f->len, f->path, limits, f->diagnostics);
        g_ptr_array_add(files, f);
    }
    return files;
}

MpProgramme *mp_programme_parse(const char *text, gsize len, const char *source,
                                GPtrArray *diagnostics)
{
    gboolean had_errors = FALSE;
    g_autoptr(MpProgramme) p =
        mp_programme_parse_partial(text, len, source, diagnostics, &had_errors);
    if (had_errors)
        return NULL;
    return g_steal_pointer(&p);
}
