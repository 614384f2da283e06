/* Command line of `nsrun run`: Python builds it from a ContainerSpec (see runtime/launch.py). */
#define _GNU_SOURCE
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsrun.h"

enum {
    OPT_PIDNS = 256, OPT_JOIN, OPT_MNTNS, OPT_NEW, OPT_HOSTNAME, OPT_CGROUP, OPT_LOWER,
    OPT_UPPER, OPT_WORK, OPT_ROOT, OPT_BIND, OPT_READONLY_ROOT, OPT_PRIVILEGED, OPT_NNP,
    OPT_TTY, OPT_UID, OPT_GID, OPT_GROUPS, OPT_CAPS, OPT_CWD, OPT_ENV, OPT_SYNC,
};

static const struct option options[] = {
    {"pidns", required_argument, 0, OPT_PIDNS},
    {"join", required_argument, 0, OPT_JOIN},
    {"mntns", required_argument, 0, OPT_MNTNS},
    {"new", required_argument, 0, OPT_NEW},
    {"hostname", required_argument, 0, OPT_HOSTNAME},
    {"cgroup", required_argument, 0, OPT_CGROUP},
    {"lower", required_argument, 0, OPT_LOWER},
    {"upper", required_argument, 0, OPT_UPPER},
    {"work", required_argument, 0, OPT_WORK},
    {"root", required_argument, 0, OPT_ROOT},
    {"bind", required_argument, 0, OPT_BIND}, /* --bind SOURCE TARGET ro|rw */
    {"readonly-root", no_argument, 0, OPT_READONLY_ROOT},
    {"privileged", no_argument, 0, OPT_PRIVILEGED},
    {"no-new-privs", no_argument, 0, OPT_NNP},
    {"tty", no_argument, 0, OPT_TTY},
    {"uid", required_argument, 0, OPT_UID},
    {"gid", required_argument, 0, OPT_GID},
    {"groups", required_argument, 0, OPT_GROUPS},
    {"caps", required_argument, 0, OPT_CAPS},
    {"cwd", required_argument, 0, OPT_CWD},
    {"env", required_argument, 0, OPT_ENV},
    {"sync", required_argument, 0, OPT_SYNC},
    {0, 0, 0, 0},
};

static void add(const char **list, int *n, const char *value)
{
    if (*n >= MAX_LIST)
        fail("nsrun: too many list values (limit %d)", MAX_LIST);
    list[(*n)++] = value;
}

static int namespace_flags(const char *names)
{
    int flags = 0;
    if (strstr(names, "net"))
        flags |= CLONE_NEWNET;
    if (strstr(names, "ipc"))
        flags |= CLONE_NEWIPC;
    if (strstr(names, "uts"))
        flags |= CLONE_NEWUTS;
    if (strstr(names, "pid"))
        flags |= CLONE_NEWPID;
    return flags;
}

static void parse_groups(const char *text, struct config *cfg)
{
    char *copy = strdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (cfg->ngroups >= MAX_LIST)
            fail("nsrun: too many groups");
        cfg->groups[cfg->ngroups++] = (gid_t)strtoul(tok, NULL, 10);
    }
}

/* --bind takes three values; the two after SOURCE are read here and skipped by getopt. */
static void parse_bind(int argc, char **argv, struct config *cfg)
{
    if (optind + 1 >= argc || cfg->nmounts >= MAX_LIST)
        fail("nsrun: --bind needs SOURCE TARGET ro|rw");
    struct bind_mount *m = &cfg->mounts[cfg->nmounts++];
    m->source = optarg;
    m->target = argv[optind];
    m->readonly = strcmp(argv[optind + 1], "ro") == 0;
    optind += 2;
}

static void parse_option(int opt, int argc, char **argv, struct config *cfg)
{
    switch (opt) {
    case OPT_PIDNS: cfg->pidns = optarg; break;
    case OPT_JOIN: add(cfg->joins, &cfg->njoins, optarg); break;
    case OPT_MNTNS: cfg->mntns = optarg; break;
    case OPT_NEW: cfg->unshare_flags = namespace_flags(optarg); break;
    case OPT_HOSTNAME: cfg->hostname = optarg; break;
    case OPT_CGROUP: add(cfg->cgroups, &cfg->ncgroups, optarg); break;
    case OPT_LOWER: cfg->lower = optarg; break;
    case OPT_UPPER: cfg->upper = optarg; break;
    case OPT_WORK: cfg->work = optarg; break;
    case OPT_ROOT: cfg->root = optarg; break;
    case OPT_BIND: parse_bind(argc, argv, cfg); break;
    case OPT_READONLY_ROOT: cfg->readonly_root = 1; break;
    case OPT_PRIVILEGED: cfg->privileged = 1; break;
    case OPT_NNP: cfg->no_new_privs = 1; break;
    case OPT_TTY: cfg->tty = 1; break;
    case OPT_UID: cfg->uid = (uid_t)strtoul(optarg, NULL, 10); break;
    case OPT_GID: cfg->gid = (gid_t)strtoul(optarg, NULL, 10); break;
    case OPT_GROUPS: parse_groups(optarg, cfg); break;
    case OPT_CAPS: cfg->caps = strtoull(optarg, NULL, 16); break;
    case OPT_CWD: cfg->cwd = optarg; break;
    case OPT_ENV: cfg->env[cfg->nenv++] = optarg; break;
    case OPT_SYNC: cfg->sync_fd = atoi(optarg); sync_init(cfg->sync_fd); break;
    default: fail("nsrun: bad arguments");
    }
}

/* Parse `nsrun run [OPTIONS] -- ARGV...` (argv[0] is "nsrun", argv[1] "run"). */
void parse_run_args(int argc, char **argv, struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->sync_fd = -1;
    cfg->env = calloc((size_t)argc + 1, sizeof(char *));
    optind = 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "+", options, NULL)) != -1)
        parse_option(opt, argc, argv, cfg);
    if (optind >= argc)
        fail("nsrun: no command given");
    cfg->argv = &argv[optind];
}
