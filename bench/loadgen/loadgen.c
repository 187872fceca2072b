/*
 * loadgen - SMTP load generator for the FakeMX benchmarks.
 *
 * PURPOSE
 *   Drives an SMTP server on this machine hard enough to find its limits without becoming
 *   the limit itself: non-blocking sockets on one epoll loop per thread, no allocation after
 *   start-up, and its own CPU time reported so a run can show who ran out of CPU first.
 *
 * MODES
 *   sessions  complete sessions at a fixed concurrency: connect, banner (220), EHLO (250),
 *             MAIL (250), RCPT (any 4xx: the deferral under test), QUIT (221), then wait for
 *             the server to close. Stops after --count sessions or --time seconds, whichever
 *             comes first. Reports sessions/s, p50/p99/max session latency, errors by step.
 *   idle      opens --conns connections, reads each banner and holds them all for --hold
 *             seconds without sending anything, then closes them. Prints "held=N" as soon as
 *             every banner is in, so a script can measure the server's memory meanwhile.
 *   startup   runs the command after "--", polls connect + banner every millisecond and
 *             reports the time from fork to the first complete 220 line; then stops the
 *             child with SIGTERM (SIGKILL after 10 s) by its PID.
 *
 * OUTPUT
 *   One line of key=value pairs on stdout (idle mode: two), easy to read with awk.
 *
 * NOT
 *   No TLS, no DATA, no pipelining: each command waits for its reply, like most bots do.
 *   Traffic goes only to the address given, which the bench script keeps on loopback.
 *
 * BUGS
 *   A command is written with one write(); a short write on a fresh socket is counted as an
 *   error at that step rather than retried (it never happens with commands this short).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum step { ST_CONNECT, ST_BANNER, ST_EHLO, ST_MAIL, ST_RCPT, ST_QUIT, ST_CLOSE, ST_COUNT };

static const char *const step_names[ST_COUNT] = {
    "connect", "banner", "ehlo", "mail", "rcpt", "quit", "close",
};

/* The command sent after the reply to each step, and the reply class that step expects. */
static const char *const step_command[ST_COUNT] = {
    NULL, "EHLO loadgen.example\r\n", "MAIL FROM:<bench@loadgen.example>\r\n",
    "RCPT TO:<someone@fakemx.example>\r\n", "QUIT\r\n", NULL, NULL,
};

#define REPLY_MAX 4096

struct conn {
    int fd;
    int step;
    int used; /* bytes of the current reply collected so far */
    uint64_t start_ns;
    char buf[REPLY_MAX];
};

struct config {
    struct sockaddr_in target;
    struct in_addr sources[64];
    int source_count;
    int concurrency;
    long count;
    double time_limit;
    double timeout;
    int threads;
    long conns;
    double hold;
};

struct worker {
    const struct config *cfg;
    int index;
    int concurrency;
    long quota; /* sessions this worker may start */
    long started;
    long ok;
    long errors[ST_COUNT];
    long timeouts;
    long unfinished;
    uint32_t *latency_us;
    uint64_t first_ns, last_ns;
    unsigned source_next;
    pthread_t thread;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
    exit(1);
}

/*
 * Starts a non-blocking connect from the next source address. Binding with
 * IP_BIND_ADDRESS_NO_PORT defers the port choice to connect(), so each source address has
 * the whole ephemeral range to itself for every destination.
 */
static int open_socket(const struct config *cfg, unsigned *source_next)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }

    if (cfg->source_count > 0) {
        int one = 1;
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr = cfg->sources[(*source_next)++ % (unsigned)cfg->source_count];
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
            close(fd);
            return -1;
        }
    }

    if (connect(fd, (const struct sockaddr *)&cfg->target, sizeof cfg->target) < 0
        && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }

    return fd;
}

/*
 * Looks for a complete reply in buf: lines "DDD-text" continue it, "DDD text" or "DDD" ends
 * it. Returns the code of a complete reply, 0 when more bytes are needed, -1 when malformed.
 */
static int complete_reply(const char *buf, int used, int *consumed)
{
    int line = 0;
    for (int i = 0; i < used; i++) {
        if (buf[i] != '\n') {
            continue;
        }

        int len = i - line;
        if (len < 3) {
            return -1;
        }

        const char *p = buf + line;
        if (p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9') {
            return -1;
        }

        if (len == 3 || p[3] == ' ' || p[3] == '\r') {
            *consumed = i + 1;
            return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
        }

        line = i + 1;
    }

    return 0;
}

static int reply_ok(int step, int code)
{
    switch (step) {
    case ST_BANNER: return code == 220;
    case ST_EHLO: return code == 250;
    case ST_MAIL: return code == 250;
    case ST_RCPT: return code >= 400 && code < 500;
    case ST_QUIT: return code == 221;
    default: return 0;
    }
}

/* ---------------------------------------------------------------- sessions mode */

static int start_session(struct worker *w, int ep, struct conn *c)
{
    c->fd = open_socket(w->cfg, &w->source_next);
    if (c->fd < 0) {
        w->errors[ST_CONNECT]++;
        return -1;
    }

    c->step = ST_BANNER;
    c->used = 0;
    c->start_ns = now_ns();
    if (w->first_ns == 0) {
        w->first_ns = c->start_ns;
    }

    /* Waiting for input only: the banner's arrival proves the connect, and a refused
     * connect shows up as a read error, which saves an epoll_ctl per session. */
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        die("epoll_ctl");
    }

    w->started++;
    return 0;
}

static void end_session(struct worker *w, struct conn *c, int failed_step)
{
    close(c->fd);
    c->fd = -1;
    if (failed_step >= 0) {
        w->errors[failed_step]++;
        return;
    }

    uint64_t end = now_ns();
    uint64_t us = (end - c->start_ns) / 1000;
    w->latency_us[w->ok++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    w->last_ns = end;
}

/* Handles readable input on c; returns 1 when the session ended (well or badly). */
static int on_readable(struct worker *w, struct conn *c)
{
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->used, sizeof c->buf - (size_t)c->used);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                return 0;
            }

            /* A refused or reset connect before any byte is a connect failure. */
            int step = (c->step == ST_BANNER && c->used == 0) ? ST_CONNECT : c->step;
            end_session(w, c, step);
            return 1;
        }

        if (n == 0) {
            end_session(w, c, c->step == ST_CLOSE && c->used == 0 ? -1 : c->step);
            return 1;
        }

        if (c->step == ST_CLOSE) {
            end_session(w, c, ST_CLOSE); /* bytes after 221 */
            return 1;
        }

        c->used += (int)n;
        int consumed = 0;
        int code = complete_reply(c->buf, c->used, &consumed);
        if (code == 0) {
            if (c->used == (int)sizeof c->buf) {
                end_session(w, c, c->step);
                return 1;
            }

            continue;
        }

        if (code < 0 || !reply_ok(c->step, code) || consumed != c->used) {
            end_session(w, c, c->step);
            return 1;
        }

        c->used = 0;
        const char *command = step_command[c->step];
        c->step++;
        if (command != NULL) {
            size_t len = strlen(command);
            if (write(c->fd, command, len) != (ssize_t)len) {
                end_session(w, c, c->step - 1);
                return 1;
            }
        }

        /* Level-triggered: the next reply, or the close after 221, wakes us again. */
        return 0;
    }
}

static int may_start(const struct worker *w, uint64_t t0, uint64_t now)
{
    return w->started < w->quota && (double)(now - t0) / 1e9 < w->cfg->time_limit;
}

static void *run_sessions(void *arg)
{
    struct worker *w = arg;
    const struct config *cfg = w->cfg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1");
    }

    struct conn *conns = calloc((size_t)w->concurrency, sizeof *conns);
    struct epoll_event *events = calloc((size_t)w->concurrency, sizeof *events);
    if (conns == NULL || events == NULL) {
        die("calloc");
    }

    uint64_t t0 = now_ns();
    uint64_t hard_end = t0 + (uint64_t)((cfg->time_limit + cfg->timeout) * 1e9);
    uint64_t timeout_ns = (uint64_t)(cfg->timeout * 1e9);
    uint64_t next_sweep = t0 + 100000000ull;
    int active = 0;

    for (int i = 0; i < w->concurrency; i++) {
        conns[i].fd = -1;
        if (may_start(w, t0, now_ns()) && start_session(w, ep, &conns[i]) == 0) {
            active++;
        }
    }

    while (active > 0) {
        int n = epoll_wait(ep, events, w->concurrency, 100);
        if (n < 0 && errno != EINTR) {
            die("epoll_wait");
        }

        uint64_t now = now_ns();
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->fd < 0 || !on_readable(w, c)) {
                continue;
            }

            active--;
            if (may_start(w, t0, now) && start_session(w, ep, c) == 0) {
                active++;
            }
        }

        /* Sessions started in the loop above are younger than now: read the clock again. */
        now = now_ns();
        if (now < next_sweep) {
            continue;
        }

        next_sweep = now + 100000000ull;
        for (int i = 0; i < w->concurrency; i++) {
            struct conn *c = &conns[i];
            if (c->fd < 0) {
                continue;
            }

            if (now >= hard_end) {
                close(c->fd);
                c->fd = -1;
                w->unfinished++;
                active--;
            } else if (now > c->start_ns + timeout_ns) {
                w->timeouts++;
                end_session(w, c, c->step);
                active--;
                if (may_start(w, t0, now) && start_session(w, ep, c) == 0) {
                    active++;
                }
            }
        }
    }

    close(ep);
    free(conns);
    free(events);
    return NULL;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
        + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int sessions_mode(const struct config *cfg)
{
    int threads = cfg->threads < 1 ? 1 : cfg->threads;
    if (threads > cfg->concurrency) {
        threads = cfg->concurrency;
    }

    struct worker *workers = calloc((size_t)threads, sizeof *workers);
    uint32_t *latency = calloc((size_t)cfg->count, sizeof *latency);
    if (workers == NULL || latency == NULL) {
        die("calloc");
    }

    long offset = 0;
    for (int i = 0; i < threads; i++) {
        struct worker *w = &workers[i];
        w->cfg = cfg;
        w->index = i;
        w->concurrency = cfg->concurrency / threads + (i < cfg->concurrency % threads);
        w->quota = cfg->count / threads + (i < cfg->count % threads);
        w->latency_us = latency + offset;
        w->source_next = (unsigned)i;
        offset += w->quota;
    }

    double cpu0 = cpu_seconds();
    if (threads == 1) {
        run_sessions(&workers[0]);
    } else {
        for (int i = 0; i < threads; i++) {
            if (pthread_create(&workers[i].thread, NULL, run_sessions, &workers[i]) != 0) {
                die("pthread_create");
            }
        }

        for (int i = 0; i < threads; i++) {
            pthread_join(workers[i].thread, NULL);
        }
    }

    double cpu = cpu_seconds() - cpu0;

    /* Gather the latencies of all workers into one sorted run. */
    long ok = 0, started = 0, timeouts = 0, unfinished = 0;
    long errors[ST_COUNT] = {0};
    uint64_t first = 0, last = 0;
    for (int i = 0; i < threads; i++) {
        struct worker *w = &workers[i];
        memmove(latency + ok, w->latency_us, (size_t)w->ok * sizeof *latency);
        ok += w->ok;
        started += w->started;
        timeouts += w->timeouts;
        unfinished += w->unfinished;
        for (int s = 0; s < ST_COUNT; s++) {
            errors[s] += w->errors[s];
        }

        if (w->first_ns != 0 && (first == 0 || w->first_ns < first)) {
            first = w->first_ns;
        }

        if (w->last_ns > last) {
            last = w->last_ns;
        }
    }

    qsort(latency, (size_t)ok, sizeof *latency, compare_u32);
    double elapsed = last > first ? (double)(last - first) / 1e9 : 0;
    long error_total = unfinished;
    for (int s = 0; s < ST_COUNT; s++) {
        error_total += errors[s];
    }

    printf("mode=sessions concurrency=%d threads=%d started=%ld ok=%ld errors=%ld elapsed_s=%.3f "
           "rate=%.1f p50_us=%u p99_us=%u max_us=%u client_cpu_s=%.3f client_cpu_us_per_session=%.1f",
        cfg->concurrency, threads, started, ok, error_total, elapsed,
        elapsed > 0 ? (double)ok / elapsed : 0,
        ok ? latency[(ok - 1) * 50 / 100] : 0, ok ? latency[(ok - 1) * 99 / 100] : 0,
        ok ? latency[ok - 1] : 0, cpu, ok ? cpu * 1e6 / (double)ok : 0);
    for (int s = 0; s < ST_COUNT; s++) {
        printf(" err_%s=%ld", step_names[s], errors[s]);
    }

    printf(" timeouts=%ld unfinished=%ld\n", timeouts, unfinished);
    free(workers);
    free(latency);
    return error_total > 0 ? 3 : 0;
}

/* ---------------------------------------------------------------- idle mode */

static int idle_mode(const struct config *cfg)
{
    long k = cfg->conns;
    struct conn *conns = calloc((size_t)k, sizeof *conns);
    struct epoll_event *events = calloc(1024, sizeof *events);
    if (conns == NULL || events == NULL) {
        die("calloc");
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1");
    }

    double cpu0 = cpu_seconds();
    uint64_t t0 = now_ns();
    uint64_t setup_end = t0 + (uint64_t)(cfg->time_limit * 1e9);
    unsigned source_next = 0;
    long next = 0, pending = 0, held = 0, failed = 0, dropped = 0;

    /* Open with at most --concurrency handshakes in flight so the accept queue is never
     * the thing being measured here. */
    while ((next < k || pending > 0) && now_ns() < setup_end) {
        while (next < k && pending < cfg->concurrency) {
            struct conn *c = &conns[next++];
            c->fd = open_socket(cfg, &source_next);
            c->step = ST_BANNER;
            if (c->fd < 0) {
                failed++;
                continue;
            }

            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
                die("epoll_ctl");
            }

            pending++;
        }

        int n = epoll_wait(ep, events, 1024, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->step != ST_BANNER) {
                /* A held connection the server closed or wrote to. */
                if (c->fd >= 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    c->fd = -1;
                    dropped++;
                    held--;
                }

                continue;
            }

            ssize_t r = read(c->fd, c->buf + c->used, sizeof c->buf - (size_t)c->used);
            if (r < 0 && errno == EAGAIN) {
                continue;
            }

            int consumed = 0;
            int code = r > 0 ? complete_reply(c->buf, c->used += (int)r, &consumed) : -1;
            if (code == 0) {
                continue;
            }

            pending--;
            if (code == 220) {
                c->step = ST_QUIT; /* held: no more reads expected */
                held++;
            } else {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                failed++;
            }
        }
    }

    double setup_s = (double)(now_ns() - t0) / 1e9;
    printf("held=%ld failed=%ld pending=%ld setup_s=%.3f\n", held, failed, pending, setup_s);
    fflush(stdout);

    uint64_t hold_end = now_ns() + (uint64_t)(cfg->hold * 1e9);
    for (uint64_t now = now_ns(); now < hold_end; now = now_ns()) {
        int wait_ms = (int)((hold_end - now) / 1000000) + 1;
        int n = epoll_wait(ep, events, 1024, wait_ms > 100 ? 100 : wait_ms);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->fd >= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                if (c->step == ST_BANNER) {
                    pending--;
                    failed++;
                } else {
                    dropped++;
                    held--;
                }
            }
        }
    }

    for (long i = 0; i < k; i++) {
        if (conns[i].fd >= 0) {
            close(conns[i].fd);
        }
    }

    printf("mode=idle conns=%ld held_to_end=%ld failed=%ld dropped_by_server=%ld setup_s=%.3f "
           "client_cpu_s=%.3f\n", k, held, failed, dropped, setup_s, cpu_seconds() - cpu0);
    close(ep);
    free(conns);
    free(events);
    return held == k ? 0 : 3;
}

/* ---------------------------------------------------------------- startup mode */

/* One blocking-style probe: connect and read a full 220 line within 50 ms each. */
static int probe_banner(const struct config *cfg)
{
    unsigned unused = 0;
    struct config local = *cfg;
    local.source_count = 0;
    int fd = open_socket(&local, &unused);
    if (fd < 0) {
        return 0;
    }

    char buf[512];
    int used = 0, consumed = 0, code = 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (poll(&p, 1, 50) > 0) {
        ssize_t n = read(fd, buf + used, sizeof buf - (size_t)used);
        if (n <= 0) {
            break;
        }

        used += (int)n;
        code = complete_reply(buf, used, &consumed);
        if (code != 0 || used == (int)sizeof buf) {
            break;
        }
    }

    close(fd);
    return code == 220;
}

/* User + system CPU time of a running process, all threads, from /proc/PID/stat. */
static double child_cpu_ms(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }

    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;

    /* Fields after the command name, which ends at the last ')': state is field 3,
     * utime and stime are fields 14 and 15. */
    char *p = strrchr(buf, ')');
    unsigned long utime = 0, stime = 0;
    if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
            &utime, &stime) != 2) {
        return -1;
    }

    return (double)(utime + stime) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

static int startup_mode(const struct config *cfg, char **command)
{
    uint64_t t0 = now_ns();
    pid_t child = fork();
    if (child < 0) {
        die("fork");
    }

    if (child == 0) {
        execvp(command[0], command);
        fprintf(stderr, "loadgen: cannot run %s: %s\n", command[0], strerror(errno));
        _exit(127);
    }

    uint64_t deadline = t0 + (uint64_t)(cfg->time_limit * 1e9);
    double ms = -1, cpu_ms = -1;
    while (now_ns() < deadline) {
        if (probe_banner(cfg)) {
            ms = (double)(now_ns() - t0) / 1e6;
            cpu_ms = child_cpu_ms(child);
            break;
        }

        if (waitpid(child, NULL, WNOHANG) == child) {
            child = -1;
            break;
        }

        usleep(1000);
    }

    if (child > 0) {
        kill(child, SIGTERM);
        uint64_t kill_deadline = now_ns() + 10000000000ull;
        while (waitpid(child, NULL, WNOHANG) == 0) {
            if (now_ns() > kill_deadline) {
                kill(child, SIGKILL);
                waitpid(child, NULL, 0);
                break;
            }

            usleep(5000);
        }
    }

    /* CPU time is far less disturbed by other load on the machine than wall time. */
    printf("mode=startup startup_ms=%.1f startup_cpu_ms=%.1f\n", ms, cpu_ms);
    return ms < 0 ? 3 : 0;
}

/* ---------------------------------------------------------------- arguments */

static void usage(void)
{
    fprintf(stderr,
        "usage: loadgen sessions --port P [--addr A] [--concurrency C] [--count N] [--time S]\n"
        "                        [--timeout S] [--threads T] [--sources N]\n"
        "       loadgen idle --port P [--addr A] --conns K --hold S [--time S] [--sources N]\n"
        "       loadgen startup --port P [--addr A] [--time S] -- COMMAND [ARGS...]\n"
        "  --sources N spreads connections over source addresses 127.0.0.1 .. 127.0.0.N\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage();
    }

    signal(SIGPIPE, SIG_IGN);
    const char *mode = argv[1];
    struct config cfg = {
        .concurrency = 1, .count = 1000, .time_limit = 10, .timeout = 10, .threads = 1,
        .conns = 1000, .hold = 5,
    };
    cfg.target.sin_family = AF_INET;
    cfg.target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char **command = NULL;

    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            command = argv + i + 1;
            break;
        }

        if (i + 1 >= argc) {
            usage();
        }

        const char *value = argv[++i];
        if (strcmp(arg, "--addr") == 0) {
            if (inet_pton(AF_INET, value, &cfg.target.sin_addr) != 1) {
                usage();
            }
        } else if (strcmp(arg, "--port") == 0) {
            cfg.target.sin_port = htons((uint16_t)atoi(value));
        } else if (strcmp(arg, "--concurrency") == 0) {
            cfg.concurrency = atoi(value);
        } else if (strcmp(arg, "--count") == 0) {
            cfg.count = atol(value);
        } else if (strcmp(arg, "--time") == 0) {
            cfg.time_limit = atof(value);
        } else if (strcmp(arg, "--timeout") == 0) {
            cfg.timeout = atof(value);
        } else if (strcmp(arg, "--threads") == 0) {
            cfg.threads = atoi(value);
        } else if (strcmp(arg, "--conns") == 0) {
            cfg.conns = atol(value);
        } else if (strcmp(arg, "--hold") == 0) {
            cfg.hold = atof(value);
        } else if (strcmp(arg, "--sources") == 0) {
            cfg.source_count = atoi(value);
            if (cfg.source_count < 1 || cfg.source_count > 64) {
                usage();
            }

            for (int s = 0; s < cfg.source_count; s++) {
                cfg.sources[s].s_addr = htonl(INADDR_LOOPBACK + (uint32_t)s);
            }
        } else {
            usage();
        }
    }

    if (cfg.target.sin_port == 0 || cfg.concurrency < 1 || cfg.count < 1 || cfg.conns < 1) {
        usage();
    }

    if (strcmp(mode, "sessions") == 0) {
        return sessions_mode(&cfg);
    }

    if (strcmp(mode, "idle") == 0) {
        if (cfg.concurrency == 1) {
            cfg.concurrency = 256;
        }

        return idle_mode(&cfg);
    }

    if (strcmp(mode, "startup") == 0 && command != NULL && command[0] != NULL) {
        return startup_mode(&cfg, command);
    }

    usage();
    return 2;
}
