/* One end of an AcquireWrite or AcquireNotify socket pair (BlueZ's
 * doc/org.bluez.GattCharacteristic.rst): the socketpair, the other end handed
 * out in a GUnixFDList, the "(hq)" reply with the MTU, and the watch that
 * reads packets (write direction) and sees the other end close. Used on both
 * sides of bluetoothd: by the fake org.bluez (fake-bluez-gatt.c), which hands
 * the socket to a client, and by peripheral mode (peripheral-gatt.c), whose
 * GATT application hands it to a real bluetoothd. */
#pragma once

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

G_BEGIN_DECLS

/* A packet from the other end (one ATT write: SOCK_SEQPACKET keeps the
 * boundaries). */
typedef void (*SimAcquiredPacketFunc)(const guint8 *data, gsize len, gpointer user_data);
/* The other end closed (HUP, error or EOF): our end is already closed. */
typedef void (*SimAcquiredClosedFunc)(gpointer user_data);

typedef struct {
    int fd;                       /* our end, -1 when not acquired */
    guint watch;                  /* on `fd` */
    SimAcquiredPacketFunc packet; /* NULL: notify, we only send */
    SimAcquiredClosedFunc closed;
    gpointer user_data;
} SimAcquiredFd;

/* Not acquired. `packet` NULL for the notify direction (only HUP and errors
 * are watched), set for the write direction. */
void sim_acquired_fd_init(SimAcquiredFd *a, SimAcquiredPacketFunc packet,
                          SimAcquiredClosedFunc closed, gpointer user_data);
gboolean sim_acquired_fd_held(const SimAcquiredFd *a);

/* The first half of an AcquireWrite/AcquireNotify call: if already acquired,
 * answers `inv` with org.bluez.Error.NotPermitted `held_message`; if the
 * socketpair fails, with Failed; both return NULL. Else our end is kept
 * (non-blocking) and watched, and the other end is returned in a list of one
 * for sim_acquired_fd_reply(). `peer_nonblocking`: whether the end handed
 * out is non-blocking too, as bluetoothd makes its own pairs. */
GUnixFDList *sim_acquired_fd_open(SimAcquiredFd *a, GDBusMethodInvocation *inv,
                                  const char *held_message, gboolean peer_nonblocking);
/* The second half: replies "(hq)", the handed-out end and `mtu`. */
void sim_acquired_fd_reply(GDBusMethodInvocation *inv, GUnixFDList *fds, guint16 mtu);

/* Closes our end without calling `closed`: whether it was acquired. */
gboolean sim_acquired_fd_release(SimAcquiredFd *a);
/* Sends one packet (a notification) without blocking; FALSE with errno set
 * if it could not. */
gboolean sim_acquired_fd_send(SimAcquiredFd *a, const guint8 *data, gsize len);

G_END_DECLS
