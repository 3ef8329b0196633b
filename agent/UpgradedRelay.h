#pragma once
// What sits between libmicrohttpd's end of an upgraded connection (`outer`) and the session's
// socket, where `outer` alone does not tell the session what it must know:
// - framed input (the client sent `Agent-Stream-Input: frames`, InputFrames.h): the frames'
//   payload reaches the session as bytes, and the end frame as the end of its input (it reads
//   0, as after a TCP half-close), while its output still flows to the client;
// - over TLS, the client's going: libmicrohttpd 0.9.75's relay never tells the session that
//   the client hung up (the connection sat in CLOSE-WAIT, an exec ran on). The client's TCP
//   socket, which libmicrohttpd reads, is watched here for the hang-up only (POLLRDHUP, no
//   read); then the session's socket is shut down both ways: it reads its input's end and its
//   writes fail, as when a plain client goes. Over TLS a client ends its input with the end
//   frame: a half-close there counts as its going.
// Two threads, one per direction, until the session's end and the client's.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "Error.h"
#include "UniqueFd.h"

namespace agent {

struct UpgradedPeer {
  bool framedInput = false;
  int tcp = -1;  // over TLS: the client's TCP socket (libmicrohttpd's; watched, never read)
};

class UpgradedRelay {
 public:
  // `early`: what the client sent after its request's head (frames, if framed). Errors: the
  // socketpair's or the eventfd's (EMFILE).
  static Result<std::unique_ptr<UpgradedRelay>> start(int outer, std::string early, UpgradedPeer peer);
  // The session's end: it reads the client's input there and writes its output.
  int sessionSocket() const { return session_.get(); }
  // Once the session has returned: its output is passed on to the end, then both threads end.
  ~UpgradedRelay();

  UpgradedRelay(const UpgradedRelay&) = delete;
  UpgradedRelay& operator=(const UpgradedRelay&) = delete;

 private:
  UpgradedRelay() = default;
  void relayInput(std::string early);
  void relayOutput();
  void clientGone();

  int outer_ = -1;
  UpgradedPeer peer_;
  UniqueFd session_;  // the session's end
  UniqueFd inner_;    // the relay's end of the session's socketpair
  UniqueFd stop_;     // eventfd: the output is all out, the input thread ends
  std::thread input_;
  std::thread output_;
};

// Before libmicrohttpd is told to close an upgraded TLS connection (`socket` its end, `tcp` the
// client's socket): waits until the client has all of the session's output; UpgradedRelay.cpp
// says why and how long.
void awaitRelayDrained(int socket, int tcp, const std::atomic<bool>& stopping);

}  // namespace agent
