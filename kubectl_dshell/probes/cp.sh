# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell cp: a file or folder of the target's filesystem on stdout, after one header line:
#   "file MODE MTIME SIZE" then the file's bytes as cat reads them (no framing: the fastest copy), or
#   "tar" then a tar stream of the folder whose top entry is "./NAME" ("." for
#   the root), made by the debugger's busybox (the target needs none); symlinks inside a folder are
#   kept, not followed; anything else (FIFO, socket, device) is refused. The target's /proc, /sys and /dev are left out of a copy of its root. A file
#   tar cannot read is left out, reported as "dshell-skipped<TAB>PATH" on stderr; the rest is copied.
#
#   cp.sh PATH

# cp_tar ARG...: tar of ARG... (relative to the working directory) on stdout; a file tar cannot
# open is reported as skipped rather than failing the copy; anything else tar says is a warning.
cp_tar() {
    { tar -c -f - "$@" 2>&1 >&3 3>&- | while IFS= read -r line; do
        case $line in
        *"error exit delayed"*) ;;
        "tar: can't open '"*) line=${line#"tar: can't open '"} && printf 'dshell-skipped\t%s\n' "${line%"': "*}" ;;
        *) printf 'dshell: %s\n' "$line" ;;
        esac
    done >&2; } 3>&1
}

dshell_resolve "$1" follow
# Neither a file nor a folder: refused before it is opened (opening a FIFO would wait for a writer).
full=$dshell_root$dshell_resolved
if [ -p "$full" ] || [ -S "$full" ] || [ -b "$full" ] || [ -c "$full" ]; then
    dshell_fail special "$dshell_resolved"
fi
dshell_open "$dshell_resolved"
[ -f "$dshell_opened" ] || [ -d "$dshell_opened" ] || dshell_fail special "$dshell_resolved"
if [ -f "$dshell_opened" ]; then
    printf 'file %s\n' "$(stat -L -c '%a %Y %s' "$dshell_opened")"
    exec cat <&4 4<&-
fi
if [ "$dshell_resolved" = / ]; then
    cd -- "$dshell_opened" 2>/dev/null || dshell_fail denied /
    printf 'tar\n'
    cp_tar --no-recursion .
    set --
    for f in ./* ./.*; do
        case $f in ./. | ./.. | ./proc | ./sys | ./dev) continue ;; esac
        [ -e "$f" ] || [ -L "$f" ] || continue
        set -- "$@" "$f"
    done
    [ "$#" = 0 ] || cp_tar "$@"
    exit 0
fi
# A folder goes as "./NAME" from its parent, itself opened and verified; a NAME swapped for a
# symlink meanwhile is archived as the link, which tar never follows.
[ -x "$dshell_opened/" ] || dshell_fail denied "$dshell_resolved"
name=${dshell_resolved##*/} parent=${dshell_resolved%/*}
dshell_open "${parent:-/}"
cd -- "$dshell_opened" 2>/dev/null || dshell_fail denied "${parent:-/}"
printf 'tar\n'
cp_tar "./$name"
