// The bridge's address leases (LeaseStore): order, idempotence, exhaustion, reuse, junk in
// the directory, agentd killed mid-way, and two allocators at once.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "FixtureTree.h"
#include "LeaseStore.h"

using namespace agent::net;
using agent::fixture::FixtureTree;

namespace {

Ipv4Address address(std::string_view text) {
  return parseIpv4Address(text).value();
}

LeaseStore openStore(const FixtureTree& tree, std::string_view cidr) {
  return LeaseStore::open(tree.path("net/leases"), Ipv4Subnet::parse(cidr).value()).value();
}

std::string leased(LeaseStore& store, std::string_view id) {
  auto got = store.allocate(id);
  if (!got) return "error: " + got.error().message();
  return formatIpv4Address(*got);
}

// Every name in the lease directory, sorted.
std::set<std::string> namesIn(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

}  // namespace

TEST(AddressLeases, LowestFreeAddressInOrderOneFileEach) {
  FixtureTree tree;
  LeaseStore store = openStore(tree, "172.30.0.0/16");
  EXPECT_EQ(leased(store, "c1"), "172.30.0.2");  // .0 is the network, .1 the bridge
  EXPECT_EQ(leased(store, "c2"), "172.30.0.3");
  EXPECT_EQ(leased(store, "c3"), "172.30.0.4");
  EXPECT_EQ(tree.read("net/leases/172.30.0.3"), "c2\n");
  EXPECT_EQ(namesIn(store.directory()), (std::set<std::string>{"172.30.0.2", "172.30.0.3", "172.30.0.4"}));
  auto all = store.leases();
  ASSERT_TRUE(all);
  EXPECT_EQ(*all, (std::vector<Lease>{
                      {address("172.30.0.2"), "c1"}, {address("172.30.0.3"), "c2"}, {address("172.30.0.4"), "c3"}}));
}

TEST(AddressLeases, AskingAgainGivesTheSameAddressAlsoAfterARestart) {
  FixtureTree tree;
  LeaseStore store = openStore(tree, "172.30.0.0/24");
  EXPECT_EQ(leased(store, "c1"), "172.30.0.2");
  EXPECT_EQ(leased(store, "c2"), "172.30.0.3");
  EXPECT_EQ(leased(store, "c1"), "172.30.0.2");
  LeaseStore restarted = openStore(tree, "172.30.0.0/24");
  EXPECT_EQ(leased(restarted, "c2"), "172.30.0.3");
  EXPECT_EQ(leased(restarted, "c3"), "172.30.0.4");
  EXPECT_EQ(restarted.leases()->size(), 3u);
}

TEST(AddressLeases, AFullSubnetSaysSoAndLeavesNothingBehind) {
  FixtureTree tree;
  LeaseStore smallest = openStore(tree, "192.168.7.4/30");
  EXPECT_EQ(leased(smallest, "c1"), "192.168.7.6");
  auto refused = smallest.allocate("c2");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().errnum, ENOSPC);
  EXPECT_EQ(refused.error().message(),
            "the bridge subnet 192.168.7.4/30 has no free address: all 1 container addresses are leased; remove a "
            "container or choose a larger subnet with `bridge_subnet:`");
  EXPECT_EQ(namesIn(smallest.directory()), (std::set<std::string>{"192.168.7.6"}));  // no temporary left
  EXPECT_EQ(leased(smallest, "c1"), "192.168.7.6");                                  // the holder still gets its own
}

TEST(AddressLeases, ReleasedAddressIsGivenAgainLowestFirst) {
  FixtureTree tree;
  LeaseStore store = openStore(tree, "10.9.0.8/29");  // containers .10 to .14
  for (std::string id : {"a", "b", "c", "d", "e"}) EXPECT_NE(leased(store, id).find("10.9.0.1"), std::string::npos);
  EXPECT_FALSE(store.allocate("f"));
  EXPECT_EQ(store.release("d"), true);
  EXPECT_EQ(store.release("b"), true);
  EXPECT_EQ(store.release("b"), false);  // rm twice
  EXPECT_EQ(store.release("never"), false);
  EXPECT_FALSE(std::filesystem::exists(tree.path("net/leases/10.9.0.11")));
  EXPECT_EQ(leased(store, "f"), "10.9.0.11");
  EXPECT_EQ(leased(store, "g"), "10.9.0.13");
  EXPECT_FALSE(store.allocate("h"));
}

TEST(AddressLeases, NoContainerIdIsRefused) {
  FixtureTree tree;
  LeaseStore store = openStore(tree, "172.30.0.0/16");
  for (std::string_view bad : {"", "a b", "a\nb", "../x", "x/y"}) {
    EXPECT_FALSE(store.allocate(bad)) << bad;
    EXPECT_FALSE(store.release(bad)) << bad;
  }
  EXPECT_TRUE(namesIn(store.directory()).empty());
}

TEST(AddressLeases, JunkAndOtherSubnetsNeverShareAnAddressOrCrash) {
  FixtureTree tree;
  tree.file("outside", "precious")
      .file("net/leases/notes.txt", "hello")
      .file("net/leases/172.30.0.02", "not our spelling")
      .dir("net/leases/172.30.0.3")
      .symlink("../../outside", "net/leases/172.30.0.4")
      .file("net/leases/172.30.0.6", "")      // emptied by hand: still taken
      .file("net/leases/172.30.0.1", "gw\n")  // the bridge's own address
      .file("net/leases/10.0.0.2", "old\n");  // from an earlier bridge_subnet
  ASSERT_EQ(::mkfifo(tree.path("net/leases/172.30.0.5").c_str(), 0600), 0);
  LeaseStore store = openStore(tree, "172.30.0.0/16");

  EXPECT_EQ(leased(store, "a"), "172.30.0.2");
  EXPECT_EQ(leased(store, "b"), "172.30.0.7");    // .3-.5 are not files we can use, .6 is leased
  EXPECT_EQ(leased(store, "old"), "172.30.0.8");  // a lease elsewhere is no lease in this subnet

  auto scan = store.scan();
  ASSERT_TRUE(scan);
  EXPECT_EQ(scan->leases, (std::vector<Lease>{{address("172.30.0.2"), "a"},
                                              {address("172.30.0.6"), ""},
                                              {address("172.30.0.7"), "b"},
                                              {address("172.30.0.8"), "old"}}));
  EXPECT_EQ(scan->outOfRange, (std::vector<Lease>{{address("10.0.0.2"), "old"}, {address("172.30.0.1"), "gw"}}));
  EXPECT_EQ(scan->junk,
            (std::vector<std::string>{"172.30.0.02", "172.30.0.3", "172.30.0.4", "172.30.0.5", "notes.txt"}));
  EXPECT_TRUE(scan->temporaries.empty());

  auto done = store.reconcile({"a", "b"});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->released, (std::vector<Lease>{{address("10.0.0.2"), "old"},
                                                {address("172.30.0.1"), "gw"},
                                                {address("172.30.0.6"), ""},
                                                {address("172.30.0.8"), "old"}}));
  EXPECT_EQ(done->junk, scan->junk);  // reported, never removed
  EXPECT_EQ(namesIn(store.directory()), (std::set<std::string>{"172.30.0.02", "172.30.0.2", "172.30.0.3", "172.30.0.4",
                                                               "172.30.0.5", "172.30.0.7", "notes.txt"}));
  EXPECT_EQ(tree.read("outside"), "precious");
  EXPECT_EQ(leased(store, "c"), "172.30.0.6");
}

TEST(AddressLeases, ReleaseTakesTheContainersLeaseInAnyRange) {
  FixtureTree tree;
  tree.file("net/leases/10.0.0.2", "x\n");
  LeaseStore store = openStore(tree, "172.30.0.0/16");
  EXPECT_EQ(leased(store, "x"), "172.30.0.2");
  EXPECT_EQ(store.release("x"), true);
  EXPECT_TRUE(namesIn(store.directory()).empty());
}

TEST(AddressLeases, ReconcileAfterACrashBetweenEachStep) {
  FixtureTree tree;
  LeaseStore store = openStore(tree, "172.30.0.0/16");
  // Killed after writing the temporary, before linking it: no lease, the address is free.
  tree.file("net/leases/.lease-4242-0a0b0c0d", "lost\n");
  EXPECT_EQ(leased(store, "a"), "172.30.0.2");
  // Killed after linking, before removing the temporary: the lease is whole.
  tree.file("net/leases/.lease-4243-01020304", "b\n");
  ASSERT_EQ(::link(tree.path("net/leases/.lease-4243-01020304").c_str(), tree.path("net/leases/172.30.0.3").c_str()),
            0);
  EXPECT_EQ(leased(store, "b"), "172.30.0.3");
  // Killed after the lease, before the container existed: "c" holds .4 but is not live.
  EXPECT_EQ(leased(store, "c"), "172.30.0.4");

  EXPECT_EQ(store.scan()->temporaries, (std::vector<std::string>{".lease-4242-0a0b0c0d", ".lease-4243-01020304"}));
  auto done = store.reconcile({"a", "b", "not-leased"});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->released, (std::vector<Lease>{{address("172.30.0.4"), "c"}}));
  EXPECT_EQ(done->temporaries, (std::vector<std::string>{".lease-4242-0a0b0c0d", ".lease-4243-01020304"}));
  EXPECT_TRUE(done->junk.empty());
  EXPECT_EQ(namesIn(store.directory()), (std::set<std::string>{"172.30.0.2", "172.30.0.3"}));
  EXPECT_EQ(tree.read("net/leases/172.30.0.3"), "b\n");
  auto again = store.reconcile({"a", "b"});  // a second start finds nothing to do
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->released.empty() && again->temporaries.empty());
}

TEST(AddressLeases, AllocatorKilledAtAnyPointLeavesWholeLeases) {
  FixtureTree tree;
  std::string dir = tree.path("net/leases");
  Ipv4Subnet net = Ipv4Subnet::parse("172.30.0.0/22").value();
  ASSERT_TRUE(LeaseStore::open(dir, net));
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    LeaseStore store = LeaseStore::open(dir, net).value();
    for (int i = 0; i < 1000; ++i) {
      if (!store.allocate("c" + std::to_string(i))) ::_exit(1);
      if (i == 10) (void)!::write(ready[1], "x", 1);
    }
    ::_exit(0);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::usleep(2000);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ::close(ready[0]);
  ::close(ready[1]);

  // Whatever the moment: the leases are c0..cN-1 on the N lowest addresses, each file whole.
  LeaseStore store = LeaseStore::open(dir, net).value();
  auto scan = store.scan();
  ASSERT_TRUE(scan);
  ASSERT_GT(scan->leases.size(), 10u);
  EXPECT_TRUE(scan->junk.empty());
  EXPECT_LE(scan->temporaries.size(), 1u);
  for (size_t i = 0; i < scan->leases.size(); ++i) {
    EXPECT_EQ(scan->leases[i].address.value, net.firstContainerAddress().value + i);
    EXPECT_EQ(scan->leases[i].containerId, "c" + std::to_string(i));
  }
  // The next allocation continues after them, and a start with no live container clears all.
  std::string next =
      formatIpv4Address(Ipv4Address{net.firstContainerAddress().value + static_cast<uint32_t>(scan->leases.size())});
  EXPECT_EQ(leased(store, "next"), next);
  auto done = store.reconcile({});
  ASSERT_TRUE(done);
  EXPECT_EQ(done->released.size(), scan->leases.size() + 1);
  EXPECT_TRUE(namesIn(dir).empty());
}

TEST(AddressLeases, TwoThreadsNeverGetOneAddress) {
  FixtureTree tree;
  LeaseStore first = openStore(tree, "172.30.0.0/25");  // 125 container addresses
  LeaseStore second = openStore(tree, "172.30.0.0/25");
  std::map<std::string, Ipv4Address> got[2];
  auto run = [](LeaseStore& store, std::map<std::string, Ipv4Address>& into, const char* prefix) {
    // Both threads also ask for the shared ids: each must get the address the other got.
    for (int i = 0; i < 40; ++i)
      for (std::string id : {std::string(prefix) + std::to_string(i), "shared" + std::to_string(i)})
        if (auto address = store.allocate(id)) into[id] = *address;
  };
  std::thread a(run, std::ref(first), std::ref(got[0]), "a");
  std::thread b(run, std::ref(second), std::ref(got[1]), "b");
  a.join();
  b.join();
  ASSERT_EQ(got[0].size(), 80u);
  ASSERT_EQ(got[1].size(), 80u);
  std::map<Ipv4Address, std::string> holder;
  for (auto& byId : got)
    for (auto& [id, address] : byId) {
      auto [it, fresh] = holder.emplace(address, id);
      EXPECT_TRUE(fresh || it->second == id)
          << formatIpv4Address(address) << " given to " << it->second << " and " << id;
    }
  EXPECT_EQ(holder.size(), 120u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[0]["shared" + std::to_string(i)], got[1]["shared" + std::to_string(i)]);
  EXPECT_EQ(first.leases()->size(), 120u);
  EXPECT_EQ(holder.rbegin()->first, address("172.30.0.121"));  // no gap: the 120 lowest
}

TEST(AddressLeases, TwoProcessesNeverGetOneAddress) {
  FixtureTree tree;
  std::string dir = tree.path("net/leases");
  Ipv4Subnet net = Ipv4Subnet::parse("172.30.0.0/24").value();
  ASSERT_TRUE(LeaseStore::open(dir, net));
  int go[2], results[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(results), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  auto allocateAll = [&](const char* prefix) {
    std::vector<uint32_t> addresses;
    LeaseStore store = LeaseStore::open(dir, net).value();
    for (int i = 0; i < 100; ++i)
      if (auto got = store.allocate(prefix + std::to_string(i))) addresses.push_back(got->value);
    return addresses;
  };
  if (child == 0) {
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(2);
    std::vector<uint32_t> mine = allocateAll("child");
    size_t bytes = mine.size() * sizeof(uint32_t);
    ::_exit(::write(results[1], mine.data(), bytes) == static_cast<ssize_t>(bytes) ? 0 : 1);
  }
  ASSERT_EQ(::write(go[1], "x", 1), 1);  // both start together
  std::vector<uint32_t> parents = allocateAll("parent");
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::vector<uint32_t> childs(253);
  ssize_t n = ::read(results[0], childs.data(), childs.size() * sizeof(uint32_t));
  for (int fd : {go[0], go[1], results[0], results[1]}) ::close(fd);
  ASSERT_GT(n, 0);
  childs.resize(static_cast<size_t>(n) / sizeof(uint32_t));

  // 253 container addresses for 200 containers: everyone got one, no one got another's.
  EXPECT_EQ(parents.size(), 100u);
  EXPECT_EQ(childs.size(), 100u);
  std::set<uint32_t> all(parents.begin(), parents.end());
  all.insert(childs.begin(), childs.end());
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(*all.rbegin(), address("172.30.0.201").value);
  EXPECT_EQ(namesIn(dir).size(), 200u);
}
