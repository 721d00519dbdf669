/* bench-mqtt-client: timed stop commands for bench/bench-mqtt-stop.sh. Prints
 * one CLOCK_MONOTONIC ns start time per round (pair.awk pairs them with the
 * stop frames in massage-sim's log).
 *
 *   bench-mqtt-client mqtt PORT SET_TOPIC RESULT_TOPIC N
 *       publish {"command":"stop"} on SET_TOPIC (127.0.0.1:PORT), wait for
 *       the reply on RESULT_TOPIC, N times
 *   bench-mqtt-client exec N COMMAND ARGS...
 *       run COMMAND and wait for it, N times (massagectl stop, process
 *       start included: that is what a person or a script pays)
 */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pause_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static int replies;

static void on_message(struct mosquitto *m, void *data, const struct mosquitto_message *msg)
{
    replies++;
}

static int run_mqtt(int port, const char *set, const char *result, int n)
{
    mosquitto_lib_init();
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    if (m)
        mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    if (!m || mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "bench-mqtt-client: cannot connect to 127.0.0.1:%d\n", port);
        return 1;
    }
    mosquitto_message_callback_set(m, on_message);
    mosquitto_subscribe(m, NULL, result, 1);
    /* Let the SUBACK come back before the first round. */
    for (int i = 0; i < 10; i++)
        mosquitto_loop(m, 20, 1);
    const char *stop = "{\"command\":\"stop\"}";
    for (int i = 0; i < n; i++) {
        int want = replies + 1;
        long long t0 = now_ns();
        mosquitto_publish(m, NULL, set, (int)strlen(stop), stop, 1, false);
        mosquitto_loop_write(m, 1);
        printf("%lld\n", t0);
        long long deadline = now_ns() + 5000000000LL;
        while (replies < want && now_ns() < deadline)
            mosquitto_loop(m, 10, 1);
        pause_ms(20);
    }
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    mosquitto_lib_cleanup();
    return 0;
}

static int run_exec(int n, char **argv)
{
    for (int i = 0; i < n; i++) {
        long long t0 = now_ns();
        pid_t pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            dup2(null, 1);
            execvp(argv[0], argv);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("%lld\n", t0);
        pause_ms(20);
    }
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 6 && strcmp(argv[1], "mqtt") == 0)
        return run_mqtt(atoi(argv[2]), argv[3], argv[4], atoi(argv[5]));
    if (argc >= 4 && strcmp(argv[1], "exec") == 0)
        return run_exec(atoi(argv[2]), argv + 3);
    fprintf(stderr, "usage: bench-mqtt-client mqtt PORT SET RESULT N | exec N COMMAND...\n");
    return 2;
}
