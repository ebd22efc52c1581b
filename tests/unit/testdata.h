// Reads the public test data in tests/data (its README says what each file is).
#pragma once

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace roundtable::testing {

inline std::string testdataPath(const std::string& name) { return std::string(ROUNDTABLE_TESTDATA_DIR) + "/" + name; }

inline std::vector<uint8_t> readTestdata(const std::string& name) {
  std::ifstream in(testdataPath(name), std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace roundtable::testing
