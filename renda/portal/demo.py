"""Demo portal: the district's site (临溪区人大) with a sub-site per town, their channels,
link bars, and about sixty articles written, reviewed and published through the real
services. Deterministic and idempotent; all names are fictional."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from renda.congress.models import Congress
from renda.portal import services, sources
from renda.portal.models import Article, Channel, ChannelKind, LinkPlacement, Site, SiteLink

DISTRICT_CHANNELS = [
    # slug, name, kind, parent slug
    ("news", "人大要闻", ChannelKind.ARTICLES, None),
    ("towns", "乡镇人大", ChannelKind.SUBSITES, None),
    ("town-news", "人大动态", ChannelKind.ARTICLES, "towns"),
    ("deputies", "代表风采", ChannelKind.ARTICLES, None),
    ("supervision", "监督工作", ChannelKind.ARTICLES, None),
    ("notices", "通知公告", ChannelKind.NOTICES, None),
]
TOWN_CHANNELS = [
    ("news", "人大动态", ChannelKind.ARTICLES, None),
    ("deputies", "代表风采", ChannelKind.ARTICLES, None),
    ("stations", "联络站活动", ChannelKind.ARTICLES, None),
    ("notices", "通知公告", ChannelKind.NOTICES, None),
]
LINK_BAR = [
    ("全国人大", "http://www.npc.gov.cn/"),
    ("省人大", "https://example.gov.cn/province-congress/"),
    ("市人大", "https://example.gov.cn/city-congress/"),
    ("区政府", "https://example.gov.cn/linxi-district/"),
]

# (site key, channel slug, title, paragraphs). Site keys: "district", "qinghe", "fenglin".
ARTICLES: list[tuple[str, str, str, list[str]]] = [
    (
        "district",
        "town-news",
        "枫林镇人大主席团开展年中代表集中视察",
        [
            "近日，枫林镇人大主席团组织部分区、镇人大代表，对全镇重点项目建设和民生实事推进情况开展年中集中视察。",
            "代表们先后察看了枫林中学教学楼改造、农贸市场提升和山塘水库除险加固等项目现场，详细了解工程进度和资金使用情况。",
            "视察结束后召开座谈会，代表们就项目质量监管、群众出行安全等方面提出了意见建议，镇政府有关负责人逐一作了回应。",
        ],
    ),
    (
        "district",
        "news",
        "临溪区人大常委会召开第二十六次会议",
        [
            "临溪区第十八届人大常委会第二十六次会议在区人大常委会会议室召开，会议由区人大常委会主任主持。",
            "会议听取和审议了区人民政府关于上半年国民经济和社会发展计划执行情况的报告、关于上半年预算执行情况的报告。",
            "会议要求，区政府及其部门要坚持问题导向，聚焦群众急难愁盼，扎实推进民生实事项目，确保全年目标任务圆满完成。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会听取全区义务教育优质均衡发展情况报告",
        [
            "区人大常委会近日听取和审议了区人民政府关于推进义务教育优质均衡发展工作情况的报告。",
            "组成人员认为，近年来全区新建改扩建学校八所，城乡教师交流轮岗制度逐步完善，办学条件明显改善。",
            "会议建议，进一步加大乡村学校投入，解决城区学位紧张和农村学校生源减少并存的问题，促进教育公平。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会开展《中华人民共和国食品安全法》执法检查",
        [
            "为推动食品安全法律法规全面贯彻实施，区人大常委会执法检查组深入农贸市场、学校食堂和食品生产企业开展执法检查。",
            "检查组采取听取汇报、实地察看、随机抽查等方式，全面了解全区食品安全监管体系建设和执法情况。",
            "检查组指出，要压实企业主体责任和部门监管责任，加强校园食品安全管理，守护好群众舌尖上的安全。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会召开代表建议交办会",
        [
            "区人大常委会召开区十八届人大三次会议代表建议交办会，将大会期间代表提出的一百二十六件建议交由四十一个承办单位办理。",
            "会议要求，各承办单位要严格按照三个月内办结答复的时限要求，加强与代表面对面沟通，提高建议办理质量。",
            "区人大常委会将对重点建议实行主任会议成员领衔督办，推动一批群众关注的问题得到解决。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会组织代表视察城乡供水一体化工程",
        [
            "区人大常委会组织部分代表对全区城乡供水一体化工程建设情况进行专题视察。",
            "代表们先后来到新建水厂、加压泵站和村级供水点，详细了解工程进度、水质检测和运行管护情况。",
            "代表们建议，要加快管网延伸，建立长效管护机制，让更多农村群众喝上放心水。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会开展民生实事项目人大代表票决制工作督查",
        [
            "区人大常委会督查组近日对各镇民生实事项目人大代表票决制工作开展情况进行督查。",
            "督查组查阅了项目征集、筛选、票决和监督的相关资料，并实地察看了部分已建成项目。",
            "督查组要求，各镇人大要加强对票决项目实施全过程的监督，年终组织代表对项目完成情况进行满意度测评。",
        ],
    ),
    (
        "district",
        "supervision",
        "区人大常委会专题询问农村人居环境整治工作",
        [
            "区人大常委会围绕农村人居环境整治工作开展专题询问，区政府分管负责人和相关部门主要负责人到会应询。",
            "常委会组成人员和列席代表就农村生活污水治理、垃圾分类处理和厕所改造等问题提出询问，应询人员逐一作答。",
            "会议强调，要建立问题清单和整改台账，常委会将持续跟踪监督整改落实情况。",
        ],
    ),
    (
        "district",
        "supervision",
        "区人大常委会审查批准上年度区级决算",
        [
            "区人大常委会会议审查批准了临溪区上年度区级决算，听取和审议了区审计局关于预算执行和其他财政收支的审计工作报告。",
            "会议要求，区政府要加强预算绩效管理，严格落实过紧日子要求，把有限的财力用在保障民生和推动发展上。",
            "会议同时要求，审计查出的问题要逐项整改，整改情况年底前向常委会报告。",
        ],
    ),
    (
        "district",
        "supervision",
        "区人大常委会对区住建局开展工作评议",
        [
            "区人大常委会对区住房和城乡建设局开展工作评议，听取了该局履职情况报告。",
            "评议组前期通过走访代表、问卷调查和实地察看，收集到老旧小区改造、物业管理等方面的意见建议二十三条。",
            "会上进行了满意度测评，评议意见将交区住建局研究整改，整改情况在三个月内书面报告。",
        ],
    ),
    (
        "district",
        "deputies",
        "代表风采：扎根乡村的“田秀才”代表",
        [
            "区人大代表、东岗村种植合作社负责人孙立群，多年来带领村民发展特色果蔬种植，让合作社成员户均增收一万余元。",
            "履职以来，他先后提出关于完善农产品冷链物流、加强农技培训等建议，多项建议被采纳落实。",
            "他说：“代表就要替群众说话、为群众办事，把田间地头的声音带到会场上。”",
        ],
    ),
    (
        "district",
        "deputies",
        "代表风采：社区里的贴心人",
        [
            "区人大代表、新桥社区党总支书记林慧敏，每月固定在社区代表联络站接待选民，累计收集意见建议一百余条。",
            "针对社区老年人多、就餐难的问题，她推动建成社区长者食堂，每天为六十多位老人提供助餐服务。",
            "她表示，将继续当好党和政府联系群众的桥梁纽带，把群众的小事当作自己的大事。",
        ],
    ),
    (
        "district",
        "deputies",
        "代表风采：为企业发展鼓与呼",
        [
            "区人大代表、临溪机械制造公司总经理郑国平，围绕优化营商环境积极建言献策。",
            "他提出的关于缩短工业项目审批时限的建议，推动区里建立了项目审批绿色通道，平均审批时间缩短三分之一。",
            "他说，企业家代表既要办好企业，也要认真履职，反映好行业和职工的诉求。",
        ],
    ),
    (
        "district",
        "notices",
        "关于公开征集区人大常委会年度立法调研和监督议题的公告",
        [
            "为提高监督工作针对性，区人大常委会面向社会公开征集下一年度监督工作议题。",
            "征集内容包括社会公众普遍关注的经济社会发展重大问题、群众反映强烈的民生热点问题等。",
            "意见建议可通过本网站“我要留言”栏目提交，也可直接到各镇人大代表联络站反映，征集截止时间为十二月三十一日。",
        ],
    ),
    (
        "district",
        "notices",
        "临溪区人大常委会关于召开区十八届人大五次会议的决定",
        [
            "临溪区第十八届人大常委会第二十八次会议决定，临溪区第十八届人民代表大会第五次会议于明年一月中旬召开。",
            "会议建议议程为：听取和审议区人民政府工作报告；审查和批准国民经济和社会发展计划及预算；听取和审议区人大常委会工作报告等。",
            "请各位代表认真做好会前准备，深入选区听取选民意见，提出高质量的议案和建议。",
        ],
    ),
    (
        "district",
        "notices",
        "关于开展人大代表述职评议工作的通知",
        [
            "根据代表法和相关规定，区人大常委会决定在全区开展区人大代表向选民述职活动。",
            "各镇人大主席团要精心组织，每名代表在任期内至少向原选区选民述职一次，接受选民评议。",
            "述职评议结果将作为代表履职档案的重要内容，请各镇于年底前将工作情况报送区人大常委会代表工作委员会。",
        ],
    ),
    (
        "district",
        "town-news",
        "清河镇人大开展“代表进站、履职为民”主题活动",
        [
            "清河镇人大主席团组织全镇各级人大代表进站接待选民，开展“代表进站、履职为民”主题活动。",
            "活动期间，代表们在镇代表联络站和各片区联络点接待群众一百五十余人次，收集意见建议四十八条。",
            "对收集到的问题，镇人大主席团建立台账，交有关部门限期办理，并及时向群众反馈办理结果。",
        ],
    ),
    (
        "district",
        "town-news",
        "枫林镇召开民生实事项目代表票决会",
        [
            "枫林镇第二十届人民代表大会第四次会议以无记名投票方式票决产生了本年度十项民生实事项目。",
            "票决项目涉及道路硬化、饮水安全、农村养老和学校改造等领域，总投资约三千二百万元。",
            "会议要求，镇政府要倒排工期、挂图作战，镇人大将组织代表全程跟踪监督项目实施。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会举办镇人大主席培训班",
        [
            "区人大常委会举办全区镇人大主席和人大办工作人员业务培训班，提升基层人大工作规范化水平。",
            "培训围绕地方组织法、代表法以及代表建议办理、民生实事项目票决制等内容进行专题辅导。",
            "学员们表示，培训内容针对性强，为做好新时代乡镇人大工作提供了有益指导。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇第二十届人民代表大会第三次会议胜利闭幕",
        [
            "清河镇第二十届人民代表大会第三次会议圆满完成各项议程后胜利闭幕。",
            "会议听取和审议了镇人民政府工作报告、镇人大主席团工作报告和财政预算报告，表决通过了相关决议。",
            "会议期间，代表们提出建议二十一件，主要涉及道路交通、教育医疗、农业发展和古街保护等方面。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大主席团听取镇政府民生实事项目推进情况汇报",
        [
            "清河镇人大主席团召开会议，听取镇人民政府关于今年民生实事项目推进情况的汇报。",
            "截至目前，清河大桥至东岗村道路拓宽工程已完成路基施工，新城片区幼儿园扩班项目已投入使用。",
            "主席团成员要求，对进度滞后的项目要查找原因、压实责任，确保年底前全部完成。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大组织代表视察古街保护修缮工作",
        [
            "清河镇人大组织部分区、镇人大代表对古街历史建筑保护修缮工作开展专题视察。",
            "代表们沿古街实地察看了老宅修缮、消防设施改造和街面整治情况，听取了古街办的工作汇报。",
            "代表们建议，要建立古街保护专项资金和日常巡查机制，在保护中发展，让古街焕发新活力。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大开展河道综合整治专项监督",
        [
            "清河镇人大主席团组织代表对镇域主要河道综合整治工作开展专项监督。",
            "监督组沿河察看了清淤疏浚、护岸建设和沿河排污口整治情况，随机走访了沿岸群众。",
            "监督组指出，要落实河长制，建立长效保洁机制，防止河道污染反弹。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇召开代表建议交办会",
        [
            "清河镇人大主席团召开代表建议交办会，将镇人代会期间代表提出的建议交由镇有关部门办理。",
            "会议明确了每件建议的主办单位、协办单位和办理时限，并印发了交办清单。",
            "镇人大主席要求，各承办单位要主动与领衔代表见面沟通，确保建议办理见实效、代表满意。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大召开政府工作人员述职评议会",
        [
            "清河镇人大主席团召开述职评议会议，听取了四名副镇长和十个政府工作部门负责人的履职情况报告。",
            "到会代表以无记名方式对述职人员进行了民主测评，测评结果当场密封。",
            "镇人大主席团将把评议意见反馈给述职人员，督促整改落实，整改情况向下次人代会报告。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大开展农村居家养老服务专题调研",
        [
            "清河镇人大组织代表深入各片区，就农村居家养老服务开展专题调研。",
            "调研组走访了养老服务站、村卫生室和部分独居老人家庭，听取了老人和家属的意见。",
            "调研组建议，要加快片区养老服务站建设，提供助餐、助洁和健康监测服务，解决老人后顾之忧。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大主席团召开代表小组组长会议",
        [
            "清河镇人大主席团召开各代表小组组长会议，部署下半年代表活动。",
            "会议通报了上半年代表活动开展情况，各小组组长交流了开展活动的经验和做法。",
            "会议要求，各代表小组要结合片区实际，每季度至少开展一次集中活动。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大组织代表开展安全生产检查",
        [
            "清河镇人大组织部分代表对辖区企业、加油站和人员密集场所开展安全生产检查。",
            "检查组查看了企业安全管理制度、消防设施和应急预案，对发现的隐患现场提出整改要求。",
            "检查组强调，安全生产责任重于泰山，要把隐患消除在萌芽状态。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大开展农村道路交通安全专项视察",
        [
            "清河镇人大组织代表对全镇农村道路交通安全情况开展专项视察。",
            "代表们重点察看了急弯陡坡、临水临崖路段的安全防护设施设置情况。",
            "视察组建议，要加快安全防护设施建设，加强农村交通安全宣传，减少交通事故发生。",
        ],
    ),
    (
        "qinghe",
        "deputies",
        "清河镇人大代表王建国：群众的事就是我的事",
        [
            "东塘村人大代表王建国，二十年如一日扎根农村，积极为群众排忧解难。",
            "他牵头提出的村口道路拓宽建议被列入镇年度民生实事项目，解决了群众出行难问题。",
            "村民们说：“有事找老王，他总是能帮我们想办法。”",
        ],
    ),
    (
        "qinghe",
        "deputies",
        "清河镇人大代表陈晓燕：热心公益的乡村教师",
        [
            "镇人大代表陈晓燕是镇中心小学的一名教师，她长期关注留守儿童教育问题。",
            "她提出的关于建设乡村少年宫的建议得到采纳，为孩子们提供了课后活动场所。",
            "她说，作为教师代表，要为乡村孩子的成长多发声、多出力。",
        ],
    ),
    (
        "qinghe",
        "deputies",
        "清河镇人大代表刘志强：带领村民发展特色产业",
        [
            "镇人大代表刘志强是西湾村的种植大户，他带头发展茶叶种植，带动五十多户村民增收。",
            "他积极反映农产品销售难问题，推动镇里举办农产品展销会，打开了销售渠道。",
            "他表示，将继续发挥代表作用，带领更多群众走上致富路。",
        ],
    ),
    (
        "qinghe",
        "deputies",
        "清河镇人大代表赵丽华：倾听群众心声的“老娘舅”",
        [
            "新桥社区人大代表赵丽华，多年来热心调解邻里纠纷，被居民亲切地称为“老娘舅”。",
            "她每月在社区联络点坐班接待选民，帮助群众解决了停车难、路灯不亮等一批烦心事。",
            "她说，代表就是要把群众的事放在心上、抓在手上。",
        ],
    ),
    (
        "qinghe",
        "stations",
        "清河镇代表联络站开展集中接待日活动",
        [
            "清河镇代表联络站开展集中接待日活动，五名区、镇人大代表进站接待选民。",
            "活动中，群众反映了小区停车、道路破损、幼儿园学位等问题，代表们认真记录并现场解答。",
            "对不能当场答复的问题，联络站登记后转交有关部门办理，并在十五个工作日内向群众反馈。",
        ],
    ),
    (
        "qinghe",
        "stations",
        "古街片区代表联络点正式启用",
        [
            "清河镇古街片区代表联络点正式启用，为片区内群众反映意见建议提供了新的平台。",
            "联络点设有接待室、代表履职信息公示栏和意见箱，实行代表轮流值班制度。",
            "启用当天，三名镇人大代表进点接待群众十余人次，收集意见建议六条。",
        ],
    ),
    (
        "qinghe",
        "stations",
        "东塘片区代表联络点开展“听民意、解民忧”活动",
        [
            "东塘片区代表联络点组织代表开展“听民意、解民忧”活动，走访片区内困难群众。",
            "代表们详细了解群众生产生活情况，收集到饮水安全、危房改造等方面的诉求。",
            "对收集到的问题，联络点已登记造册并转交镇有关部门研究办理。",
        ],
    ),
    (
        "qinghe",
        "stations",
        "清河镇联络站组织代表向选民述职",
        [
            "清河镇代表联络站组织六名镇人大代表向选民述职，接受选民评议。",
            "代表们从履职学习、联系选民、提出建议等方面汇报了一年来的履职情况。",
            "选民代表对述职代表进行了满意度测评，并对代表今后的工作提出了希望和要求。",
        ],
    ),
    (
        "qinghe",
        "notices",
        "清河镇人大主席团关于召开镇第二十届人大第四次会议的公告",
        [
            "清河镇第二十届人民代表大会第四次会议定于明年一月上旬召开。",
            "会议主要议程包括听取和审议镇人民政府工作报告、镇人大主席团工作报告，票决本年度民生实事项目等。",
            "请各位代表提前做好参会准备，深入选区听取选民意见。",
        ],
    ),
    (
        "qinghe",
        "notices",
        "关于征集清河镇明年民生实事候选项目的公告",
        [
            "为做好明年民生实事项目人大代表票决工作，现面向全镇群众公开征集民生实事候选项目。",
            "征集范围包括基础设施建设、教育卫生、养老服务、生态环境等与群众生活密切相关的项目。",
            "群众可通过代表联络站、镇人大办公室或本网站提交项目建议，征集截止时间为十一月三十日。",
        ],
    ),
    (
        "qinghe",
        "notices",
        "清河镇代表联络站本月代表接待安排",
        [
            "本月清河镇代表联络站每周三上午安排人大代表进站接待选民，欢迎群众前来反映意见建议。",
            "接待地点为镇代表联络站一楼接待室，各片区联络点接待时间详见联络点公示栏。",
            "群众也可通过本网站“我要留言”栏目在线反映意见建议。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大召开学校食品安全工作座谈会",
        [
            "清河镇人大召开学校食品安全工作座谈会，邀请部分代表、家长和学校负责人参加。",
            "与会人员围绕学校食堂管理、食材采购和营养配餐等问题进行了深入交流。",
            "镇人大建议，要建立家长陪餐制度，强化食品安全日常监管，让学生吃得安全、吃得放心。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大组织代表学习新修改的地方组织法",
        [
            "清河镇人大组织全体镇人大代表集中学习新修改的地方组织法。",
            "学习会上，镇人大主席对法律修改的主要内容进行了解读，重点讲解了乡镇人大的职权和代表的权利义务。",
            "代表们表示，将认真学法、守法、用法，依法履行代表职务。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大开展家庭农场发展情况调研",
        [
            "清河镇人大组织代表对全镇家庭农场发展情况开展调研。",
            "调研组走访了十二家家庭农场，了解其在土地流转、资金贷款和技术服务等方面遇到的困难。",
            "调研组建议，要出台家庭农场扶持措施，帮助家庭农场做大做强。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇第二十届人民代表大会第四次会议召开",
        [
            "枫林镇第二十届人民代表大会第四次会议在镇会议中心召开。",
            "会议听取和审议了镇人民政府工作报告和镇人大主席团工作报告，票决产生了本年度民生实事项目。",
            "会议号召全镇人民团结一心，为建设美丽富裕新枫林而努力奋斗。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇人大开展山塘水库安全度汛专项视察",
        [
            "汛期来临前，枫林镇人大组织代表对全镇山塘水库安全度汛准备工作开展专项视察。",
            "代表们察看了水库大坝、溢洪道和防汛物资储备情况，听取了镇水利站的汇报。",
            "视察组要求，要落实防汛责任，完善应急预案，确保群众生命财产安全。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇人大主席团听取农贸市场提升改造情况汇报",
        [
            "枫林镇人大主席团听取了镇政府关于农贸市场提升改造工作情况的汇报。",
            "改造工程包括市场顶棚更换、排水系统改造和摊位重新规划，目前已完成主体施工。",
            "主席团要求，要在确保质量的前提下加快进度，尽量减少施工对群众购物的影响。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇人大组织代表视察乡村振兴示范点建设",
        [
            "枫林镇人大组织代表对全镇乡村振兴示范点建设情况进行视察。",
            "代表们先后来到溪北村、枫岭村，察看了村庄环境整治、特色产业发展和村级集体经济项目。",
            "代表们建议，要注重因地制宜，发挥示范带动作用，推动乡村全面振兴。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇人大召开代表建议办理情况通报会",
        [
            "枫林镇人大召开代表建议办理情况通报会，通报了上次人代会以来代表建议的办理情况。",
            "全镇代表提出的十五件建议已全部办结答复，其中已解决或列入计划解决的十一件。",
            "代表们对办理结果进行了满意度测评，满意率达到百分之九十以上。",
        ],
    ),
    (
        "fenglin",
        "deputies",
        "枫林镇人大代表李秀英：山村里的致富带头人",
        [
            "溪北村人大代表李秀英返乡创业，创办竹编合作社，带动六十多名留守妇女在家门口就业。",
            "她提出的关于发展乡村手工业的建议，推动镇里建立了手工艺品展销中心。",
            "她说，要让更多乡亲过上好日子，这是她当代表最大的心愿。",
        ],
    ),
    (
        "fenglin",
        "deputies",
        "枫林镇人大代表周明：守护一方平安的乡村医生",
        [
            "枫岭村人大代表周明是一名从医三十年的乡村医生，常年为村民提供上门诊疗服务。",
            "他积极反映农村看病难问题，推动村卫生室完成标准化改造。",
            "村民们说，周医生既是健康守护人，也是大家信得过的代表。",
        ],
    ),
    (
        "fenglin",
        "stations",
        "枫林镇代表联络站开展“代表接待日”活动",
        [
            "枫林镇代表联络站开展“代表接待日”活动，四名镇人大代表进站接待选民。",
            "群众反映了村道修缮、自来水管网老化、学生上下学交通安全等问题。",
            "代表们逐一记录，并承诺跟踪问题办理进度，及时向群众反馈。",
        ],
    ),
    (
        "fenglin",
        "stations",
        "枫林镇溪北片区联络点组织代表走访独居老人",
        [
            "重阳节前夕，枫林镇溪北片区联络点组织代表走访慰问辖区独居老人。",
            "代表们为老人送去慰问品，详细询问老人的身体状况和生活需求。",
            "联络点将建立独居老人关爱台账，定期组织代表上门走访。",
        ],
    ),
    (
        "fenglin",
        "notices",
        "枫林镇人大主席团关于开展代表述职活动的通知",
        [
            "根据镇人大主席团工作安排，决定在全镇开展镇人大代表向选民述职活动。",
            "述职活动以代表小组为单位进行，每名代表述职时间不少于十分钟。",
            "请各代表小组于十二月底前完成述职工作，并将述职材料报镇人大办公室。",
        ],
    ),
    (
        "fenglin",
        "notices",
        "关于公布枫林镇本年度民生实事项目的公告",
        [
            "枫林镇第二十届人民代表大会第四次会议票决产生了本年度十项民生实事项目，现予以公布。",
            "项目包括枫林中学教学楼改造、农贸市场提升、山塘水库除险加固、村道硬化等。",
            "欢迎社会各界对项目实施情况进行监督，意见建议可通过代表联络站反映。",
        ],
    ),
    (
        "district",
        "news",
        "区人大常委会召开第二十七次会议审议养老服务体系建设情况",
        [
            "临溪区第十八届人大常委会第二十七次会议听取和审议了区人民政府关于养老服务体系建设情况的报告。",
            "组成人员指出，全区已建成镇级养老服务中心六个、村级养老服务站四十二个，居家养老服务覆盖面不断扩大。",
            "会议建议，要加强养老服务人才队伍建设，推进医养结合，满足老年人多样化的养老服务需求。",
        ],
    ),
    (
        "district",
        "deputies",
        "代表风采：退役军人代表的为民情怀",
        [
            "区人大代表、退役军人陈建军退役后回到家乡，主动承担起村里的公益事务。",
            "他推动成立了村级应急志愿服务队，在防汛抢险和疫情防控中发挥了重要作用。",
            "他说，脱下军装，为民服务的初心不变。",
        ],
    ),
    (
        "district",
        "supervision",
        "区人大常委会跟踪监督审计查出问题整改情况",
        [
            "区人大常委会听取和审议了区人民政府关于审计查出问题整改情况的报告。",
            "报告显示，审计查出的问题已整改到位八成以上，追回和规范资金一千余万元。",
            "会议要求，对尚未整改到位的问题要明确时限、逐项销号，建立健全长效机制。",
        ],
    ),
    (
        "qinghe",
        "news",
        "清河镇人大组织代表评议民生实事项目完成情况",
        [
            "年末，清河镇人大组织代表对本年度民生实事项目完成情况进行评议。",
            "代表们实地察看了已完成的道路拓宽、幼儿园扩班和河道整治等项目，听取了项目实施情况汇报。",
            "经无记名测评，代表对民生实事项目完成情况的总体满意率达到百分之九十五。",
        ],
    ),
    (
        "fenglin",
        "news",
        "枫林镇人大开展农村饮水安全专题调研",
        [
            "枫林镇人大组织代表就农村饮水安全工作开展专题调研。",
            "调研组走访了五个村的集中供水点，了解水源保护、水质检测和管网维护情况。",
            "调研组建议，要加大投入，推进城乡供水一体化向偏远山村延伸。",
        ],
    ),
    # The newest: the district's town-news article the reference page is modelled on.
    (
        "district",
        "town-news",
        "清河人大：为建设宜居清河负起人大担当",
        [
            "在清河镇第二十届人民代表大会第三次会议上，镇人大主席团作了年度工作报告，回顾了一年来依法履职、服务发展大局的主要工作。",
            "报告指出，镇人大主席团组织代表开展集中视察三次，听取和审议镇人民政府专项工作报告两项，推动道路拓宽、河道整治等民生实事项目落地见效。",
            "报告提出，新的一年将继续加强代表联络站建设，完善代表建议办理机制，确保群众反映的问题件件有回音、事事有着落。",
        ],
    ),
]

EDITORS = {"district": "卢佳慧", "qinghe": "周文静", "fenglin": "叶晓东"}
AUTHORS = ["孙文博", "钱雅琴", "吴国栋", "郑小雨", "冯志远", "何静怡"]
SOURCES = {"district": "临溪人大", "qinghe": "清河镇人大", "fenglin": "枫林镇人大"}


def _site(congress: Congress, slug: str, name: str, header: str, parent: Site | None) -> Site:
    site, _ = Site.objects.get_or_create(
        congress=congress,
        defaults={
            "slug": slug,
            "name": name,
            "header_title": header,
            "parent": parent,
            "footer_text": f"主办：{name}\n地址：临溪区人民路1号  邮编：980102\n（演示网站，所有名称与数据均为虚构）",
        },
    )
    return site


def _channels(site: Site, specs: Sequence[tuple[str, str, str, str | None]]) -> dict[str, Channel]:
    out: dict[str, Channel] = {}
    for position, (slug, name, kind, parent) in enumerate(specs):
        out[slug] = Channel.objects.get_or_create(
            site=site,
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "position": position,
                "parent": out.get(parent) if parent else None,
            },
        )[0]
    return out


def seed(stdout: Any = None) -> None:
    district = Congress.objects.filter(name="临溪区人民代表大会").first()
    qinghe = Congress.objects.filter(name="清河镇人民代表大会").first()
    fenglin = Congress.objects.filter(name="枫林镇人民代表大会").first()
    if district is None or qinghe is None or fenglin is None:
        return
    if Site.objects.filter(congress=district).exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["district_staff", "district_admin", "qh_staff", "qh_leader", "fl_staff"]
    )}  # fmt: skip
    root = _site(district, "linxi", "临溪区人大", "临溪区人民代表大会常务委员会欢迎您！", None)
    # The district's approver is its administrator (the demo district has no leader account).
    # Its writer is the staff member, so the administrator reviews too (never the writer).
    Site.objects.filter(pk=root.pk).update(
        approver_roles="leader,admin", reviewer_roles="staff,admin"
    )
    root.refresh_from_db()
    sites = {
        "district": root,
        "qinghe": _site(qinghe, "qinghe", "清河镇人大", "清河镇人民代表大会主席团欢迎您！", root),
        "fenglin": _site(
            fenglin, "fenglin", "枫林镇人大", "枫林镇人民代表大会主席团欢迎您！", root
        ),
    }
    # 枫林镇 runs a two-step workflow: the reviewer's pass publishes. Its one office account
    # writes; the district administrator, whose grant reaches the town, reviews.
    Site.objects.filter(pk=sites["fenglin"].pk).update(
        require_approval=False, reviewer_roles="staff,leader,admin"
    )
    sites["fenglin"].refresh_from_db()
    sites["qinghe"].position = 1
    sites["fenglin"].position = 2
    for s in sites.values():
        s.save(update_fields=["position"])
    for position, (label, url) in enumerate(LINK_BAR):
        SiteLink.objects.create(site=root, label=label, url=url, position=position)
    SiteLink.objects.create(
        site=root,
        label="联系我们",
        url="https://example.gov.cn/linxi-congress/contact/",
        placement=LinkPlacement.FOOTER,
    )
    channels = {
        "district": _channels(root, DISTRICT_CHANNELS),
        "qinghe": _channels(sites["qinghe"], TOWN_CHANNELS),
        "fenglin": _channels(sites["fenglin"], TOWN_CHANNELS),
    }
    writers = {"district": "district_staff", "qinghe": "qh_staff", "fenglin": "fl_staff"}
    # Never the writer: the writer neither reviews nor approves (审核人 ≠ 撰稿人).
    reviewers = {"district": "district_admin", "qinghe": "qh_leader", "fenglin": "district_admin"}
    approvers = {"district": "district_admin", "qinghe": "qh_leader", "fenglin": None}
    now = timezone.now().replace(microsecond=0)
    count = len(ARTICLES)
    for index, (key, channel_slug, title, paragraphs) in enumerate(ARTICLES):
        writer = users[writers[key]]
        # Oldest first, about five days apart, at office hours.
        when = timezone.localtime(now - dt.timedelta(days=5 * (count - index))).replace(
            hour=9 + index % 8, minute=(index * 7) % 60, second=(index * 13) % 60
        )
        article = services.create_article(
            site=sites[key],
            channel=channels[key][channel_slug],
            acting_user=writer,
            title=title,
            body="".join(f"<p>{p}</p>" for p in paragraphs),
            editor=EDITORS[key],
            author=AUTHORS[index % len(AUTHORS)],
            source=SOURCES[key],
            tags=["人大工作"] + (["代表履职"] if channel_slug in ("deputies", "stations") else []),
            publish_at=when,
            is_pinned=channel_slug == "notices" and index % 5 == 0,
        )
        services.submit_article(article, acting_user=writer)
        services.review_article(article, acting_user=users[reviewers[key]])
        approver = approvers[key]
        if approver:
            services.approve_article(article, acting_user=users[approver])
        # Historical view counts of the demo (what the cache would have flushed).
        Article.objects.filter(pk=article.pk).update(view_count=37 + (index * 53) % 900)
    # One article still in review and one withdrawn, to show the workflow in the office.
    draft = services.create_article(
        site=sites["qinghe"],
        channel=channels["qinghe"]["news"],
        acting_user=users["qh_staff"],
        title="清河镇人大开展优化营商环境专题调研（待审）",
        body="<p>清河镇人大组织代表走访辖区企业，听取企业对优化营商环境的意见建议。</p>",
        editor=EDITORS["qinghe"],
        author="孙文博",
        source=SOURCES["qinghe"],
    )
    services.submit_article(draft, acting_user=users["qh_staff"])
    withdrawn = Article.objects.filter(site=sites["qinghe"], channel__slug="notices").first()
    if withdrawn is not None:
        services.withdraw_article(
            withdrawn, acting_user=users["qh_leader"], reason="公告内容已过期"
        )
    _drafts_from_activities(qinghe, users["qh_staff"])
    # Published suggestion replies (seeded by the suggestions app) join the search index.
    sources.sync_sources()
    if stdout is not None:
        stdout.write(f"portal: {Article.objects.public().count()} published articles")


def _drafts_from_activities(congress: Congress, staff: Any) -> None:
    """The presidium's publications as drafts in 清河镇's back office (the "publish to the
    portal (draft)" buttons of the activities pages, through renda.core.publishing): the
    published work plan, the decisions of the meeting that sent a deliberation opinion,
    and the survey's research report."""
    from django.apps import apps as django_apps

    if not django_apps.is_installed("renda.activities"):
        return
    from renda.activities.models import (
        Activity,
        ActivityKind,
        ActivityStatus,
        MeetingStatus,
        PlanStatus,
        PresidiumMeeting,
        WorkPlan,
    )
    from renda.activities.services import publish_to_portal

    found: list[Any] = [
        WorkPlan.objects.filter(congress=congress, status=PlanStatus.PUBLISHED).first(),
        PresidiumMeeting.objects.filter(
            congress=congress, status=MeetingStatus.CLOSED, opinions__isnull=False
        ).first(),
        Activity.objects.filter(
            congress=congress, kind=ActivityKind.SURVEY, status=ActivityStatus.CLOSED
        ).first(),
    ]
    for obj in found:
        if obj is not None:
            publish_to_portal(obj, acting_user=staff)
