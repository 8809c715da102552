// The certificate ledger's costs: writing a record (lock file, temp file, fsync, generation check,
// rename), listing a ledger of many records, and two processes writing one record at once. Run it
// on a local directory (default: a temp directory) or on a mounted share to see what SMB adds:
//   ledger_bench [DIRECTORY]
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "onshi/japan_calendar.hpp"
#include "onshi/ledger/ledger_directory.hpp"
#include "onshi/ledger/steps.hpp"

namespace {

using namespace std::chrono;
using namespace onshi;
using namespace onshi::ledger;
namespace fs = std::filesystem;

double ms_since(steady_clock::time_point t0) {
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

Recording at() {
  return {time_point_cast<seconds>(system_clock::now()), {"bench-machine", "bench"}};
}

LedgerDirectory open(const fs::path& dir) {
  LedgerOptions o;
  o.directory = dir;
  o.lock_wait = seconds(30);
  o.lock_stale_after = seconds(120);
  o.self = {"bench-machine", "bench"};
  return LedgerDirectory(o);
}

Record application(int i) {
  Application a;
  a.request_id = fmt::format("BENCH-{:05}", i);
  a.institution = "0110113719";
  a.terminal_name = fmt::format("受付{}号機", i % 7);
  a.contact = {"事務部 山田", "03-0000-0000", "jimu@example.jp"};
  a.applied_on = sys_days{2026y / 11 / 20};
  return *new_application(a, at());
}

// One edit of the record's phone number; the generation goes up by one.
bool edit(LedgerDirectory& dir, const std::string& id, const std::string& phone) {
  auto r = dir.update(id, [&](Record& rec) -> Result<bool> {
    ONSHI_TRY(record_contact_edit(rec, {std::nullopt, phone, std::nullopt}, at()));
    return true;
  });
  return r.has_value();
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir;
  if (argc > 1) {
    dir = fs::path(argv[1]) / fmt::format("onshi-ledger-bench-{}", ::getpid());
  } else {
    char tmpl[] = "/tmp/onshi-ledger-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
  }
  fs::create_directories(dir);
  auto ledger = open(dir);

  constexpr int kRecords = 300;
  std::vector<double> create_ms;
  for (int i = 0; i < kRecords; ++i) {
    const auto t0 = steady_clock::now();
    if (!ledger.create(application(i))) return 1;
    create_ms.push_back(ms_since(t0));
  }
  fmt::print("create a record:            median {:.3f} ms, p99 {:.3f} ms ({} records)\n",
             percentile(create_ms, 0.5), percentile(create_ms, 0.99), kRecords);

  std::vector<double> list_ms;
  for (int i = 0; i < 20; ++i) {
    const auto t0 = steady_clock::now();
    auto listing = ledger.list();
    if (!listing || listing->records.size() != kRecords) return 1;
    list_ms.push_back(ms_since(t0));
  }
  fmt::print("list {} records:           median {:.2f} ms, p99 {:.2f} ms\n", kRecords,
             percentile(list_ms, 0.5), percentile(list_ms, 0.99));

  constexpr int kEdits = 100;  // the history grows with each edit, as a record's does
  std::vector<double> update_ms;
  for (int i = 0; i < kEdits; ++i) {
    const auto t0 = steady_clock::now();
    if (!edit(ledger, "BENCH-00000", fmt::format("solo-{}", i))) return 1;
    update_ms.push_back(ms_since(t0));
  }
  fmt::print("update a record, alone:     median {:.3f} ms, p99 {:.3f} ms\n",
             percentile(update_ms, 0.5), percentile(update_ms, 0.99));

  // Two processes on one record: every write waits for the other's lock.
  const auto t0 = steady_clock::now();
  std::vector<pid_t> children;
  for (int w = 0; w < 2; ++w) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      auto mine = open(dir);
      for (int i = 0; i < kEdits; ++i) {
        if (!edit(mine, "BENCH-00001", fmt::format("w{}-{}", w, i))) ::_exit(1);
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  bool ok = true;
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  const double contended = ms_since(t0);
  auto final_record = ledger.read("BENCH-00001");
  if (!ok || !final_record || final_record->generation != 1 + 2 * kEdits) {
    fmt::print("contended writes LOST a step\n");
    return 1;
  }
  fmt::print(
      "update one record from 2 processes: {} writes in {:.0f} ms ({:.0f} writes/s), "
      "none lost\n",
      2 * kEdits, contended, 2 * kEdits / (contended / 1000));

  const auto c0 = steady_clock::now();
  int n = 0;
  for (sys_days d = sys_days{2026y / 1 / 1}; d < sys_days{2027y / 1 / 1}; d += days{1}) {
    n += add_business_days(d, 5).has_value() ? 1 : 0;
  }
  fmt::print("add_business_days(+5):      {:.2f} us each ({} days of 2026)\n",
             ms_since(c0) * 1000 / n, n);

  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
