/* nsrun: the simulator's container launcher (a tiny runc).
 *
 * Python never forks into namespaces itself (its API server is threaded); it starts this static
 * helper, which does all namespace, mount and credential work and reports back over a
 * SOCK_SEQPACKET "sync" socket (see sync.c).
 */
#ifndef NSRUN_H
#define NSRUN_H

#include <stdint.h>
#include <sys/types.h>

#define MAX_LIST 64

struct bind_mount {
    const char *source; /* host path */
    const char *target; /* path inside the container */
    int readonly;
};

/* Everything one `nsrun run` invocation needs, parsed from argv. */
struct config {
    const char *pidns;             /* pid namespace to create children in */
    const char *joins[MAX_LIST];   /* other namespaces to join (net, ipc, uts) */
    int njoins;
    const char *mntns;             /* exec: the container's mount namespace */
    int unshare_flags;             /* namespaces the first child creates */
    const char *hostname;
    const char *cgroups[MAX_LIST]; /* cgroup.procs files to join */
    int ncgroups;
    const char *lower, *upper, *work, *root; /* overlay root filesystem */
    struct bind_mount mounts[MAX_LIST];
    int nmounts;
    int readonly_root, privileged, no_new_privs, tty;
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_LIST];
    int ngroups;
    uint64_t caps;
    const char *cwd;
    char **env; 
    int nenv;               /* env is NULL-terminated, sized for argc */
    char **argv;
    int sync_fd;
};

/* sync.c: messages to the Python side. Each is one datagram: a type byte and a payload. */
void sync_init(int fd);
void sync_close(void);
void sync_pid(void);
void sync_fd(int fd);
_Noreturn void fail(const char *fmt, ...);
_Noreturn void fail_errno(const char *what);
const char *errstr(int err);

/* holder.c */
int holder_main(int argc, char **argv);

/* spawn.c */
_Noreturn void run_main(const struct config *cfg);
int exit_status(int wstatus);

/* rootfs.c */
void setup_rootfs(const struct config *cfg);

/* identity.c */
void setup_terminal(int for_init);
_Noreturn void exec_process(const struct config *cfg);

/* args.c */
void parse_run_args(int argc, char **argv, struct config *cfg);

#endif
