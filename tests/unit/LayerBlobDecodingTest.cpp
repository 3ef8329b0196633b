// A layer blob read as the tar it holds: by its first bytes, from a range of a file, with
// both digests (stored bytes and tar) equal to a hash of the whole of each, and every way a
// compressed stream can be cut short or followed by something else refused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <random>

#include "LayerStream.h"
#include "Sha256.h"
#include "UniqueFd.h"

using namespace agent;
using namespace agent::image;

namespace {

std::string gzipOf(std::string_view data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstdOf(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// Bytes that do not compress to nothing: 1 MiB, more than the stream's reads and buffers.
std::string someTar() {
  std::mt19937 random(13);
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(random() % 16);
  return data;
}

// A file holding `before`, the blob, then `after`: a layer inside a docker save archive.
class BlobFile {
 public:
  BlobFile(std::string_view before, std::string_view blob, std::string_view after) : length_(blob.size()) {
    char name[] = "/tmp/layer-blob-XXXXXX";
    fd_.reset(::mkstemp(name));
    ::unlink(name);
    std::string all = std::string(before) + std::string(blob) + std::string(after);
    EXPECT_EQ(::write(fd_.get(), all.data(), all.size()), static_cast<ssize_t>(all.size()));
    offset_ = before.size();
  }
  explicit BlobFile(std::string_view blob) : BlobFile("", blob, "") {}
  LayerStream stream() const { return LayerStream(fd_.get(), offset_, length_); }
  int fd() const { return fd_.get(); }
  uint64_t offset() const { return offset_; }
  uint64_t length() const { return length_; }

 private:
  UniqueFd fd_;
  uint64_t offset_ = 0, length_ = 0;
};

struct Decoded {
  std::string tar;
  std::string error;  // empty when the stream ended cleanly
};

Decoded readAll(LayerStream& stream) {
  Decoded decoded;
  std::vector<char> buffer(70000);
  while (true) {
    auto n = stream.read(buffer);
    if (!n) {
      decoded.error = n.error().message();
      return decoded;
    }
    if (*n == 0) return decoded;
    decoded.tar.append(buffer.data(), *n);
  }
}

}  // namespace

TEST(LayerBlobDecoding, PlainGzipAndZstdGiveTheSameTarAndBothDigests) {
  std::string tar = someTar();
  for (auto [blob, compression] :
       {std::pair{tar, LayerCompression::None}, std::pair{gzipOf(tar), LayerCompression::Gzip},
        std::pair{zstdOf(tar), LayerCompression::Zstd}}) {
    BlobFile file(blob);
    LayerStream stream = file.stream();
    Decoded decoded = readAll(stream);
    ASSERT_EQ(decoded.error, "") << compressionName(compression);
    EXPECT_TRUE(decoded.tar == tar) << compressionName(compression);
    EXPECT_EQ(stream.compression(), compression);
    EXPECT_EQ(stream.storedDigest(), sha256Digest(blob));
    EXPECT_EQ(stream.tarDigest(), sha256Digest(tar));
    EXPECT_EQ(stream.storedBytes(), blob.size());
    EXPECT_EQ(stream.tarBytes(), tar.size());
  }
}

TEST(LayerBlobDecoding, OnlyTheRangeIsReadAndTheFilePositionStaysPut) {
  std::string tar = someTar(), blob = gzipOf(tar);
  BlobFile file("0123456789 another layer before", blob, "manifest.json after it");
  ASSERT_EQ(::lseek(file.fd(), 5, SEEK_SET), 5);
  LayerStream stream = file.stream();
  Decoded decoded = readAll(stream);
  ASSERT_EQ(decoded.error, "");
  EXPECT_TRUE(decoded.tar == tar);
  EXPECT_EQ(stream.storedDigest(), sha256Digest(blob));
  EXPECT_EQ(::lseek(file.fd(), 0, SEEK_CUR), 5);
}

TEST(LayerBlobDecoding, GzipMembersOneAfterAnotherAreOneTar) {
  std::string tar = someTar();
  std::string blob = gzipOf(tar.substr(0, 1000000)) + gzipOf(tar.substr(1000000, 7)) + gzipOf(tar.substr(1000007));
  BlobFile file(blob);
  LayerStream stream = file.stream();
  Decoded decoded = readAll(stream);
  ASSERT_EQ(decoded.error, "");
  EXPECT_TRUE(decoded.tar == tar);
  EXPECT_EQ(stream.tarDigest(), sha256Digest(tar));
}

TEST(LayerBlobDecoding, ZstdFramesOneAfterAnotherAreOneTar) {
  std::string tar = someTar();
  std::string blob = zstdOf(tar.substr(0, 600000)) + zstdOf(tar.substr(600000));
  BlobFile file(blob);
  LayerStream stream = file.stream();
  Decoded decoded = readAll(stream);
  ASSERT_EQ(decoded.error, "");
  EXPECT_TRUE(decoded.tar == tar);
}

TEST(LayerBlobDecoding, ACompressedStreamCutShortIsRefused) {
  std::string tar = someTar();
  std::string gz = gzipOf(tar), zst = zstdOf(tar);
  // Cut inside the data, and cut inside the trailer (gzip's CRC and length: the data is whole).
  for (size_t keep : {gz.size() / 2, gz.size() - 4}) {
    BlobFile file(gz.substr(0, keep));
    LayerStream stream = file.stream();
    EXPECT_NE(readAll(stream).error.find("gzip stream cut short"), std::string::npos) << keep;
  }
  for (size_t keep : {zst.size() / 2, zst.size() - 1}) {
    BlobFile file(zst.substr(0, keep));
    LayerStream stream = file.stream();
    EXPECT_NE(readAll(stream).error.find("zstd stream cut short"), std::string::npos) << keep;
  }
}

TEST(LayerBlobDecoding, BytesAfterTheCompressedStreamAreRefused) {
  std::string tar = someTar();
  BlobFile gz(gzipOf(tar) + "trailing garbage");
  LayerStream gzStream = gz.stream();
  EXPECT_NE(readAll(gzStream).error.find("bytes after its gzip stream that are not gzip"), std::string::npos);
  BlobFile zst(zstdOf(tar) + "trailing garbage");
  LayerStream zstStream = zst.stream();
  EXPECT_NE(readAll(zstStream).error.find("is not valid zstd"), std::string::npos);
}

TEST(LayerBlobDecoding, ACorruptGzipIsRefused) {
  std::string gz = gzipOf(someTar());
  gz[gz.size() / 2] ^= 0x55;
  BlobFile file(gz);
  LayerStream stream = file.stream();
  EXPECT_NE(readAll(stream).error.find("is not valid gzip"), std::string::npos);
}

TEST(LayerBlobDecoding, AFileShorterThanTheRangeIsRefusedSayingHowMuchItHas) {
  std::string tar = someTar();
  BlobFile file(tar);
  LayerStream stream(file.fd(), 0, tar.size() + 100);
  Decoded decoded = readAll(stream);
  EXPECT_NE(decoded.error.find("cut short: its file ends after 1048576 of its 1048676 bytes"), std::string::npos)
      << decoded.error;
}

TEST(LayerBlobDecoding, TheStoredDigestOfARefusedBlobCoversAllOfIt) {
  std::string gz = gzipOf(someTar());
  gz[100] ^= 0x55;
  BlobFile file(gz);
  LayerStream stream = file.stream();
  EXPECT_NE(readAll(stream).error, "");
  ASSERT_TRUE(stream.hashRest());
  EXPECT_EQ(stream.storedDigest(), sha256Digest(gz));
}
