/* MsdLink: one device's connection state machine, and the only owner of its
 * reconnect window.
 *
 * Pure GLib on an MsdClock: no D-Bus in here. The owner (daemon/device.c)
 * feeds it named events (msd_link_*() below) from bluetoothd and from its
 * D-Bus method calls, and carries out its decisions through MsdLinkOps. Every
 * wait is a timer on the clock, so tests (tests/unit/test-link.c) drive each
 * transition on a fake clock.
 *
 *   IDLE --connect--> CONNECTING --transport ready--> UP
 *   CONNECTING --fails (after its one retry)--> IDLE
 *   UP --dropped--> RECONNECTING --transport ready--> UP
 *   RECONNECTING --window passes--> LOST --present--> IDLE
 *   UP --disconnect--> DISCONNECTING --dropped--> IDLE
 *   any --disconnect--> IDLE (nothing is reconnected after it)
 *
 * docs/link.md has the full table of states, events and timers. */
#pragma once

#include <glib.h>

#include "common/clock.h"
#include "daemon/msd-config.h"

G_BEGIN_DECLS

typedef enum {
    MSD_LINK_IDLE,          /* known, not connected, nothing to do */
    MSD_LINK_CONNECTING,    /* a connect someone asked for */
    MSD_LINK_UP,            /* connected, characteristics found, transport open */
    MSD_LINK_DISCONNECTING, /* our Disconnect after a stop; waiting for the drop */
    MSD_LINK_RECONNECTING,  /* dropped without being asked: reconnecting */
    MSD_LINK_LOST,          /* the reconnect window passed without it */
} MsdLinkState;

const char *msd_link_state_to_string(MsdLinkState state);

/* What the owner sees of the device's services when the link asks. */
typedef enum {
    MSD_LINK_SERVICES_PENDING, /* not connected, or services not resolved yet */
    MSD_LINK_SERVICES_MISSING, /* resolved, but the driver's characteristics are not there */
    MSD_LINK_SERVICES_FOUND,   /* resolved, characteristics there */
} MsdLinkServices;

/* How bluetoothd answered Device1.Connect. */
typedef enum {
    MSD_LINK_REPLY_OK,
    MSD_LINK_REPLY_FAILED,
    MSD_LINK_REPLY_TIMED_OUT, /* our call gave up; bluetoothd's connect may go on */
    MSD_LINK_REPLY_ALREADY_CONNECTED,
} MsdLinkReply;

typedef struct {
    /* Call Device1.Connect; its answer comes back as msd_link_connect_reply(). */
    void (*call_connect)(gpointer user_data);
    /* Call Device1.Disconnect. With `want_reply`, its answer (whatever it
     * says) comes back as msd_link_disconnect_reply(). */
    void (*call_disconnect)(gpointer user_data, gboolean want_reply);
    /* Look at the device's Connected/ServicesResolved and characteristics. */
    MsdLinkServices (*look)(gpointer user_data);
    /* Set up notifications and writes; msd_link_transport_ready() when done. */
    void (*open_transport)(gpointer user_data);
    /* Tear the transport down and cancel every call in flight (Connect,
     * Disconnect, transport set-up): their replies must not reach the link. */
    void (*close_transport)(gpointer user_data);
    void (*state_changed)(gpointer user_data, MsdLinkState old_state, MsdLinkState new_state);
    /* The link is up: first time, or back after a drop (`after_drop`). The
     * owner answers its connect waiters with success here. */
    void (*up)(gpointer user_data, gboolean after_drop);
    /* The link dropped while up without being asked: reconnecting starts. */
    void (*dropped)(gpointer user_data);
    /* The reconnect window passed: the link is LOST. */
    void (*gave_up)(gpointer user_data, const GError *error);
    /* Answer the connect waiters with this failure. */
    void (*answer)(gpointer user_data, const GError *error);
} MsdLinkOps;

typedef struct _MsdLink MsdLink;

/* `config` (the reconnect window and backoff) is read at each use, so a
 * reload applies; it must outlive the link. `address` and `needs` (e.g. "the
 * characteristics X / Y") name the device and what it must offer in logs and
 * errors. */
MsdLink *msd_link_new(MsdClock *clock, const MsdConfig *config, const char *address,
                      const char *needs, const MsdLinkOps *ops, gpointer user_data);
/* Cancels every timer; calls no op. */
void msd_link_free(MsdLink *link);

MsdLinkState msd_link_get_state(MsdLink *link);
/* bluetoothd has an object for the device. */
gboolean msd_link_is_present(MsdLink *link);
/* TRUE while reconnecting but bluetoothd has no object for it: a scan helps. */
gboolean msd_link_needs_scan(MsdLink *link);

/* ---- events ---- */

typedef enum {
    MSD_LINK_CONNECT_UP,      /* up already: succeeded */
    MSD_LINK_CONNECT_WAIT,    /* in progress: ops->up or ops->answer tells */
    MSD_LINK_CONNECT_REFUSED, /* answered at once: *error says why */
} MsdLinkConnect;

/* Someone asked for the device (a Connect call, a session, a stop). */
MsdLinkConnect msd_link_connect(MsdLink *link, GError **error);
/* Someone asked for a disconnect. UP: DISCONNECTING, the owner stops the
 * motor and calls Device1.Disconnect itself (returns TRUE). Elsewhere:
 * everything stops, waiters are answered, and the link is IDLE (returns
 * FALSE). Either way nothing reconnects afterwards. */
gboolean msd_link_disconnect(MsdLink *link);

void msd_link_connect_reply(MsdLink *link, MsdLinkReply reply, const GError *error);
/* The Disconnect asked for with want_reply answered. */
void msd_link_disconnect_reply(MsdLink *link);
/* Connected, ServicesResolved or the characteristics changed: look again. */
void msd_link_services_changed(MsdLink *link);
void msd_link_transport_ready(MsdLink *link);
/* The link went down without us asking (Connected became false, our
 * characteristics vanished). */
void msd_link_dropped(MsdLink *link, const char *why);
/* bluetoothd has an object for the device again, or none any more. */
void msd_link_set_present(MsdLink *link, gboolean present);

/* Timings (milliseconds), for the docs and the tests. */
#define MSD_LINK_READY_TIMEOUT_MS 10000 /* Connect returned -> characteristics found */
#define MSD_LINK_RESOLVED_WAIT_MS 3000  /* resolved -> characteristics found */
#define MSD_LINK_RETRY_DELAY_MS   300   /* the one retry of a first attempt */

G_END_DECLS
