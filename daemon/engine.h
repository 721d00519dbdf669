/* MsdEngine: plays one programme timeline on absolute monotonic deadlines,
 * with the safety limits enforced again at play time. Pure GLib, no D-Bus, no
 * device: it emits "set intensity" and "stop" to a sink (normally the
 * device's MsdWriter) and step/state/finish events to the session, through
 * callbacks with user data. See docs/engine.md.
 *
 * Time: programme time t (ms) maps to the clock as anchor + t / time_scale.
 * The engine sleeps until mp_timeline_next_change(t, quantum) (or the next
 * level of a softening ramp), never polls, and computes every deadline from
 * the anchor, never from the last wake-up, so it does not drift.
 *
 * Output: out(t) = min(cap, max(0, programme(t) * scale + adjust)), where cap
 * = min(limits.max_intensity, the programme's MaxIntensity), then softened:
 * an upward jump caused by start, resume, device-back, Adjust, Next or
 * Previous is ramped at limits.max_rise_per_s (per programme second) from
 * the current output (from 0 after a stop, with the first
 * limits.max_start_intensity points allowed at once, as the validator allows
 * for a programme's first intensity); an upward jump at a programme edge
 * larger than limits.max_jump is ramped too, and so is a ramp or wave step
 * steeper than max_rise_per_s. Decreases are never delayed.
 *
 * The engine softens what it asks for; the device's motion gate
 * (daemon/motion-gate.h) applies the same rules again to what reaches the
 * motor, and needs to know which rises the validator allowed as a jump: the
 * sink's `step_edge` (below). */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "protocol/timeline.h"

G_BEGIN_DECLS

typedef enum {
    MSD_ENGINE_IDLE, /* created, not started */
    MSD_ENGINE_PLAYING,
    MSD_ENGINE_PAUSED,         /* a person paused, or the device stopped by itself */
    MSD_ENGINE_WAITING_DEVICE, /* the device dropped; its link reconnects (device.c) */
    MSD_ENGINE_FINISHED,
} MsdEngineState;

const char *msd_engine_state_to_string(MsdEngineState state); /* "idle", "playing", ... */

typedef enum {
    MSD_FINISH_COMPLETED,   /* "completed": the programme ran to its end */
    MSD_FINISH_STOPPED,     /* "stopped": msd_engine_stop() */
    MSD_FINISH_DEVICE_LOST, /* "device-lost": msd_engine_device_gone() (the device's
                             * link gave up: its reconnect window passed) */
    MSD_FINISH_ERROR,       /* "error": msd_engine_fail() */
} MsdFinishReason;

const char *msd_finish_reason_to_string(MsdFinishReason reason);

/* Why the session waits for a person's Resume (Session1.PauseReason). */
typedef enum {
    MSD_PAUSE_NONE,           /* "": not paused by anyone (playing, or only waiting for the
                               * device, which plays on by itself when it is back) */
    MSD_PAUSE_USER,           /* "user": a person paused (msd_engine_pause) */
    MSD_PAUSE_DEVICE_STOPPED, /* "device-stopped": the device stopped by itself
                               * (msd_engine_device_stopped) */
} MsdPauseReason;

const char *msd_pause_reason_to_string(MsdPauseReason reason);

typedef struct _MsdEngine MsdEngine;

typedef struct {
    /* The sink. Required. `set_intensity` is called only when the output
     * changes (and once at start); `stop` on pause, device loss, device back
     * (before the soft restart), a device that stopped by itself, and finish.
     *
     * `step_edge` is TRUE only for an instant rise the validator allows (at
     * most limits.max_jump; the engine ramps anything above): the output rises
     * at a timeline entry boundary, or at the rising edge of a pulse, reached
     * by the programme's own course (a deadline, not a person's action), while
     * no softening ramp of the engine's runs. It is FALSE for everything else:
     * falls, ramps and waves, softening ramps, start, Resume, device back,
     * Adjust, msd_engine_set_scale, Next and Previous. */
    void (*set_intensity)(MsdEngine *engine, double percent, gboolean step_edge,
                          gpointer user_data);
    void (*stop)(MsdEngine *engine, gpointer user_data);
    /* Optional. A new timeline entry plays (also at start, after Next and
     * Previous, and while paused when Next/Previous moves the position). */
    void (*step_changed)(MsdEngine *engine, const MpTimelineEntry *entry, gpointer user_data);
    void (*state_changed)(MsdEngine *engine, MsdEngineState state, gpointer user_data);
    /* Called once, after the sink's stop; the engine may be freed inside. */
    void (*finished)(MsdEngine *engine, MsdFinishReason reason, const char *message,
                     gpointer user_data);
} MsdEngineCallbacks;

typedef struct {
    MpSafetyLimits limits;  /* max_intensity, max_rise_per_s, max_jump, max_start_intensity */
    double time_scale;      /* programme ms per real ms: 1 real time, 10 ten times faster */
    double quantum;         /* percent; the output resolution (default 1) */
    double scale;           /* the user's intensity scale 0.1..1 (default 1) */
    double max_adjust;      /* |Adjust offset| cap, percentage points (default 20) */
    guint64 range_start_ms; /* the played part of the timeline (default 0..end; */
    guint64 range_end_ms;   /* 0 = the timeline's end), e.g. one side's pass */
} MsdEngineConfig;

/* Defaults as documented above; limits from mp_safety_limits_init(). */
void msd_engine_config_init(MsdEngineConfig *config);

/* The engine keeps references to clock and its own copy of config and
 * callbacks; it borrows `timeline`, which must outlive it. `destroy` (may be
 * NULL) frees user_data with the engine. Refuses (NULL + error) a config out
 * of range or an empty range. */
MsdEngine *msd_engine_new(MsdClock *clock, const MpTimeline *timeline,
                          const MsdEngineConfig *config, const MsdEngineCallbacks *callbacks,
                          gpointer user_data, GDestroyNotify destroy, GError **error);
void msd_engine_free(MsdEngine *engine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsdEngine, msd_engine_free)

/* Idle -> playing from range_start_ms. */
void msd_engine_start(MsdEngine *engine);
/* A person pauses. Playing -> paused (programme time frozen, sink stop),
 * pause reason "user". Waiting for the device: stays waiting, but comes back
 * paused (reason "user", unless the device already stopped itself). FALSE if
 * neither (already paused, idle, finished). */
gboolean msd_engine_pause(MsdEngine *engine);
/* A person resumes. Paused -> playing from the same programme time, with a
 * soft restart, whatever the pause reason. Waiting for the device: it plays on
 * when the device is back. FALSE otherwise. */
gboolean msd_engine_resume(MsdEngine *engine);
/* The device said it stopped by itself (its own button, its watchdog, an
 * error): its word is final. Playing -> paused exactly as if a person paused
 * (sink stop, programme time frozen), reason "device-stopped"; only
 * msd_engine_resume() plays again. Paused or waiting for the device: only
 * the reason changes (and the session comes back paused when the device
 * returns). TRUE when it paused playback; FALSE when it was not playing
 * (also idle or finished, where it does nothing). */
gboolean msd_engine_device_stopped(MsdEngine *engine);
/* Jump to the next entry's start (the end of the range: finish "completed")
 * or to the previous entry's start (the first entry: its own start). Allowed
 * while playing, paused or waiting for the device; otherwise FALSE with
 * MSD_ERROR_FAILED.
 *
 * The zone limits hold at play time too: the engine records what has been
 * played (programme time, entry by entry) and every stretch not playing
 * (pause, waiting for the device) as a rest in real time, and refuses a move
 * after which playing on to the end of the range would break
 * limits.max_zone_ms (only a rest of limits.min_rest_ms ends a run) or
 * limits.max_muscle_ms (protocol/zone-budget.h): Previous repeating a long
 * step, Next cutting a needed rest short. A refusal is FALSE with
 * MSD_ERROR_INVALID_ARGS and a message naming the step, the part of the body
 * and the limit; nothing changes. */
gboolean msd_engine_next(MsdEngine *engine, GError **error);
gboolean msd_engine_previous(MsdEngine *engine, GError **error);
/* Adds `delta` percentage points to the user offset, capped at
 * ±max_adjust; returns the offset now in force. */
double msd_engine_adjust(MsdEngine *engine, double delta);
/* Sets the user's intensity scale (0.1..1; other values are ignored) and
 * re-evaluates at once; a rise is softened like Adjust. Returns the scale in
 * force. (Added for Session1.Adjust, whose unit is a scale.) */
double msd_engine_set_scale(MsdEngine *engine, double scale);
/* Finish with "stopped" (sink stop first). Idempotent. */
void msd_engine_stop(MsdEngine *engine);
/* Finish with "error" and `message`. */
void msd_engine_fail(MsdEngine *engine, const char *message);

/* The device dropped: freeze programme time, stop the sink, and wait.
 * Playing or paused -> waiting-device. The engine runs no window of its own:
 * the device's link owns the only one (daemon/device.c) and, when it gives
 * up, calls msd_engine_device_gone() (through msd_session_end(s,
 * "device-lost")). Until then the engine waits however long it takes. */
void msd_engine_device_lost(MsdEngine *engine);
/* It came back: play on from the same programme time with a soft restart
 * (or stay paused if a person paused, or the device had stopped itself). */
void msd_engine_device_back(MsdEngine *engine);
/* The device's link gave up on it: finish with "device-lost" and `message`
 * (may be NULL), sink stop first. Idempotent like msd_engine_stop(). */
void msd_engine_device_gone(MsdEngine *engine, const char *message);

MsdEngineState msd_engine_get_state(MsdEngine *engine);
/* Programme time now (ms), frozen while not playing. */
guint64 msd_engine_get_position(MsdEngine *engine);
const MpTimelineEntry *msd_engine_get_entry(MsdEngine *engine); /* NULL before start / at end */
/* Monotonic µs at which the current entry started (or would have, at this
 * time scale, given the time frozen by pauses); 0 if none. */
gint64 msd_engine_get_entry_started_at(MsdEngine *engine);
double msd_engine_get_intensity(MsdEngine *engine); /* the last value sent to the sink */
double msd_engine_get_adjust(MsdEngine *engine);
/* Why a person's Resume is needed before the motor moves again: "user" or
 * "device-stopped" while paused, or while waiting for the device after such
 * a pause; MSD_PAUSE_NONE otherwise. */
MsdPauseReason msd_engine_get_pause_reason(MsdEngine *engine);
/* msd_engine_get_pause_reason() != MSD_PAUSE_NONE. */
gboolean msd_engine_user_paused(MsdEngine *engine);

G_END_DECLS
