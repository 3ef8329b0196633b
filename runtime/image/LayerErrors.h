#pragma once
// The two shapes of a layer entry's failure, as fragments that follow "layer <digest> " in
// the sentence a user reads (LayerUnpacker adds the digest and what became of the layer).
#include <string>
#include <string_view>

#include "Error.h"
#include "MessageText.h"

namespace agent::image {

// A name from the tar as a message shows it: one line whatever its bytes (escapedForMessage).
inline std::string shownName(std::string_view name) {
  return escapedForMessage(name);
}

// Bad content: "entry 'a/../../etc' escapes the layer ...".
inline tl::unexpected<Error> entryRefused(std::string_view entry, std::string_view why, int errnum = EINVAL) {
  return userError("entry '" + shownName(entry) + "' " + std::string(why), errnum);
}
// A system call failed on a good entry: "entry 'usr/bin/x' cannot be written: No space left on device".
inline tl::unexpected<Error> entryFailed(std::string_view entry, std::string_view what, int errnum = errno) {
  return systemError("entry '" + shownName(entry) + "' " + std::string(what), "", errnum);
}

}  // namespace agent::image
