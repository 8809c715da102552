// The request journal's costs with synchronous=FULL (every commit fsynced): admit + succeed per
// second, the latency of one admit and of a find, opening a journal of N entries (quick_check
// included), and the file's size per entry. Run it on the disk the state directory lives on
// (default: a temp directory):
//   journal_bench [DIRECTORY]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "onshi/journal/journal.hpp"

namespace {

using namespace std::chrono;
using namespace onshi;
using namespace onshi::journal;
namespace fs = std::filesystem;

double ms_since(steady_clock::time_point t0) {
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// An insurance-card request and its answer about the size onshid journals them.
NewRequest request(int i) {
  NewRequest r;
  r.kind = "insurance_card";
  r.institution = "0110113719";
  r.uid = 1000;
  r.idempotency_key = fmt::format("bench-{:08}", i);
  r.request_sha256 = fmt::format("{:064x}", i);
  r.request_json =
      fmt::format(R"({{"method":"insurance_card","institution":"0110113719","insurer":"06139780",)"
                  R"("symbol":"記号{}","number":"{:08}","branch":"01","birth_date":"1980-04-01",)"
                  R"("date":"2026-12-02"}})",
                  i % 97, i);
  r.now = system_clock::now();
  return r;
}

std::string result_json(int i) {
  return fmt::format(
      R"({{"qualified":true,"name":"テスト 太郎{}","name_kana":"テスト タロウ","sex":"1",)"
      R"("insurer_name":"onshi健康保険組合","valid_from":"2024-04-01","copay_ratio":"30",)"
      R"("limit_category":null,"elderly":false,"pad":"{}"}})",
      i, std::string(600, 'x'));
}

std::uintmax_t size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

std::unique_ptr<Journal> open_or_die(const fs::path& file) {
  Options o;
  o.file = file;
  auto j = Journal::open(o);
  if (!j) {
    fmt::print(stderr, "journal: {}\n", j.error().to_string());
    std::exit(1);
  }
  return std::move(j).value();
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) {
    dir = fs::path(argv[1]) / fmt::format("onshi-journal-bench-{}", ::getpid());
  } else {
    char tmpl[] = "/tmp/onshi-journal-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  const fs::path file = dir / "journal.sqlite3";
  auto journal = open_or_die(file);
  const auto settings = journal->settings();
  fmt::print("journal {} (journal_mode={}, synchronous={})\n", file.string(),
             settings ? settings->journal_mode : "?", settings ? settings->synchronous : -1);

  constexpr int kRequests = 1000;
  std::vector<double> admit_ms, succeed_ms;
  std::vector<std::string> ids;
  const auto t0 = steady_clock::now();
  for (int i = 0; i < kRequests; ++i) {
    const auto a0 = steady_clock::now();
    auto a = journal->admit(request(i));
    admit_ms.push_back(ms_since(a0));
    if (!a) return 1;
    const auto s0 = steady_clock::now();
    if (!journal->succeed(a->entry.id, result_json(i), system_clock::now())) return 1;
    succeed_ms.push_back(ms_since(s0));
    ids.push_back(a->entry.id);
  }
  const double total = ms_since(t0);
  fmt::print("admit + succeed, one thread:   {:.0f} requests/s ({} in {:.0f} ms)\n",
             kRequests / (total / 1000), kRequests, total);
  fmt::print("admit (fsynced):               median {:.3f} ms, p99 {:.3f} ms\n",
             percentile(admit_ms, 0.5), percentile(admit_ms, 0.99));
  fmt::print("succeed (fsynced):             median {:.3f} ms, p99 {:.3f} ms\n",
             percentile(succeed_ms, 0.5), percentile(succeed_ms, 0.99));

  // The same key again: a retry answered from the journal (a read in a write transaction).
  std::vector<double> replay_ms;
  for (int i = 0; i < 200; ++i) {
    const auto r0 = steady_clock::now();
    auto again = journal->admit(request(i));
    replay_ms.push_back(ms_since(r0));
    if (!again || again->created) return 1;
  }
  fmt::print("admit of a retried key:        median {:.3f} ms, p99 {:.3f} ms\n",
             percentile(replay_ms, 0.5), percentile(replay_ms, 0.99));

  std::vector<double> find_ms;
  for (int i = 0; i < 5000; ++i) {
    const auto f0 = steady_clock::now();
    auto f = journal->find(ids[static_cast<std::size_t>(i * 7919) % ids.size()]);
    find_ms.push_back(ms_since(f0));
    if (!f || !*f) return 1;
  }
  fmt::print("find by id:                    median {:.1f} us, p99 {:.1f} us\n",
             percentile(find_ms, 0.5) * 1000, percentile(find_ms, 0.99) * 1000);

  // Four threads at once (onshid's workers): the mutex and the fsyncs are shared.
  constexpr int kThreads = 4, kEach = 150;
  const auto c0 = steady_clock::now();
  std::vector<std::thread> threads;
  bool ok = true;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int n = kRequests + t * kEach + i;
        auto a = journal->admit(request(n));
        if (!a || !journal->succeed(a->entry.id, result_json(n), system_clock::now())) ok = false;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double concurrent = ms_since(c0);
  if (!ok) return 1;
  fmt::print("admit + succeed, {} threads:    {:.0f} requests/s\n", kThreads,
             kThreads * kEach / (concurrent / 1000));

  const std::size_t entries = journal->stats()->entries;
  journal.reset();  // closing checkpoints the WAL into the file
  const auto bytes = size_or_zero(file);
  fmt::print("file after {} entries:      {:.2f} MiB ({:.0f} bytes per entry, WAL {} bytes)\n",
             entries, static_cast<double>(bytes) / (1024 * 1024),
             static_cast<double>(bytes) / static_cast<double>(entries),
             size_or_zero(file.string() + "-wal"));

  std::vector<double> open_ms;
  for (int i = 0; i < 5; ++i) {
    const auto o0 = steady_clock::now();
    auto reopened = open_or_die(file);
    open_ms.push_back(ms_since(o0));
  }
  fmt::print("open (with quick_check), {} entries: median {:.1f} ms\n", entries,
             percentile(open_ms, 0.5));

  journal = open_or_die(file);
  const auto p0 = steady_clock::now();
  auto purged = journal->purge_expired(system_clock::now() + hours(24 * 365));
  fmt::print("purge {} expired entries:   {:.1f} ms\n", purged ? *purged : 0, ms_since(p0));
  journal.reset();

  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
