/* The container's mount namespace, built as runc builds it: an overlay root entered with
 * pivot_root, a tmpfs /dev with the standard nodes, /proc of the container's pid namespace,
 * read-only /sys of its network namespace, the kubelet's bind mounts, and runc's masked and
 * read-only /proc paths.
 *
 * The host's root stays reachable at /dev/.host between pivot_root and the end of the setup, so
 * bind sources are host paths while targets resolve (symlinks included) inside the container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsrun.h"

#define HOST "/dev/.host"
#define PROC_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static const char *const host_devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
    "/sys/devices/virtual/powercap", "/proc/scsi",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void xmount(const char *src, const char *dst, const char *type, unsigned long flags,
                   const char *data)
{
    if (mount(src, dst, type, flags, data) < 0)
        fail("mount %s on %s: %s", src ? src : type ? type : "(remount)", dst, errstr(errno));
}

/* mkdir -p; returns 0 or -1 with errno set. */
static int mkdir_p(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
        return errno = ENAMETOOLONG, -1;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return -1;
        *p = saved;
        if (saved == '\0')
            return 0;
    }
}

/* Create an empty file (with its parent folders) to bind a file onto, as runc does. */
static int make_file(const char *path)
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir_p(parent, 0755) < 0)
            return -1;
    }
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
    if (fd < 0)
        return errno == EISDIR ? 0 : -1;
    return close(fd);
}

static void setup_dev(void)
{
    char src[64], dst[64];
    for (size_t i = 0; i < COUNT(host_devices); i++) {
        snprintf(src, sizeof(src), HOST "/dev/%s", host_devices[i]);
        snprintf(dst, sizeof(dst), "/dev/%s", host_devices[i]);
        if (make_file(dst) < 0)
            fail("create %s: %s", dst, errstr(errno));
        xmount(src, dst, NULL, MS_BIND, NULL);
    }
    mkdir("/dev/pts", 0755);
    xmount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620,gid=5");
    mkdir("/dev/shm", 01777);
    xmount("shm", "/dev/shm", "tmpfs", PROC_FLAGS, "mode=1777,size=65536k");
    mkdir("/dev/mqueue", 0755);
    xmount("mqueue", "/dev/mqueue", "mqueue", PROC_FLAGS, NULL);
    symlink("pts/ptmx", "/dev/ptmx");
    symlink("/proc/self/fd", "/dev/fd");
    symlink("/proc/self/fd/0", "/dev/stdin");
    symlink("/proc/self/fd/1", "/dev/stdout");
    symlink("/proc/self/fd/2", "/dev/stderr");
    symlink("/proc/kcore", "/dev/core");
}

/* /proc is mounted from inside the container's pid namespace, /sys from its net namespace.
 * All mounts of sysfs in one net namespace share a superblock, so read-only is set on this
 * mount only: a privileged container of the same pod still gets a writable /sys. */
static void setup_proc_sys(int privileged)
{
    mkdir_p("/proc", 0555);
    xmount("proc", "/proc", "proc", PROC_FLAGS, NULL);
    mkdir_p("/sys", 0555);
    xmount("sysfs", "/sys", "sysfs", PROC_FLAGS, NULL);
    if (!privileged)
        xmount(NULL, "/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | PROC_FLAGS, NULL);
}

/* A file is hidden under /dev/null, a folder under an empty read-only tmpfs (runc's maskPath). */
static void mask_path(const char *path)
{
    if (mount("/dev/null", path, NULL, MS_BIND, NULL) == 0 || errno == ENOENT)
        return;
    if (errno != ENOTDIR)
        fail("can't mask path %s: %s", path, errstr(errno));
    xmount("tmpfs", path, "tmpfs", MS_RDONLY, NULL);
}

static void readonly_path(const char *path)
{
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
        if (errno == ENOENT)
            return;
        fail("can't make \"%s\" read-only: %s", path, errstr(errno));
    }
    xmount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | PROC_FLAGS, NULL);
}

static void bind_mount(const struct bind_mount *m)
{
    char src[PATH_MAX];
    struct stat st;
    snprintf(src, sizeof(src), HOST "%s", m->source);
    if (stat(src, &st) < 0)
        fail("error mounting \"%s\" to rootfs at \"%s\": stat %s: %s", m->source, m->target,
             m->source, errstr(errno));
    int made = S_ISDIR(st.st_mode) ? mkdir_p(m->target, 0755) : make_file(m->target);
    if (made < 0 || mount(src, m->target, NULL, MS_BIND | MS_REC, NULL) < 0)
        fail("error mounting \"%s\" to rootfs at \"%s\": %s", m->source, m->target,
             errstr(errno));
    if (m->readonly)
        xmount(NULL, m->target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

/* Mount the overlay root and pivot into it, keeping the host's root at /dev/.host. */
static void enter_root(const struct config *cfg)
{
    char opts[PATH_MAX * 3 + 64];
    struct stat st;
    if (unshare(CLONE_NEWNS) < 0)
        fail_errno("unshare mnt");
    xmount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", cfg->lower, cfg->upper,
             cfg->work);
    xmount("overlay", cfg->root, "overlay", 0, opts);
    if (chdir(cfg->root) < 0)
        fail_errno("chdir rootfs");
    /* An image's /dev must be a real folder: a symlink would let the tmpfs land on the host. */
    if (mkdir("dev", 0755) < 0 && (lstat("dev", &st) < 0 || !S_ISDIR(st.st_mode)))
        fail("rootfs: /dev is not a directory");
    xmount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    if (mkdir("dev/.host", 0700) < 0)
        fail_errno("mkdir /dev/.host");
    if (syscall(SYS_pivot_root, ".", "dev/.host") < 0)
        fail_errno("pivot_root");
    if (chdir("/") < 0)
        fail_errno("chdir /");
}

void setup_rootfs(const struct config *cfg)
{
    enter_root(cfg);
    setup_dev();
    setup_proc_sys(cfg->privileged);
    for (int i = 0; i < cfg->nmounts; i++)
        bind_mount(&cfg->mounts[i]);
    for (size_t i = 0; !cfg->privileged && i < COUNT(masked_paths); i++)
        mask_path(masked_paths[i]);
    for (size_t i = 0; !cfg->privileged && i < COUNT(readonly_paths); i++)
        readonly_path(readonly_paths[i]);
    if (cfg->cwd && mkdir_p(cfg->cwd, 0755) < 0)
        fail("mkdir %s: %s", cfg->cwd, errstr(errno));
    if (umount2(HOST, MNT_DETACH) < 0 || rmdir(HOST) < 0)
        fail_errno("detach host root");
    if (cfg->readonly_root)
        xmount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}
