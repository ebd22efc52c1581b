#include "hub/room_secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <random>
#include <vector>

namespace roundtable::hub {
namespace {

namespace fs = std::filesystem;

class RoomSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("room-secrets-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    file_ = dir_ / "room-secrets.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<RoomSecrets> open() {
    std::unique_ptr<RoomSecrets> secrets;
    Status s = RoomSecrets::open(file_, &secrets);
    EXPECT_TRUE(s.ok()) << s.message();
    return secrets;
  }
  void writeFile(const std::string& text) { std::ofstream(file_, std::ios::binary) << text; }
  Status openStatus() {
    std::unique_ptr<RoomSecrets> secrets;
    return RoomSecrets::open(file_, &secrets);
  }

  fs::path dir_;
  fs::path file_;
};

TEST_F(RoomSecretsTest, EnsureMakesOneSecretPerPlanThatSurvivesReopen) {
  auto secrets = open();
  EXPECT_FALSE(secrets->get("plan1"));
  std::string first, again;
  ASSERT_TRUE(secrets->ensure("plan1", &first).ok());
  EXPECT_TRUE(RoomSecrets::valid(first));
  EXPECT_EQ(first.size(), 24u);  // 18 bytes, base64url, no padding
  ASSERT_TRUE(secrets->ensure("plan1", &again).ok());
  EXPECT_EQ(again, first);
  secrets.reset();

  auto reopened = open();
  EXPECT_EQ(reopened->get("plan1"), first);
  ASSERT_TRUE(reopened->ensure("plan1", &again).ok());
  EXPECT_EQ(again, first);
  EXPECT_EQ(reopened->all().size(), 1u);
}

TEST_F(RoomSecretsTest, NewSecretsDiffer) {
  std::string a, b;
  ASSERT_TRUE(RoomSecrets::newSecret(&a).ok());
  ASSERT_TRUE(RoomSecrets::newSecret(&b).ok());
  EXPECT_NE(a, b);
  EXPECT_TRUE(RoomSecrets::valid(a));
}

TEST_F(RoomSecretsTest, AdoptKeepsTheFirstSecret) {
  auto secrets = open();
  std::string kept;
  ASSERT_TRUE(secrets->adopt("older", "browser-secret-0123456789", &kept).ok());
  EXPECT_EQ(kept, "browser-secret-0123456789");
  ASSERT_TRUE(secrets->adopt("older", "another-secret-0123456789", &kept).ok());
  EXPECT_EQ(kept, "browser-secret-0123456789");
  ASSERT_TRUE(secrets->ensure("older", &kept).ok());
  EXPECT_EQ(kept, "browser-secret-0123456789");
  secrets.reset();
  EXPECT_EQ(open()->get("older"), "browser-secret-0123456789");
}

TEST_F(RoomSecretsTest, InvalidSecretsAndPlanIdsAreRefused) {
  auto secrets = open();
  std::string kept;
  for (std::string bad : std::vector<std::string>{"", "short", std::string(129, 'a'), std::string("has space 0123456789"),
                          std::string("plus+slash/0123456789"), std::string("padding=0123456789=")}) {
    Status s = secrets->adopt("plan1", bad, &kept);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(RoomSecrets::valid(std::string(16, 'a')));
  EXPECT_TRUE(RoomSecrets::valid(std::string(128, '-')));
  for (std::string bad : std::vector<std::string>{std::string(), std::string(1025, 'p'), std::string("nul\0id", 6), std::string("\xff\xfe"),
                          std::string("plan-index")}) {
    EXPECT_EQ(secrets->adopt(bad, "good-secret-0123456789", &kept).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(secrets->ensure(bad, &kept).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(secrets->all().empty());
  EXPECT_FALSE(fs::exists(file_)) << "nothing refused was written";
}

TEST_F(RoomSecretsTest, CorruptFilesAreRefusedNamingTheFile) {
  const std::string secret = "\"good-secret-0123456789\"";
  for (std::string text : std::vector<std::string>{"not json", std::string("[]"), std::string("{\"version\":2,\"secrets\":{}}"),
                           std::string("{\"version\":1}"), std::string("{\"version\":1,\"secrets\":[]}"),
                           "{\"version\":1,\"secrets\":{\"plan1\":\"short\"}}",
                           "{\"version\":1,\"secrets\":{\"plan1\":17}}",
                           "{\"version\":1,\"secrets\":{\"\":" + secret + "}}",
                           "{\"version\":1,\"secrets\":{\"plan-index\":" + secret + "}}"}) {
    writeFile(text);
    Status s = openStatus();
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_NE(s.message().find(file_.string()), std::string::npos) << s.message();
  }
}

TEST_F(RoomSecretsTest, OversizedFileIsRefused) {
  fs::resize_file((writeFile("{}"), file_), RoomSecrets::kMaxFileBytes + 1);
  Status s = openStatus();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(file_.string()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("larger"), std::string::npos) << s.message();
}

TEST_F(RoomSecretsTest, FileIsOwnerOnlyAndLeavesNoTemporaryFiles) {
  auto secrets = open();
  std::string k;
  ASSERT_TRUE(secrets->ensure("plan1", &k).ok());
  ASSERT_TRUE(secrets->ensure("plan2", &k).ok());
  struct stat st {};
  ASSERT_EQ(::stat(file_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_F(RoomSecretsTest, ListenerHearsOncePerNewSecret) {
  auto secrets = open();
  std::vector<std::pair<std::string, std::string>> heard;
  secrets->setListener([&](const std::string& planId, const std::string& secret) {
    heard.emplace_back(planId, secret);
    EXPECT_EQ(secrets->get(planId), secret) << "told before it is kept";
  });
  std::string a, b, k;
  ASSERT_TRUE(secrets->ensure("plan1", &a).ok());
  ASSERT_TRUE(secrets->ensure("plan1", &k).ok());
  ASSERT_TRUE(secrets->adopt("plan1", "other-secret-0123456789", &k).ok());
  ASSERT_TRUE(secrets->adopt("plan2", "plan2-secret-0123456789", &b).ok());
  ASSERT_TRUE(secrets->adopt("plan2", "plan2-secret-0123456789", &k).ok());
  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0], std::make_pair(std::string("plan1"), a));
  EXPECT_EQ(heard[1], std::make_pair(std::string("plan2"), b));
}

TEST_F(RoomSecretsTest, RefusesMoreThanTheLimit) {
  // A file holding the limit, written as the class writes one: no new plan gets a secret.
  std::string text = "{\"version\":1,\"secrets\":{";
  for (size_t i = 0; i < RoomSecrets::kMaxSecrets; ++i)
    text += (i ? ",\"p" : "\"p") + std::to_string(i) + "\":\"secret-0123456789abcd\"";
  writeFile(text + "}}");
  auto secrets = open();
  std::string k;
  EXPECT_EQ(secrets->ensure("one-more", &k).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(secrets->adopt("one-more", "secret-0123456789abcd", &k).code(), StatusCode::kResourceExhausted);
  ASSERT_TRUE(secrets->ensure("p7", &k).ok()) << "plans that have one keep it";
  EXPECT_EQ(k, "secret-0123456789abcd");
  // One past the limit in the file is refused.
  writeFile(text + ",\"extra\":\"secret-0123456789abcd\"}}");
  EXPECT_FALSE(openStatus().ok());
}

TEST_F(RoomSecretsTest, UnwritableDirectoryFailsWithoutKeepingTheSecret) {
  file_ = dir_ / "missing" / "room-secrets.json";
  auto secrets = open();
  std::string k;
  Status s = secrets->ensure("plan1", &k);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("room-secrets.json"), std::string::npos) << s.message();
  EXPECT_FALSE(secrets->get("plan1")) << "a secret not written must not be handed out";
}

}  // namespace
}  // namespace roundtable::hub
