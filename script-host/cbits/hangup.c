/* A worker process's guard against outliving its host: it waits, outside the
 * Haskell runtime, until the host's end of the worker's standard input is closed,
 * then ends the process at once. Being plain C, it works even when the runtime is
 * stuck (a script looping in code with no yield point holds up every garbage
 * collection, and with it every Haskell thread). */
#include <poll.h>
#include <unistd.h>

/* Waits until standard input hangs up (the host closed it, or died), then ends the
 * process with status 0 without running any exit handler. Never returns. Call it
 * from a safe foreign call on a thread of its own. */
void rs_in_hs_script_exit_on_hangup(void)
{
    struct pollfd input = {.fd = 0, .events = 0, .revents = 0};
    for (;;) {
        /* events = 0: only POLLHUP, POLLERR and POLLNVAL wake it, which poll
         * reports whatever is asked; data waiting to be read does not. */
        if (poll(&input, 1, -1) > 0 && (input.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
            _exit(0);
        }
    }
}
