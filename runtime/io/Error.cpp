#include "Error.h"

#include <cstring>

namespace agent {

std::string Error::message() const {
  if (sentence) return action;
  std::string text = action;
  if (!path.empty()) {
    text += " `";
    text += path;
    text += '`';
  }
  if (errnum != 0) {
    text += ": ";
    text += std::strerror(errnum);
  }
  return text;
}

tl::unexpected<Error> systemError(std::string action, std::string path, int errnum) {
  return tl::unexpected<Error>(Error{errnum, std::move(path), std::move(action)});
}

tl::unexpected<Error> logicError(std::string action, std::string path, int errnum) {
  return tl::unexpected<Error>(Error{errnum, std::move(path), std::move(action)});
}

tl::unexpected<Error> userError(std::string sentence, int errnum) {
  return tl::unexpected<Error>(Error{errnum, "", std::move(sentence), true});
}

}  // namespace agent
