/* The node holder: PID 1 of the node's pid namespace and owner of its network namespace.
 *
 * Every container process lives in this pid namespace or one nested in it, so when the holder
 * dies the kernel kills them all. The holder dies with the simulator: PR_SET_PDEATHSIG fires when
 * the thread that started it exits (the simulator keeps a thread for that), and a lifeline pipe
 * closes the race of the parent dying before the signal was armed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsrun.h"

static void on_child(int sig)
{
    (void)sig;
}

static void detach_stdio(void)
{
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
}

/* PID 1 of the node: reap orphans until killed. */
static _Noreturn void node_init(int lifeline)
{
    struct pollfd alive = {.fd = lifeline, .events = POLLIN};
    sigset_t chld, waiting;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (poll(&alive, 1, 0) != 0)
        _exit(1);
    detach_stdio();
    signal(SIGCHLD, on_child);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &waiting);
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        sigsuspend(&waiting);
    }
}

/* argv: nsrun holder PARENT_PID. Prints the holder's host pid, then waits for it. */
int holder_main(int argc, char **argv)
{
    int lifeline[2], wstatus;
    (void)argc;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != (pid_t)atoi(argv[2]))
        return 1;
    if (pipe2(lifeline, O_CLOEXEC) < 0 || unshare(CLONE_NEWPID | CLONE_NEWNET) < 0)
        fail_errno("holder");
    pid_t pid = fork();
    if (pid < 0)
        fail_errno("fork");
    if (pid == 0) {
        close(lifeline[1]);
        node_init(lifeline[0]);
    }
    close(lifeline[0]);
    printf("%d\n", pid);
    fflush(stdout);
    detach_stdio();
    while (waitpid(pid, &wstatus, 0) < 0)
        ;
    return exit_status(wstatus);
}
