# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell ls: the listing of a path in the target's filesystem.
#
#   ls.sh PATH DEPTH        DEPTH levels below a directory (0: no limit)
#
# Prints the section "dir" or "entry" with the resolved path, then per entry the sections
# "name" (relative to the path), "meta" ("MODE_HEX UID GID SIZE MTIME" from stat) and "link"
# (a symlink's target, else empty); a subfolder it may not read gets "meta" "denied".
# A folder is read through a descriptor dshell_open verified; a symlink whose target is no folder
# inside the root (missing, leading outside, a file) is listed as the link itself.

# ls_entry FULL NAME: one entry's three sections; nothing when it vanished meanwhile.
ls_entry() {
    meta=$(stat -c '%f %u %g %s %Y' -- "$1" 2>/dev/null) || return 0
    dshell_link=""
    [ -L "$1" ] && dshell_readlink "$1"
    printf 'name\0%s\0meta\0%s\0link\0%s\0' "$2" "$meta" "$dshell_link"
}

# ls_dir PATH PREFIX LEFT: the entries of folder PATH (resolved; already open on fd 4 as
# dshell_opened), names prefixed with PREFIX, and of its subfolders while LEFT levels remain: each
# opened and verified in turn (a subshell of its own), never through a symlink.
ls_dir() {
    dir=${dshell_opened%/}
    if [ ! -r "$dir/" ] || [ ! -x "$dir/" ]; then
        printf 'name\0%s\0meta\0denied\0link\0\0' "${2%/}"
        return 0
    fi
    for f in "$dir"/* "$dir"/.*; do
        name=${f##*/}
        case $name in .|..) continue ;; esac
        [ -e "$f" ] || [ -L "$f" ] || continue
        ls_entry "$f" "$2$name"
        if [ "$3" != 1 ] && [ -d "$f" ] && [ ! -L "$f" ]; then
            (
                if dshell_try_open "${1%/}/$name"; then
                    ls_dir "${1%/}/$name" "$2$name/" $(($3 - 1))
                else
                    printf 'name\0%s\0meta\0denied\0link\0\0' "$2$name"
                fi
            )
        fi
    done
}

# ls_folder PATH DEPTH: list the folder PATH (resolved).
ls_folder() {
    dshell_open "$1"
    [ -x "$dshell_opened/" ] || dshell_fail denied "$1"
    printf 'dir\0%s\0' "$1"
    ls_dir "$1" "" "$2"
    exit 0
}

dshell_resolve "$1" nofollow
entry=$dshell_resolved
if [ -L "$dshell_root$entry" ]; then
    if followed=$(dshell_resolve "$entry" follow 2>/dev/null && printf '%sx' "$dshell_resolved"); then
        followed=${followed%x}
        [ ! -d "$dshell_root$followed" ] || ls_folder "$followed" "$2"
    fi
elif [ -d "$dshell_root$entry" ]; then
    ls_folder "$entry" "$2"
fi
parent=${entry%/*}
dshell_open "${parent:-/}"
printf 'entry\0%s\0' "$entry"
ls_entry "${dshell_opened%/}/${entry##*/}" "${entry##*/}"
