# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell ls: the listing of a path in the target's filesystem.
#
#   ls.sh PATH DEPTH        DEPTH levels below a directory (0: no limit)
#
# Prints the section "dir" or "entry" with the resolved path, then per entry the sections
# "name" (relative to the path), "meta" ("MODE_HEX UID GID SIZE MTIME" from stat) and "link"
# (a symlink's target, else empty); a subfolder it may not read gets "meta" "denied".

# ls_entry FULL NAME: one entry's three sections; nothing when it vanished meanwhile.
ls_entry() {
    meta=$(stat -c '%f %u %g %s %Y' -- "$1" 2>/dev/null) || return 0
    dshell_link=""
    [ -L "$1" ] && dshell_readlink "$1"
    printf 'name\0%s\0meta\0%s\0link\0%s\0' "$2" "$meta" "$dshell_link"
}

# ls_dir FULL PREFIX LEFT: the entries of folder FULL (names prefixed with PREFIX), and of its
# subfolders while LEFT levels remain (never through a symlink).
ls_dir() {
    if [ ! -r "$1" ] || [ ! -x "$1" ]; then
        printf 'name\0%s\0meta\0denied\0link\0\0' "${2%/}"
        return 0
    fi
    for f in "$1"/* "$1"/.*; do
        name=${f##*/}
        case $name in .|..) continue ;; esac
        [ -e "$f" ] || [ -L "$f" ] || continue
        ls_entry "$f" "$2$name"
        if [ "$3" != 1 ] && [ -d "$f" ] && [ ! -L "$f" ]; then
            ls_dir "$f" "$2$name/" $(($3 - 1))
        fi
    done
}

dshell_resolve "$1" follow
if [ -d "$dshell_root$dshell_resolved" ]; then
    if [ ! -r "$dshell_root$dshell_resolved/" ] || [ ! -x "$dshell_root$dshell_resolved/" ]; then
        dshell_fail denied "$dshell_resolved"
    fi
    printf 'dir\0%s\0' "$dshell_resolved"
    dir=$dshell_root${dshell_resolved%/}
    ls_dir "${dir:-/}" "" "$2"
    exit 0
fi
dshell_resolve "$1" nofollow
printf 'entry\0%s\0' "$dshell_resolved"
ls_entry "$dshell_root$dshell_resolved" "${dshell_resolved##*/}"
