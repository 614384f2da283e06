# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell net: sockets, their owners, interfaces, routes and the resolver of the pod's network.
#
#   net.sh SECONDS [check HOST PORT | resolve NAME]...
#
# Prints sections: "tcp", "tcp6", "udp", "udp6" (/proc/net), "fds" (ls -l of every readable
# /proc/PID/fd), per process "pid" and "argv", "sysfs" (mtu, operstate and address of each
# interface, as grep -H prints them), "addr" (ip -o addr), "route", "ipv6_route", "resolv"
# (the target's /etc/resolv.conf); then per check "check" (HOST PORT) and "result" (start and end
# uptime, exit status, what nc said), per name "resolve" (NAME) and "result" (nslookup's output).

seconds=$1
shift
for table in tcp tcp6 udp udp6; do
    dshell_section "$table" cat "/proc/net/$table"
done
dshell_section fds ls -l /proc/[0-9]*/fd/
for dir in /proc/[0-9]*; do
    printf 'pid\0%s\0' "${dir#/proc/}"
    dshell_section argv dshell_argv "${dir#/proc/}"
done
dshell_section sysfs grep -H '' /sys/class/net/*/mtu /sys/class/net/*/operstate /sys/class/net/*/address
dshell_section addr ip -o addr
dshell_section route cat /proc/net/route
dshell_section ipv6_route cat /proc/net/ipv6_route
dshell_section resolv cat "$dshell_root/etc/resolv.conf"

# No `timeout` here: its watcher process outlives the command and, orphaned, stays a zombie under a
# target PID 1 that never reaps. nc -w and nslookup -timeout bound themselves.

# net_check HOST PORT: "START END STATUS" uptimes around a TCP connect, then what nc said.
net_check() {
    start=$(cat /proc/uptime)
    said=$(nc -w "$seconds" "$1" "$2" -e true 2>&1 </dev/null)
    status=$?
    end=$(cat /proc/uptime)
    printf '%s %s %s\n%s' "${start%% *}" "${end%% *}" "$status" "$said"
}

# net_resolve NAME: nslookup through the target's first nameserver.
net_resolve() {
    server=$(awk '$1 == "nameserver" { print $2; exit }' "$dshell_root/etc/resolv.conf" 2>/dev/null)
    nslookup -timeout="$seconds" -retry=1 "$1" ${server:+"$server"} 2>&1
    printf 'exit %s\n' "$?"
}

while [ "$#" -gt 0 ]; do
    case $1 in
    check)
        printf 'check\0%s %s\0' "$2" "$3"
        dshell_section result net_check "$2" "$3"
        shift 3 ;;
    resolve)
        printf 'resolve\0%s\0' "$2"
        dshell_section result net_resolve "$2"
        shift 2 ;;
    *) exit 2 ;;
    esac
done
