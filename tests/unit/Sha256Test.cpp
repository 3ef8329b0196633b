// Image digests: sha256 as the OCI spec writes it, and only well-formed digests accepted.
#include "Sha256.h"

#include <gtest/gtest.h>

namespace agent::image {
namespace {

TEST(Sha256, KnownVectorsInTheSpecsForm) {
  EXPECT_EQ(sha256Digest(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 pieces;
  pieces.update("a");
  pieces.update("bc");
  EXPECT_EQ(pieces.digest(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, OnlyWellFormedDigestsAreAccepted) {
  EXPECT_TRUE(isSha256Digest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(isSha256Digest("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  EXPECT_FALSE(isSha256Digest("sha256:../../etc/passwd"));
  EXPECT_FALSE(isSha256Digest("sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  EXPECT_FALSE(isSha256Digest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
  EXPECT_EQ(digestHex("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855").size(), 64u);
}

}  // namespace
}  // namespace agent::image
