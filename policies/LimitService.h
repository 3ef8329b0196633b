#pragma once
// The limit use case, apart from HTTP: `agentctl limit` (set), `run --cpu/--memory/--pids`
// (forRun, recordRun) and `policy explain` (explain) each are one call here. It finds the
// target, merges with the stored override, checks the policies' ceilings, has the writer
// make it so, stores what took, and returns typed changes. agent/LimitsApi only turns JSON
// into these calls and the results back into JSON; host tests call the same functions.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Desired.h"
#include "Enforcer.h"
#include "Hierarchy.h"
#include "LimitTarget.h"
#include "OverrideStore.h"

namespace agent::policies {

// Makes limits true on a target: the reconciler, so that it and `limit` never write one
// file at once, and each write is counted.
class LimitWriter {
 public:
  virtual ~LimitWriter() = default;
  // Compares `desired` with the target's group and, when enforcing, writes what differs,
  // crediting each write to `source`.
  virtual Result<std::vector<Change>> apply(const LimitTarget& target, const LimitSet& desired,
                                            const LimitSource& source) = 0;
  // False under `enforce: false`: nothing is written, changes say what would be.
  virtual bool enforcing() const = 0;
  // Why the group's wanted limits are not in force, per resource, as of its last check.
  virtual std::map<Resource, std::string> problems(const std::string& cgroupPath) = 0;
};

// An agent container by id, prefix or name, another runtime's by id, name or cgroup path,
// or a plain cgroup by path: the same target the reconciler's pass acts on.
using TargetFinder = std::function<Result<LimitTarget>(const std::string& ref)>;
using CurrentPolicies = std::function<std::shared_ptr<const PolicySet>()>;

// What `limit` did, per resource asked for.
struct LimitOutcome {
  LimitTarget target;
  bool enforcing = true;
  std::vector<Change> changes;
};

// What `policy explain` shows: what the limits should be and why, and what the kernel has.
struct Explanation {
  LimitTarget target;
  Desired desired;
  LimitSet kernelForm;                          // desired as the kernel holds it, where that differs
  std::optional<LimitSet> actual;               // the group's limits now, when it could be read
  std::map<Resource, std::string> unavailable;  // resources the group cannot hold, and why
  std::map<Resource, std::string> problems;     // wanted but not in force, and why
};

// The limits a new container starts with.
struct RunLimits {
  LimitSet write;     // into its cgroup before its command runs; empty when not enforcing
  LimitSet override;  // what it was run with: its override once it exists (recordRun)
};

class LimitService {
 public:
  LimitService(TargetFinder find, CurrentPolicies policies, OverrideStore& overrides, LimitWriter& writer,
               const cgroup::Hierarchy& hierarchy)
      : find_(std::move(find)),
        policies_(std::move(policies)),
        overrides_(overrides),
        writer_(writer),
        hierarchy_(hierarchy) {}

  Result<LimitTarget> find(const std::string& ref) const { return find_(ref); }
  std::shared_ptr<const PolicySet> policies() const { return policies_(); }
  // What the target's limits should be, with its stored override (or `override` instead).
  Desired desiredFor(const LimitTarget& target) const;
  Desired desiredFor(const LimitTarget& target, const std::optional<LimitSet>& override) const;
  bool enforcing() const { return writer_.enforcing(); }

  // `agentctl limit REF`: sets what `asked` sets. Above a matching policy's max it is refused
  // naming the policy, and nothing changes. What took (or would, when not enforcing) is
  // stored as the override; what the kernel refused is not.
  Result<LimitOutcome> set(const std::string& ref, const LimitSet& asked);
  // `agentctl policy explain REF`.
  Result<Explanation> explain(const std::string& ref);
  // Before `run`: its own limits (`run --cpu`) and what the policies matching its name and
  // labels set, bounded by their ceilings; a given limit above a ceiling is refused. The
  // cgroup path is not known yet: `cgroups:` policies reach it at the reconciler's next pass.
  Result<RunLimits> forRun(const std::string& name, const std::map<std::string, std::string>& labels,
                           const LimitSet& given) const;
  // The limits a container was run with become its override (kept like `limit`'s).
  Result<void> recordRun(const std::string& id, const LimitSet& given);
  // A removed agent container's override goes with it.
  void forget(const std::string& id) { (void)overrides_.erase(id); }

 private:
  // The first resource of `value` above `desired`'s ceiling, as a refusal; none when all fit.
  std::optional<std::string> aboveCeiling(const LimitSet& value, const Desired& desired) const;

  TargetFinder find_;
  CurrentPolicies policies_;
  OverrideStore& overrides_;
  LimitWriter& writer_;
  const cgroup::Hierarchy& hierarchy_;
};

}  // namespace agent::policies
