# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell cat: the exact bytes of a file in the target's filesystem, to stdout.
#
#   cat.sh PATH

dshell_resolve "$1" follow
dshell_open "$dshell_resolved"
[ ! -d "$dshell_opened" ] || dshell_fail isdir "$dshell_resolved"
exec cat <&4 4<&-
