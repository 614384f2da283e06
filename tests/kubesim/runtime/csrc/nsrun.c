/* nsrun: `nsrun holder PARENT_PID` starts the node holder; `nsrun run [OPTIONS] -- ARGV` starts a
 * pause process, a container's main process or an exec'd process. */
#include <stdio.h>
#include <string.h>

#include "nsrun.h"

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "holder") == 0)
        return holder_main(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        struct config cfg;
        parse_run_args(argc, argv, &cfg);
        run_main(&cfg);
    }
    fprintf(stderr, "usage: nsrun holder PARENT_PID | nsrun run [OPTIONS] -- ARGV...\n");
    return 2;
}
