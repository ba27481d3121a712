// A whole file, read-only: memory-mapped where POSIX allows (so a large model's pages are
// read on demand by the OS, not copied through a buffer first), else read into memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sapwood::detail {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error(kInvalidArgument) if unreadable
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  void* mapping_ = nullptr;
  std::vector<std::uint8_t> buffer_;  // used when the file is not mapped
};

}  // namespace sapwood::detail
