/* The systemd watchdog (daemon/watchdog.c) against a fake service manager:
 * an AF_UNIX datagram socket bound in a temporary directory and named by
 * NOTIFY_SOCKET, with WATCHDOG_USEC and WATCHDOG_PID set for this process.
 * Pings arrive while the loop runs, none while a callback blocks it (the
 * ping comes from the loop, not a thread), and they resume after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/watchdog.h"

#define INTERVAL_US 100000 /* pings every 50 ms */
/* A bound for waits that should end long before it: a failure, not a timing. */
#define GIVE_UP_S 20

typedef struct {
    char *tmp;
    char *path;
    int fd; /* the fake service manager's socket */
    GMainContext *context;
    GMainLoop *loop;
    guint pings;      /* WATCHDOG=1 received while the loop ran */
    guint wait_for;   /* quit the loop when `pings` reaches this */
    GString *other;   /* any other message, one per line */
    gboolean blocked; /* block_the_loop() ran */
} Fixture;

static int setup(void **state)
{
    Fixture *f = g_new0(Fixture, 1);
    f->tmp = g_dir_make_tmp("test-watchdog.XXXXXX", NULL);
    f->path = g_build_filename(f->tmp, "notify", NULL);
    f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    assert_true(f->fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    assert_true(strlen(f->path) < sizeof sa.sun_path);
    strcpy(sa.sun_path, f->path);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    f->context = g_main_context_new();
    f->loop = g_main_loop_new(f->context, FALSE);
    f->other = g_string_new(NULL);
    g_setenv("NOTIFY_SOCKET", f->path, TRUE);
    g_setenv("WATCHDOG_USEC", G_STRINGIFY(INTERVAL_US), TRUE);
    g_autofree char *pid = g_strdup_printf("%d", (int)getpid());
    g_setenv("WATCHDOG_PID", pid, TRUE);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    close(f->fd);
    g_unlink(f->path);
    g_rmdir(f->tmp);
    g_main_loop_unref(f->loop);
    g_main_context_unref(f->context);
    g_string_free(f->other, TRUE);
    g_free(f->path);
    g_free(f->tmp);
    g_free(f);
    g_unsetenv("NOTIFY_SOCKET");
    g_unsetenv("WATCHDOG_USEC");
    g_unsetenv("WATCHDOG_PID");
    return 0;
}

/* Reads every datagram waiting; returns how many were WATCHDOG=1. */
static guint drain(Fixture *f)
{
    guint pings = 0;
    char buf[256];
    ssize_t n;
    while ((n = recv(f->fd, buf, sizeof buf - 1, 0)) >= 0) {
        buf[n] = '\0';
        if (g_str_equal(buf, "WATCHDOG=1"))
            pings++;
        else
            g_string_append_printf(f->other, "%s\n", buf);
    }
    assert_int_equal(errno, EAGAIN);
    return pings;
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer user_data)
{
    Fixture *f = user_data;
    f->pings += drain(f);
    if (f->pings >= f->wait_for)
        g_main_loop_quit(f->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean on_give_up(gpointer user_data)
{
    fail_msg("gave up after %d s", GIVE_UP_S);
    return G_SOURCE_REMOVE;
}

/* Runs the loop until `n` more pings have arrived. */
static void run_until_pings(Fixture *f, guint n)
{
    f->wait_for = f->pings + n;
    GSource *watch = g_unix_fd_source_new(f->fd, G_IO_IN);
    g_source_set_callback(watch, G_SOURCE_FUNC(on_readable), f, NULL);
    g_source_attach(watch, f->context);
    GSource *give_up = g_timeout_source_new_seconds(GIVE_UP_S);
    g_source_set_callback(give_up, on_give_up, f, NULL);
    g_source_attach(give_up, f->context);
    if (f->pings < f->wait_for)
        g_main_loop_run(f->loop);
    g_source_destroy(watch);
    g_source_unref(watch);
    g_source_destroy(give_up);
    g_source_unref(give_up);
}

static void test_pings_while_the_loop_runs(void **state)
{
    Fixture *f = *state;
    g_autoptr(MsdWatchdog) w = msd_watchdog_new(f->context);
    assert_int_equal(msd_watchdog_get_interval_us(w), INTERVAL_US);
    assert_int_equal(drain(f), 1); /* the first at once */
    run_until_pings(f, 3);
    assert_string_equal(f->other->str, ""); /* nothing but pings (no READY=1) */

    /* Freed: no source is left on the loop to ping. */
    g_clear_pointer(&w, msd_watchdog_free);
    while (g_main_context_iteration(f->context, FALSE))
        ;
    assert_int_equal(drain(f), 0);
}

/* A callback that holds the loop for three intervals. */
static gboolean block_the_loop(gpointer user_data)
{
    Fixture *f = user_data;
    /* What was sent before the block is not what this test is about. */
    drain(f);
    g_usleep(3 * INTERVAL_US);
    /* Everything the process sent is in the socket by now: a ping sent
     * during the block would be read here. */
    assert_int_equal(drain(f), 0);
    f->blocked = TRUE;
    return G_SOURCE_REMOVE;
}

static void test_no_ping_while_blocked(void **state)
{
    Fixture *f = *state;
    g_autoptr(MsdWatchdog) w = msd_watchdog_new(f->context);
    run_until_pings(f, 2);

    /* At the highest priority the block runs on the loop's next iteration,
     * before anything else: every ping counted below came after it. */
    GSource *block = g_idle_source_new();
    g_source_set_priority(block, G_PRIORITY_HIGH);
    g_source_set_callback(block, block_the_loop, f, NULL);
    g_source_attach(block, f->context);
    g_source_unref(block);
    run_until_pings(f, 2);
    assert_true(f->blocked);
}

static void test_stopping(void **state)
{
    Fixture *f = *state;
    g_autoptr(MsdWatchdog) w = msd_watchdog_new(f->context);
    msd_watchdog_notify_stopping(w);
    drain(f);
    assert_string_equal(f->other->str, "STOPPING=1\n");
}

/* Not for this process, or not asked for: no ping, no source. */
static void test_disabled(void **state)
{
    Fixture *f = *state;
    static const struct {
        const char *usec, *pid;
    } cases[] = {
        {NULL, NULL},                    /* no WatchdogSec= */
        {G_STRINGIFY(INTERVAL_US), "1"}, /* meant for another process */
        {"soon", NULL},                  /* malformed: ignored */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (cases[i].usec)
            g_setenv("WATCHDOG_USEC", cases[i].usec, TRUE);
        else
            g_unsetenv("WATCHDOG_USEC");
        if (cases[i].pid)
            g_setenv("WATCHDOG_PID", cases[i].pid, TRUE);
        else
            g_unsetenv("WATCHDOG_PID");
        g_autoptr(MsdWatchdog) w = msd_watchdog_new(f->context);
        assert_int_equal(msd_watchdog_get_interval_us(w), 0);
        assert_null(g_main_context_find_source_by_user_data(f->context, w));
        assert_int_equal(drain(f), 0);
    }
    /* STOPPING=1 still goes out: it is not about the watchdog. */
    g_unsetenv("WATCHDOG_USEC");
    g_autoptr(MsdWatchdog) w = msd_watchdog_new(f->context);
    msd_watchdog_notify_stopping(w);
    drain(f);
    assert_string_equal(f->other->str, "STOPPING=1\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pings_while_the_loop_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_ping_while_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stopping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
