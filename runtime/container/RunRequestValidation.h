#pragma once
// Which run requests are accepted, checked before anything is created; each refusal names the
// field, the value and the rule (EINVAL, the API's 400 "invalid"). The rules are Docker's
// where Docker has one (its daemon's verifyContainerSettings and its CLI's label and env
// checks), plus what the kernel cannot carry: a NUL ends a string at execve and sethostname.
#include <string_view>

#include "Error.h"
#include "MessageText.h"
#include "RunRequest.h"

namespace agent::container {

// RFC 1123 host name, as Docker checks it: dot-separated labels of letters, digits and '-',
// none empty or starting or ending with '-', at most 63 bytes in all (Docker's limit; the
// kernel's is 64).
Result<void> validateHostname(std::string_view hostname);
// Docker's rule (non-empty, no whitespace), and no control characters (a newline would split
// the label wherever it is shown as text).
Result<void> validateLabelKey(std::string_view key);
// Any text but NUL.
Result<void> validateLabelValue(std::string_view key, std::string_view value);
// KEY=VALUE: the key non-empty (Docker's rule), no NUL anywhere.
Result<void> validateEnvEntry(std::string_view entry);
// At least the command; the command non-empty; no NUL in any argument.
Result<void> validateCommand(const std::vector<std::string>& args);
// --user and exec -u: "name", "uid", "name:group" or "uid:gid" (looked up later in the
// container's own files), no '/', newline or NUL.
Result<void> validateUserSpec(std::string_view user);
// exec -u / -w: the user as above, the working directory absolute.
Result<void> validateExecAs(std::string_view user, std::string_view workingDir);
// Every field of `request`, in the order above; name and image by validateName (Names.h).
Result<void> validateRunRequest(const RunRequest& request);

}  // namespace agent::container
