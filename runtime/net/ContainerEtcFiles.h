#pragma once
// The three files a `--net bridge` container gets written for it, as Docker writes them in its
// container directory and bind-mounts them over the image's: /etc/resolv.conf, /etc/hosts and
// /etc/hostname. Text in, text out: the caller reads the host's file and writes ours.
// Facts from moby's libnetwork/resolvconf (FilterResolvDNS, Path) and libnetwork/etchosts, and
// from the two readers of resolv.conf a container runs: glibc's res_init.c and musl's
// resolvconf.c (resolv.conf(5)).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "Error.h"

namespace agent::net {

// Where the host's resolver configuration is. Under systemd-resolved, /etc/resolv.conf names
// only the stub listener 127.0.0.53, and the servers it forwards to are listed in
// kSystemdResolvedUpstreamPath: a container is better served by those (the LAN's, the VPN's)
// than by the fallbacks, so read that file instead when isSystemdResolvedStub says so, as
// moby's resolvconf.Path() does.
inline constexpr std::string_view kHostResolvConfPath = "/etc/resolv.conf";
inline constexpr std::string_view kSystemdResolvedUpstreamPath = "/run/systemd/resolve/resolv.conf";

// glibc's and musl's MAXNS: the nameservers past the third are not read.
inline constexpr size_t kMaxNameservers = 3;

// Whether a resolv.conf is systemd-resolved's stub file: 127.0.0.53 is its only nameserver.
bool isSystemdResolvedStub(std::string_view resolvConf);

// The container's /etc/resolv.conf from the host's text (LF or CRLF lines; the result has LF).
// Every line is kept as it is (comments, search, domain, options, sortlist) except the
// `nameserver` lines the container cannot use, which are left out and listed in a comment:
// - loopback ones (127.0.0.0/8, ::1; and 0.0.0.0/8, which Linux delivers to the local host):
//   systemd-resolved's 127.0.0.53 or dnsmasq's 127.0.0.1 listen in the host's network
//   namespace, and in the container's the same address is the container itself;
// - IPv6 ones: the bridge gives containers no IPv6 address or route, so they cannot reach
//   them and each query would wait on them first; Docker keeps them only with IPv6 enabled;
// - ones that are no strict dotted quad ("127.1" is 127.0.0.1 to glibc's inet_aton): whether
//   they are loopback cannot be told for sure.
// A `nameserver` line is read as glibc and musl read it: the keyword at the start of the line,
// blanks, the address up to a blank, `#` or `;`. When no nameserver is left, the fallbacks
// (the config's dns_fallback, checked by parseNameservers) are appended: Docker's are Google's
// 8.8.8.8 and 8.8.4.4. The first line is a comment saying agentd generated the file.
std::string containerResolvConf(std::string_view hostResolvConf, const std::vector<std::string>& fallbackNameservers);

// The container's /etc/hosts, Docker's lines: localhost on 127.0.0.1 and ::1, the IPv6 names
// of Debian's netbase (ip6-localnet, ip6-mcastprefix, ip6-allnodes, ip6-allrouters), then
// "ADDRESS\tHOSTNAME NAME" so that the container resolves its own name to its bridge address.
// NAME is left out when it is empty or the same as HOSTNAME; no such line when ADDRESS is empty.
std::string containerHosts(std::string_view hostname, std::string_view containerName, std::string_view address);

// The container's /etc/hostname: "NAME\n".
std::string containerHostname(std::string_view hostname);

// The config's dns_fallback values, checked: each an IPv4 dotted quad (the bridge has no IPv6)
// and not loopback (it would be the container itself); at most kMaxNameservers. Each refusal
// is one sentence saying which value and why. An empty list is accepted: a host whose
// nameservers are all loopback then gives its containers none.
Result<std::vector<std::string>> parseNameservers(const std::vector<std::string>& values);

}  // namespace agent::net
