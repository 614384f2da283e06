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

# dshell_argv PID: the process's argv (NUL-separated in /proc) as hex, which holds no NUL.
dshell_argv() {
    od -An -v -tx1 "/proc/$1/cmdline"
}
