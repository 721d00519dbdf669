/* One end of an acquired GATT socket: see acquired-fd.h. */
#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/names.h"
#include "sim/acquired-fd.h"

void sim_acquired_fd_init(SimAcquiredFd *a, SimAcquiredPacketFunc packet,
                          SimAcquiredClosedFunc closed, gpointer user_data)
{
    *a = (SimAcquiredFd){.fd = -1, .packet = packet, .closed = closed, .user_data = user_data};
}

gboolean sim_acquired_fd_held(const SimAcquiredFd *a)
{
    return a->fd >= 0;
}

gboolean sim_acquired_fd_release(SimAcquiredFd *a)
{
    g_clear_handle_id(&a->watch, g_source_remove);
    if (a->fd < 0)
        return FALSE;
    close(a->fd);
    a->fd = -1;
    return TRUE;
}

static gboolean on_fd(int fd, GIOCondition cond, gpointer user_data)
{
    SimAcquiredFd *a = user_data;
    if (cond & G_IO_IN) {
        guint8 buf[517]; /* the largest ATT value */
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            a->packet(buf, (gsize)n, a->user_data);
            return G_SOURCE_CONTINUE;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return G_SOURCE_CONTINUE;
    }
    /* HUP, error or EOF: the other end released it (the client closed it,
     * or bluetoothd did as the link went down). */
    a->watch = 0;
    sim_acquired_fd_release(a);
    a->closed(a->user_data);
    return G_SOURCE_REMOVE;
}

GUnixFDList *sim_acquired_fd_open(SimAcquiredFd *a, GDBusMethodInvocation *inv,
                                  const char *held_message, gboolean peer_nonblocking)
{
    if (a->fd >= 0) {
        g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_NOT_PERMITTED, held_message);
        return NULL;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        g_dbus_method_invocation_return_dbus_error(inv, BLUEZ_ERROR_FAILED, g_strerror(errno));
        return NULL;
    }
    g_unix_set_fd_nonblocking(sv[0], TRUE, NULL);
    if (peer_nonblocking)
        g_unix_set_fd_nonblocking(sv[1], TRUE, NULL);
    a->fd = sv[0];
    GIOCondition cond = G_IO_HUP | G_IO_ERR;
    if (a->packet)
        cond |= G_IO_IN;
    a->watch = g_unix_fd_add(sv[0], cond, on_fd, a);
    return g_unix_fd_list_new_from_array(&sv[1], 1); /* takes sv[1] */
}

void sim_acquired_fd_reply(GDBusMethodInvocation *inv, GUnixFDList *fds, guint16 mtu)
{
    g_dbus_method_invocation_return_value_with_unix_fd_list(inv, g_variant_new("(hq)", 0, mtu),
                                                            fds);
}

gboolean sim_acquired_fd_send(SimAcquiredFd *a, const guint8 *data, gsize len)
{
    if (a->fd < 0) {
        errno = ENOTCONN;
        return FALSE;
    }
    return send(a->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0;
}
