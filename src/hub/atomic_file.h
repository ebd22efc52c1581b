// Writing a small file so that a crash leaves either the old contents or the
// new, never a mix: the bytes go to a temporary file in the same directory,
// which is fsynced and renamed over the target, and the directory is fsynced
// so the rename itself survives a power loss.
#pragma once

#include <filesystem>
#include <string_view>
#include <sys/types.h>

#include "roundtable/base/status.h"

namespace roundtable::hub {

// Replaces `file` with `bytes`, readable and writable by its owner alone
// (`mode`, 0600 unless told). On error `file` is as it was and no temporary
// file is left behind; the message names the file.
Status writeFileAtomically(const std::filesystem::path& file, std::string_view bytes, mode_t mode = 0600);

}  // namespace roundtable::hub
