// lz-string benchmark, C++ side: compress and decompress the text in a file
// with src/plan/lz_string.h and print one JSON line. bench/lz_string_bench.mjs
// runs it beside the npm lz-string on the same text and prints the ratio.
//
//   roundtable_lz_bench FILE [RUNS]
//   -> {"units":..., "compressedLength":..., "compressMs":..., "decompressMs":..., "compressed":"..."}
//
// Times are medians over RUNS (default 200) after a warm-up; "compressed" is
// the output itself, so the caller can check both sides did the same work.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "lib0/utf.h"
#include "plan/lz_string.h"

namespace {

template <typename F>
double medianMs(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: roundtable_lz_bench FILE [RUNS]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 1;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;

  using roundtable::plan::compressToEncodedURIComponent;
  using roundtable::plan::decompressFromEncodedURIComponent;
  std::string compressed = compressToEncodedURIComponent(text);
  if (decompressFromEncodedURIComponent(compressed) != text) {
    std::cerr << "round trip failed\n";
    return 1;
  }
  size_t sink = 0;  // keeps the calls from being optimized away
  medianMs(runs / 10 + 1, [&] { sink += compressToEncodedURIComponent(text).size(); });
  const double compressMs = medianMs(runs, [&] { sink += compressToEncodedURIComponent(text).size(); });
  const double decompressMs = medianMs(runs, [&] { sink += decompressFromEncodedURIComponent(compressed)->size(); });
  std::printf(
      "{\"units\":%zu,\"compressedLength\":%zu,\"compressMs\":%.4f,\"decompressMs\":%.4f,\"sink\":%zu,\"compressed\":\"%s\"}\n",
      roundtable::lib0::utf16Length(text), compressed.size(), compressMs, decompressMs, sink, compressed.c_str());
  return 0;
}
