# shellcheck shell=sh
# shellcheck disable=SC2034,SC2153 # DSHELL_ROOT comes from enter.sh; results are read by the probes
# dshell probe library: the prelude of every inspection probe, run after enter.sh as
#
#   sh -c "<lib.sh><VERB.sh>" dshell-VERB ARG...
#
# enter.sh has exported DSHELL_PID (the target's main process) and DSHELL_ROOT (its root: "/" when
# chrooted into it, else /proc/PID/root). Probes print sections, "NAME\0CONTENT\0", which Python
# parses; failures are one line on stderr (dshell_fail) and exit status 3.

dshell_root=${DSHELL_ROOT%/}
dshell_nl='
'

# dshell_fail KIND SUBJECT: report "dshell-error KIND UID GID SUBJECT" (tab-separated) and stop.
# A target process that is gone explains any failure, so it is reported instead.
dshell_fail() {
    kind=$1
    [ -d "/proc/$DSHELL_PID" ] || kind=gone
    printf 'dshell-error\t%s\t%s\t%s\t%s\n' "$kind" "$(id -u)" "$(id -g)" "$2" >&2
    exit 3
}

# dshell_section NAME CMD [ARG...]: NAME, then what CMD prints (which must hold no NUL byte).
dshell_section() {
    printf '%s\0' "$1"
    shift
    "$@" 2>/dev/null
    printf '\0'
}

# dshell_readlink PATH: dshell_link = the link's target, trailing newlines included.
dshell_readlink() {
    dshell_link=$(readlink -- "$1" && printf x)
    dshell_link=${dshell_link%x}
    dshell_link=${dshell_link%"$dshell_nl"}
}

# dshell_missing PARENT NAME: why PARENT/NAME (a target path) cannot be found.
dshell_missing() {
    if [ ! -d "$dshell_root$1/" ]; then
        dshell_fail notdir "${1:-/}"
    elif [ ! -x "$dshell_root$1/" ]; then
        dshell_fail denied "${1:-/}"
    fi
    dshell_fail missing "$1/$2"
}

# dshell_resolve PATH FOLLOW: dshell_resolved = PATH as a target path with every symlink resolved
# inside the target's root, one component at a time (a final symlink only when FOLLOW is "follow").
# Absolute link targets restart at the target's root; ".." above the root is refused.
dshell_resolve() {
    rest=$1 cur="" hops=0
    while [ -n "$rest" ]; do
        case $rest in
        /*) rest=${rest#/} && continue ;;
        */*) comp=${rest%%/*} rest=${rest#*/} ;;
        *) comp=$rest rest="" ;;
        esac
        case $comp in
        .) continue ;;
        ..) [ -n "$cur" ] || dshell_fail outside "$1"
            cur=${cur%/*}
            continue ;;
        esac
        here=$dshell_root$cur/$comp
        if [ -L "$here" ] && { [ -n "$rest" ] || [ "$2" = follow ]; }; then
            hops=$((hops + 1))
            [ "$hops" -le 40 ] || dshell_fail loop "$1"
            dshell_readlink "$here"
            case $dshell_link in /*) cur="" ;; esac
            rest=$dshell_link/$rest
            continue
        fi
        [ -e "$here" ] || [ -L "$here" ] || dshell_missing "$cur" "$comp"
        cur=$cur/$comp
    done
    dshell_resolved=${cur:-/}
}

# dshell_try_open PATH: open PATH (a resolved target path, see dshell_resolve) for reading on fd 4,
# which then holds the very file to read, and set dshell_opened to a name of it for test and stat:
# the descriptor itself, or (chrooted, where nothing can lead outside the target) the path. Status
# 1 when it cannot be opened, 2 when what opened is not PATH (see dshell_verified).
dshell_try_open() {
    { command exec 4<"$dshell_root$1"; } 2>/dev/null || return 1
    dshell_verified 4 "$1" || return 2
    dshell_opened=$1
    [ -z "$dshell_root" ] || dshell_opened=/proc/self/fd/4
}

# dshell_open PATH: dshell_try_open, failing the probe when it fails.
dshell_open() {
    dshell_try_open "$1"
    case $? in
    0) ;;
    2) dshell_fail moved "$1" ;;
    *) [ -e "$dshell_root$1" ] || [ -L "$dshell_root$1" ] || dshell_fail missing "$1"
        dshell_fail denied "$1" ;;
    esac
}

# dshell_read PATH: the target's file PATH (a target path) on stdout, opened as cat.sh opens it;
# nothing when it cannot be read.
dshell_read() {
    (dshell_resolve "$1" follow && dshell_open "$dshell_resolved" && exec cat <&4) 2>/dev/null
}

# dshell_verified FD PATH: whether the file open on FD is the target's PATH. Chrooted into the
# target ($dshell_root empty) the kernel resolved every name inside its root. Through /proc/PID/root
# it did not: an absolute symlink that the target swapped in after dshell_resolve read the path
# resolves against the debugger's root. So the kernel is asked what it opened, which nothing can
# change any more: its mount (one of the target's) and its path, which is PATH below the target's
# root (the kernel names both as seen from here: "/" for a container's own root).
dshell_verified() {
    [ -n "$dshell_root" ] || return 0
    dshell_readlink "/proc/$DSHELL_PID/root"
    expected=${dshell_link%/}${2%/}
    dshell_readlink "/proc/self/fd/$1"
    mount=$(sed -n 's/^mnt_id:[[:space:]]*//p' "/proc/self/fdinfo/$1")
    [ "$dshell_link" = "${expected:-/}" ] && [ -n "$mount" ] &&
        cut -d ' ' -f 1 "/proc/$DSHELL_PID/mountinfo" | grep -qx -- "$mount"
}

# dshell_argv PID: the process's argv (NUL-separated in /proc) as hex, which holds no NUL.
dshell_argv() {
    od -An -v -tx1 "/proc/$1/cmdline"
}
