#include "LayerDecoder.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <new>
#include <string>

namespace agent::image {

namespace {

class PlainDecoder : public LayerDecoder {
 public:
  Result<size_t> decode(std::string_view& input, std::span<char> output) override {
    size_t n = std::min(input.size(), output.size());
    if (n == 0) return 0;  // an empty view may hold no pointer, which memcpy may not take
    std::memcpy(output.data(), input.data(), n);
    input.remove_prefix(n);
    return n;
  }
  Result<void> finish() override { return {}; }
};

class GzipDecoder : public LayerDecoder {
 public:
  GzipDecoder() {
    // 16 + MAX_WBITS: a gzip header and trailer (CRC-32, length) are required and checked.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~GzipDecoder() override { inflateEnd(&stream_); }

  Result<size_t> decode(std::string_view& input, std::span<char> output) override {
    if (betweenMembers_) {
      if (input.empty()) return 0;
      inflateReset(&stream_);  // another member follows: what gzip(1) and Go's reader accept
      betweenMembers_ = false;
    }
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(std::min<size_t>(input.size(), UINT32_MAX));
    stream_.next_out = reinterpret_cast<Bytef*>(output.data());
    stream_.avail_out = static_cast<uInt>(std::min<size_t>(output.size(), UINT32_MAX));
    uInt inBefore = stream_.avail_in, outBefore = stream_.avail_out;
    int rc = inflate(&stream_, Z_NO_FLUSH);
    input.remove_prefix(inBefore - stream_.avail_in);
    size_t produced = outBefore - stream_.avail_out;
    if (rc == Z_STREAM_END) {
      betweenMembers_ = true;
      ++members_;
    } else if (rc == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string why = stream_.msg != nullptr ? stream_.msg : "zlib error " + std::to_string(rc);
      if (members_ > 0) return userError("has bytes after its gzip stream that are not gzip (" + why + ")");
      return userError("is not valid gzip (" + why + ")");
    }
    return produced;
  }

  Result<void> finish() override {
    if (!betweenMembers_) return userError("is a gzip stream cut short (it ends inside compressed data)");
    return {};
  }

 private:
  z_stream stream_{};
  bool betweenMembers_ = false;
  unsigned members_ = 0;
};

class ZstdDecoder : public LayerDecoder {
 public:
  ZstdDecoder() : stream_(ZSTD_createDStream()) {
    if (stream_ == nullptr) throw std::bad_alloc();
  }
  ~ZstdDecoder() override { ZSTD_freeDStream(stream_); }

  Result<size_t> decode(std::string_view& input, std::span<char> output) override {
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    ZSTD_outBuffer out{output.data(), output.size(), 0};
    size_t rc = ZSTD_decompressStream(stream_, &out, &in);
    if (ZSTD_isError(rc)) return userError(std::string("is not valid zstd (") + ZSTD_getErrorName(rc) + ")");
    input.remove_prefix(in.pos);
    // 0: a frame is complete and all of it flushed; anything else: more is needed. A call
    // that moved nothing says only how much the next frame's header needs.
    if (in.pos > 0 || out.pos > 0) frameOpen_ = rc != 0;
    return out.pos;
  }

  Result<void> finish() override {
    if (frameOpen_) return userError("is a zstd stream cut short (it ends inside a frame)");
    return {};
  }

 private:
  ZSTD_DStream* stream_;
  bool frameOpen_ = true;
};

}  // namespace

std::unique_ptr<LayerDecoder> makeLayerDecoder(LayerCompression compression) {
  switch (compression) {
    case LayerCompression::Gzip:
      return std::make_unique<GzipDecoder>();
    case LayerCompression::Zstd:
      return std::make_unique<ZstdDecoder>();
    case LayerCompression::None:
      break;
  }
  return std::make_unique<PlainDecoder>();
}

}  // namespace agent::image
