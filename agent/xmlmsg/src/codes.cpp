#include "onshi/xmlmsg/codes.hpp"

#include <array>

namespace onshi::xmlmsg {

std::optional<std::string_view> CodeTable::meaning(std::string_view value) const {
  for (const auto& v : values) {
    if (v.value == value) return v.meaning;
  }
  return std::nullopt;
}

namespace codes {
namespace {
// eligibility-system.md §1.9.
constexpr std::array<CodeValue, 2> k001{{{"0", "未同意"}, {"1", "同意"}}};
constexpr std::array<CodeValue, 2> k002{{{"1", "マイナンバーカード"}, {"2", "被保険者証情報"}}};
constexpr std::array<CodeValue, 3> k003{{{"1", "正常終了"}, {"2", "処理中"}, {"9", "異常終了"}}};
constexpr std::array<CodeValue, 2> k004{{{"1", "正常終了"}, {"2", "エラー"}}};
constexpr std::array<CodeValue, 6> k006{{{"1", "有効"},
                                         {"2", "無効"},
                                         {"3", "無効（新しい資格あり）"},
                                         {"4", "該当資格なし"},
                                         {"5", "複数該当"},
                                         {"6", "有効（未登録）"}}};
constexpr std::array<CodeValue, 3> k007{{{"1", "男"}, {"2", "女"}, {"3", "未設定"}}};
constexpr std::array<CodeValue, 4> k008{
    {{"01", "死亡"}, {"02", "生活保護受給開始"}, {"03", "医療保険等の資格取得"}, {"99", "その他"}}};
constexpr std::array<CodeValue, 2> k009{{{"1", "本人"}, {"2", "家族"}}};
constexpr std::array<CodeValue, 8> k010{{{"01", "一般"},
                                         {"02", "退職"},
                                         {"03", "短期(一般)"},
                                         {"04", "短期(退職)"},
                                         {"05", "資格証明書/特別療養費支給対象者"},
                                         {"06", "特例退職"},
                                         {"07", "自衛官診療証"},
                                         {"A1", "医療扶助"}}};
constexpr std::array<CodeValue, 3> k011{
    {{"01", "限度額適用"}, {"02", "限度額適用・標準負担額減額"}, {"03", "標準負担額減額"}}};
constexpr std::array<CodeValue, 16> k012{{{"A01", "ア"},
                                          {"A02", "イ"},
                                          {"A03", "ウ"},
                                          {"A04", "エ"},
                                          {"A05", "オ"},
                                          {"A06", "オ(境)"},
                                          {"B01", "現役並みⅢ"},
                                          {"B02", "現役並みⅡ"},
                                          {"B03", "現役並みⅠ"},
                                          {"B04", "一般"},
                                          {"B05", "低所得Ⅱ"},
                                          {"B06", "低所得Ⅰ"},
                                          {"B07", "低所得Ⅰ(老福)"},
                                          {"B08", "低所得Ⅰ(境)"},
                                          {"B09", "一般Ⅱ"},
                                          {"B10", "一般Ⅰ"}}};
constexpr std::array<CodeValue, 3> k013{
    {{"1", "人工透析を要する慢性腎不全"}, {"2", "血友病"}, {"3", "血液凝固因子製剤起因HIV"}}};
constexpr std::array<CodeValue, 2> k014{{{"0", "変更なし"}, {"1", "変更あり/判定不能"}}};
constexpr std::array<CodeValue, 1> k015{{{"1", "未就学該当"}}};
constexpr std::array<CodeValue, 4> k016{
    {{"0", "なし"}, {"1", "あり"}, {"2", "有効期限切れ"}, {"3", "取得困難"}}};
}  // namespace

const CodeTable kLimitConsent{"OQSCD001", "限度額適用認定証関連情報同意フラグ", k001};
const CodeTable kReferenceClass{"OQSCD002", "照会区分", k002};
const CodeTable kSegmentOfResult{"OQSCD003", "処理結果区分", k003};
const CodeTable kProcessingStatus{"OQSCD004", "処理結果状況", k004};
const CodeTable kQualificationValidity{"OQSCD006", "資格有効性", k006};
const CodeTable kSex{"OQSCD007", "性別", k007};
const CodeTable kReasonOfLoss{"OQSCD008", "資格喪失事由", k008};
const CodeTable kPersonalFamily{"OQSCD009", "本人・家族区分", k009};
const CodeTable kInsuredCardClass{"OQSCD010", "被保険者証区分", k010};
const CodeTable kLimitCertClass{"OQSCD011", "限度額適用認定証区分", k011};
const CodeTable kLimitCertFlag{"OQSCD012", "適用区分", k012};
const CodeTable kSpecificDisease{"OQSCD013", "特定疾病認定疾病区分", k013};
const CodeTable kLimitChanged{"OQSCD014", "限度額情報変更有無", k014};
const CodeTable kPreschool{"OQSCD015", "未就学区分", k015};
const CodeTable kConsent{"OQSCD016", "同意区分", k016};
}  // namespace codes

}  // namespace onshi::xmlmsg
