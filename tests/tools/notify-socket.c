/* notify-socket: a stand-in for systemd's notification socket, for the
 * integration tests.
 *
 *   notify-socket listen PATH       binds an AF_UNIX datagram socket at PATH
 *                                   and prints every message it receives as
 *                                   one line on stdout (flushed at once)
 *   notify-socket send PATH TEXT    sends TEXT as one datagram to PATH
 *
 * The tests send their own markers through the same socket: datagrams from
 * every sender queue in one FIFO, so a marker that has been printed proves
 * that everything sent before it has been printed too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int usage(void)
{
    fprintf(stderr, "usage: notify-socket listen PATH | notify-socket send PATH TEXT\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(argv[2]) >= sizeof sa.sun_path) {
        fprintf(stderr, "notify-socket: path too long: %s\n", argv[2]);
        return 2;
    }
    strcpy(sa.sun_path, argv[2]);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("notify-socket: socket");
        return 1;
    }
    if (strcmp(argv[1], "send") == 0 && argc == 4) {
        if (sendto(fd, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
            perror("notify-socket: send");
            return 1;
        }
        return 0;
    }
    if (strcmp(argv[1], "listen") != 0 || argc != 3)
        return usage();
    unlink(argv[2]);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        perror("notify-socket: bind");
        return 1;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n < 0) {
            perror("notify-socket: recv");
            return 1;
        }
        /* sd_notify() may send several assignments, newline-separated: one per line. */
        fwrite(buf, 1, (size_t)n, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    }
}
