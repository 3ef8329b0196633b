#pragma once
// One libnftables context (Debian's libnftables1, nft's own library): nft scripts run through
// nft_run_cmd_from_buffer(3), each buffer one netlink batch, which the kernel applies in one
// transaction or not at all (wiki.nftables.org, "Atomic rule replacement"; the host test
// ARefusedBatchLeavesTheTableAsItWas shows it).
//
// The context speaks to the network namespace of the thread that creates it and uses it: make
// it, and run every script, in the same namespace. One user at a time: it holds one socket and
// its output buffers, and nothing in it locks. libnftables 1.0.6 exits the process when it
// cannot open a netfilter netlink socket (netlink_init_error): a kernel without nf_tables.
#include <memory>
#include <string>
#include <string_view>

#include "Error.h"

struct nft_ctx;

namespace agent::net {

class Nftables {
 public:
  // Checks first that the kernel has a netfilter netlink socket (a user error if not).
  static Result<Nftables> open();

  // Runs `script`; returns what nft printed (a listing), or an error saying that nftables
  // refused to `what` ("replace the table `agent`"), with nft's first message and the command
  // it points at.
  Result<std::string> run(const std::string& script, std::string_view what);

 private:
  struct Free {
    void operator()(nft_ctx* ctx) const;
  };
  explicit Nftables(nft_ctx* ctx) : ctx_(ctx) {}
  std::unique_ptr<nft_ctx, Free> ctx_;
};

// nft's error buffer ("Error: Could not process rule: No such file or directory\ndelete table
// ip agent\n                ^^^^^\n", possibly several) as one sentence: "nftables refused to
// WHAT: Could not process rule: No such file or directory (at `delete table ip agent`)."
std::string nftablesErrorSentence(std::string_view what, std::string_view errorBuffer);

}  // namespace agent::net
