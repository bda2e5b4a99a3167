"""The input contract of SPEC §3: every column a landing file may carry, in one place.

Readers, validation rules, the XLSX template and the documentation all take their column names,
Chinese labels and descriptions from here, so a column is added or renamed in exactly one spot.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputColumn:
    name: str
    label_zh: str
    description_en: str
    description_zh: str
    required: bool = False
    choices: tuple[str, ...] = ()


LIFECYCLE_STAGES = ("raw_materials", "production", "distribution", "use", "end_of_life")
SYSTEM_BOUNDARIES = ("cradle_to_gate", "cradle_to_grave")
DISCLOSURE_LEVELS = ("public", "restricted", "private")
DATA_SOURCES = ("primary", "secondary")
LCA_SCOPES = ("cradle_to_gate", "cradle_to_grave", "combustion", "wtw", "ttw", "wtt")
FACTOR_STATUSES = ("active", "withdrawn")
RELEASE_TYPES = ("full", "delta")
GWP_SETS = ("AR5", "AR6")

# Stages a boundary must contain (SPEC §4, "Boundary").
BOUNDARY_STAGES = {
    "cradle_to_gate": ("raw_materials", "production"),
    "cradle_to_grave": LIFECYCLE_STAGES,
}

PRODUCT_COLUMNS: tuple[InputColumn, ...] = (
    InputColumn("company_uscc", "统一社会信用代码", "Unified Social Credit Code of the company (18 characters, GB 32100-2015)", "企业统一社会信用代码（18位，GB 32100-2015）", True),
    InputColumn("company_name", "企业名称", "Registered company name", "企业注册名称", True),
    InputColumn("product_code", "产品编码", "The company's own product code, unique per company", "企业自定产品编码，企业内唯一", True),
    InputColumn("product_name", "产品名称", "Product name", "产品名称", True),
    InputColumn("product_category", "产品类别", "Category code from the category list", "产品类别代码（见类别表）", True),
    InputColumn("hs_code", "HS编码", "Harmonized System code, 6 to 10 digits (optional)", "海关HS编码，6至10位数字（选填）"),
    InputColumn("declared_unit", "声明单位", "Declared unit the footprint refers to (unit catalogue)", "碳足迹声明单位（见单位表）", True),
    InputColumn("product_mass_kg", "产品质量(kg)", "Mass of one declared unit in kg; required when the declared unit is piece", "单位产品质量（千克）；声明单位为件时必填"),
    InputColumn("reporting_period_start", "报告期开始", "First day of the reporting period (YYYY-MM-DD)", "报告期开始日期（YYYY-MM-DD）", True),
    InputColumn("reporting_period_end", "报告期结束", "Last day of the reporting period (YYYY-MM-DD)", "报告期结束日期（YYYY-MM-DD）", True),
    InputColumn("production_volume", "产量", "Declared units produced in the period (> 0)", "报告期内产量，以声明单位计（大于0）", True),
    InputColumn("system_boundary", "系统边界", "cradle_to_gate or cradle_to_grave", "系统边界：从摇篮到大门 / 从摇篮到坟墓", True, SYSTEM_BOUNDARIES),
    InputColumn("disclosure", "披露级别", "public, restricted or private", "披露级别：公开、受限、不公开", True, DISCLOSURE_LEVELS),
    InputColumn("verifier_name", "核查机构", "Third-party verifier (optional)", "第三方核查机构（选填）"),
    InputColumn("verification_date", "核查日期", "Date of third-party verification (optional, YYYY-MM-DD)", "第三方核查日期（选填，YYYY-MM-DD）"),
    InputColumn("export_volume", "出口量", "Declared units exported in the period (optional)", "报告期内出口量，以声明单位计（选填）"),
    InputColumn("export_markets", "出口市场", "Export markets, ISO 3166 alpha-2 codes separated by ; (optional)", "出口市场，ISO 3166 两字母代码，以;分隔（选填）"),
)

ACTIVITY_COLUMNS: tuple[InputColumn, ...] = (
    InputColumn("lifecycle_stage", "生命周期阶段", "raw_materials, production, distribution, use or end_of_life", "生命周期阶段：原材料、生产、分销、使用、废弃处置", True, LIFECYCLE_STAGES),
    InputColumn("activity_name", "活动名称", "Free text describing the activity (confidential)", "活动描述（保密，不公开）", True),
    InputColumn("amount", "数量", "Period total for the whole production (>= 0)", "报告期内全部产量对应的活动数据总量（不小于0）", True),
    InputColumn("unit", "单位", "Unit of the amount (unit catalogue)", "数量的单位（见单位表）", True),
    InputColumn("activity_code", "活动代码", "Activity code of an emission factor (one of activity_code / factor_id / supplier_product)", "排放因子活动代码（活动代码、因子编号、供应商产品三选一）"),
    InputColumn("factor_id", "因子编号", "A specific emission factor id (one of the three)", "指定排放因子编号（三选一）"),
    InputColumn("supplier_product", "供应商产品", "<uscc>/<product_code> of a submitted supplier product (one of the three)", "已报送的供应商产品，格式为 统一社会信用代码/产品编码（三选一）"),
    InputColumn("data_source", "数据来源", "primary or secondary", "数据来源：实测（primary）或二手（secondary）", True, DATA_SOURCES),
    InputColumn("allocation_share", "分配比例", "Share allocated to this product, 0 < x <= 1 (default 1)", "分配给本产品的比例，0 < x ≤ 1（默认1）"),
)

SUBMISSION_COLUMNS: tuple[InputColumn, ...] = PRODUCT_COLUMNS + ACTIVITY_COLUMNS

RELEASE_FIELDS = ("release_id", "publisher", "published_date", "license", "release_type", "description")

FACTOR_COLUMNS: tuple[InputColumn, ...] = (
    InputColumn("factor_id", "因子编号", "Unique in the release, [A-Za-z0-9._-]+, stable across releases", "发布内唯一、跨发布稳定的因子编号", True),
    InputColumn("activity_code", "活动代码", "What the factor measures, e.g. electricity.grid", "因子度量的活动，如 electricity.grid", True),
    InputColumn("name_en", "英文名称", "English name", "英文名称", True),
    InputColumn("name_zh", "中文名称", "Chinese name", "中文名称", True),
    InputColumn("geography", "地理范围", "GLO, CN, a province (CN-SD) or a city (CN-SD-370200)", "适用地域：全球、中国、省（CN-SD）或市（CN-SD-370200）", True),
    InputColumn("reference_year", "参考年份", "Year the data represents", "数据代表年份", True),
    InputColumn("activity_unit", "活动单位", "Unit of one activity (unit catalogue)", "活动数据单位（见单位表）", True),
    InputColumn("co2_fossil_kg", "化石CO2(kg)", "Fossil CO2 per activity unit, kg", "每活动单位化石源CO2，千克"),
    InputColumn("ch4_fossil_kg", "化石CH4(kg)", "Fossil CH4 per activity unit, kg", "每活动单位化石源CH4，千克"),
    InputColumn("ch4_biogenic_kg", "生物源CH4(kg)", "Biogenic CH4 per activity unit, kg", "每活动单位生物源CH4，千克"),
    InputColumn("n2o_kg", "N2O(kg)", "N2O per activity unit, kg", "每活动单位N2O，千克"),
    InputColumn("other_ghg_kgco2e", "其他温室气体(kgCO2e)", "Other greenhouse gases per activity unit, kgCO2e", "每活动单位其他温室气体，千克CO2当量"),
    InputColumn("co2_biogenic_kg", "生物源CO2(kg)", "Biogenic CO2 per activity unit, kg (removals negative)", "每活动单位生物源CO2，千克（移除为负）"),
    InputColumn("co2e_kg", "CO2当量(kg)", "Total kgCO2e per activity unit when no gas split is known", "无分气体数据时每活动单位的CO2当量，千克"),
    InputColumn("gwp_basis", "GWP基准", "AR5 or AR6, required with co2e_kg", "全球增温潜势基准（AR5或AR6），填写CO2当量时必填", False, GWP_SETS),
    InputColumn("lca_scope", "生命周期范围", "cradle_to_gate, cradle_to_grave, combustion, wtw, ttw or wtt", "生命周期范围", True, LCA_SCOPES),
    InputColumn("dq_technological", "技术代表性", "Data quality, technological representativeness, 1 (best) to 5", "数据质量：技术代表性，1（最好）至5", True),
    InputColumn("dq_geographical", "地理代表性", "Data quality, geographical representativeness, 1 to 5", "数据质量：地理代表性，1至5", True),
    InputColumn("dq_temporal", "时间代表性", "Data quality, temporal representativeness, 1 to 5", "数据质量：时间代表性，1至5", True),
    InputColumn("dq_precision", "精确度", "Data quality, precision, 1 to 5", "数据质量：精确度，1至5", True),
    InputColumn("uncertainty_gsd", "不确定度GSD", "Geometric standard deviation, >= 1 (optional)", "几何标准差，不小于1（选填）"),
    InputColumn("source", "来源", "Source of the factor", "因子来源", True),
    InputColumn("source_url", "来源链接", "URL of the source", "来源链接"),
    InputColumn("status", "状态", "active or withdrawn", "状态：有效或撤回", True, FACTOR_STATUSES),
)

GAS_COLUMNS = ("co2_fossil_kg", "ch4_fossil_kg", "ch4_biogenic_kg", "n2o_kg", "other_ghg_kgco2e", "co2_biogenic_kg")


def header_aliases(columns: tuple[InputColumn, ...]) -> dict[str, str]:
    """Map every accepted header spelling (English name, Chinese label) to the column name.

    Keys are normalised with `normalise_header`, so matching ignores case and surrounding space.
    """
    aliases: dict[str, str] = {}
    for column in columns:
        aliases[normalise_header(column.name)] = column.name
        aliases[normalise_header(column.label_zh)] = column.name
    return aliases


def normalise_header(text: str) -> str:
    return " ".join(str(text).replace("\ufeff", "").strip().lower().split())


# --- Port container shipments (SPEC §3.3): one row per transport-chain element (ISO 14083) -------

ELEMENT_TYPES = ("transport", "hub")
TRANSPORT_MODES = ("road", "rail", "sea", "inland_waterway")
HUB_TYPES = (
    "maritime_container_terminal",
    "inland_waterway_terminal",
    "rail_terminal",
    "road_terminal",
    "container_depot",
    "warehouse",
)
CONTAINER_TEU = ("1", "2")

SHIPMENT_COLUMNS: tuple[InputColumn, ...] = (
    InputColumn("shipment_id", "运单编号", "The shipper's id of the shipment (one container's door-to-door chain)", "货物运输编号（一个集装箱的全程运输链）", True),
    InputColumn("container_no", "集装箱号", "Container number, ISO 6346 (owner code, category U/J/Z, serial, check digit), e.g. CSQU3054383", "集装箱箱号，ISO 6346（箱主代码、类别U/J/Z、序列号、校验位），如 CSQU3054383", True),
    InputColumn("teu", "标准箱数", "Size of the container in TEU: 1 (20 ft) or 2 (40 ft)", "集装箱标准箱数：1（20英尺）或2（40英尺）", True, CONTAINER_TEU),
    InputColumn("cargo_mass_t", "货物质量(t)", "Mass of the cargo in the container, tonnes (> 0)", "箱内货物质量，吨（大于0）", True),
    InputColumn("shipper_uscc", "托运人统一社会信用代码", "Unified Social Credit Code of the shipper (18 characters, GB 32100-2015)", "托运人统一社会信用代码（18位，GB 32100-2015）", True),
    InputColumn("element_seq", "环节序号", "Position of the element in the chain: 1, 2, 3 ... unique within the shipment", "运输链环节序号：1、2、3……，同一运输内唯一", True),
    InputColumn("element_type", "环节类型", "transport (a leg) or hub (a terminal, depot or warehouse)", "环节类型：运输（transport）或枢纽（hub）", True, ELEMENT_TYPES),
    InputColumn("mode", "运输方式", "Transport element: road, rail, sea or inland_waterway", "运输环节的运输方式：公路、铁路、海运、内河", False, TRANSPORT_MODES),
    InputColumn("hub_type", "枢纽类型", "Hub element: maritime_container_terminal, inland_waterway_terminal, rail_terminal, road_terminal, container_depot or warehouse", "枢纽环节的类型：海港集装箱码头、内河码头、铁路场站、公路场站、集装箱堆场、仓库", False, HUB_TYPES),
    InputColumn("origin_locode", "起点", "UN/LOCODE where the element starts (a hub: where it is), e.g. CNTAO", "环节起点的联合国贸易与运输地点代码（枢纽为其所在地），如 CNTAO", True),
    InputColumn("destination_locode", "终点", "UN/LOCODE where a transport element ends (required for transport)", "运输环节终点的联合国贸易与运输地点代码（运输环节必填）"),
    InputColumn("distance_km", "距离(km)", "Distance of a transport element, km (> 0, required for transport)", "运输环节距离，千米（大于0，运输环节必填）"),
    InputColumn("departure_date", "出发日期", "Date the element starts (YYYY-MM-DD)", "环节开始日期（YYYY-MM-DD）", True),
    InputColumn("energy_carrier", "能源品种", "Measured energy: activity code of the energy carrier, e.g. fuel.diesel, electricity.grid", "实测能耗：能源品种的活动代码，如 fuel.diesel、electricity.grid"),
    InputColumn("energy_amount", "能源消耗量", "Measured energy: amount used for this container on this element (>= 0)", "实测能耗：本集装箱在本环节的能源消耗量（不小于0）"),
    InputColumn("energy_unit", "能源单位", "Measured energy: unit of the amount (unit catalogue, e.g. L, kg, kWh)", "实测能耗：消耗量单位（见单位表，如 L、kg、kWh）"),
    InputColumn("activity_code", "活动代码", "Default intensity instead of measured energy: activity code, e.g. transport.sea.container", "无实测能耗时使用默认强度的活动代码，如 transport.sea.container"),
)
