// The shared test data made by the real yjs: every case must come out as yjs says.
#include <gtest/gtest.h>

#include "lib0/any.h"
#include "lib0/decoder.h"
#include "lib0/json.h"
#include "roundtable/crdt/doc.h"
#include "testdata.h"

namespace roundtable::crdt {
namespace {

TEST(SmallTestDataset, AllCasesMatchYjs) {
  std::vector<uint8_t> data = testing::readTestdata("small-test-dataset.bin");
  ASSERT_FALSE(data.empty()) << "missing " << testing::testdataPath("small-test-dataset.bin");
  lib0::Decoder dec(data);
  uint64_t caseCount = dec.readVarUint();
  EXPECT_EQ(caseCount, 5320u);
  uint64_t updates = 0, failures = 0;
  for (uint64_t c = 0; c < caseCount; c++) {
    Doc doc;
    uint64_t n = dec.readVarUint();
    for (uint64_t i = 0; i < n; i++) {
      auto u = dec.readVarUint8Array();
      Status s = doc.applyUpdate(u);
      ASSERT_TRUE(s.ok()) << "case " << c << " update " << i << ": " << s.message();
      updates++;
    }
    std::string text = dec.readVarString();
    Value map = lib0::readAny(dec);
    Value array = lib0::readAny(dec);
    std::string gotText = doc.getText("text").toString();
    Value gotMap = doc.getMap("map").toJSON();
    Value gotArray = doc.getArray("array").toJSON();
    if (gotText != text || !(gotMap == map) || !(gotArray == array)) {
      if (++failures <= 5) {
        ADD_FAILURE() << "case " << c << ":\n text " << gotText << "\n want " << text << "\n map " << lib0::toJSON(gotMap)
                      << "\n want " << lib0::toJSON(map) << "\n array " << lib0::toJSON(gotArray) << "\n want "
                      << lib0::toJSON(array);
      }
    }
  }
  EXPECT_EQ(updates, 46385u);
  EXPECT_EQ(failures, 0u);
}

}  // namespace
}  // namespace roundtable::crdt
