// The OQSCD code tables that the 資格確認 messages carry (eligibility-system.md §1.9, as
// implemented in public code). The client parser refuses a value outside its table; the reference
// eligibility service only ever sends values from these tables.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace onshi::xmlmsg {

struct CodeValue {
  std::string_view value;
  std::string_view meaning;
};

struct CodeTable {
  std::string_view id;  // "OQSCD003"
  std::string_view name;
  std::span<const CodeValue> values;

  std::optional<std::string_view> meaning(std::string_view value) const;
  bool contains(std::string_view value) const { return meaning(value).has_value(); }
};

namespace codes {
extern const CodeTable kLimitConsent;  // OQSCD001 0 未同意, 1 同意
extern const CodeTable kReferenceClass;  // OQSCD002 1 マイナンバーカード, 2 被保険者証情報
extern const CodeTable kSegmentOfResult;   // OQSCD003 1 正常終了, 2 処理中, 9 異常終了
extern const CodeTable kProcessingStatus;  // OQSCD004 1 正常終了, 2 エラー
extern const CodeTable kQualificationValidity;  // OQSCD006 1..6
extern const CodeTable kSex;                    // OQSCD007 1 男, 2 女, 3 未設定
extern const CodeTable kReasonOfLoss;           // OQSCD008 01, 02, 03, 99
extern const CodeTable kPersonalFamily;         // OQSCD009 1 本人, 2 家族
extern const CodeTable kInsuredCardClass;       // OQSCD010 01..07, A1
extern const CodeTable kLimitCertClass;         // OQSCD011 01..03
extern const CodeTable kLimitCertFlag;          // OQSCD012 A01..A06, B01..B10
extern const CodeTable kSpecificDisease;        // OQSCD013 1..3
extern const CodeTable kLimitChanged;           // OQSCD014 0, 1
extern const CodeTable kPreschool;              // OQSCD015 1
extern const CodeTable kConsent;  // OQSCD016 0 なし, 1 あり, 2 期限切れ, 3 取得困難
}  // namespace codes

// SegmentOfResult (OQSCD003) and QualificationValidity (OQSCD006) values by name.
inline constexpr std::string_view kSegmentNormal = "1";
inline constexpr std::string_view kSegmentProcessing = "2";
inline constexpr std::string_view kSegmentAbnormal = "9";
inline constexpr std::string_view kStatusNormal = "1";
inline constexpr std::string_view kStatusError = "2";
inline constexpr std::string_view kValidityValid = "1";
inline constexpr std::string_view kValidityInvalid = "2";
inline constexpr std::string_view kValidityInvalidNewer = "3";
inline constexpr std::string_view kValidityNone = "4";
inline constexpr std::string_view kValidityMultiple = "5";

}  // namespace onshi::xmlmsg
