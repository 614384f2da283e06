# shellcheck shell=sh
# shellcheck disable=SC2154 # dshell_* variables are set by lib.sh, sent before this script
# dshell net: sockets, their owners, interfaces, routes and the resolver of the pod's network.
#
#   net.sh SECONDS [check HOST PORT | resolve NAME]...
#
# Prints sections: "tcp", "tcp6", "udp", "udp6" (/proc/net), "fds" (ls -l of every readable
# /proc/PID/fd), per process "pid" and "argv", "sysfs" (mtu, operstate and address of each
# interface, as grep -H prints them), "addr" (ip -o addr), "route", "ipv6_route", "resolv"
# (the target's /etc/resolv.conf), "environ" (the target's environment as hex, only when readable:
# its secret values are masked in process names); then per check "check" (HOST PORT) and "result" (start and end
# uptime, exit status, what nc said), per name "resolve" (NAME) and "result" (each name tried:
# nslookup's output).

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
resolv=$(dshell_read /etc/resolv.conf)
printf 'resolv\0%s\n\0' "$resolv"
environ=$(od -An -v -tx1 "/proc/$DSHELL_PID/environ" 2>/dev/null) && printf 'environ\0%s\0' "$environ"

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

# net_names NAME: the names the pod's resolver asks for, in its order (resolv.conf(5), as glibc and
# musl do): with fewer dots than ndots, NAME under each search domain first, then NAME itself; with
# as many or more, NAME first; with a trailing dot, NAME only. NAME reaches awk as ARGV, unparsed.
net_names() {
    case $1 in *.) printf '%s\n' "$1"; return ;; esac
    [ -n "$resolv" ] || { printf '%s\n' "$1"; return; }
    printf '%s\n' "$resolv" | awk 'BEGIN { name = ARGV[1]; ARGV[1] = ""; ndots = 1 }
        $1 == "search" || $1 == "domain" { n = 0; for (i = 2; i <= NF; i++) domains[++n] = $i }
        $1 == "options" { for (i = 2; i <= NF; i++) if ($i ~ /^ndots:[0-9]+$/) ndots = substr($i, 7) + 0 }
        END {
            first = gsub(/\./, ".", name) >= ndots
            if (first) print name
            for (i = 1; i <= n; i++) print name "." domains[i]
            if (!first) print name
        }' "$1"
}

# net_resolve NAME: each name the resolver would try, through the target's first nameserver, until
# one has an address or the server does not answer: "try NAME", nslookup's output, "exit STATUS".
net_resolve() {
    server=$(printf '%s\n' "$resolv" | awk '$1 == "nameserver" { print $2; exit }')
    net_names "$1" | while IFS= read -r name; do
        said=$(nslookup -timeout="$seconds" -retry=1 "$name" ${server:+"$server"} 2>&1)
        status=$?
        printf 'try %s\n%s\nexit %s\n' "$name" "$said" "$status"
        case $said in *"Name:"* | *"timed out"*) break ;; esac
    done
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
