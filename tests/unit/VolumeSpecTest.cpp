// -v HOST:CONTAINER[:ro] and --tmpfs CONTAINER[:OPTIONS] as Docker's CLI reads them, their
// refusals (each naming what is wrong and the form to use), their place in the create
// request's JSON and in the container's record.
#include <gtest/gtest.h>

#include "ContainerRecord.h"
#include "CreateRequest.h"
#include "RunRequestValidation.h"
#include "VolumeJson.h"
#include "VolumeSpec.h"

using namespace agent;
using namespace agent::container;

namespace {

VolumeSpec bindVolume(std::string source, std::string target, bool readOnly = false) {
  return VolumeSpec{.kind = VolumeKind::Bind, .source = source, .target = target, .readOnly = readOnly};
}

VolumeSpec idmapped(VolumeSpec volume) {
  volume.idmap = true;
  return volume;
}

VolumeSpec tmpfsVolume(std::string target, uint64_t size = 0, uint32_t mode = 01777) {
  VolumeSpec volume;
  volume.kind = VolumeKind::Tmpfs;
  volume.target = target;
  volume.sizeBytes = size;
  volume.mode = mode;
  return volume;
}

}  // namespace

TEST(VolumeSpec, BindsReadAsDockersCli) {
  struct Case {
    const char* text;
    VolumeSpec want;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"/srv/data:/data", bindVolume("/srv/data", "/data")},
           {"/srv/data:/data:ro", bindVolume("/srv/data", "/data", true)},
           {"/srv/data:/data:rw", bindVolume("/srv/data", "/data")},
           {"/srv/data/:/data/", bindVolume("/srv/data", "/data")},
           {"/srv/./a/../data:/x/../data", bindVolume("/srv/data", "/data")},
           {"/etc/hosts:/etc/hosts:ro", bindVolume("/etc/hosts", "/etc/hosts", true)},
           {"/:/host:ro", bindVolume("/", "/host", true)},
           {"///:/...", bindVolume("/", "/...")},  // found by volume_spec_fuzzer: "///" was kept as "//"
           {"/dev/snd:/dev/snd", bindVolume("/dev/snd", "/dev/snd")},
           {"/srv:/processes", bindVolume("/srv", "/processes")},                  // only /proc itself and under it
           {"/srv/data:/data:idmap", idmapped(bindVolume("/srv/data", "/data"))},  // podman's option
           {"/srv/data:/data:ro,idmap", idmapped(bindVolume("/srv/data", "/data", true))},
           {"/srv/data:/data:idmap,rw", idmapped(bindVolume("/srv/data", "/data"))},
       }) {
    auto parsed = parseVolumeOption(c.text);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, c.want) << c.text;
    EXPECT_EQ(parseVolumeOption(volumeOptionText(*parsed)).value_or(VolumeSpec{}), *parsed) << c.text;
  }
}

TEST(VolumeSpec, BindsRefusedNamingWhatIsWrong) {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"data:/data", "the host path \"data\" is not absolute"},
           {"./data:/data",
            "the host path \"./data\" is not absolute (named volumes and relative paths are not "
            "supported; give it from /, e.g. $PWD/./data)"},
           {"da\r\nta:/data", "is not absolute (named volumes and relative paths are not supported; give it from /)"},
           {":/data", "the host path \"\" is not absolute"},
           {"/srv/data", "it names no container path"},
           {"/srv/data:data", "the container path \"data\" is not absolute"},
           {"/srv/data:", "the container path \"\" is not absolute"},
           {"/srv/data:/", "the container path is the root directory"},
           {"/srv/data:/a/..", "the container path is the root directory"},
           {"/srv/data:/proc", "is under /proc"},
           {"/srv/data:/proc/sys/kernel", "is under /proc"},
           {"/srv/data:/x/../sys/fs", "is under /sys"},
           {"/srv/data:/dev/pts", "is under /dev/pts"},
           {"/srv/data:/dev", "the container path /dev is the container's device directory"},
           {"/srv/data:/data:rx", "the option \"rx\" is not ro, rw or idmap"},
           {"/srv/data:/data:idmap,idmap", "idmap is given more than once"},
           {"/srv/data:/data:", "the option \"\" is not ro, rw or idmap"},
           {"/srv/data:/data:ro,rw", "ro or rw is given more than once"},
           {"/a:/b:ro:x", "more than three"},
           {std::string("/srv\0x:/data", 12), "NUL"},
       }) {
    auto parsed = parseVolumeOption(c.text);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_TRUE(parsed.error().sentence);
    EXPECT_EQ(parsed.error().errnum, EINVAL);
    EXPECT_NE(parsed.error().message().find(c.why), std::string::npos) << parsed.error().message();
    EXPECT_NE(parsed.error().message().find("give it as HOST:CONTAINER[:ro]"), std::string::npos);
    // One line whatever the bytes (found by volume_spec_fuzzer: a relative path was shown raw).
    EXPECT_EQ(parsed.error().message().find_first_of("\r\n"), std::string::npos) << parsed.error().message();
  }
}

TEST(VolumeSpec, TmpfsReadsDockersOptions) {
  struct Case {
    const char* text;
    VolumeSpec want;
  };
  VolumeSpec executable = tmpfsVolume("/run", 1 << 20, 0755);
  executable.exec = true;
  VolumeSpec readOnly = tmpfsVolume("/ro");
  readOnly.readOnly = true;
  for (const Case& c : std::initializer_list<Case>{
           {"/tmp", tmpfsVolume("/tmp")},
           {"/tmp/", tmpfsVolume("/tmp")},
           {"/tmp:size=64m", tmpfsVolume("/tmp", 64ull << 20)},
           {"/tmp:size=65536k,mode=1777", tmpfsVolume("/tmp", 64ull << 20)},
           {"/tmp:size=1G", tmpfsVolume("/tmp", 1ull << 30)},
           {"/tmp:size=2MiB", tmpfsVolume("/tmp", 2ull << 20)},
           {"/tmp:size=3mb", tmpfsVolume("/tmp", 3ull << 20)},
           {"/tmp:size=4096", tmpfsVolume("/tmp", 4096)},
           // Read back from the record in bytes: 20 digits (volume_spec_fuzzer found 19 the limit).
           {"/t:size=9646422t", tmpfsVolume("/t", 9646422ull << 40)},
           {"/t:size=10606353155434217472", tmpfsVolume("/t", 9646422ull << 40)},
           {"/run:rw,exec,nosuid,nodev,size=1m,mode=755", executable},
           {"/ro:ro", readOnly},
       }) {
    auto parsed = parseTmpfsOption(c.text);
    ASSERT_TRUE(parsed) << c.text << ": " << parsed.error().message();
    EXPECT_EQ(*parsed, c.want) << c.text;
    EXPECT_EQ(parseTmpfsOption(volumeOptionText(*parsed)).value_or(VolumeSpec{}), *parsed) << c.text;
  }
  EXPECT_EQ(tmpfsMountData(tmpfsVolume("/t", 64ull << 20, 0755)), "mode=0755,size=67108864");
  EXPECT_EQ(tmpfsMountData(tmpfsVolume("/t")), "mode=1777");
}

TEST(VolumeSpec, TmpfsRefusedNamingWhatIsWrong) {
  struct Case {
    std::string text;
    const char* why;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"tmp", "the container path \"tmp\" is not absolute"},
           {"", "the container path \"\" is not absolute"},
           {"/", "the container path is the root directory"},
           {"/proc/x", "is under /proc"},
           {"/sys", "is under /sys"},
           {"/tmp:size=", "the size \"\" is not a positive number"},
           {"/tmp:size=0", "the size \"0\" is not a positive number"},
           {"/tmp:size=-1m", "the size \"-1m\""},
           {"/tmp:size=64x", "the size \"64x\""},
           {"/tmp:size=1.5g", "the size \"1.5g\""},
           {"/tmp:size=99999999999999999999", "the size \"99999999999999999999\""},
           {"/tmp:size=17179869184g", "the size \"17179869184g\""},  // overflows 64 bits
           {"/tmp:mode=888", "the mode \"888\" is not octal"},
           {"/tmp:mode=17777", "the mode \"17777\" is not octal"},
           {"/tmp:uid=1000", "the option \"uid=1000\" is not one of size=, mode=, ro, rw, exec, noexec"},
           {"/tmp:suid", "the option \"suid\""},
       }) {
    auto parsed = parseTmpfsOption(c.text);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_TRUE(parsed.error().sentence);
    EXPECT_NE(parsed.error().message().find(c.why), std::string::npos) << parsed.error().message();
    EXPECT_NE(parsed.error().message().find("give it as CONTAINER[:OPTIONS]"), std::string::npos);
  }
}

TEST(VolumeSpec, TwoVolumesOnOneTargetAreRefused) {
  EXPECT_TRUE(validateVolumes({bindVolume("/a", "/data"), bindVolume("/a", "/data/sub"), tmpfsVolume("/tmp")}));
  auto twice = validateVolumes({bindVolume("/a", "/data"), tmpfsVolume("/data")});
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message().find("two volumes are mounted on \"/data\""), std::string::npos)
      << twice.error().message();
  // A caller of the runtime itself is held to the parsers' rules.
  auto relative = validateVolumes({bindVolume("srv", "/data")});
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message().find("is not absolute"), std::string::npos);
  auto notNormal = validateVolumes({bindVolume("/srv", "/data/../proc")});
  ASSERT_FALSE(notNormal);
  RunRequest request;
  request.image = "busybox";
  request.args = {"true"};
  request.volumes = {bindVolume("/a", "/"), tmpfsVolume("/tmp")};
  auto refused = validateRunRequest(request);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("root directory"), std::string::npos);
}

TEST(VolumeSpec, TheCreateRequestTakesTheTextsOfTheOptions) {
  auto request = parseCreateRequest(
      R"({"image": "busybox", "command": ["true"], "volumes": ["/srv:/data:ro"], "tmpfs": ["/tmp:size=1m"],
          "read_only": true})",
      2);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->run.volumes,
            (std::vector<VolumeSpec>{bindVolume("/srv", "/data", true), tmpfsVolume("/tmp", 1 << 20)}));
  EXPECT_TRUE(request->run.readOnlyRoot);
  for (auto [body, why] : std::initializer_list<std::pair<const char*, const char*>>{
           {R"({"image": "b", "command": ["true"], "volumes": "/srv:/data"})", "volumes must be an array of strings"},
           {R"({"image": "b", "command": ["true"], "tmpfs": [1]})", "tmpfs must be an array of strings"},
           {R"({"image": "b", "command": ["true"], "volumes": ["srv:/data"]})", "volume \"srv:/data\" is invalid"},
           {R"({"image": "b", "command": ["true"], "tmpfs": ["/t:size=x"]})", "tmpfs \"/t:size=x\" is invalid"},
           {R"({"image": "b", "command": ["true"], "read_only": "yes"})", "read_only must be true or false"},
       }) {
    auto bad = parseCreateRequest(body, 2);
    ASSERT_FALSE(bad) << body;
    EXPECT_NE(bad.error().message().find(why), std::string::npos) << bad.error().message();
  }
}

TEST(VolumeSpec, TheRecordKeepsThemAndKnowsAnOlderOne) {
  ContainerConfig config;
  config.spec.id = "0123";
  config.spec.hostname = "h";
  config.spec.imageRootfs = "/i";
  config.spec.layerDir = "/l";
  config.spec.args = {"true"};
  config.name = "n";
  config.cgroupPath = "/agent/0123";
  config.logPath = "/l/log";
  VolumeSpec run = tmpfsVolume("/run", 1 << 20, 0755);
  run.exec = true;
  config.spec.volumes = {bindVolume("/srv", "/data", true), idmapped(bindVolume("/etc/hosts", "/etc/hosts")), run};
  config.spec.readOnlyRoot = true;
  auto read = configFromJson(toJson(config), "config.json");
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->spec.volumes, config.spec.volumes);
  EXPECT_TRUE(read->spec.readOnlyRoot);
  auto shown = volumesJson(config.spec.volumes);
  EXPECT_EQ(shown[0]["type"], "bind");
  EXPECT_EQ(shown[0]["source"], "/srv");
  EXPECT_EQ(shown[0]["destination"], "/data");
  EXPECT_EQ(shown[0]["rw"], false);
  EXPECT_EQ(shown[2]["type"], "tmpfs");
  EXPECT_EQ(shown[2]["size_bytes"], 1 << 20);
  EXPECT_EQ(shown[2]["tmpfs_mode"], "0755");
  // A record of an agentd from before volumes has none, and a writable root.
  config.spec.volumes.clear();
  config.spec.readOnlyRoot = false;
  read = configFromJson(toJson(config), "config.json");
  ASSERT_TRUE(read);
  EXPECT_TRUE(read->spec.volumes.empty());
  EXPECT_FALSE(read->spec.readOnlyRoot);
}
