/* MsdLink on a fake clock with a fake ops table that records every side
 * effect: a connect that works; a failed first attempt's one retry; a drop
 * while connecting; the resolved-but-missing wait, our Disconnect and the
 * retry; the READY timeout; a timed-out Connect cancelling bluetoothd's;
 * AlreadyConnected; a drop while up and the backoff series; the device
 * reappearing; the window passing (also mid-attempt); LOST -> IDLE; the
 * disconnect request in each state; "out of reach" and "not known" answered
 * at once; each reconnect attempt answering the waiters; stale replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/link.h"
#include "daemon/msd-error.h"

#define T0 ((gint64)1000000000)
#define MS ((gint64)1000)
#define S  ((gint64)1000000)

typedef struct {
    MsdClock *clock;
    MsdConfig config;
    MsdLink *link;
    MsdLinkServices services; /* what look() answers */
    GPtrArray *log;           /* char*, side effects in order */
} Fx;

static void note(Fx *fx, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(Fx *fx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(fx->log, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static void op_call_connect(gpointer d)
{
    note(d, "connect");
}
static void op_call_disconnect(gpointer d, gboolean want_reply)
{
    note(d, want_reply ? "disconnect(reply)" : "disconnect");
}
static MsdLinkServices op_look(gpointer d)
{
    Fx *fx = d;
    note(fx, "look");
    return fx->services;
}
static void op_open(gpointer d)
{
    note(d, "open");
}
static void op_close(gpointer d)
{
    note(d, "close");
}
static void op_state(gpointer d, MsdLinkState o, MsdLinkState n)
{
    note(d, "%s>%s", msd_link_state_to_string(o), msd_link_state_to_string(n));
}
static void op_up(gpointer d, gboolean after_drop)
{
    note(d, after_drop ? "up(back)" : "up");
}
static void op_dropped(gpointer d)
{
    note(d, "dropped");
}
static void op_gave_up(gpointer d, const GError *error)
{
    note(d, "gave-up");
}
static void op_answer(gpointer d, const GError *error)
{
    note(d, "answer: %s", error->message);
}

static const MsdLinkOps ops = {
    .call_connect = op_call_connect,
    .call_disconnect = op_call_disconnect,
    .look = op_look,
    .open_transport = op_open,
    .close_transport = op_close,
    .state_changed = op_state,
    .up = op_up,
    .dropped = op_dropped,
    .gave_up = op_gave_up,
    .answer = op_answer,
};

static int setup(void **state)
{
    Fx *fx = g_new0(Fx, 1);
    fx->clock = msd_clock_new_fake(T0);
    msd_config_init(&fx->config);
    fx->config.backoff_initial_ms = 200;
    fx->config.backoff_max_ms = 1000;
    fx->config.reconnect_window_ms = 5000;
    fx->log = g_ptr_array_new_with_free_func(g_free);
    fx->link = msd_link_new(fx->clock, &fx->config, "AA:BB", "the characteristics W / N", &ops, fx);
    msd_link_set_present(fx->link, TRUE);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fx *fx = *state;
    msd_link_free(fx->link);
    /* The link's timers go with it. */
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    msd_clock_unref(fx->clock);
    msd_config_clear(&fx->config);
    g_ptr_array_unref(fx->log);
    g_free(fx);
    return 0;
}

/* The side effects since the last call, joined with ", ". */
static char *take(Fx *fx)
{
    g_ptr_array_add(fx->log, NULL);
    char *s = g_strjoinv(", ", (char **)fx->log->pdata);
    g_ptr_array_set_size(fx->log, 0);
    return s;
}

#define expect(fx, want)                                                                           \
    do {                                                                                           \
        g_autofree char *got_ = take(fx);                                                          \
        assert_string_equal(got_, want);                                                           \
    } while (0)

static gint64 next_in(Fx *fx)
{
    return msd_fake_clock_next_deadline(fx->clock) - msd_clock_now(fx->clock);
}

static GError *failure(void)
{
    return g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "Connect: refused");
}

static void reply_failed(Fx *fx)
{
    g_autoptr(GError) e = failure();
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_FAILED, e);
}

/* From IDLE to UP by the book. */
static void bring_up(Fx *fx)
{
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_link_transport_ready(fx->link);
    expect(fx, "idle>connecting, connect, look, open, connecting>up, up");
}

/* ---- connecting ---- */

static void test_connect_ok(void **state)
{
    Fx *fx = *state;
    assert_int_equal(msd_link_get_state(fx->link), MSD_LINK_IDLE);
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    expect(fx, "idle>connecting, connect");
    /* A second caller waits on the same attempt. */
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    expect(fx, "");
    /* Services not resolved yet: the READY wait, 10 s from the reply. */
    fx->services = MSD_LINK_SERVICES_PENDING;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    expect(fx, "look");
    assert_int_equal(next_in(fx), MSD_LINK_READY_TIMEOUT_MS * MS);
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_services_changed(fx->link);
    expect(fx, "look, open");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    /* Opening: no second open when something changes meanwhile. */
    msd_link_services_changed(fx->link);
    expect(fx, "");
    msd_link_transport_ready(fx->link);
    expect(fx, "connecting>up, up");
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_UP);
    /* A late transport_ready is ignored. */
    msd_link_transport_ready(fx->link);
    expect(fx, "");
}

static void test_connect_fail_retry_fail(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    expect(fx, "idle>connecting, connect");
    reply_failed(fx);
    expect(fx, ""); /* nobody is told yet: one retry */
    assert_int_equal(next_in(fx), MSD_LINK_RETRY_DELAY_MS * MS);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS - 1);
    expect(fx, "");
    msd_fake_clock_advance(fx->clock, 1);
    expect(fx, "connect");
    reply_failed(fx);
    expect(fx, "close, connecting>idle, answer: Connect: refused");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
}

static void test_connect_retry_then_ok(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    reply_failed(fx);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS);
    expect(fx, "idle>connecting, connect, connect");
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_link_transport_ready(fx->link);
    expect(fx, "look, open, connecting>up, up");
}

static void test_drop_while_connecting_retries(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    /* A drop during our own Connect call is the call's business. */
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "idle>connecting, connect");
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    expect(fx, "look");
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close");
    assert_int_equal(next_in(fx), MSD_LINK_RETRY_DELAY_MS * MS);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS);
    expect(fx, "connect");
    /* The second attempt drops too: that is the end. */
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "look, close, connecting>idle, answer: AA:BB disconnected (Connected became false)");
}

static void test_resolved_missing_disconnect_retry(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    fx->services = MSD_LINK_SERVICES_MISSING;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    expect(fx, "idle>connecting, connect, look");
    /* The shorter RESOLVED_WAIT replaces the READY wait, and is not
     * restarted by later changes. */
    assert_int_equal(next_in(fx), MSD_LINK_RESOLVED_WAIT_MS * MS);
    msd_fake_clock_advance(fx->clock, 1 * S);
    msd_link_services_changed(fx->link);
    expect(fx, "look");
    assert_int_equal(next_in(fx), MSD_LINK_RESOLVED_WAIT_MS * MS - 1 * S);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RESOLVED_WAIT_MS * MS - 1 * S);
    expect(fx, "disconnect(reply)");
    /* The drop our Disconnect causes is ours, not the attempt's end. */
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "");
    msd_link_disconnect_reply(fx->link);
    expect(fx, "");
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS);
    expect(fx, "connect");
    /* Missing again on the retry: given up, bluetoothd's link dropped. */
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RESOLVED_WAIT_MS * MS);
    expect(fx, "look, disconnect, close, connecting>idle, answer: AA:BB resolved its services but "
               "the characteristics W / N were not among them within 3 s");
}

static void test_ready_timeout(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    fx->services = MSD_LINK_SERVICES_PENDING;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_fake_clock_advance(fx->clock, MSD_LINK_READY_TIMEOUT_MS * MS - 1);
    expect(fx, "idle>connecting, connect, look");
    msd_fake_clock_advance(fx->clock, 1);
    expect(fx, "disconnect(reply)");
    msd_link_disconnect_reply(fx->link);
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS);
    expect(fx, "connect");
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_fake_clock_advance(fx->clock, MSD_LINK_READY_TIMEOUT_MS * MS);
    expect(fx, "look, disconnect, close, connecting>idle, answer: AA:BB connected but its services "
               "or the characteristics W / N did not appear within 10 s");
}

static void test_timed_out_cancels_bluetoothd_connect(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    g_autoptr(GError) e =
        g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "Connect: timed out");
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_TIMED_OUT, e);
    expect(fx, "idle>connecting, connect, disconnect");
    msd_fake_clock_advance(fx->clock, MSD_LINK_RETRY_DELAY_MS * MS);
    expect(fx, "connect");
}

static void test_already_connected(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    fx->services = MSD_LINK_SERVICES_PENDING;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_ALREADY_CONNECTED, NULL);
    expect(fx, "idle>connecting, connect, look");
    /* It is bounded like any other connect. */
    assert_int_equal(next_in(fx), MSD_LINK_READY_TIMEOUT_MS * MS);
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_services_changed(fx->link);
    msd_link_transport_ready(fx->link);
    expect(fx, "look, open, connecting>up, up");
}

static void test_not_known_refused(void **state)
{
    Fx *fx = *state;
    msd_link_set_present(fx->link, FALSE);
    g_autoptr(GError) e = NULL;
    assert_int_equal(msd_link_connect(fx->link, &e), MSD_LINK_CONNECT_REFUSED);
    assert_string_equal(e->message, "AA:BB is not known to bluetoothd right now");
    assert_int_equal(msd_link_get_state(fx->link), MSD_LINK_IDLE);
    expect(fx, "");
}

/* ---- reconnecting ---- */

static void test_drop_while_up_backoff(void **state)
{
    Fx *fx = *state;
    fx->config.reconnect_window_ms = 60000;
    bring_up(fx);
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close, up>reconnecting, dropped");
    /* A Connect call now waits on the reconnect and hears each attempt. */
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    const gint64 delays[] = {200, 400, 800, 1000, 1000};
    for (guint i = 0; i < G_N_ELEMENTS(delays); i++) {
        assert_int_equal(next_in(fx), delays[i] * MS);
        msd_fake_clock_advance(fx->clock, delays[i] * MS - 1);
        expect(fx, "");
        msd_fake_clock_advance(fx->clock, 1);
        expect(fx, "connect");
        reply_failed(fx); /* no retry-once while reconnecting: the backoff */
        expect(fx, "close, answer: Connect: refused (massaged keeps reconnecting by itself)");
    }
    /* Back: the backoff starts again at the next drop. */
    msd_fake_clock_advance(fx->clock, 1000 * MS);
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_link_transport_ready(fx->link);
    expect(fx, "connect, look, open, reconnecting>up, up(back)");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    msd_link_dropped(fx->link, "its characteristics vanished");
    expect(fx, "close, up>reconnecting, dropped");
    assert_int_equal(next_in(fx), 200 * MS);
}

static void test_drop_during_reconnect_attempt(void **state)
{
    Fx *fx = *state;
    bring_up(fx);
    msd_link_dropped(fx->link, "Connected became false");
    msd_fake_clock_advance(fx->clock, 200 * MS);
    fx->services = MSD_LINK_SERVICES_PENDING;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    expect(fx, "close, up>reconnecting, dropped, connect, look");
    /* This attempt is over; the next after the doubled backoff. */
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close, answer: AA:BB disconnected (Connected became false) (massaged keeps "
               "reconnecting by itself)");
    assert_int_equal(next_in(fx), 400 * MS);
    /* A drop with no attempt going changes nothing. */
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close");
    assert_int_equal(next_in(fx), 400 * MS);
}

static void test_gone_then_reappears(void **state)
{
    Fx *fx = *state;
    bring_up(fx);
    assert_false(msd_link_needs_scan(fx->link));
    msd_link_set_present(fx->link, FALSE);
    expect(fx, "close, up>reconnecting, dropped");
    assert_true(msd_link_needs_scan(fx->link));
    g_autoptr(GError) e = NULL;
    assert_int_equal(msd_link_connect(fx->link, &e), MSD_LINK_CONNECT_REFUSED);
    assert_string_equal(e->message, "AA:BB is out of reach (bluetoothd does not see it); "
                                    "massaged keeps reconnecting by itself");
    /* The backoff passes without an object to call: it only waits again. */
    msd_fake_clock_advance(fx->clock, 200 * MS);
    expect(fx, "");
    assert_int_equal(next_in(fx), 400 * MS);
    /* It reappears: an attempt at once, not after the backoff. */
    msd_fake_clock_advance(fx->clock, 100 * MS);
    msd_link_set_present(fx->link, TRUE);
    expect(fx, "connect");
    assert_false(msd_link_needs_scan(fx->link));
    fx->services = MSD_LINK_SERVICES_FOUND;
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    msd_link_transport_ready(fx->link);
    expect(fx, "look, open, reconnecting>up, up(back)");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
}

static void test_window_passes(void **state)
{
    Fx *fx = *state;
    bring_up(fx);
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close, up>reconnecting, dropped");
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    /* Attempts fail until the window (5 s from the drop) ends it. */
    gint64 end = msd_clock_now(fx->clock) + 5 * S;
    while (msd_clock_now(fx->clock) < end - 1) {
        gint64 next = MIN(msd_fake_clock_next_deadline(fx->clock), end - 1);
        msd_fake_clock_advance_to(fx->clock, next);
        g_autofree char *got = take(fx);
        if (g_str_has_suffix(got, "connect"))
            reply_failed(fx);
    }
    g_ptr_array_set_size(fx->log, 0);
    assert_int_equal(msd_link_get_state(fx->link), MSD_LINK_RECONNECTING);
    msd_fake_clock_advance_to(fx->clock, end);
    expect(fx, "close, reconnecting>lost, answer: AA:BB did not come back within 5000 ms, gave-up");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    /* LOST stays until bluetoothd shows it again; then it is IDLE. */
    msd_link_set_present(fx->link, FALSE);
    expect(fx, "");
    msd_link_set_present(fx->link, TRUE);
    expect(fx, "lost>idle");
    /* And it connects as any idle device. */
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    expect(fx, "idle>connecting, connect");
    msd_link_disconnect(fx->link);
    g_free(take(fx));
}

static void test_window_ends_an_attempt(void **state)
{
    Fx *fx = *state;
    fx->config.backoff_initial_ms = 4900;
    bring_up(fx);
    msd_link_dropped(fx->link, "Connected became false");
    msd_fake_clock_advance(fx->clock, 4900 * MS);
    expect(fx, "close, up>reconnecting, dropped, connect");
    /* Connect still in flight when the window ends: abandoned, and
     * bluetoothd's pending connect cancelled. */
    msd_fake_clock_advance(fx->clock, 100 * MS);
    expect(fx, "close, disconnect, reconnecting>lost, answer: AA:BB did not come back within 5000 "
               "ms, gave-up");
    /* Its late reply changes nothing. */
    reply_failed(fx);
    expect(fx, "");
    /* LOST, present: a Connect starts afresh. */
    assert_int_equal(msd_link_connect(fx->link, NULL), MSD_LINK_CONNECT_WAIT);
    expect(fx, "lost>connecting, connect");
    msd_link_disconnect(fx->link);
    g_free(take(fx));
}

/* ---- disconnecting ---- */

static void test_disconnect_when_up(void **state)
{
    Fx *fx = *state;
    bring_up(fx);
    assert_true(msd_link_disconnect(fx->link));
    expect(fx, "up>disconnecting");
    g_autoptr(GError) e = NULL;
    assert_int_equal(msd_link_connect(fx->link, &e), MSD_LINK_CONNECT_REFUSED);
    assert_true(g_error_matches(e, MSD_ERROR, MSD_ERROR_BUSY));
    /* The drop that follows is the end, not a reason to reconnect. */
    msd_link_dropped(fx->link, "Connected became false");
    expect(fx, "close, disconnecting>idle, answer: AA:BB disconnected (Connected became false)");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
}

static void test_disconnect_while_reconnecting(void **state)
{
    Fx *fx = *state;
    bring_up(fx);
    msd_link_dropped(fx->link, "Connected became false");
    g_free(take(fx));
    assert_false(msd_link_disconnect(fx->link));
    expect(fx, "close, reconnecting>idle, answer: disconnect requested, disconnect");
    /* The backoff and the window went with it. */
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    msd_fake_clock_advance(fx->clock, 60 * S);
    expect(fx, "");
}

static void test_disconnect_while_connecting(void **state)
{
    Fx *fx = *state;
    msd_link_connect(fx->link, NULL);
    reply_failed(fx); /* the retry is pending */
    assert_false(msd_link_disconnect(fx->link));
    expect(fx, "idle>connecting, connect, close, connecting>idle, answer: disconnect requested, "
               "disconnect");
    assert_int_equal(msd_fake_clock_n_pending(fx->clock), 0);
    /* A reply that was in flight is stale. */
    msd_link_connect_reply(fx->link, MSD_LINK_REPLY_OK, NULL);
    expect(fx, "");
}

/* A link that drops after a disconnect request in IDLE (someone else's
 * link) is nothing to us. */
static void test_drop_when_idle(void **state)
{
    Fx *fx = *state;
    msd_link_dropped(fx->link, "Connected became false");
    msd_link_set_present(fx->link, FALSE);
    msd_link_set_present(fx->link, TRUE);
    expect(fx, "");
    assert_int_equal(msd_link_get_state(fx->link), MSD_LINK_IDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_connect_ok),
        T(test_connect_fail_retry_fail),
        T(test_connect_retry_then_ok),
        T(test_drop_while_connecting_retries),
        T(test_resolved_missing_disconnect_retry),
        T(test_ready_timeout),
        T(test_timed_out_cancels_bluetoothd_connect),
        T(test_already_connected),
        T(test_not_known_refused),
        T(test_drop_while_up_backoff),
        T(test_drop_during_reconnect_attempt),
        T(test_gone_then_reappears),
        T(test_window_passes),
        T(test_window_ends_an_attempt),
        T(test_disconnect_when_up),
        T(test_disconnect_while_reconnecting),
        T(test_disconnect_while_connecting),
        T(test_drop_when_idle),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
