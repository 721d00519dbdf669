/* MsdMotionGate: the one gate every motion level passes on its way to a
 * device's writer, whoever asked for it (a programme, Adjust, Next,
 * Previous, Resume, a device that came back, a manual SetIntensity).
 *
 * It applies the same rules the validator applies to programmes, to what
 * actually reaches the motor:
 * - cap: no level above limits.max_intensity;
 * - start: from rest (after a stop, a connect, a device that says it
 *   stopped) the first level is at most limits.max_start_intensity; after a
 *   programme's own rest step (a level of 0) the next step's edge may also
 *   rise by max_jump from 0, as the validator allows;
 * - jump: an instant rise of at most limits.max_jump points, and only at a
 *   programme step edge (the validator allows that jump there and nowhere
 *   else);
 * - rise rate: every other rise follows a ramp of limits.max_rise_per_s
 *   (per programme second: times time_scale in real time).
 * A rise the rules do not allow at once is ramped: the gate emits the
 * highest level allowed now and the next quantum when the ramp reaches it,
 * on the clock, until the target. Decreases and rests pass at once.
 *
 * The rise budget is a token bucket that fills at the rise rate and holds at
 * most `slack` points (two quanta): a level held for a minute does not bank
 * a minute of rise. A start or an edge jump leaves half a quantum in it:
 * programme levels are rounded to the nearest quantum, so a ramp at exactly
 * the limit reaches each level half a quantum ahead of its line, and must
 * still pass on time. Pure GLib on an MsdClock, so tests drive it on the fake
 * clock (tests/unit/test-motion-gate.c). */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "protocol/programme.h"

G_BEGIN_DECLS

typedef struct _MsdMotionGate MsdMotionGate;

/* A level for the motor (percent, > 0), or 0 for a rest (the owner sends a
 * stop or intensity 0 as it sees fit). `from_rest`: the motor was at rest
 * before this level. It may call msd_motion_gate_request() or _rest(), but
 * must not free the gate. */
typedef void (*MsdMotionGateEmit)(double level, gboolean from_rest, gpointer user_data);

/* `limits` is copied; `time_scale` is programme ms per real ms (1 in
 * production; tests play faster); `quantum` is the output resolution in
 * percent (1). NULL (with a critical) unless time_scale, quantum and
 * limits->max_rise_per_s are above 0. */
MsdMotionGate *msd_motion_gate_new(MsdClock *clock, const MpSafetyLimits *limits, double time_scale,
                                   double quantum, MsdMotionGateEmit emit, gpointer user_data);
void msd_motion_gate_free(MsdMotionGate *gate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdMotionGate, msd_motion_gate_free)

/* The level wanted from now on. `step_edge`: the programme moved to a new
 * step here (allows the validator's instant jump). Levels above the cap are
 * cut to the cap (callers refuse them with an error first; this is the last
 * line). Emits at once what is allowed (if it differs from the level now). */
void msd_motion_gate_request(MsdMotionGate *gate, double target, gboolean step_edge);
/* The motor is at rest (a stop went out, the link went down or came up, the
 * device said it stopped): no ramp continues, nothing is emitted, and the
 * next level obeys the start rule. */
void msd_motion_gate_rest(MsdMotionGate *gate);

double msd_motion_gate_get_level(MsdMotionGate *gate);  /* last emitted, 0 at rest */
double msd_motion_gate_get_target(MsdMotionGate *gate); /* last requested (capped) */
gboolean msd_motion_gate_is_ramping(MsdMotionGate *gate);
/* The cap in force: limits.max_intensity, or the lower session cap. */
double msd_motion_gate_get_cap(MsdMotionGate *gate);
/* A lower cap for one session (a client profile's MaxIntensity): every
 * later level, from whatever path, is cut to it, and a level above it now
 * comes down at once. A cap < 0 (or above the limits') lifts it again; it
 * can never raise limits.max_intensity. */
void msd_motion_gate_set_session_cap(MsdMotionGate *gate, double cap);

G_END_DECLS
