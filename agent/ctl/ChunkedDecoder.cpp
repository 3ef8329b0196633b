#include "ChunkedDecoder.h"

#include <charconv>

namespace agent::ctl {

namespace {

constexpr size_t kMaxLine = 4096;  // a size line with extensions, or a trailer: far less in practice

tl::unexpected<Error> malformed(const std::string& what) {
  return logicError("read agentd's reply (" + what + ")", "", EPROTO);
}

}  // namespace

Result<bool> ChunkedDecoder::feed(std::string_view bytes, std::string& out) {
  while (!bytes.empty() && state_ != State::Done) {
    if (state_ == State::Data) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left_, bytes.size()));
      out.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      left_ -= n;
      if (left_ == 0) state_ = State::DataEnd;
      continue;
    }
    // A line: the size, the CRLF after a chunk's data, or a trailer.
    size_t eol = bytes.find('\n');
    std::string_view piece = bytes.substr(0, eol == std::string_view::npos ? bytes.size() : eol + 1);
    line_.append(piece);
    bytes.remove_prefix(piece.size());
    if (line_.size() > kMaxLine) return malformed("a chunk's size line is too long");
    if (line_.back() != '\n') continue;
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return malformed("a chunk line does not end in CRLF");
    std::string_view line(line_.data(), line_.size() - 2);
    if (state_ == State::DataEnd) {
      if (!line.empty()) return malformed("a chunk is longer than its size");
      state_ = State::Size;
    } else if (state_ == State::Size) {
      std::string_view size = line.substr(0, line.find(';'));
      while (!size.empty() && (size.back() == ' ' || size.back() == '\t')) size.remove_suffix(1);
      auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), left_, 16);
      if (ec != std::errc() || end != size.data() + size.size() || size.empty())
        return malformed("bad chunk size `" + std::string(size.substr(0, 32)) + "`");
      state_ = left_ == 0 ? State::Trailer : State::Data;
    } else if (line.empty()) {  // Trailer: an empty line ends the body
      state_ = State::Done;
    }
    line_.clear();
  }
  return state_ == State::Done;
}

}  // namespace agent::ctl
