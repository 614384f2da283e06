# shellcheck shell=sh
# dshell enter: the prelude of every session, run by the debugger's busybox as
#
#   sh -c "<this script>" dshell CID POD CONTAINER UID GID MODE VERBOSITY NOTE [CMD [ARG...]]
#
#   CID             the target container's id (hex); "" assumes the target is PID 1
#   POD CONTAINER   name the target, for the banner and the prompt
#   UID GID         the identity a root debugger's session must take: "" the target's; "-" the
#                   debugger's own where it can chroot (probes, which read other processes), else
#                   the target's
#   MODE            interactive (a shell), command (exec CMD), watched (exec CMD, its stdin the
#                   client's lifeline, see dshell_watch), ids (print "PID UID GID" of the target)
#   VERBOSITY       0 quiet, 1 warnings, 2 warnings and the banner
#   NOTE            why the debugger has its identity (the banner's first line)
#
#   sh -c "<this script>" dshell "" "" "" "" "" lease 0 "" TOKEN
#
#                   a lease (see dshell_lease): the lifeline of the session that recorded TOKEN
#
# Values arrive only as positional arguments and are never pasted into script text. The dshell_*
# functions are a prelude other probes can share; dshell_main runs one session.

dshell_state=${DSHELL_STATE:-/tmp/dshell}
dshell_verbosity=1
dshell_tools=""
dshell_nl='
'

dshell_warn() {
    if [ "$dshell_verbosity" -ge 1 ]; then printf 'dshell: %s\n' "$*" >&2; fi
}

dshell_say() {
    if [ "$dshell_verbosity" -ge 2 ]; then printf 'dshell: %s\n' "$*" >&2; fi
}

# dshell_safe TEXT: TEXT with anything but [A-Za-z0-9._-] replaced, fit for a prompt.
dshell_safe() {
    printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'
}

# dshell_in_container PID CID: whether PID's cgroup path names container CID (cgroup v1 and v2).
dshell_in_container() {
    grep -qF -- "$2" "/proc/$1/cgroup" 2>/dev/null
}

# dshell_target_pid CID: the container's main process, the one in its cgroup whose parent is not.
# PID 1 is not enough: with shareProcessNamespace it is the pod's pause process.
dshell_target_pid() {
    if [ -z "$1" ]; then
        return 1
    fi
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        dshell_in_container "$pid" "$1" || continue
        ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "$dir/status" 2>/dev/null)
        if ! dshell_in_container "${ppid:-0}" "$1"; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# dshell_ids PID: "UID GID", the effective ids of PID, from its world-readable status.
dshell_ids() {
    awk '$1 == "Uid:" { u = $3 } $1 == "Gid:" { g = $3 } END { if (u == "") exit 1; print u, g }' "/proc/$1/status" 2>/dev/null
}

# dshell_path PID: the PATH in PID's environment (readable only with ptrace access), else a default.
dshell_path() {
    p=$(tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | sed -n 's/^PATH=//p' | head -n 1)
    echo "${p:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
}

# dshell_register: record this session ($$ survives the execs below) so the keeper stays.
dshell_register() {
    if ! mkdir -p "$dshell_state/sessions" 2>/dev/null ||
        ! touch "$dshell_state/sessions/$$" "$dshell_state/last" 2>/dev/null; then
        dshell_warn "cannot register the session in $dshell_state: the debugger may stop after its idle time"
    fi
}

# dshell_end_tree PID: end PID and every process descended from it, deepest first, so that each
# parent reaps its children: an orphan would pass to the target's PID 1, which may never reap it.
# TERM, then KILL for what is left after 2 s.
dshell_end_tree() {
    levels=$1 new=$1
    while [ -n "$new" ]; do
        parents=" $new " new=""
        for stat in /proc/[0-9]*/stat; do
            read -r line <"$stat" 2>/dev/null || continue
            # shellcheck disable=SC2086 # the fields after the command name, split on purpose
            set -- ${line##*) }
            case $parents in *" $2 "*) pid=${stat#/proc/} new="$new ${pid%/stat}" ;; esac
        done
        [ -z "$new" ] || levels="$new$dshell_nl$levels"
    done
    printf '%s\n' "$levels" | while read -r level; do
        # shellcheck disable=SC2086 # a list of numbers
        kill -TERM $level 2>/dev/null && sleep 0.1
    done
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        alive=""
        for pid in $levels; do
            ! kill -0 "$pid" 2>/dev/null || alive="$alive $pid"
        done
        [ -n "$alive" ] || return 0
        sleep 0.2
    done
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null
}

# dshell_watched ENTER [CMD...]: the session (ENTER command CMD...) as a child, while the client
# holds stdin open and silent. Its end means the client went away (closed, killed or cut off), and
# a runtime does not end an exec's processes when its client leaves: the session's are ended then.
# This shell stays their parent and reaps them, and exits with the session's status.
dshell_watched() {
    enter=$1
    shift
    exec 5<&0 </dev/null
    # Trapped before the reader can send it: untrapped, USR1 would end this shell, orphaning the session.
    trap 'dshell_end_tree "$child"' USR1
    ("$enter" command "$@") 5<&- &
    child=$!
    # Builtins only, so that ending it leaves no orphan; a background job's stdin must come by
    # another descriptor than 0 (the shell gives it /dev/null).
    (while read -r _; do :; done; kill -USR1 $$) <&5 >/dev/null 2>&1 &
    reader=$!
    exec 5<&-
    while :; do
        wait "$child"
        status=$?
        kill -0 "$child" 2>/dev/null || break  # else the trap interrupted the wait
    done
    trap - USR1
    kill "$reader" 2>/dev/null
    wait "$reader" 2>/dev/null
    exit "$status"
}

# dshell_lease_file TOKEN: where the session holding lease TOKEN records itself; fails for a token
# that is not 16 to 64 hex digits (it names a file).
dshell_lease_file() {
    case $1 in "" | *[!0-9a-f]*) return 1 ;; esac
    [ "${#1}" -ge 16 ] && [ "${#1}" -le 64 ] && echo "$dshell_state/leases/$1"
}

# dshell_started PID: PID's start time (field 22 of its stat, after the command name), which tells it
# from a later process that reuses the number.
dshell_started() {
    read -r line <"/proc/$1/stat" 2>/dev/null || return 1
    # shellcheck disable=SC2086 # the fields after the command name, split on purpose
    set -- ${line##*) }
    echo "${20}"
}

# dshell_lease_record: a command whose stdin is the client's data cannot also be its lifeline: once
# that input ends, nothing tells it the client went away. Its client then holds a second exec, the
# lease (DSHELL_LEASE names it); the session records "PID START" for it ($$ survives the execs below).
dshell_lease_record() {
    token=${DSHELL_LEASE:-}
    unset DSHELL_LEASE
    [ -n "$token" ] || return 0
    if ! file=$(dshell_lease_file "$token") || ! mkdir -p "${file%/*}" 2>/dev/null ||
        ! echo "$$ $(dshell_started $$)" >"$file" 2>/dev/null; then
        dshell_warn "cannot record the session's lease: it may outlive its client"
    fi
}

# dshell_lease TOKEN: hold the client's lease: its stdin stays open and silent while the client lives.
# At its end (the client closed it, was killed or was cut off) the session that recorded TOKEN, if it
# still runs, is ended with every process it started.
dshell_lease() {
    file=$(dshell_lease_file "$1") || exit 2
    exec 5<&0 </dev/null
    (while read -r _; do :; done) <&5 >/dev/null 2>&1 &
    exec 5<&-
    wait $!
    for _ in 1 2 3 4 5 6 7 8 9 10; do  # a session cut off while it started may not have recorded yet
        [ ! -e "$file" ] || break
        sleep 0.2
    done
    read -r pid start <"$file" 2>/dev/null
    rm -f "$file"
    if [ -n "$pid" ] && [ "$(dshell_started "$pid")" = "$start" ]; then
        dshell_end_tree "$pid"
    fi
    exit 0
}

# dshell_open_tools: fd 3 = the folder of the debugger's busybox. Inherited by the session, it stays
# reachable as /proc/self/fd/3 after a chroot into the target, which has no shell of its own.
dshell_open_tools() {
    exe=$(readlink "/proc/$$/exe")
    if [ -x "${exe%/*}/busybox" ] && exec 3<"${exe%/*}"; then
        dshell_tools=/proc/self/fd/3
    fi
}

# dshell_can_chroot PID: root with CAP_SYS_CHROOT and ptrace access to PID (same ids, or CAP_SYS_PTRACE).
dshell_can_chroot() {
    [ -n "$dshell_tools" ] && [ "$(id -u)" = 0 ] &&
        chroot "/proc/$1/root" "$dshell_tools/busybox" true 2>/dev/null
}

# dshell_cd_helper: the script that enters the target's root after the identity switch, when the
# kernel first lets us in. Arguments: ROOT TARGET_UID TARGET_GID CMD...
# shellcheck disable=SC2016 # expanded by the helper's own shell, on purpose
dshell_cd_helper='cd -- "$1" 2>/dev/null || { printf "dshell: permission denied entering %s as uid %s gid %s (the target runs as uid %s gid %s); dshell needs the same ids or CAP_SYS_PTRACE (--profile general)\n" "$1" "$(id -u)" "$(id -g)" "$2" "$3" >&2; exit 126; }; shift 3; exec "$@"'

# dshell_ids_why UID GID: why the session has these ids, for the banner.
dshell_ids_why() {
    if [ -n "$want_uid$want_gid" ] && [ "$want_uid" != - ]; then
        echo "uid $1 gid $2, as --uid/--gid asked"
    elif [ "$1 $2" = "$tuid $tgid" ]; then
        echo "uid $1 gid $2, the target's"
    else
        echo "uid $1 gid $2"
    fi
}

# dshell_exec_chroot MODE [CMD...]: chroot into the target (root with access to it): / is the
# target's filesystem, the debugger's busybox stays reachable through fd 3. The session then takes
# the target's ids (or those asked for), as the app's own files expect.
dshell_exec_chroot() {
    mode=$1
    shift
    if [ "$want_uid" = - ]; then
        uid=0 gid=0
    else
        uid=${want_uid:-$tuid} gid=${want_gid:-$tgid}
    fi
    [ "$mode" = interactive ] && set -- "$dshell_tools/busybox" sh
    if [ "$uid" != 0 ] || [ "$gid" != 0 ]; then
        set -- "$dshell_tools/busybox" nsenter -S "$uid" -G "$gid" "$@"
    fi
    PATH="$dshell_tools:$(dshell_path "$pid")" HOME=/ DSHELL_ROOT=/
    export PATH HOME DSHELL_ROOT
    dshell_say "/ is the target's filesystem (chroot); tools come from the debugger's busybox; $(dshell_ids_why "$uid" "$gid")"
    exec chroot "$root" "$@"
}

# dshell_exec_cwd MODE [CMD...]: become the target's ids where we can (root), then start in
# /proc/PID/root, which the kernel opens to the same ids.
dshell_exec_cwd() {
    mode=$1
    shift
    uid=$(id -u) gid=$(id -g)
    [ "$want_uid" != - ] || want_uid="" want_gid=""
    if [ "$uid" = 0 ]; then
        uid=${want_uid:-$tuid} gid=${want_gid:-$tgid}
    fi
    [ "$mode" = interactive ] && set -- sh
    set -- sh -c "$dshell_cd_helper" dshell-cd "$root" "$tuid" "$tgid" "$@"
    if [ "$uid" != "$(id -u)" ] || [ "$gid" != "$(id -g)" ]; then
        set -- nsenter -S "$uid" -G "$gid" "$@"
    fi
    HOME=$root DSHELL_ROOT=$root
    export HOME DSHELL_ROOT
    dshell_say "absolute paths are the debugger's own: the target's files are under \$DSHELL_ROOT ($root, the working directory); $(dshell_ids_why "$uid" "$gid")"
    exec "$@"
}

dshell_main() {
    cid=$1 pod=$2 ctr=$3 want_uid=$4 want_gid=$5 mode=$6 dshell_verbosity=$7 note=$8
    shift 8
    [ "$mode" != lease ] || dshell_lease "$1"
    if ! pid=$(dshell_target_pid "$cid"); then
        [ -z "$cid" ] || dshell_warn "no process of container $ctr found by its id: assuming the target is PID 1"
        pid=1
    fi
    if ! ids=$(dshell_ids "$pid"); then
        dshell_warn "cannot read /proc/$pid/status: is the debugger in the target's PID namespace?"
        exit 126
    fi
    tuid=${ids% *} tgid=${ids#* }
    if [ "$mode" = ids ]; then
        echo "$pid $tuid $tgid"
        exit 0
    fi
    dshell_register
    dshell_lease_record
    dshell_open_tools
    root=/proc/$pid/root
    export DSHELL_PID="$pid"
    # ${PWD}, expanded at each prompt: busybox's \w calls getcwd(), which fails under /proc/PID/root.
    PS1="[dshell $(dshell_safe "$pod")/$(dshell_safe "$ctr")] \${PWD} \\$ "
    export PS1
    [ -z "$note" ] || dshell_say "$note"
    dshell_say "target: pod $pod, container $ctr, pid $pid, uid $tuid gid $tgid"
    enter=dshell_exec_cwd
    if dshell_can_chroot "$pid"; then
        enter=dshell_exec_chroot
    fi
    [ "$mode" != watched ] || dshell_watched "$enter" "$@"
    "$enter" "$mode" "$@"
}

dshell_main "$@"
