/* /pause: the sandbox's process. As PID 1 of a shared pid namespace it reaps every zombie. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_term(int sig)
{
    (void)sig;
    _exit(0);
}

static void on_child(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(void)
{
    struct sigaction term = {.sa_handler = on_term}, child = {.sa_handler = on_child};
    child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
    if (getpid() != 1)
        fprintf(stderr, "Warning: pause should be the first process\n");
    sigaction(SIGINT, &term, NULL);
    sigaction(SIGTERM, &term, NULL);
    sigaction(SIGCHLD, &child, NULL);
    for (;;)
        pause();
}
