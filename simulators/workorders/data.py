"""Seeded 12345 work orders: written ones for the demo users and company, then a spread for others.

Each history is a plan of transitions (with working-day gaps) played forward from the day of the
call, cut at the seed's final status and at the seed cut-off.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kit.working_days import add_working_days
from simulators.common.lifecycle import SEED_TODAY, SeedPlayer, at_office_hours
from simulators.common.parties import Party, company_party, person_party
from simulators.common.population import Person, Population
from simulators.workorders import process
from simulators.workorders.schemas import TIME_LIMITS, Category, Channel, Kind, Satisfaction, Status, WorkOrder

DEMO_COMPANY = "91530102MA6K8R2Q1N"


@dataclass(frozen=True)
class OrderSeed:
    kind: Kind
    category: Category
    title: str
    content: str
    days_ago: int
    until: Status
    channel: Channel = "12345热线电话"
    rating: Satisfaction | None = None
    reopened: bool = False
    sent_back: bool = False
    location: str | None = None
    on_behalf_of: str | None = None  # USCC
    merge_into: str | None = None  # the tag of another seed
    tag: str | None = None


DEMO_ORDERS: dict[str, list[OrderSeed]] = {
    "citizen": [
        OrderSeed("投诉", "市场监管", "小区楼下餐馆油烟扰民",
                  "青年路188号小区楼下新开餐馆油烟直排，影响居民正常生活，请相关部门处理。", 40, "评价",
                  rating="满意", location="昆明市五华区青年路188号"),
        OrderSeed("咨询", "社会保障", "住房公积金租房提取条件咨询",
                  "想了解在昆明租房提取住房公积金需要满足的条件和每年可提取的额度。", 8, "回访",
                  channel="一部手机办事通"),
        OrderSeed("建议", "交通出行", "建议优化青年路公交站台设置",
                  "青年路公交站台早高峰候车人多拥挤，建议增设候车区并优化线路。", 6, "办理", channel="一部手机办事通"),
    ],
    "citizen2": [
        OrderSeed("求助", "水电气", "下关镇人民南路片区停水",
                  "人民南路21号片区自前日起停水，未见停水通知，请协调尽快恢复供水。", 18, "回复",
                  location="大理市下关镇人民南路21号"),
        OrderSeed("投诉", "城乡建设", "小区电梯长期故障无人维修",
                  "所住小区3号楼电梯故障两个多月，物业一直未维修，老人出行困难。", 35, "办理",
                  rating="不满意", reopened=True),
    ],
    "elder": [
        OrderSeed("咨询", "社会保障", "高龄津贴发放标准咨询",
                  "请问80岁以上老人高龄津贴的发放标准是多少，怎么领取。", 100, "评价", rating="满意"),
        OrderSeed("求助", "城乡建设", "老旧小区加装电梯申请",
                  "聂耳路老旧小区想申请加装电梯，不清楚找哪个部门、需要什么手续。", 8, "派单"),
    ],
    "legal-rep": [
        OrderSeed("举报", "市场监管", "翠湖南路周边无证经营流动摊贩",
                  "翠湖南路周边晚间有流动摊贩无证经营，占道经营并影响周边商户。", 20, "并单",
                  channel="一部手机办事通", merge_into="cuihu"),
        OrderSeed("投诉", "政务服务", "企业变更登记窗口排队时间过长",
                  "在政务服务中心办理企业变更登记，排队等候超过两小时。", 60, "评价",
                  rating="基本满意", on_behalf_of=DEMO_COMPANY),
        OrderSeed("求助", "水电气", "餐馆燃气报装进度缓慢",
                  "公司在翠湖南路的门店申请管道燃气报装已一个月，进度缓慢，影响经营。", 19, "回复",
                  on_behalf_of=DEMO_COMPANY),
    ],
    "staff": [
        OrderSeed("咨询", "医疗卫生", "从业人员健康证明办理地点咨询",
                  "餐饮从业人员健康证明在官渡区哪里可以办理，需要带什么材料？", 50, "评价", rating="满意"),
        OrderSeed("求助", "社会保障", "住房公积金提取到账延迟",
                  "公积金提取审批通过已超过承诺时限仍未到账，请帮助查询。", 9, "办理", sent_back=True),
        OrderSeed("建议", "市场监管", "建议简化食品经营许可延续材料",
                  "食品经营许可延续时需重复提交营业执照等已有材料，建议通过电子证照免于提交。", 25, "评价",
                  channel="一部手机办事通", rating="满意", on_behalf_of=DEMO_COMPANY),
    ],
}  # fmt: skip

# An order from another caller that a demo order is merged into (并单).
MERGE_TARGETS: dict[str, OrderSeed] = {
    "cuihu": OrderSeed("举报", "市场监管", "翠湖南路流动摊贩占道经营",
                       "翠湖南路一带每晚有流动摊贩占道经营，无证无照，请依法查处。", 21, "办理"),
}  # fmt: skip

# Topics for the generated population: (kind, category, title, content).
TOPICS: list[tuple[Kind, Category, str, str]] = [
    ("咨询", "社会保障", "养老保险缴费年限咨询", "咨询城乡居民养老保险最低缴费年限和缴费档次。"),
    ("咨询", "医疗卫生", "异地就医备案流程咨询", "在外省工作，想了解异地就医备案的办理渠道。"),
    ("咨询", "教育", "义务教育入学报名时间咨询", "孩子明年上小学，咨询入学报名时间和所需材料。"),
    ("咨询", "公共安全", "身份证异地换领咨询", "身份证即将到期，人在外地，咨询能否异地换领。"),
    ("求助", "水电气", "片区频繁停电", "所住片区近一周频繁停电，影响正常生活，请协调处理。"),
    ("求助", "城乡建设", "小区下水道堵塞", "小区下水道堵塞污水外溢，物业未及时处理。"),
    ("求助", "社会保障", "拖欠农民工工资", "在工地务工三个月，工资被拖欠至今未发放，请求帮助。"),
    ("投诉", "市场监管", "商家拒不退还预付卡余额", "健身房停业，预付卡余额拒不退还。"),
    ("投诉", "交通出行", "出租车拒载绕路", "乘坐出租车时司机拒绝打表并绕路。"),
    ("投诉", "生态环境", "工地夜间施工噪音扰民", "附近工地夜间施工至凌晨，噪音严重扰民。"),
    ("投诉", "城乡建设", "物业服务不到位", "小区物业长期不清运垃圾，公共区域卫生差。"),
    ("举报", "市场监管", "销售过期食品", "附近超市货架上有过期食品仍在销售。"),
    ("举报", "生态环境", "企业偷排污水", "河道边企业夜间偷排污水，河水发黑发臭。"),
    ("建议", "交通出行", "建议增设公交线路", "新建小区周边公交线路少，建议增设线路。"),
    ("建议", "政务服务", "建议延长政务大厅办公时间", "上班族工作日难以到窗口办事，建议周末延时服务。"),
]


@dataclass
class OrderIds:
    sequence: int = 0

    def next(self, day: date) -> str:
        self.sequence += 1
        return f"YN{day:%Y%m%d}{self.sequence:06d}"


def build_work_orders(pop: Population, seed: int = 31) -> tuple[list[WorkOrder], OrderIds]:
    rng = random.Random(seed)
    ids = OrderIds()
    orders: list[WorkOrder] = []
    demo_ids = {p.id_number for p in pop.demo_people.values()}
    others = [p for p in pop.people if p.id_number not in demo_ids and p.birth_date.year < 2008]
    targets: dict[str, WorkOrder] = {}
    neighbours = [p for p in others if p.prefecture == "昆明市"]
    for tag, target_seed in MERGE_TARGETS.items():
        caller = rng.choice(neighbours)
        targets[tag] = _play(target_seed, person_party(caller), caller.phone, None, None, ids, rng)
        orders.append(targets[tag])
    for username, seeds in DEMO_ORDERS.items():
        person = pop.demo_people[username]
        for order_seed in seeds:
            company = company_party(pop.companies_by_uscc[order_seed.on_behalf_of]) if order_seed.on_behalf_of else None
            target = targets[order_seed.merge_into] if order_seed.merge_into else None
            orders.append(_play(order_seed, person_party(person), person.phone, company, target, ids, rng))
    for person in others:
        for _ in range(rng.choices((0, 1, 2), weights=(70, 25, 5))[0]):
            orders.append(_generated(rng, person, ids))
    return orders, ids


def _generated(rng: random.Random, person: Person, ids: OrderIds) -> WorkOrder:
    kind, category, title, content = rng.choice(TOPICS)
    rating: Satisfaction | None = rng.choices(("满意", "基本满意", "不满意", None), weights=(60, 15, 8, 17))[0]
    order_seed = OrderSeed(
        kind,
        category,
        title,
        content,
        rng.randrange(0, 20) if rng.random() < 0.3 else rng.randrange(20, 700),
        "评价" if rating else "回访",
        channel=rng.choice(("12345热线电话", "12345热线电话", "一部手机办事通", "微信公众号", "网站")),
        rating=rating,
        reopened=rating == "不满意" and rng.random() < 0.5,
        sent_back=rng.random() < 0.05,
    )
    return _play(order_seed, person_party(person), person.phone, None, None, ids, rng, second_round="基本满意")


def _play(
    order_seed: OrderSeed,
    caller: Party,
    phone: str,
    company: Party | None,
    merge_target: WorkOrder | None,
    ids: OrderIds,
    rng: random.Random,
    *,
    second_round: Satisfaction | None = None,
) -> WorkOrder:
    called_on = SEED_TODAY - timedelta(days=order_seed.days_ago)
    order = process.open_order(
        ids.next(called_on),
        kind=order_seed.kind,
        title=order_seed.title,
        content=order_seed.content,
        category=order_seed.category,
        caller=caller,
        at=at_office_hours(called_on, rng.randrange(480)),
        channel=order_seed.channel,
        location=order_seed.location,
        contact_phone=phone,
        on_behalf_of=company,
    )
    plan = _plan(order, order_seed, merge_target, rng, second_round)
    player = SeedPlayer(order.updated_at, rng, lambda: False)
    day = called_on
    for _, gap, transition in plan:
        day = add_working_days(day, gap)
        if not player.run(day, transition):
            break
    return order


Step = tuple[Status, int, Callable[[datetime], None]]


def _plan(
    order: WorkOrder,
    order_seed: OrderSeed,
    merge_target: WorkOrder | None,
    rng: random.Random,
    second_round: Satisfaction | None,
) -> list[Step]:
    if merge_target is not None:
        return [("并单", 0, lambda at: process.merge(order, merge_target, at))]
    limit = TIME_LIMITS[order.kind]

    def answer() -> list[Step]:
        return [
            ("办理", rng.randint(0, 1), lambda at: process.sign_for(order, at)),
            ("回复", rng.randint(1, max(1, limit - 1)), lambda at: process.reply(order, at)),
            ("办结", rng.randint(0, 1), lambda at: process.close(order, at)),
            ("回访", 1, lambda at: process.visit(order, at)),
        ]

    plan: list[Step] = [("派单", 0, lambda at: process.dispatch(order, at))]
    if order_seed.sent_back:
        plan += [
            ("退单", 1, lambda at: process.send_back(order, at)),
            ("派单", 0, lambda at: process.reassign(order, at)),
        ]
    plan += answer()
    if order_seed.rating:
        level = order_seed.rating
        plan.append(("评价", rng.randint(0, 1), lambda at: process.rate(order, at, level, None)))
    if order_seed.reopened:
        plan.append(("派单", 1, lambda at: process.reopen(order, at, "问题仍未解决")))
        plan += answer()
        if second_round:
            plan.append(("评价", 1, lambda at: process.rate(order, at, second_round, None)))
    last = max(index for index, (status, _, _) in enumerate(plan) if status == order_seed.until)
    return plan[: last + 1]
