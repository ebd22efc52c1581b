#include <cstdio>
int main(int argc, char** argv) { std::fprintf(stderr, "roundtable: no command yet\n"); return 2; }
