/* The container process's identity and start, in runc's order: terminal, bounding set, user and
 * groups (keeping capabilities across setresuid), capability sets, no_new_privs, working
 * directory, executable lookup in the container's PATH (Go's exec.LookPath), execve. The
 * kernel's execve rules then leave root with the spec's capabilities and everyone else with none.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsrun.h"

/* A pty from the container's own devpts: the slave becomes the controlling terminal and stdio,
 * the master goes to the Python side. The main process also gets it as /dev/console. */
void setup_terminal(int for_init)
{
    char name[64];
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
        fail_errno("open console");
    int slave = open(name, O_RDWR | O_CLOEXEC);
    if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
        fail_errno("set controlling terminal");
    if (for_init) {
        int fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0 || close(fd) < 0 || mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
            fail_errno("mount /dev/console");
    }
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0)
            fail_errno("dup2 console");
    sync_fd(master);
    close(master);
    close(slave);
}

static struct __user_cap_data_struct cap_data[2];

static uint64_t permitted_caps(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    if (syscall(SYS_capget, &hdr, cap_data) < 0)
        fail_errno("capget");
    return cap_data[0].permitted | (uint64_t)cap_data[1].permitted << 32;
}

static void apply_bounding(uint64_t caps)
{
    for (int cap = 0; cap < 64; cap++)
        if (!(caps & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            fail_errno("drop bounding capability");
}

static void apply_user(const struct config *cfg)
{
    if (setgroups((size_t)cfg->ngroups, cfg->groups) < 0)
        fail_errno("setgroups");
    if (setresgid(cfg->gid, cfg->gid, cfg->gid) < 0)
        fail_errno("setresgid");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresuid(cfg->uid, cfg->uid, cfg->uid) < 0)
        fail_errno("setresuid");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        fail_errno("clear keepcaps");
}

static void apply_caps(uint64_t caps)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    for (int i = 0; i < 2; i++) {
        cap_data[i].effective = cap_data[i].permitted = (uint32_t)(caps >> (32 * i));
        cap_data[i].inheritable = 0;
    }
    if (syscall(SYS_capset, &hdr, cap_data) < 0)
        fail_errno("capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        fail_errno("clear ambient capabilities");
}

/* Go's findExecutable: 0, or the errno that makes `file` unusable. */
static int find_executable(const char *file, int *stat_failed)
{
    struct stat st;
    *stat_failed = stat(file, &st) < 0;
    if (*stat_failed)
        return errno;
    if (S_ISDIR(st.st_mode))
        return EISDIR;
    return faccessat(AT_FDCWD, file, X_OK, AT_EACCESS) < 0 ? errno : 0;
}

static const char *env_path(const struct config *cfg)
{
    for (int i = cfg->nenv - 1; i >= 0; i--)
        if (strncmp(cfg->env[i], "PATH=", 5) == 0)
            return cfg->env[i] + 5;
    return "";
}

/* Go's exec.LookPath with the container's PATH; failures worded as Go words them. */
static void look_path(const char *file, const char *path, char *out, size_t size)
{
    int stat_failed, err;
    if (strchr(file, '/')) {
        if ((err = find_executable(file, &stat_failed)) == 0) {
            snprintf(out, size, "%s", file);
            return;
        }
        if (stat_failed)
            fail("exec: \"%s\": stat %s: %s", file, file, errstr(err));
        fail("exec: \"%s\": %s", file, errstr(err));
    }
    char *dirs = strdup(path), *rest = dirs;
    for (char *dir; (dir = strsep(&rest, ":")) != NULL;) {
        snprintf(out, size, "%s/%s", *dir ? dir : ".", file);
        if (find_executable(out, &stat_failed) == 0)
            return;
    }
    fail("exec: \"%s\": executable file not found in $PATH", file);
}

_Noreturn void exec_process(const struct config *cfg)
{
    char path[PATH_MAX];
    uint64_t caps = cfg->caps & permitted_caps();
    sigset_t none;
    umask(022);
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    apply_bounding(caps);
    apply_user(cfg);
    apply_caps(caps);
    if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail_errno("prctl(SET_NO_NEW_PRIVS)");
    if (cfg->cwd && chdir(cfg->cwd) < 0)
        fail("chdir to cwd (\"%s\") set in config.json failed: %s", cfg->cwd, errstr(errno));
    look_path(cfg->argv[0], env_path(cfg), path, sizeof(path));
    execve(path, cfg->argv, cfg->env);
    fail("exec %s: %s", path, errstr(errno));
}
