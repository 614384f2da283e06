# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell cat: the exact bytes of a file in the target's filesystem, to stdout.
#
#   cat.sh PATH

dshell_resolve "$1" follow
file=$dshell_root$dshell_resolved
[ ! -d "$file" ] || dshell_fail isdir "$dshell_resolved"
[ -r "$file" ] || dshell_fail denied "$dshell_resolved"
exec cat -- "$file"
