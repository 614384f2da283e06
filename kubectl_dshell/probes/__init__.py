"""Scripts that run inside the debugger (POSIX sh, busybox applets only) and the argv that runs them."""
