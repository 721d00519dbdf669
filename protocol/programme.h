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
} MpStep;

typedef struct {
    char *source; /* file name or "<text>" for diagnostics */
    char *name;
    char *summary;
    char *description;
    char *author;
    GStrv references;
    MpDeviceKind kind;
    MpSide sides[2];      /* the passes, in order */
    guint n_sides;        /* 0: the steps run once, unsided */
    double max_intensity; /* the programme's own cap, percent (<= the daemon's) */
    GPtrArray *steps;     /* MpStep*, in file order */
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
 * made stricter than the defaults' hard ceilings (see docs/safety.md). */
typedef struct {
    double max_intensity;       /* percent */
    guint64 max_session_ms;     /* whole programme, sides expanded */
    guint64 max_zone_ms;        /* continuous time on one muscle+zone+side */
    double max_rise_per_s;      /* percent per second, for ramps and waves */
    double max_jump;            /* percentage points an instant rise may add */
    double max_start_intensity; /* the first non-zero intensity */
} MpSafetyLimits;

void mp_safety_limits_init(MpSafetyLimits *limits); /* the documented defaults */

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
MpProgramme *mp_programme_load_file(const char *path, const MpSafetyLimits *limits,
                                    GPtrArray *diagnostics);

G_END_DECLS
