#include "util/mapped_file.hpp"

#include <fstream>

#include "sapwood/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define SAPWOOD_HAVE_MMAP 1
#endif

namespace sapwood::detail {
namespace {

[[noreturn]] void unreadable(const std::string& path, const char* why) {
  throw Error(ErrorCode::kInvalidArgument, std::string("cannot ") + why + " model file '" + path + "'");
}

}  // namespace

MappedFile::MappedFile(const std::string& path) {
#ifdef SAPWOOD_HAVE_MMAP
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) unreadable(path, "open");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    unreadable(path, "read");
  }
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ > 0) {
    void* mapping = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping != MAP_FAILED) {
      mapping_ = mapping;
      data_ = static_cast<const std::uint8_t*>(mapping);
      ::close(fd);
      return;
    }
  }
  ::close(fd);
#endif
  // Not mappable (an empty file, or a platform without mmap): read it instead.
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) unreadable(path, "open");
  const std::streamoff end = file.tellg();
  if (end < 0) unreadable(path, "read");
  buffer_.resize(static_cast<std::size_t>(end));
  file.seekg(0);
  if (!buffer_.empty() && !file.read(reinterpret_cast<char*>(buffer_.data()), end)) unreadable(path, "read");
  data_ = buffer_.data();
  size_ = buffer_.size();
}

MappedFile::~MappedFile() {
#ifdef SAPWOOD_HAVE_MMAP
  if (mapping_ != nullptr) ::munmap(mapping_, size_);
#endif
}

}  // namespace sapwood::detail
