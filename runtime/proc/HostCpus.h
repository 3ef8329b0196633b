#pragma once
// The host's online CPU count, which bounds every cpu quantity (above host CPUs x 100% is
// refused). Read once by agentd at start and handed to whatever parses quantities, so that
// the API, `run` and the policy files agree on it.
namespace agent::proc {

// sysconf(_SC_NPROCESSORS_ONLN); at least 1.
unsigned onlineCpus();

}  // namespace agent::proc
