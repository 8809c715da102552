// A unique_ptr deleter for C libraries' free functions (OpenSSL, libusb…):
//   using X509Ptr = std::unique_ptr<X509, onshi::CDeleter<X509_free>>;
#pragma once

namespace onshi {

template <auto Free>
struct CDeleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

}  // namespace onshi
