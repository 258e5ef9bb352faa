#include "crypto/master_key.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hex.h"
#include "crypto/aead.h"

namespace tessera {
namespace {

Result<SecretBytes> parse_key_text(std::string_view text, std::string_view source) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  if (text.size() != kMasterKeyBytes * 2) {
    return invalid_argument("the master key in " + std::string(source) +
                            " must be 64 hexadecimal characters");
  }
  auto bytes = from_hex(text);
  if (!bytes.ok()) {
    return invalid_argument("the master key in " + std::string(source) +
                            " must be 64 hexadecimal characters");
  }
  SecretBytes key(*bytes);
  wipe_memory(bytes->data(), bytes->size());
  return key;
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

Status create_master_key_file(const std::filesystem::path& path, Rng& rng) {
  std::error_code error;
  if (std::filesystem::exists(path, error)) {
    return already_exists("the master key file " + path.string() +
                          " already exists; it is never overwritten");
  }
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return permission_denied("cannot create " + temporary.string() + ": " + errno_text());
  }
  SecretBytes key = rng.secret_bytes(kMasterKeyBytes);
  std::string text = to_hex(key.span()) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  wipe_string(text);
  const bool synced = written && ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    std::filesystem::remove(temporary, error);
    return internal_error("cannot write " + temporary.string() + ": " + errno_text());
  }
  // link(2) fails if the target appeared meanwhile, so a concurrent init cannot replace a key.
  if (::link(temporary.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    std::filesystem::remove(temporary, error);
    if (saved == EEXIST) {
      return already_exists("the master key file " + path.string() + " already exists");
    }
    return internal_error("cannot create " + path.string() + ": " + std::strerror(saved));
  }
  std::filesystem::remove(temporary, error);
  return Status();
}

Result<SecretBytes> load_master_key(const std::filesystem::path& path) {
  if (const char* from_environment = std::getenv(kMasterKeyEnvironmentVariable);
      from_environment != nullptr && *from_environment != '\0') {
    return parse_key_text(from_environment, kMasterKeyEnvironmentVariable);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return not_found("no master key file at " + path.string() +
                       "; run `tessera init` to create one");
    }
    return permission_denied("cannot read the master key file " + path.string() + ": " +
                             errno_text());
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    ::close(fd);
    return internal_error("cannot inspect " + path.string() + ": " + errno_text());
  }
  if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    return permission_denied("the master key file " + path.string() +
                             " is readable by other users; run chmod 600 " + path.string());
  }
  char buffer[256];
  const ssize_t length = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (length < 0) return internal_error("cannot read " + path.string() + ": " + errno_text());
  auto key =
      parse_key_text(std::string_view(buffer, static_cast<std::size_t>(length)), path.string());
  wipe_memory(buffer, sizeof buffer);
  return key;
}

}  // namespace tessera
