#pragma once
// The chunked transfer coding (RFC 9112 section 7.1) decoded as bytes arrive, for a reply
// read while agentd still writes it (an image load's progress lines). Trailers are skipped.
#include <cstdint>
#include <string>
#include <string_view>

#include "Error.h"

namespace agent::ctl {

class ChunkedDecoder {
 public:
  // Appends what `bytes` decode to onto `out`. True once the last chunk (and its trailers)
  // ended: what follows is not the body's. EPROTO on a malformed size or chunk end.
  Result<bool> feed(std::string_view bytes, std::string& out);
  bool done() const { return state_ == State::Done; }

 private:
  enum class State { Size, Data, DataEnd, Trailer, Done };
  State state_ = State::Size;
  std::string line_;   // the size or trailer line so far (bounded), or the chunk's CRLF
  uint64_t left_ = 0;  // of the chunk's data
};

}  // namespace agent::ctl
