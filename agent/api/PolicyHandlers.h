#pragma once
// /v1/policies: the set in force and the last reload (`agentctl policy list`), validating
// files without applying them (`policy validate`), and reloading (`policy reload`).
#include <functional>

#include "HttpApi.h"
#include "PolicyStore.h"

namespace agent {

class PolicyHandlers {
 public:
  // `reloaded` runs after a reload that put a new set in force (a reconcile pass).
  PolicyHandlers(PolicyStore& store, std::function<void()> reloaded) : store_(store), reloaded_(std::move(reloaded)) {}
  HttpResponse list();
  HttpResponse validate(const HttpRequest& request);
  HttpResponse reload();

 private:
  PolicyStore& store_;
  std::function<void()> reloaded_;
};

}  // namespace agent
