"""Reason codes: every way an input can be refused, with the bilingual message a company reads.

A problem is reported with a reason code from `REASONS`; its English and Chinese messages are
templates filled with the problem's details (`{column}`, `{value}`, ...). Adding a check means adding
one entry here and the rule that raises it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Reason:
    code: str
    message_en: str
    message_zh: str
    severity: str = ERROR


_REASONS: tuple[Reason, ...] = (
    # whole files
    Reason("FILE_EMPTY", "The file is empty.", "文件为空。"),
    Reason("FILE_TOO_LARGE", "The file is {size_mb} MB; the limit is {limit_mb} MB. Split it into several files.", "文件大小为 {size_mb} MB，超过上限 {limit_mb} MB，请拆分为多个文件。"),
    Reason("FILE_UNSUPPORTED_TYPE", "Files of type '{value}' are not accepted; send CSV, XLSX or PACT JSON.", "不接受“{value}”类型的文件，请提交 CSV、XLSX 或 PACT JSON 文件。"),
    Reason("FILE_NOT_TEXT", "The file is not a text CSV file (it contains binary data).", "文件不是文本格式的 CSV 文件（含有二进制内容）。"),
    Reason("FILE_ENCODING", "The file's text encoding could not be read as UTF-8 or GB18030/GBK.", "无法按 UTF-8 或 GB18030/GBK 编码读取文件文本。"),
    Reason("FILE_NO_HEADER", "The file has no header row with the expected column names.", "文件缺少包含规定列名的表头行。"),
    Reason("FILE_NO_ROWS", "The file has a header but no data rows.", "文件只有表头，没有数据行。"),
    Reason("FILE_MISSING_COLUMNS", "Required columns are missing: {value}.", "缺少必填列：{value}。"),
    Reason("FILE_DUPLICATE_COLUMN", "The column '{column}' appears more than once in the header.", "表头中“{column}”列出现了不止一次。"),
    Reason("FILE_BAD_CSV", "The CSV structure is broken: {value}.", "CSV 文件结构错误：{value}。"),
    Reason("FILE_BAD_XLSX", "The workbook could not be opened: {value}.", "无法打开该 Excel 工作簿：{value}。"),
    Reason("FILE_UNKNOWN_SHEET", "The workbook needs the sheets 'products' and 'activities'; found: {value}.", "工作簿须包含“products”和“activities”两个工作表，实际为：{value}。"),
    Reason("FILE_BROKEN_JSON", "The JSON could not be parsed: {value}.", "JSON 无法解析：{value}。"),
    Reason("FILE_NOT_PACT", "The JSON is not a PACT ProductFootprint, a list of them or a list response: {value}.", "该 JSON 不是 PACT 产品碳足迹（单个、列表或列表响应）：{value}。"),
    Reason("FILE_DUPLICATE", "The file '{file_name}' holds exactly the same bytes as submission {value} (received as '{expected}'); it is the same submission and was not read again.", "文件“{file_name}”与报送 {value}（接收时文件名为“{expected}”）内容完全相同，视为同一报送，未再次读取。", WARNING),
    Reason("UNKNOWN_COLUMN", "The column '{column}' is not part of the template and was ignored.", "“{column}”列不在模板中，已忽略。", WARNING),
    # values in a row
    Reason("REQUIRED_MISSING", "'{column}' is required but empty.", "“{column}”为必填项，但未填写。"),
    Reason("USCC_FORMAT", "'{value}' is not a Unified Social Credit Code: it must be 18 characters of digits and capital letters (no I, O, Z, S, V).", "“{value}”不是有效的统一社会信用代码：应为18位数字或大写字母（不含 I、O、Z、S、V）。"),
    Reason("USCC_CHECK_CHARACTER", "The USCC '{value}' fails the GB 32100-2015 check: its last character should be '{expected}'. Check for a typo.", "统一社会信用代码“{value}”未通过 GB 32100-2015 校验：末位校验码应为“{expected}”，请检查是否录入有误。"),
    Reason("USCC_AREA_UNKNOWN", "The USCC '{value}' has registration area code {expected}, which is not a known GB/T 2260 area.", "统一社会信用代码“{value}”的登记管理机关行政区划码 {expected} 不是已知的 GB/T 2260 代码。"),
    Reason("NOT_A_NUMBER", "'{column}' must be a number; found '{value}'.", "“{column}”应为数字，实际为“{value}”。"),
    Reason("NEGATIVE_AMOUNT", "'{column}' must not be negative; found {value}.", "“{column}”不能为负数，实际为 {value}。"),
    Reason("NOT_POSITIVE", "'{column}' must be greater than 0; found {value}.", "“{column}”必须大于0，实际为 {value}。"),
    Reason("NOT_FINITE", "'{column}' must be a finite number; found '{value}'.", "“{column}”必须为有限数值，实际为“{value}”。"),
    Reason("ALLOCATION_SHARE_RANGE", "allocation_share must be greater than 0 and at most 1; found {value}.", "分配比例必须大于0且不大于1，实际为 {value}。"),
    Reason("BAD_DATE", "'{column}' must be a date written YYYY-MM-DD; found '{value}'.", "“{column}”应为 YYYY-MM-DD 格式的日期，实际为“{value}”。"),
    Reason("PERIOD_ORDER", "The reporting period ends ({value}) before it starts ({expected}).", "报告期结束日期（{value}）早于开始日期（{expected}）。"),
    Reason("BAD_CHOICE", "'{column}' must be one of {expected}; found '{value}'.", "“{column}”只能取 {expected} 之一，实际为“{value}”。"),
    Reason("UNKNOWN_CATEGORY", "'{value}' is not a product category code; see the category list.", "“{value}”不是有效的产品类别代码，请查阅类别表。"),
    Reason("UNKNOWN_UNIT", "'{value}' is not a unit of the unit catalogue.", "“{value}”不是单位表中的单位。"),
    Reason("UNIT_DIMENSION_MISMATCH", "The unit '{value}' ({value_dimension}) cannot be converted to '{expected}' ({expected_dimension}).", "单位“{value}”（{value_dimension}）无法换算为“{expected}”（{expected_dimension}）。"),
    Reason("PRODUCT_MASS_REQUIRED", "product_mass_kg is required when the declared unit is 'piece'.", "声明单位为“件”时必须填写单位产品质量（kg）。"),
    Reason("BAD_HS_CODE", "The HS code '{value}' must be 6 to 10 digits.", "HS编码“{value}”应为6至10位数字。"),
    Reason("BAD_MARKET_CODE", "'{value}' is not an ISO 3166 alpha-2 country code.", "“{value}”不是 ISO 3166 两字母国家代码。"),
    Reason("EXPORT_EXCEEDS_PRODUCTION", "export_volume ({value}) exceeds production_volume ({expected}).", "出口量（{value}）超过产量（{expected}）。"),
    Reason("REFERENCE_COUNT", "Give exactly one of activity_code, factor_id and supplier_product; this row gives {value}.", "活动代码、因子编号、供应商产品须且只能填写一项，本行填写了 {value} 项。"),
    Reason("BAD_SUPPLIER_REFERENCE", "supplier_product must be written <uscc>/<product_code>; found '{value}'.", "供应商产品应写作“统一社会信用代码/产品编码”，实际为“{value}”。"),
    Reason("STAGE_OUTSIDE_BOUNDARY", "The stage '{value}' is outside the system boundary {expected}.", "生命周期阶段“{value}”不在系统边界 {expected} 之内。"),
    Reason("INCONSISTENT_PRODUCT", "'{column}' differs between rows of product {product}: '{value}' against '{expected}'.", "产品 {product} 的各行中“{column}”不一致：“{value}”与“{expected}”。"),
    Reason("PRODUCT_HAS_REJECTED_ROWS", "This row is valid, but product {product} has rejected rows; resubmit the whole product.", "本行无误，但产品 {product} 存在被拒绝的行，请整体重新报送该产品。"),
    Reason("UNKNOWN_ACTIVITY_CODE", "No emission factor in effect has the activity code '{value}'.", "当前生效的排放因子中没有活动代码“{value}”。"),
    Reason("UNKNOWN_FACTOR_ID", "No emission factor in effect has the id '{value}'.", "当前生效的排放因子中没有编号为“{value}”的因子。"),
    Reason("NO_FACTOR_FOR_UNIT", "No factor with activity code '{value}' is in a unit convertible from '{expected}'.", "活动代码“{value}”的因子均无法与单位“{expected}”换算。"),
    Reason("NO_FACTOR_FOR_GEOGRAPHY", "No factor with activity code '{value}' covers the company's location ({expected}).", "活动代码“{value}”的因子均不适用于企业所在地（{expected}）。"),
    Reason("SUPPLIER_NOT_AVAILABLE", "The supplier product '{value}' has no footprint that can be used: it was rejected or depends on a rejected product.", "供应商产品“{value}”没有可用的碳足迹：该产品被拒绝，或其依赖的产品被拒绝。"),
    Reason("UNKNOWN_SUPPLIER_PRODUCT", "The supplier product '{value}' has no accepted submission covering this period.", "供应商产品“{value}”没有覆盖本报告期的已接受报送。"),
    Reason("SUPPLIER_CYCLE", "Product {product} is part of a supplier cycle: {value}. Products on a cycle are not published.", "产品 {product} 处于供应链循环中：{value}。循环中的产品不予发布。"),
    Reason("PACT_NO_BIOGENIC_TOTAL", "The PACT footprint of product {product} gives no total including biogenic uptake ({value}). Releases publish both totals, so the product is not published; send the footprint again with it.", "产品 {product} 的 PACT 碳足迹未给出含生物源吸收的总量（{value}）。发布数据须包含两项总量，因此该产品不予发布；请补充该项后重新报送。"),
    Reason("GWP_BASIS_MISMATCH", "Factor {value} is given as CO2e on {expected}, not on this run's GWP set.", "因子 {value} 的CO2当量基于 {expected}，与本次计算采用的GWP不一致。", WARNING),
    Reason("OUT_OF_PLAUSIBLE_RANGE", "The footprint {value} kgCO2e per {unit} is outside the plausible range {expected} for its category; it is held back for review.", "碳足迹 {value} kgCO2e/{unit} 超出该类别的合理范围 {expected}，暂不发布，待复核。"),
    Reason("SUPERSEDED", "A later submission ({value}) replaces this product and period.", "该产品本报告期已被后续报送（{value}）替代。", WARNING),
    # factor releases
    Reason("RELEASE_METADATA", "release.json is invalid: {value}.", "release.json 无效：{value}。"),
    Reason("RELEASE_ID_MISMATCH", "release.json names release '{value}' but the folder is '{expected}'.", "release.json 中的发布编号“{value}”与文件夹名“{expected}”不一致。"),
    Reason("DUPLICATE_FACTOR_ID", "The factor id '{value}' appears more than once in the release.", "因子编号“{value}”在本次发布中重复出现。"),
    Reason("BAD_FACTOR_ID", "The factor id '{value}' may use only letters, digits, '.', '_' and '-'.", "因子编号“{value}”只能包含字母、数字、“.”、“_”和“-”。"),
    Reason("BAD_GEOGRAPHY", "'{value}' is not GLO, CN, a province code like CN-SD or a city code like CN-SD-370200.", "“{value}”不是 GLO、CN、省级代码（如 CN-SD）或市级代码（如 CN-SD-370200）。"),
    Reason("DQ_SCORE_RANGE", "'{column}' must be a whole number from 1 to 5; found '{value}'.", "“{column}”应为1至5的整数，实际为“{value}”。"),
    Reason("UNCERTAINTY_RANGE", "uncertainty_gsd must be at least 1; found {value}.", "不确定度GSD不能小于1，实际为 {value}。"),
    Reason("GAS_SPLIT_OR_CO2E", "Give either the gas split or co2e_kg with gwp_basis, not both and not neither.", "须填写分气体排放数据，或填写CO2当量及GWP基准，二者择一。"),
    Reason("WITHDRAWN_UNKNOWN", "The factor '{value}' is marked withdrawn but is not in the factor set in effect.", "因子“{value}”被标记为撤回，但当前生效的因子库中并无此因子。"),
    Reason("RELEASE_EXPECTATION_FAILED", "The release fails the factor release expectations: {value}.", "该发布未通过因子发布校验规则：{value}。"),
    Reason("RELEASE_REJECTED", "The release was rejected whole because of the problems listed; the factor set in effect is unchanged.", "由于所列问题，本次发布被整体拒绝；当前生效的因子库保持不变。"),
    # container shipments (SPEC §3.3)
    Reason("SHIPMENT_FILE_TYPE", "Shipment files must be CSV; files of type '{value}' are not accepted.", "运输数据文件须为 CSV 格式，不接受“{value}”类型的文件。"),
    Reason("CONTAINER_FORMAT", "'{value}' is not a container number: it must be 3 capital letters (owner code), U, J or Z (category), 6 digits (serial) and a check digit (ISO 6346).", "“{value}”不是有效的集装箱号：应为3位大写字母（箱主代码）、U/J/Z（类别）、6位数字（序列号）和1位校验码（ISO 6346）。"),
    Reason("CONTAINER_CHECK_DIGIT", "The container number '{value}' fails the ISO 6346 check: its check digit should be {expected}. Check for a typo.", "集装箱号“{value}”未通过 ISO 6346 校验：校验码应为 {expected}，请检查是否录入有误。"),
    Reason("BAD_LOCODE", "'{value}' in '{column}' is not a UN/LOCODE: an ISO 3166 country code and 3 letters or digits 2-9, e.g. CNTAO.", "“{column}”中的“{value}”不是联合国贸易与运输地点代码：应为 ISO 3166 国家代码加3位字母或数字2-9，如 CNTAO。"),
    Reason("BAD_ELEMENT_TYPE", "This row is a '{value}' element, but a transport element gives a mode (road, rail, sea or inland_waterway) and no hub_type, and a hub element gives a hub_type and no mode.", "本行为“{value}”环节，但运输环节须填写运输方式（公路、铁路、海运、内河）且不填枢纽类型，枢纽环节须填写枢纽类型且不填运输方式。"),
    Reason("ENERGY_OR_ACTIVITY", "Give either measured energy (energy_carrier, energy_amount and energy_unit, all three) or an activity_code for a default intensity, not both and not neither.", "须填写实测能耗（能源品种、能源消耗量、能源单位三项）或默认强度的活动代码，二者择一。"),
    Reason("BAD_ELEMENT_SEQ", "element_seq must be a whole number from 1; found '{value}'.", "环节序号应为从1开始的整数，实际为“{value}”。"),
    Reason("DUPLICATE_ELEMENT_SEQ", "element_seq {value} appears more than once in shipment {product}.", "环节序号 {value} 在运输 {product} 中重复出现。"),
    Reason("INCONSISTENT_SHIPMENT", "'{column}' differs between rows of shipment {product}: '{value}' against '{expected}'.", "运输 {product} 的各行中“{column}”不一致：“{value}”与“{expected}”。"),
    Reason("SHIPMENT_HAS_REJECTED_ROWS", "This row is valid, but shipment {product} has rejected rows; resubmit the whole shipment.", "本行无误，但运输 {product} 存在被拒绝的行，请整体重新报送该运输。"),
    Reason("NO_FACTOR_FOR_SCOPE", "No emission factor in effect for '{value}' gives {expected}; a chain element needs both a well-to-wheel (wtw) and a tank-to-wheel (ttw) factor.", "当前生效的排放因子中，“{value}”没有 {expected} 范围的因子；运输链环节须同时具备“油井到车轮”（wtw）和“油箱到车轮”（ttw）因子。"),
    Reason("NO_FACTOR_FOR_ORIGIN", "No factor with activity code '{value}' applies where this element starts ({expected}): CN factors apply to origins in China, GLO factors everywhere.", "活动代码“{value}”的因子均不适用于本环节起点（{expected}）：CN 因子仅适用于起点在中国的环节，GLO 因子适用于所有地区。"),
)

REASONS: dict[str, Reason] = {reason.code: reason for reason in _REASONS}


@dataclass
class Problem:
    """One thing wrong with one file, row or product, in the words a company reads."""

    code: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    product: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> Reason:
        return REASONS[self.code]

    @property
    def severity(self) -> str:
        return self.reason.severity

    def _fill(self, template: str) -> str:
        values = {"column": self.column or "", "product": self.product or "", "value": "", "expected": "", "unit": ""}
        values.update({key: "" if value is None else value for key, value in self.details.items()})
        return template.format_map(_Lenient(values))

    @property
    def message_en(self) -> str:
        return self._fill(self.reason.message_en)

    @property
    def message_zh(self) -> str:
        return self._fill(self.reason.message_zh)

    def as_dict(self) -> dict[str, Any]:
        record = {key: value for key, value in asdict(self).items() if key != "details"}
        record.update(severity=self.severity, message_en=self.message_en, message_zh=self.message_zh)
        return record


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return ""


def message(code: str, **details: Any) -> tuple[str, str]:
    """The English and Chinese message of a reason code, filled with `details`."""
    problem = Problem(code, column=details.pop("column", None), product=details.pop("product", None), details=details)
    return problem.message_en, problem.message_zh


class FileRejected(Exception):
    """A whole file cannot be read; it is quarantined with this reason."""

    def __init__(self, code: str, column: str | None = None, **details: Any) -> None:
        self.problem = Problem(code, column=column, details=details)
        super().__init__(self.problem.message_en)
