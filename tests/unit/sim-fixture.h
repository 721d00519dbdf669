/* The fixture of the simulator's device-model tests (test-sim-*.c): one
 * device on a fake clock, its command log in a temporary file, the
 * notifications its callbacks keep, the link up. Include after cmocka.h. */
#pragma once

#include <glib/gstdio.h>
#include <unistd.h>

#include "sim/device-model.h"

typedef struct {
    SimDevice *dev;
    GPtrArray *notified; /* GBytes*, as the test's notify callback keeps them */
    char *log_path;
    SimLog *log;
    MsdClock *clock; /* fake, from 0: the tests move it */
    guint drops;     /* drop_link calls, for a test that counts them */
    guint before;    /* notified->len before the last frame, for a test that marks it */
} SimFixture;

/* A new fixture: the device for `driver` and `cfg`, `cb` called with the
 * fixture. `log_template` names the log file (g_file_open_tmp). */
static inline SimFixture *sim_fixture_new(const char *log_template, MpDriver *driver,
                                          const SimDeviceConfig *cfg, const SimDeviceCallbacks *cb)
{
    SimFixture *f = g_new0(SimFixture, 1);
    f->notified = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    int fd = g_file_open_tmp(log_template, &f->log_path, NULL);
    assert_true(fd >= 0);
    close(fd);
    f->log = sim_log_open(f->log_path, NULL);
    f->clock = msd_clock_new_fake(0);
    f->dev = sim_device_new(driver, cfg, f->log, f->clock);
    sim_device_set_callbacks(f->dev, cb, f);
    sim_device_link_up(f->dev);
    return f;
}

/* A cmocka teardown. */
static inline int sim_fixture_teardown(void **state)
{
    SimFixture *f = *state;
    sim_device_free(f->dev);
    msd_clock_unref(f->clock);
    sim_log_free(f->log);
    g_unlink(f->log_path);
    g_free(f->log_path);
    g_ptr_array_unref(f->notified);
    g_free(f);
    return 0;
}
