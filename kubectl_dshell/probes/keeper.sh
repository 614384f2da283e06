# shellcheck shell=sh
# dshell keeper: the debugger's main process. It only waits, and exits by itself once no
# session has been alive for DSHELL_IDLE seconds, so a forgotten debugger stops on its own
# (ephemeral containers cannot be removed; a stopped one at least holds no process).
#
# Sessions (enter.sh) register their PID as a file in $DSHELL_STATE/sessions and touch
# $DSHELL_STATE/last; the keeper touches it too while any registered session is alive.

state=${DSHELL_STATE:-/tmp/dshell}
idle=${DSHELL_IDLE:-1800}
step=5
if [ "$idle" -lt 10 ]; then
    step=1
fi

# A sleeping child would delay the trap; waiting on it in the background lets TERM act at once.
# Set before anything shows the keeper started.
sleeper=""
trap 'kill $sleeper 2>/dev/null; exit 0' TERM INT HUP
mkdir -p "$state/sessions" || exit 1
touch "$state/last"

while :; do
    sleep "$step" &
    sleeper=$!
    wait "$sleeper"
    for f in "$state"/sessions/*; do
        [ -e "$f" ] || continue
        if kill -0 "${f##*/}" 2>/dev/null; then
            touch "$state/last"
        else
            rm -f "$f"
        fi
    done
    now=$(date +%s)
    last=$(stat -c %Y "$state/last" 2>/dev/null || echo "$now")
    if [ $((now - last)) -ge "$idle" ]; then
        exit 0
    fi
done
