"""kubectl-dshell: ``kubectl dshell POD`` gives a shell, and the facts, in any distroless pod."""
