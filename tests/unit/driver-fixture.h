/* The fixture every driver test file shares: each test gets a new driver of
 * the kind under test as its cmocka state, dropped after the test. */
#pragma once

#include "driver-vectors.h"

/* The constructor run_driver_tests() was given. */
static MpDriver *(*driver_under_test)(void);

static inline int driver_setup(void **state)
{
    *state = driver_under_test();
    return 0;
}

static inline int driver_teardown(void **state)
{
    mp_driver_unref(*state);
    return 0;
}

/* One test with a fresh driver in *state. */
#define DRIVER_TEST(fn) cmocka_unit_test_setup_teardown(fn, driver_setup, driver_teardown)

/* The tests a byte driver's file defines (theragun, lovense): every command
 * encoded, out-of-range values refused, the device's replies decoded,
 * malformed ones refused, commands parsed on the device side, round trips
 * and the driver's description. Its own tests follow in main(). */
#define DRIVER_STANDARD_TESTS                                                                      \
    DRIVER_TEST(test_encode_every_command), DRIVER_TEST(test_encode_refuses),                      \
        DRIVER_TEST(test_decode_replies), DRIVER_TEST(test_decode_malformed),                      \
        DRIVER_TEST(test_parse_command), DRIVER_TEST(test_round_trips),                            \
        DRIVER_TEST(test_driver_description)

/* Runs `tests` (DRIVER_TEST entries), each on a new driver from `constructor`. */
#define run_driver_tests(constructor, tests)                                                       \
    (driver_under_test = (constructor), cmocka_run_group_tests(tests, NULL, NULL))
