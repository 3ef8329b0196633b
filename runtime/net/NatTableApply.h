#pragma once
// The agent's nftables table (NatTable.h) put into the kernel, replaced, looked for and removed,
// touching no other table: the agent never flushes the ruleset or anyone else's table.
#include <string>

#include "NatTable.h"
#include "Nftables.h"

namespace agent::net {

// Replaces the table with the rendering of `state` in one transaction: `add table` (so that the
// delete finds one), `delete table`, then the whole table. The kernel applies the batch at once:
// no packet sees the table half-built or missing, and a refused batch leaves the old one as it
// was. Applying the same state twice leaves the same ruleset.
Result<void> applyNatTable(Nftables& nftables, const NatTableState& state);

// Deletes the table `tableName` (family ip); a table already gone is success.
Result<void> removeNatTable(Nftables& nftables, const std::string& tableName);

// Whether the table exists: false after someone's `nft flush ruleset` (a firewall reload), for
// the caller to apply it again and count the restoration.
Result<bool> natTablePresent(Nftables& nftables, const std::string& tableName);

// `nft list table ip NAME` as nft prints it (comparable with renderNatTable's text).
Result<std::string> listNatTable(Nftables& nftables, const std::string& tableName);

}  // namespace agent::net
