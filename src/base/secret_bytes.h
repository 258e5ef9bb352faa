// SecretBytes owns key material, seeds, codes and passwords. Its memory is wiped (sodium_memzero)
// when it is destroyed, resized or moved from. It is never printed: there is deliberately no
// operator<< and no implicit conversion to a string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size);  // zero-filled
  explicit SecretBytes(std::span<const std::uint8_t> bytes);
  static SecretBytes from_string(std::string_view text);

  SecretBytes(const SecretBytes& other);
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::span<const std::uint8_t> span() const { return bytes_; }
  std::span<std::uint8_t> mutable_span() { return bytes_; }

  // A view of the bytes as characters, for APIs that take text (a password). The view dies with
  // this object; copying it into a std::string defeats the wiping, so don't.
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  // Constant-time equality of contents (lengths may leak).
  bool equals(const SecretBytes& other) const;

  void wipe();  // zeroes and empties

 private:
  std::vector<std::uint8_t> bytes_;
};

// Zeroes a buffer in a way the compiler cannot elide. Use on std::string temporaries that held a
// secret before they go out of scope.
void wipe_memory(void* data, std::size_t size);
void wipe_string(std::string& text);

}  // namespace tessera
