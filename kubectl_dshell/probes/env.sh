# shellcheck shell=sh
# dshell env: the target's pid and NUL, then its environment as the kernel keeps it (NUL-separated).

printf '%s\0' "$DSHELL_PID"
cat "/proc/$DSHELL_PID/environ" || dshell_fail denied "/proc/$DSHELL_PID/environ"
