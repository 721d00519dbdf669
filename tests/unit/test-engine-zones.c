/* The zone limits at play time, on a fake clock: the engine records what
 * it played and how long it rested (pauses in real time), and refuses a
 * Next or Previous after which playing on would break them, with an error
 * that names the step, the part of the body and the limit. A refused move
 * changes nothing; a long enough pause makes the same move allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "daemon/msd-error.h"
#include "engine-fixture.h"

static void assert_refused(GError *error, const char *message)
{
    assert_non_null(error);
    assert_true(g_error_matches(error, MSD_ERROR, MSD_ERROR_INVALID_ARGS));
    if (strcmp(error->message, message) != 0)
        print_error("got: %s\n", error->message);
    assert_string_equal(error->message, message);
}

#define HEAD "[Programme]\nName=T\nKind=percussion\n"

/* a 0..1:00, b 1:00..2:30, rest 2:30..3:00: 2:30 in a row on the calves. */
static const char replay_text[] = HEAD "[Step a]\nMuscle=calves\nDuration=1min\nIntensity=20%\n"
                                       "[Step b]\nMuscle=calves\nDuration=1min 30s\nIntensity=20%\n"
                                       "[Step rest]\nDuration=30s\n";

/* Previous from b (back to a) would make 4:30 in a row: refused while
 * playing (and play goes on untouched), refused after a pause 1 ms short
 * of the minimum rest, allowed after the full minimum. */
static void test_previous_refused_until_rested(void **state)
{
    Fx *fx = fx_play(fx_new_validated(replay_text, NULL), 120); /* 30 s into b */
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_previous(fx->e, &error));
    assert_refused(error, "Previous refused: step \"b\" would then make 4min 30s in a row on "
                          "calves full-length, above the maximum of 3min; only a rest of at "
                          "least 30s ends a run (pause first, or let the programme go on)");
    /* Nothing changed: same step, same position, still playing on time. */
    assert_int_equal(msd_engine_get_state(fx->e), MSD_ENGINE_PLAYING);
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 1);
    assert_int_equal(msd_engine_get_position(fx->e), 120000);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, 0);
    assert_int_equal(steps->len, 2);

    assert_true(msd_engine_pause(fx->e));
    advance(fx, 30 * S - 1 * MS);
    g_clear_error(&error);
    assert_false(msd_engine_previous(fx->e, &error)); /* 29.999 s is not a rest */
    assert_non_null(strstr(error->message, "4min 30s in a row"));
    advance(fx, 1 * MS);
    g_clear_error(&error);
    assert_true(msd_engine_previous(fx->e, &error)); /* 30 s is */
    assert_null(error);
    assert_int_equal(msd_engine_get_position(fx->e), 0); /* the previous step: a */

    /* Played on from there, the run is b alone, and the session completes. */
    assert_true(msd_engine_resume(fx->e));
    advance(fx, 200 * S);
    assert_true(fx->finished);
    assert_int_equal(fx->reason, MSD_FINISH_COMPLETED);
    fx_free(fx);
}

/* a 0..3:00, rest 3:00..3:30, b 3:30..4:30. */
static const char rest_text[] = HEAD "[Step a]\nMuscle=calves\nDuration=3min\nIntensity=20%\n"
                                     "[Step rest]\nDuration=30s\n"
                                     "[Step b]\nMuscle=calves\nZone=mid\nDuration=1min\n"
                                     "Intensity=20%\n";

/* Next in the rest would cut it short; the rest step's own time and a
 * pause add up to a real rest. */
static void test_next_cannot_cut_a_rest_short(void **state)
{
    Fx *fx = fx_play(fx_new_validated(rest_text, NULL), 185); /* 5 s into the rest */
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_next(fx->e, &error));
    assert_refused(error, "Next refused: step \"b\" would then make 4min in a row on calves mid, "
                          "above the maximum of 3min; only a rest of at least 30s ends a run "
                          "(pause first, or let the programme go on)");
    assert_int_equal(msd_engine_get_entry(fx->e)->index, 1);
    /* The rest plays out by itself, and b starts on time. */
    advance(fx, 25 * S);
    g_autoptr(GArray) steps = of_kind(fx, EV_STEP, 0);
    assert_int_equal(steps->len, 3);
    assert_int_equal(g_array_index(steps, Ev, 2).t, T0 + 210 * S);
    fx_free(fx);

    fx = fx_play(fx_new_validated(rest_text, NULL), 185);
    assert_true(msd_engine_pause(fx->e));
    advance(fx, 25 * S); /* 5 s of the rest step + 25 s of pause */
    g_clear_error(&error);
    assert_true(msd_engine_next(fx->e, &error));
    assert_null(error);
    assert_int_equal(msd_engine_get_position(fx->e), 210000);
    fx_free(fx);

    /* The pause stays a rest once play resumes. */
    fx = fx_play(fx_new_validated(rest_text, NULL), 185);
    assert_true(msd_engine_pause(fx->e));
    advance(fx, 25 * S);
    assert_true(msd_engine_resume(fx->e));
    g_clear_error(&error);
    assert_true(msd_engine_next(fx->e, &error));
    assert_null(error);
    fx_free(fx);
}

/* A pause is a rest in real time, whatever the time scale: at 10 x, 2.5 s
 * of pause is 2.5 s of rest (not the 25 s programme time would make). */
static void test_pause_counts_in_real_time(void **state)
{
    MsdEngineConfig cfg;
    msd_engine_config_init(&cfg);
    cfg.time_scale = 10;
    /* 18.5 s: programme 3:05, 5 s into the rest. */
    Fx *fx = fx_play(fx_new_validated(rest_text, &cfg), 18.5);
    assert_true(msd_engine_pause(fx->e));
    advance(fx, 2500 * MS);
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_next(fx->e, &error));
    advance(fx, 22500 * MS);
    g_clear_error(&error);
    assert_true(msd_engine_next(fx->e, &error));
    fx_free(fx);
}

/* Waiting for a lost device is a rest too. */
static void test_waiting_for_the_device_is_a_rest(void **state)
{
    Fx *fx = fx_play(fx_new_validated(rest_text, NULL), 185);
    msd_engine_device_lost(fx->e);
    advance(fx, 10 * S);
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_next(fx->e, &error));
    advance(fx, 15 * S);
    g_clear_error(&error);
    assert_true(msd_engine_next(fx->e, &error));
    fx_free(fx);
}

/* a 0..2:30, rest 2:30..3:00, b 3:00..5:00: 4:30 on the calves in all. */
static const char total_text[] = HEAD "[Step a]\nMuscle=calves\nDuration=2min 30s\nIntensity=20%\n"
                                      "[Step rest]\nDuration=30s\n"
                                      "[Step b]\nMuscle=calves\nDuration=2min\nIntensity=20%\n";

/* Replaying b would bring the calves past 5 min in the session, however
 * long the rest: the total is not refilled by resting. */
static void test_previous_refused_by_the_total(void **state)
{
    Fx *fx = fx_play(fx_new_validated(total_text, NULL), 240); /* 1 min into b */
    assert_true(msd_engine_pause(fx->e));
    advance(fx, 600 * S);
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_previous(fx->e, &error));
    assert_refused(error, "Previous refused: step \"b\" would then make 5min 30s in this session "
                          "on calves, above the maximum of 5min per muscle and side");
    fx_free(fx);

    /* What was skipped was not played: 10 s of a, Next, Next, 1 min of b,
     * then Previous to the rest replays 2 min of b: 3:10 in all, allowed
     * (had the skipped 2:20 of a been counted, it would be 5:30). */
    fx = fx_play(fx_new_validated(total_text, NULL), 10);
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(msd_engine_next(fx->e, NULL));
    assert_int_equal(msd_engine_get_position(fx->e), 180000);
    advance(fx, 60 * S);
    g_clear_error(&error);
    assert_true(msd_engine_previous(fx->e, &error));
    assert_null(error);
    assert_int_equal(msd_engine_get_position(fx->e), 150000);
    advance(fx, 150 * S);
    assert_true(fx->finished);
    assert_int_equal(fx->reason, MSD_FINISH_COMPLETED);
    fx_free(fx);
}

/* Next at the last step ends the session: always allowed. */
static void test_next_to_the_end_is_allowed(void **state)
{
    Fx *fx = fx_play(fx_new_validated(replay_text, NULL), 10);
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(msd_engine_next(fx->e, NULL));
    assert_true(fx->finished);
    g_autoptr(GError) error = NULL;
    assert_false(msd_engine_next(fx->e, &error)); /* finished: nothing to move */
    assert_true(g_error_matches(error, MSD_ERROR, MSD_ERROR_FAILED));
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_previous_refused_until_rested),
        cmocka_unit_test(test_next_cannot_cut_a_rest_short),
        cmocka_unit_test(test_pause_counts_in_real_time),
        cmocka_unit_test(test_waiting_for_the_device_is_a_rest),
        cmocka_unit_test(test_previous_refused_by_the_total),
        cmocka_unit_test(test_next_to_the_end_is_allowed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
