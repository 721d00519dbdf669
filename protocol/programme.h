/* Programmes: the text format therapists write, its parser and validator.
 * See docs/programmes.md. Times are integer milliseconds throughout: a
 * programme is exact to the millisecond and its evaluator is exact at every
 * step edge. */
#pragma once

#include <glib.h>

#include "protocol/driver.h"

G_BEGIN_DECLS

typedef enum {
    MP_MUSCLE_NONE, /* rest steps */
    MP_MUSCLE_HAMSTRINGS,
    MP_MUSCLE_BICEPS_FEMORIS,
    MP_MUSCLE_SEMITENDINOSUS,
    MP_MUSCLE_SEMIMEMBRANOSUS,
    MP_MUSCLE_GLUTES,
    MP_MUSCLE_CALVES,
    MP_MUSCLE_QUADRICEPS,
    MP_MUSCLE_LOWER_BACK,
} MpMuscle;

typedef enum {
    MP_ZONE_NONE,
    MP_ZONE_PROXIMAL,
    MP_ZONE_MID,
    MP_ZONE_DISTAL,
    MP_ZONE_FULL_LENGTH,
} MpZone;

typedef enum {
    MP_SIDE_NONE, /* not sided (rest, or a programme without Sides) */
    MP_SIDE_LEFT,
    MP_SIDE_RIGHT,
} MpSide;

const char *mp_muscle_to_string(MpMuscle m); /* "biceps-femoris", "none" */
const char *mp_zone_to_string(MpZone z);     /* "full-length", "none" */
const char *mp_side_to_string(MpSide s);     /* "left", "right", "none" */
/* The reverse; FALSE for an unknown name. "none" is not accepted by the
 * muscle and zone parsers (rest steps simply omit Muscle). */
gboolean mp_muscle_from_string(const char *s, MpMuscle *out);
gboolean mp_zone_from_string(const char *s, MpZone *out);
gboolean mp_side_from_string(const char *s, MpSide *out); /* "left" | "right" */

typedef enum {
    MP_ENVELOPE_CONSTANT, /* constant A */
    MP_ENVELOPE_RAMP,     /* ramp A B: linear from A at the step's start to B at its end */
    MP_ENVELOPE_WAVE,     /* wave A B period=P: raised cosine between A and B, starting at A */
    MP_ENVELOPE_PULSE,    /* pulse A on=X off=Y [low=B]: A for X, then B (default 0) for Y */
} MpEnvelopeKind;

typedef struct {
    MpEnvelopeKind kind;
    double a; /* percent */
    double b; /* percent: ramp/wave end, pulse low level */
    guint64 period_ms;
    guint64 on_ms;
    guint64 off_ms;
} MpEnvelope;

/* Intensity of an envelope `t_ms` into a step lasting `duration_ms`. */
double mp_envelope_eval(const MpEnvelope *env, guint64 t_ms, guint64 duration_ms);
/* Parses "40%", "constant 40%", "ramp 30% 60%", "wave 30% 50% period=6s",
 * "pulse 60% on=2s off=1s low=20%". The error message is fit for a
 * diagnostic ("unknown envelope \"rmap\"; did you mean ramp?"). */
gboolean mp_envelope_parse(const char *s, MpEnvelope *out, GError **error);
/* The canonical text of an envelope; parses back to the same envelope. */
char *mp_envelope_to_string(const MpEnvelope *env);
/* The highest and lowest level the envelope can reach. */
double mp_envelope_max(const MpEnvelope *env);
double mp_envelope_min(const MpEnvelope *env);
/* TRUE if the envelope is 0 % throughout (a rest). */
gboolean mp_envelope_is_rest(const MpEnvelope *env);

/* Parses a percentage "62.5%" (the % is required); 0..1000000, finite. */
gboolean mp_percent_parse(const char *s, double *out, GError **error);
/* "60%", "62.5%": the shortest text that parses back (to 0.001 %). */
char *mp_percent_format(double percent);

typedef struct {
    char *id;   /* from "[Step id]" */
    char *name; /* Name=, else the id */
    MpMuscle muscle;
    MpZone zone;
    MpSide side; /* override; MP_SIDE_NONE: follows the programme's Sides */
    guint64 duration_ms;
    MpEnvelope intensity;
    double speed; /* device-neutral speed 0..100 %, < 0 when not set */
    char *prompt;
    guint line; /* line of the [Step] header */
    /* Lines of the keys, for diagnostics (0: not in the file). */
    guint muscle_line;
    guint side_line;
    guint duration_line;
    guint intensity_line;
    guint speed_line;
} MpStep;

typedef struct {
    char *source; /* file name or "<text>" for diagnostics */
    char *name;
    char *summary;
    char *description;
    char *author;
    char *caution; /* Caution=: said to the person before every start, NULL if none */
    GStrv references;
    MpDeviceKind kind;
    MpSide sides[2];      /* the passes, in order */
    guint n_sides;        /* 0: the steps run once, unsided */
    double max_intensity; /* the programme's own cap, percent (<= the daemon's) */
    GPtrArray *steps;     /* MpStep*, in file order */
    /* Lines, for diagnostics (0: not in the file). */
    guint line; /* the [Programme] header */
    guint kind_line;
    guint sides_line;
    guint max_intensity_line;
} MpProgramme;

MpProgramme *mp_programme_ref(MpProgramme *p);
void mp_programme_unref(MpProgramme *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpProgramme, mp_programme_unref)

typedef enum {
    MP_DIAG_ERROR,
    MP_DIAG_WARNING,
} MpSeverity;

typedef struct {
    MpSeverity severity;
    char *source;  /* file name */
    guint line;    /* 0: the whole file */
    char *group;   /* "Programme", "Step mid", or NULL */
    char *key;     /* "Intensity", or NULL */
    char *message; /* "160% is above the maximum of 100%" */
} MpDiagnostic;

void mp_diagnostic_free(MpDiagnostic *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpDiagnostic, mp_diagnostic_free)
/* "release.programme:14: [Step mid] Intensity: 160% is above the maximum of 100%"
 * ("warning: " after the location for warnings). */
char *mp_diagnostic_to_string(const MpDiagnostic *d);
/* A GPtrArray that owns MpDiagnostic*. */
GPtrArray *mp_diagnostics_new(void);
gboolean mp_diagnostics_have_errors(GPtrArray *diagnostics);

/* Safety limits. The daemon fills these from massaged.conf; they can only be
 * made stricter than the defaults: a cap only lower (the defaults are hard
 * ceilings), the minimum rest only longer (a hard floor). See docs/safety.md. */
typedef struct {
    double max_intensity;       /* percent */
    guint64 max_session_ms;     /* whole programme, sides expanded */
    guint64 max_zone_ms;        /* continuous time on one muscle+zone+side (overlaps counted) */
    guint64 min_rest_ms;        /* the shortest rest that ends a continuous run */
    guint64 max_muscle_ms;      /* total time on one muscle+side in one session */
    double max_rise_per_s;      /* percent per second, for ramps and waves */
    double max_jump;            /* percentage points an instant rise may add */
    double max_start_intensity; /* the first non-zero intensity */
} MpSafetyLimits;

void mp_safety_limits_init(MpSafetyLimits *limits); /* the documented defaults */
/* For limits read from a config: every value must be above 0 and no looser
 * than the default (the defaults are the hard ceilings, and for min_rest_ms
 * the hard floor). MP_ERROR_RANGE names the field: "max_jump: 50 is looser
 * than the ceiling of 40", "min_rest_ms: 10000 is looser than the floor of
 * 30000". */
gboolean mp_safety_limits_check(const MpSafetyLimits *limits, GError **error);

/* Input limits: a longer line or a larger file is refused with a clear
 * diagnostic instead of being read. */
#define MP_PROGRAMME_MAX_LINE  4096
#define MP_PROGRAMME_MAX_SIZE  (1024 * 1024)
#define MP_PROGRAMME_MAX_STEPS 1000

/* Parses `text` (need not be NUL-terminated). Every problem found is appended
 * to `diagnostics`; returns NULL if any is an error. */
MpProgramme *mp_programme_parse(const char *text, gsize len, const char *source,
                                GPtrArray *diagnostics);
/* Applies the safety rules; appends every violation; TRUE if none is an error. */
gboolean mp_programme_validate(const MpProgramme *p, const MpSafetyLimits *limits,
                               GPtrArray *diagnostics);
/* parse + validate: the programme, or NULL and the diagnostics. */
MpProgramme *mp_programme_load(const char *text, gsize len, const char *source,
                               const MpSafetyLimits *limits, GPtrArray *diagnostics);
/* Diagnostics name the file as `path` was given, like a compiler does.
 * `limits` NULL: the defaults. */
MpProgramme *mp_programme_load_file(const char *path, const MpSafetyLimits *limits,
                                    GPtrArray *diagnostics);

/* One programme file of a directory, as mp_programme_dir_load() found it. */
typedef struct {
    char *id;               /* the file name less ".programme" */
    char *path;             /* <dir>/<name>, as the diagnostics name it */
    char *text;             /* the file's bytes, NUL-terminated; NULL: it could not be read */
    gsize len;              /* of text: a NUL inside counts (and is an error) */
    MpProgramme *programme; /* NULL: it did not load; the diagnostics say why */
    GPtrArray *diagnostics; /* MpDiagnostic*: every problem, warnings of a loaded one too */
} MpProgrammeFile;

void mp_programme_file_free(MpProgrammeFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MpProgrammeFile, mp_programme_file_free)

/* The programme directory of massaged and of massagectl offline: every
 * *.programme file of `dir` that is not hidden (protocol/dir-files.h), in
 * byte order of the names, each read and loaded as mp_programme_load_file()
 * does (size bound, special files refused unread, a NUL byte located) with
 * `limits` (NULL: the defaults). Returns MpProgrammeFile*, one a file: a
 * file that does not load is there with its diagnostics and does not stop
 * the others. NULL and `error` (G_FILE_ERROR, NOENT when missing) when the
 * directory cannot be opened. */
GPtrArray *mp_programme_dir_load(const char *dir, const MpSafetyLimits *limits, GError **error);

G_END_DECLS
