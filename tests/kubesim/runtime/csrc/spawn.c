/* The process tree of `nsrun run`: join namespaces, fork into them, relay the exit status.
 *
 * shim (host pid ns) --fork--> child (in --pidns) [--fork--> init of a new pid ns]
 * A pid namespace can only be entered by children (setns affects the next fork) and a new one can
 * only be made by a process already inside its parent, hence up to two forks. Each parent waits
 * for its child and exits with the child's status (128+signal when killed), so the Python side
 * reads the container's exit code from the shim it started.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsrun.h"

static int cgroup_fds[MAX_LIST];

int exit_status(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return 255;
}

static int open_or_fail(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        fail("open %s: %s", path, errstr(errno));
    return fd;
}

/* Wait for the child and exit with its status. The waiting parent lets go of the sync socket
 * and of stdio, so the Python side sees EOF as soon as the child's side is done. */
static _Noreturn void relay(pid_t child)
{
    sync_close();
    int null = open("/dev/null", O_RDWR);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
        dup2(null, fd);
    int wstatus;
    while (waitpid(child, &wstatus, 0) < 0)
        if (errno != EINTR)
            _exit(255);
    _exit(exit_status(wstatus));
}

static void fork_and_relay(void)
{
    pid_t pid = fork();
    if (pid < 0)
        fail_errno("fork");
    if (pid > 0)
        relay(pid);
}

/* Move the calling process into the container's cgroups (files opened by the shim). */
static void join_cgroups(const struct config *cfg)
{
    for (int i = 0; i < cfg->ncgroups; i++) {
        if (write(cgroup_fds[i], "0", 1) != 1)
            fail("join cgroup %s: %s", cfg->cgroups[i], errstr(errno));
        close(cgroup_fds[i]);
    }
}

/* Runs as the container's main process (or the exec'd process) from here on. */
static _Noreturn void container_process(const struct config *cfg, int mntns_fd)
{
    sync_pid();
    if (mntns_fd >= 0 && setns(mntns_fd, CLONE_NEWNS) < 0)
        fail_errno("setns mnt");
    join_cgroups(cfg);
    if (setsid() < 0)
        fail_errno("setsid");
    if (mntns_fd < 0)
        setup_rootfs(cfg);
    if (cfg->tty)
        setup_terminal(mntns_fd < 0);
    exec_process(cfg);
}

/* Join or create the namespaces described by cfg, then become the container process. */
_Noreturn void run_main(const struct config *cfg)
{
    int pidns = cfg->pidns ? open_or_fail(cfg->pidns, O_RDONLY) : -1;
    int mntns = cfg->mntns ? open_or_fail(cfg->mntns, O_RDONLY) : -1;
    int joins[MAX_LIST];
    for (int i = 0; i < cfg->njoins; i++)
        joins[i] = open_or_fail(cfg->joins[i], O_RDONLY);
    for (int i = 0; i < cfg->ncgroups; i++)
        cgroup_fds[i] = open_or_fail(cfg->cgroups[i], O_WRONLY);
    for (int i = 0; i < cfg->njoins; i++)
        if (setns(joins[i], 0) < 0)
            fail("setns %s: %s", cfg->joins[i], errstr(errno));
    if (pidns >= 0 && setns(pidns, CLONE_NEWPID) < 0)
        fail("setns %s: %s", cfg->pidns, errstr(errno));
    fork_and_relay();
    if (cfg->unshare_flags && unshare(cfg->unshare_flags) < 0)
        fail_errno("unshare");
    if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
        fail_errno("sethostname");
    if (cfg->unshare_flags & CLONE_NEWPID)
        fork_and_relay();
    container_process(cfg, mntns);
}
