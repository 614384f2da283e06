/* /app of the simulated distroless images: a tiny HTTP server answering "hello from <hostname>".
 * `--exit=N` prints a line to stderr and exits N at once (a crash-looping pod). */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A graceful server: SIGTERM ends it at once with code 0. */
static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static int listen_on(int family, int port)
{
    int one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    int bound = family == AF_INET6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
                                   : bind(fd, (struct sockaddr *)&a4, sizeof(a4));
    if (bound < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void serve(int conn, const char *host)
{
    char req[4096] = {0}, method[16] = "?", path[256] = "?", body[320], resp[512];
    ssize_t got = read(conn, req, sizeof(req) - 1);
    if (got > 0)
        sscanf(req, "%15s %255s", method, path);
    int blen = snprintf(body, sizeof(body), "hello from %s\n", host);
    int rlen = snprintf(resp, sizeof(resp),
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                        "Connection: close\r\n\r\n%s", blen, body);
    if (write(conn, resp, (size_t)rlen) < 0)
        perror("write");
    close(conn);
    printf("%s %s 200\n", method, path);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    char host[256] = "";
    struct pollfd fds[2];
    int n = 0;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--exit=", 7) == 0) {
            fprintf(stderr, "app: exiting with code %s as asked\n", argv[i] + 7);
            return atoi(argv[i] + 7);
        }
    signal(SIGTERM, on_term);
    int port = atoi(getenv("PORT") ? getenv("PORT") : "8080");
    gethostname(host, sizeof(host) - 1);
    if ((fds[n].fd = listen_on(AF_INET, port)) < 0) {
        perror("app: listen");
        return 1;
    }
    n++;
    if ((fds[n].fd = listen_on(AF_INET6, port)) >= 0) /* IPv6 only where the pod has it */
        n++;
    printf("listening on :%d\n", port);
    fflush(stdout);
    for (int i = 0; i < n; i++)
        fds[i].events = POLLIN;
    for (;;) {
        poll(fds, (nfds_t)n, -1);
        for (int i = 0; i < n; i++) {
            int conn = fds[i].revents & POLLIN ? accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC) : -1;
            if (conn >= 0)
                serve(conn, host);
        }
    }
}
