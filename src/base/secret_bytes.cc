#include "base/secret_bytes.h"

#include <sodium.h>

namespace tessera {

void wipe_memory(void* data, std::size_t size) {
  if (data != nullptr && size > 0) sodium_memzero(data, size);
}

void wipe_string(std::string& text) {
  // Wipe the whole capacity: a shorter string may have left secret bytes past size().
  text.resize(text.capacity());
  wipe_memory(text.data(), text.size());
  text.clear();
}

SecretBytes::SecretBytes(std::size_t size) : bytes_(size, 0) {}

SecretBytes::SecretBytes(std::span<const std::uint8_t> bytes)
    : bytes_(bytes.begin(), bytes.end()) {}

SecretBytes SecretBytes::from_string(std::string_view text) {
  return SecretBytes(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

SecretBytes::SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}

SecretBytes& SecretBytes::operator=(const SecretBytes& other) {
  if (this != &other) {
    wipe();
    bytes_ = other.bytes_;
  }
  return *this;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.bytes_.clear();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  wipe();
}

bool SecretBytes::equals(const SecretBytes& other) const {
  if (bytes_.size() != other.bytes_.size()) return false;
  if (bytes_.empty()) return true;
  return sodium_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

void SecretBytes::wipe() {
  // A vector never shrinks its buffer on clear(), so wiping capacity() covers every byte it held.
  if (bytes_.capacity() > 0) {
    bytes_.resize(bytes_.capacity());
    wipe_memory(bytes_.data(), bytes_.size());
  }
  bytes_.clear();
}

}  // namespace tessera
