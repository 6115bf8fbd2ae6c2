// Loaded (LD_PRELOAD) into ocspd under valgrind by Benchmarks/run.sh, nowhere else.
// Valgrind 3.19 (Debian 12) removes its own signal from the mask that rt_sigsuspend is given,
// writing to the caller's memory; libdispatch's main thread passes a mask in read-only memory,
// so valgrind itself dies with SIGSEGV ("the 'impossible' happened") as soon as an async
// `main` parks its thread (`ocspd run --check-config`). This sigsuspend passes a writable copy.
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, 8);
}
