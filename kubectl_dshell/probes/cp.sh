# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell cp: a file or folder of the target's filesystem on stdout, after one header line:
#   "file MODE MTIME SIZE" then the file's bytes as cat reads them (no framing: the fastest copy), or
#   "tar" then a tar stream of the folder (or special file), made by the debugger's busybox (the
#   target needs none); symlinks inside a folder are kept, not followed.
#
#   cp.sh PATH

dshell_resolve "$1" follow
full=$dshell_root$dshell_resolved
[ -r "$full" ] || dshell_fail denied "$dshell_resolved"
if [ -f "$full" ]; then
    printf 'file %s\n' "$(stat -L -c '%a %Y %s' "$full")"
    exec cat -- "$full"
fi
if [ "$dshell_resolved" = / ]; then
    parent=$dshell_root/ name=.
else
    parent=$dshell_root${dshell_resolved%/*}/ name=${dshell_resolved##*/}
fi
[ ! -d "$full" ] || [ -x "$full" ] || dshell_fail denied "$dshell_resolved"
printf 'tar\n'
exec tar -c -f - -C "$parent" "./$name"
