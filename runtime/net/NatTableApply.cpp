#include "NatTableApply.h"

namespace agent::net {

Result<void> applyNatTable(Nftables& nftables, const NatTableState& state) {
  auto table = renderNatTable(state);
  if (!table) return tl::unexpected(table.error());
  std::string script = "add table ip " + state.tableName + "\ndelete table ip " + state.tableName + "\n" + *table;
  auto done = nftables.run(script, "replace the table `" + state.tableName + "`");
  if (!done) return tl::unexpected(done.error());
  return {};
}

Result<void> removeNatTable(Nftables& nftables, const std::string& tableName) {
  if (auto checked = checkNatTableName(tableName); !checked) return checked;
  // `add` first, in the same batch: deleting a missing table is an error, and "already gone" is
  // what the caller wants.
  auto done = nftables.run("add table ip " + tableName + "\ndelete table ip " + tableName + "\n",
                           "delete the table `" + tableName + "`");
  if (!done) return tl::unexpected(done.error());
  return {};
}

Result<bool> natTablePresent(Nftables& nftables, const std::string& tableName) {
  if (auto checked = checkNatTableName(tableName); !checked) return tl::unexpected(checked.error());
  // Listing every table of the family, not the one table: a missing table is then an answer,
  // not an error to tell apart from others by its text.
  auto listing = nftables.run("list tables ip", "list the tables");
  if (!listing) return tl::unexpected(listing.error());
  std::string wanted = "table ip " + tableName;
  std::string_view rest = *listing;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    if (rest.substr(0, end) == wanted) return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return false;
}

Result<std::string> listNatTable(Nftables& nftables, const std::string& tableName) {
  if (auto checked = checkNatTableName(tableName); !checked) return tl::unexpected(checked.error());
  return nftables.run("list table ip " + tableName, "list the table `" + tableName + "`");
}

}  // namespace agent::net
