# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell ps: every process of the PID namespace, read from /proc.
#
# Prints the sections "btime" (boot time, from /proc/stat), "self" (this session's pid, whose
# own processes are not listed), "ancestors" (the pids above it, parent first: the exec that
# started this probe and what it runs beside it are dshell's, not the pod's), "target" (the target's pid), "environ" (the target's environment,
# as hex, only when readable: its secret values are masked in command lines), "passwd" (the target's /etc/passwd),
# then per process "pid", "stat", "status", "cgroup" and "argv" (hex).

# shellcheck disable=SC2016 # awk's own variables
dshell_section btime awk '$1 == "btime" { print $2 }' /proc/stat
printf 'self\0%s\0target\0%s\0' "$$" "$DSHELL_PID"

# dshell_ancestors PID: the pids above PID, parent first, up to one whose parent is outside the namespace.
dshell_ancestors() {
    pid=$1
    while stat=$(cat "/proc/$pid/stat" 2>/dev/null); do
        # shellcheck disable=SC2086 # stat's fields after "(comm) ", split on purpose
        set -- ${stat##*) }
        [ "$2" -gt 0 ] 2>/dev/null || break
        pid=$2
        printf '%s ' "$pid"
    done
}
dshell_section ancestors dshell_ancestors "$$"
environ=$(od -An -v -tx1 "/proc/$DSHELL_PID/environ" 2>/dev/null) && printf 'environ\0%s\0' "$environ"
dshell_section passwd dshell_read /etc/passwd
for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [ "$pid" != "$$" ] || continue
    printf 'pid\0%s\0' "$pid"
    dshell_section stat cat "$dir/stat"
    dshell_section status cat "$dir/status"
    dshell_section cgroup cat "$dir/cgroup"
    dshell_section argv dshell_argv "$pid"
done
