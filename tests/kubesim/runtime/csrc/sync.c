/* The sync socket: how every nsrun process reports to the Python side.
 *
 * Messages are SOCK_SEQPACKET datagrams: 'P' (no payload; the receiver's SO_PASSCRED gives the
 * sender's pid translated into its own pid namespace, i.e. the host pid), 'T' (a terminal master
 * fd as SCM_RIGHTS) and 'E' + text (a start failure, worded as runc words it). The socket is
 * close-on-exec, so the receiver's EOF means every process has either exec'd or exited.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nsrun.h"

static int sync_sock = -1;

void sync_init(int fd)
{
    sync_sock = fd;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void sync_close(void)
{
    if (sync_sock >= 0)
        close(sync_sock);
    sync_sock = -1;
}

static void send_msg(const char *data, size_t len, int fd)
{
    struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
    char control[CMSG_SPACE(sizeof(int))] = {0};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    if (sync_sock >= 0)
        while (sendmsg(sync_sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
            ;
}

void sync_pid(void)
{
    send_msg("P", 1, -1);
}

void sync_fd(int fd)
{
    send_msg("T", 1, fd);
}

/* Report a start failure and exit. Without a sync socket (holder mode) it goes to stderr. */
_Noreturn void fail(const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    buf[0] = 'E';
    va_start(ap, fmt);
    int n = vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    size_t len = 1 + (n < 0 ? 0 : (size_t)n >= sizeof(buf) - 1 ? sizeof(buf) - 2 : (size_t)n);
    if (sync_sock >= 0)
        send_msg(buf, len, -1);
    else
        dprintf(2, "nsrun: %.*s\n", (int)(len - 1), buf + 1);
    _exit(1);
}

/* strerror as Go spells it (runc is Go): the first letter in lower case. */
const char *errstr(int err)
{
    static char buf[128];
    snprintf(buf, sizeof(buf), "%s", strerror(err));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

_Noreturn void fail_errno(const char *what)
{
    fail("%s: %s", what, errstr(errno));
}
