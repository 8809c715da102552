#include "onshi/pcsc/context.hpp"

#include "onshi/pcsc/pcsc_error.hpp"

namespace onshi::pcsc {

Result<Context> Context::establish(PcscApi& api) {
  SCARDCONTEXT handle = 0;
  const LONG rv = api.establish_context(SCARD_SCOPE_SYSTEM, &handle);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "SCardEstablishContext");
  return Context(api, handle);
}

Context::Context(Context&& other) noexcept
    : api_(other.api_), handle_(other.handle_), owned_(other.owned_) {
  other.owned_ = false;
}

Context& Context::operator=(Context&& other) noexcept {
  if (this != &other) {
    release();
    api_ = other.api_;
    handle_ = other.handle_;
    owned_ = other.owned_;
    other.owned_ = false;
  }
  return *this;
}

Context::~Context() { release(); }

void Context::release() noexcept {
  if (owned_) {
    api_->release_context(handle_);  // nothing useful to do with a failure here
    owned_ = false;
  }
}

std::vector<std::string> split_multi_string(const char* data, std::size_t length) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (data[i] == '\0') {
      if (i == start) break;  // empty string: end of list
      out.emplace_back(data + start, i - start);
      start = i + 1;
    }
  }
  if (start < length && data[length - 1] != '\0') out.emplace_back(data + start, length - start);
  return out;
}

Result<std::vector<std::string>> Context::list_readers() const {
  // The list can change between the two calls: retry while the buffer turns out too small.
  for (int attempt = 0; attempt < 4; ++attempt) {
    DWORD length = 0;
    LONG rv = api_->list_readers(handle_, nullptr, &length);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "SCardListReaders");
    std::string buffer(length, '\0');
    rv = api_->list_readers(handle_, buffer.data(), &length);
    if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return std::vector<std::string>{};
    if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "SCardListReaders");
    if (length > buffer.size()) length = static_cast<DWORD>(buffer.size());  // never trust it
    return split_multi_string(buffer.data(), length);
  }
  return fail(Errc::pcsc_failure, "SCardListReaders: the reader list kept changing");
}

Status Context::cancel() const {
  const LONG rv = api_->cancel(handle_);
  if (rv != SCARD_S_SUCCESS) return pcsc_error(rv, "SCardCancel");
  return {};
}

Result<std::shared_ptr<Context>> SharedContext::context() {
  const std::lock_guard lock(mutex_);
  if (!context_) {
    auto ctx = Context::establish(api_);
    if (!ctx) return std::move(ctx).error();
    context_ = std::make_shared<Context>(std::move(ctx).value());
  }
  return context_;
}

void SharedContext::invalidate() {
  const std::lock_guard lock(mutex_);
  context_.reset();
}

}  // namespace onshi::pcsc
