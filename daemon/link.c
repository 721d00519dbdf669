#include "daemon/link.h"

#include "daemon/log.h"
#include "daemon/msd-error.h"

#define MS ((gint64)1000)

typedef enum {
    CALL_NONE,
    CALL_CONNECT,    /* our Device1.Connect */
    CALL_DISCONNECT, /* our Disconnect of a stalled first attempt, before its retry */
} Call;

struct _MsdLink {
    MsdClock *clock;
    const MsdConfig *config;
    char *address;
    char *needs;
    const MsdLinkOps *ops;
    gpointer user_data;

    MsdLinkState state;
    gboolean present;        /* bluetoothd has an object for it */
    gboolean want_connected; /* a drop is unexpected: reconnect */
    Call in_flight;          /* a call whose reply the link waits for */
    guint attempt;           /* of this connect (1: the first, which may retry once) */
    gboolean opening;        /* characteristics found, transport being opened */

    guint ready_id; /* READY_TIMEOUT after Connect, or the shorter RESOLVED_WAIT */
    gboolean resolved_wait;
    guint retry_id;     /* the one retry of a first attempt */
    guint reconnect_id; /* the next reconnect attempt (backoff) */
    guint window_id;    /* the reconnect window's end */
    guint64 backoff_ms;
};

static void try_connect(MsdLink *link);
static void check_ready(MsdLink *link);
static void schedule_reconnect(MsdLink *link);

const char *msd_link_state_to_string(MsdLinkState state)
{
    static const char *const names[] = {"idle",          "connecting",   "up",
                                        "disconnecting", "reconnecting", "lost"};
    return names[state];
}

MsdLinkState msd_link_get_state(MsdLink *link)
{
    return link->state;
}

gboolean msd_link_is_present(MsdLink *link)
{
    return link->present;
}

gboolean msd_link_needs_scan(MsdLink *link)
{
    return link->state == MSD_LINK_RECONNECTING && !link->present;
}

static gboolean attempting(MsdLink *link)
{
    return link->state == MSD_LINK_CONNECTING || link->state == MSD_LINK_RECONNECTING;
}

static void set_state(MsdLink *link, MsdLinkState state)
{
    if (link->state == state)
        return;
    MsdLinkState old = link->state;
    link->state = state;
    link->ops->state_changed(link->user_data, old, state);
}

/* Ends whatever is being set up: the transport, the calls in flight (their
 * replies are cancelled, so they will not say so), the ready wait. */
static void teardown(MsdLink *link)
{
    link->ops->close_transport(link->user_data);
    link->in_flight = CALL_NONE;
    link->opening = FALSE;
    msd_clock_clear(link->clock, &link->ready_id);
    link->resolved_wait = FALSE;
}

static void clear_timers(MsdLink *link)
{
    msd_clock_clear(link->clock, &link->ready_id);
    msd_clock_clear(link->clock, &link->retry_id);
    msd_clock_clear(link->clock, &link->reconnect_id);
    msd_clock_clear(link->clock, &link->window_id);
    link->resolved_wait = FALSE;
}

/* ---- giving up, failing, retrying ---- */

static void on_window_end(gpointer data)
{
    MsdLink *link = data;
    link->window_id = 0;
    if (link->state != MSD_LINK_RECONNECTING)
        return;
    guint64 window = link->config->reconnect_window_ms;
    msd_dev_warning(link->address, "did not come back within %" G_GUINT64_FORMAT " ms: giving up",
                    window);
    /* An attempt still going is abandoned, bluetoothd's pending connect too. */
    gboolean connecting = link->in_flight == CALL_CONNECT;
    teardown(link);
    if (connecting && link->present)
        link->ops->call_disconnect(link->user_data, FALSE);
    clear_timers(link);
    link->want_connected = FALSE;
    set_state(link, MSD_LINK_LOST);
    g_autoptr(GError) lost =
        g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                    "%s did not come back within %" G_GUINT64_FORMAT " ms", link->address, window);
    link->ops->answer(link->user_data, lost);
    link->ops->gave_up(link->user_data, lost);
}

static void on_reconnect_timer(gpointer data)
{
    MsdLink *link = data;
    link->reconnect_id = 0;
    if (link->state != MSD_LINK_RECONNECTING)
        return;
    if (!link->present) {
        /* Wait for bluetoothd to show it again (or for the window). */
        schedule_reconnect(link);
        return;
    }
    link->attempt = 0;
    try_connect(link);
}

/* The next reconnect attempt, after a backoff that doubles from
 * [Reconnect] InitialDelay up to MaxDelay. The window has its own timer. */
static void schedule_reconnect(MsdLink *link)
{
    msd_clock_clear(link->clock, &link->reconnect_id);
    const MsdConfig *c = link->config;
    link->backoff_ms =
        link->backoff_ms ? MIN(link->backoff_ms * 2, c->backoff_max_ms) : c->backoff_initial_ms;
    msd_dev_info(link->address, "reconnecting in %" G_GUINT64_FORMAT " ms", link->backoff_ms);
    link->reconnect_id =
        msd_clock_schedule(link->clock, msd_clock_now(link->clock) + (gint64)link->backoff_ms * MS,
                           on_reconnect_timer, link);
}

/* This attempt failed (its retry, if any, spent). */
static void connect_failed(MsdLink *link, const GError *error)
{
    teardown(link);
    if (link->state == MSD_LINK_RECONNECTING) {
        msd_dev_info(link->address, "reconnect attempt failed: %s", error->message);
        /* A Connect call waiting on the reconnect gets this attempt's answer;
         * the reconnect itself goes on. */
        g_autoptr(GError) told =
            g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                        "%s (massaged keeps reconnecting by itself)", error->message);
        link->ops->answer(link->user_data, told);
        schedule_reconnect(link);
        return;
    }
    msd_dev_warning(link->address, "connect failed: %s", error->message);
    msd_clock_clear(link->clock, &link->retry_id);
    link->want_connected = FALSE;
    set_state(link, MSD_LINK_IDLE);
    link->ops->answer(link->user_data, error);
}

static void on_retry(gpointer data)
{
    MsdLink *link = data;
    link->retry_id = 0;
    if (link->state == MSD_LINK_CONNECTING)
        try_connect(link);
}

/* The one retry of a connect's first attempt (a failed Connect, a drop, a
 * stalled resolve), RETRY_DELAY from now. Only a user's connect retries: a
 * reconnect has its backoff. */
static gboolean retry_once(MsdLink *link, const char *why)
{
    if (link->state != MSD_LINK_CONNECTING || link->attempt != 1 || !link->present)
        return FALSE;
    msd_dev_info(link->address, "%s; retrying once", why);
    if (!link->retry_id)
        link->retry_id = msd_clock_schedule(
            link->clock, msd_clock_now(link->clock) + MSD_LINK_RETRY_DELAY_MS * MS, on_retry, link);
    return TRUE;
}

static void try_connect(MsdLink *link)
{
    if (!link->present) {
        g_autoptr(GError) e = g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                          "%s is not known to bluetoothd right now", link->address);
        connect_failed(link, e);
        return;
    }
    link->attempt++;
    link->in_flight = CALL_CONNECT;
    msd_dev_info(link->address, "connecting (attempt %u)", link->attempt);
    link->ops->call_connect(link->user_data);
}

/* ---- waiting for the services ---- */

static void on_ready_timeout(gpointer data)
{
    MsdLink *link = data;
    link->ready_id = 0;
    if (!attempting(link))
        return;
    g_autoptr(GError) e =
        link->resolved_wait
            ? g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                          "%s resolved its services but %s were not among them within %u s",
                          link->address, link->needs, MSD_LINK_RESOLVED_WAIT_MS / 1000)
            : g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                          "%s connected but its services or %s did not appear within %u s",
                          link->address, link->needs, MSD_LINK_READY_TIMEOUT_MS / 1000);
    link->resolved_wait = FALSE;
    if (!link->present) {
        connect_failed(link, e);
        return;
    }
    /* Seen on the real stack: bluetoothd reports the link up but never
     * resolves its services; a fresh link works. The first attempt of a
     * connect gets one more, after a Disconnect that is ours (in flight, so
     * the drop it causes is not taken for the end of the attempt). */
    if (link->state == MSD_LINK_CONNECTING && link->attempt == 1) {
        msd_dev_info(link->address, "%s; disconnecting and retrying once", e->message);
        link->in_flight = CALL_DISCONNECT;
        link->ops->call_disconnect(link->user_data, TRUE);
        return;
    }
    link->ops->call_disconnect(link->user_data, FALSE);
    connect_failed(link, e);
}

static void start_ready_wait(MsdLink *link, gboolean resolved)
{
    msd_clock_clear(link->clock, &link->ready_id);
    link->resolved_wait = resolved;
    guint ms = resolved ? MSD_LINK_RESOLVED_WAIT_MS : MSD_LINK_READY_TIMEOUT_MS;
    link->ready_id = msd_clock_schedule(link->clock, msd_clock_now(link->clock) + ms * MS,
                                        on_ready_timeout, link);
}

static void check_ready(MsdLink *link)
{
    if (!attempting(link) || link->in_flight != CALL_NONE || !link->present || link->opening)
        return;
    switch (link->ops->look(link->user_data)) {
    case MSD_LINK_SERVICES_PENDING:
        return;
    case MSD_LINK_SERVICES_MISSING:
        /* bluetoothd exports the characteristics with or just after
         * ServicesResolved (bluez#1489): after RESOLVED_WAIT they are not
         * coming on this link (a stale GATT cache, an application gone). */
        msd_dev_debug(link->address, "services resolved; waiting for %s", link->needs);
        if (!link->resolved_wait)
            start_ready_wait(link, TRUE);
        return;
    case MSD_LINK_SERVICES_FOUND:
        msd_clock_clear(link->clock, &link->ready_id);
        link->resolved_wait = FALSE;
        link->opening = TRUE;
        link->ops->open_transport(link->user_data);
        return;
    }
}

/* ---- events ---- */

MsdLinkConnect msd_link_connect(MsdLink *link, GError **error)
{
    switch (link->state) {
    case MSD_LINK_UP:
        return MSD_LINK_CONNECT_UP;
    case MSD_LINK_DISCONNECTING:
        g_set_error(error, MSD_ERROR, MSD_ERROR_BUSY, "%s is disconnecting", link->address);
        return MSD_LINK_CONNECT_REFUSED;
    case MSD_LINK_RECONNECTING:
        if (!link->present) {
            /* Nothing to wait for: bluetoothd does not see it at the moment. */
            g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                        "%s is out of reach (bluetoothd does not see it); massaged keeps "
                        "reconnecting by itself",
                        link->address);
            return MSD_LINK_CONNECT_REFUSED;
        }
        return MSD_LINK_CONNECT_WAIT;
    case MSD_LINK_CONNECTING:
        return MSD_LINK_CONNECT_WAIT;
    case MSD_LINK_IDLE:
    case MSD_LINK_LOST:
        break;
    }
    if (!link->present) {
        g_set_error(error, MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                    "%s is not known to bluetoothd right now", link->address);
        return MSD_LINK_CONNECT_REFUSED;
    }
    link->want_connected = TRUE;
    link->attempt = 0;
    set_state(link, MSD_LINK_CONNECTING);
    try_connect(link);
    return MSD_LINK_CONNECT_WAIT;
}

gboolean msd_link_disconnect(MsdLink *link)
{
    link->want_connected = FALSE;
    clear_timers(link);
    if (link->state == MSD_LINK_UP) {
        set_state(link, MSD_LINK_DISCONNECTING);
        return TRUE;
    }
    g_autoptr(GError) e =
        g_error_new_literal(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "disconnect requested");
    MsdLinkState was = link->state;
    teardown(link);
    set_state(link, MSD_LINK_IDLE);
    link->ops->answer(link->user_data, e);
    /* A half-made link, or bluetoothd's pending connect, goes too. */
    if (was != MSD_LINK_IDLE && link->present)
        link->ops->call_disconnect(link->user_data, FALSE);
    return FALSE;
}

void msd_link_connect_reply(MsdLink *link, MsdLinkReply reply, const GError *error)
{
    if (link->in_flight != CALL_CONNECT)
        return; /* not ours any more (torn down meanwhile) */
    link->in_flight = CALL_NONE;
    if (!attempting(link))
        return;
    switch (reply) {
    case MSD_LINK_REPLY_OK:
    case MSD_LINK_REPLY_ALREADY_CONNECTED:
        /* Connected as far as bluetoothd is concerned: now the services. */
        start_ready_wait(link, FALSE);
        check_ready(link);
        return;
    case MSD_LINK_REPLY_TIMED_OUT:
        /* Our call gave up but bluetoothd's connect goes on (the kernel's LE
         * connect outlasts it) and would answer every later Connect with
         * "Operation already in progress": cancel it. */
        if (link->present)
            link->ops->call_disconnect(link->user_data, FALSE);
        break;
    case MSD_LINK_REPLY_FAILED:
        break;
    }
    /* One retry: a connect that lands while the peripheral rotates its
     * advertisement fails at once and works a moment later. */
    g_autofree char *why = g_strdup_printf("connect failed (%s)", error->message);
    if (retry_once(link, why))
        return;
    connect_failed(link, error);
}

void msd_link_disconnect_reply(MsdLink *link)
{
    if (link->in_flight != CALL_DISCONNECT)
        return;
    link->in_flight = CALL_NONE;
    if (link->state != MSD_LINK_CONNECTING)
        return;
    /* The stalled first attempt's link is gone: the retry. */
    if (!retry_once(link, "the stalled link is down")) {
        g_autoptr(GError) e = g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED,
                                          "%s is not known to bluetoothd right now", link->address);
        connect_failed(link, e);
    }
}

void msd_link_services_changed(MsdLink *link)
{
    check_ready(link);
}

void msd_link_transport_ready(MsdLink *link)
{
    if (!attempting(link) || !link->opening)
        return;
    gboolean after_drop = link->state == MSD_LINK_RECONNECTING;
    link->opening = FALSE;
    clear_timers(link);
    set_state(link, MSD_LINK_UP);
    link->ops->up(link->user_data, after_drop);
}

void msd_link_dropped(MsdLink *link, const char *why)
{
    MsdLinkState was = link->state;
    switch (was) {
    case MSD_LINK_IDLE:
    case MSD_LINK_LOST:
        return;
    case MSD_LINK_CONNECTING:
    case MSD_LINK_RECONNECTING:
        /* The drop of a link our own call is still making (or taking down)
         * is that call's business. */
        if (link->in_flight != CALL_NONE)
            return;
        break;
    case MSD_LINK_UP:
    case MSD_LINK_DISCONNECTING:
        break;
    }
    g_autoptr(GError) gone =
        g_error_new(MSD_ERROR, MSD_ERROR_NOT_CONNECTED, "%s disconnected (%s)", link->address, why);
    if (was == MSD_LINK_DISCONNECTING || !link->want_connected) {
        teardown(link);
        clear_timers(link);
        set_state(link, MSD_LINK_IDLE);
        link->ops->answer(link->user_data, gone);
        return;
    }
    if (was == MSD_LINK_CONNECTING) {
        /* Seen on the real stack: a link made while the peripheral swaps
         * advertisements comes up and drops at once; a moment later it
         * holds. The first attempt gets one more, as for a failed Connect.
         * With a retry pending, this is the drop of our own Disconnect. */
        g_autofree char *msg = g_strdup_printf("link dropped while connecting (%s)", why);
        if (link->retry_id || retry_once(link, msg)) {
            teardown(link);
            return;
        }
        connect_failed(link, gone);
        return;
    }
    if (was == MSD_LINK_RECONNECTING) {
        if (link->reconnect_id)
            teardown(link); /* between attempts: nothing to end */
        else
            connect_failed(link, gone); /* this attempt ended */
        return;
    }
    teardown(link);
    msd_dev_warning(link->address, "connection lost (%s)", why);
    link->backoff_ms = 0; /* each drop starts the series again */
    set_state(link, MSD_LINK_RECONNECTING);
    link->ops->dropped(link->user_data);
    /* The window runs from the drop, whatever the attempts do meanwhile. */
    link->window_id = msd_clock_schedule(
        link->clock, msd_clock_now(link->clock) + (gint64)link->config->reconnect_window_ms * MS,
        on_window_end, link);
    schedule_reconnect(link);
}

void msd_link_set_present(MsdLink *link, gboolean present)
{
    if (present == link->present)
        return;
    link->present = present;
    if (present) {
        if (link->state == MSD_LINK_RECONNECTING && link->in_flight == CALL_NONE &&
            !link->opening) {
            /* It is back: try now instead of waiting out the backoff. */
            msd_clock_clear(link->clock, &link->reconnect_id);
            link->attempt = 0;
            try_connect(link);
        } else if (link->state == MSD_LINK_LOST) {
            set_state(link, MSD_LINK_IDLE);
        }
        return;
    }
    msd_dev_info(link->address, "gone from bluetoothd");
    /* Calls to an object that no longer exists will not be answered usefully. */
    link->in_flight = CALL_NONE;
    msd_link_dropped(link, "bluetoothd removed it");
}

MsdLink *msd_link_new(MsdClock *clock, const MsdConfig *config, const char *address,
                      const char *needs, const MsdLinkOps *ops, gpointer user_data)
{
    MsdLink *link = g_new0(MsdLink, 1);
    link->clock = msd_clock_ref(clock);
    link->config = config;
    link->address = g_strdup(address);
    link->needs = g_strdup(needs);
    link->ops = ops;
    link->user_data = user_data;
    link->state = MSD_LINK_IDLE;
    return link;
}

void msd_link_free(MsdLink *link)
{
    if (!link)
        return;
    clear_timers(link);
    msd_clock_unref(link->clock);
    g_free(link->address);
    g_free(link->needs);
    g_free(link);
}
