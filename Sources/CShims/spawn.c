// posix_spawn_file_actions_addchdir_np is a GNU extension (glibc 2.29+), declared only under
// _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE
#include <spawn.h>
#include "CShims.h"

int ocspd_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
