// Reports one test of the guest's run to ctest: reads the gtest JSON the guest wrote and
// exits 0 (passed), 1 (failed or missing), or prints "[  SKIPPED ]" for a skipped test. The
// test's own output, taken from the guest's log, is printed so numbers show on the host.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace {
void printGuestOutput(const std::string& logPath, const std::string& test) {
  std::ifstream log(logPath);
  std::string line;
  bool inside = false;
  while (std::getline(log, line)) {
    if (line.find("[ RUN      ] " + test) == 0) inside = true;
    if (inside) std::cout << "guest: " << line << '\n';
    if (inside && (line.find("[       OK ] " + test) == 0 || line.find("[  FAILED  ] " + test) == 0 ||
                   line.find("[  SKIPPED ] " + test) == 0)) {
      return;
    }
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: vm_result_check RESULTS_JSON GUEST_LOG SUITE.TEST\n";
    return 2;
  }
  const std::string jsonPath = argv[1], logPath = argv[2], wanted = argv[3];
  std::ifstream in(jsonPath);
  if (!in) {
    std::cerr << "no guest results at " << jsonPath << ": the guest did not run the suite (see vm.run's output)\n";
    return 1;
  }
  nlohmann::json results;
  try {
    in >> results;
  } catch (const std::exception& e) {
    std::cerr << "unreadable guest results " << jsonPath << ": " << e.what() << '\n';
    return 1;
  }
  printGuestOutput(logPath, wanted);
  for (const auto& suite : results.value("testsuites", nlohmann::json::array())) {
    for (const auto& test : suite.value("testsuite", nlohmann::json::array())) {
      if (suite.value("name", "") + "." + test.value("name", "") != wanted) continue;
      if (test.value("result", "") == "SKIPPED") {
        std::cout << "[  SKIPPED ] in the guest\n";
        return 0;
      }
      auto failures = test.value("failures", nlohmann::json::array());
      if (failures.empty() && test.value("result", "") == "COMPLETED") {
        std::cout << "passed in the cgroup v2 guest (" << test.value("time", "?") << ")\n";
        return 0;
      }
      for (const auto& f : failures) std::cerr << f.value("failure", "") << '\n';
      std::cerr << "failed in the cgroup v2 guest\n";
      return 1;
    }
  }
  std::cerr << wanted << " is missing from the guest's results: it did not run there (crash or timeout?)\n";
  return 1;
}
