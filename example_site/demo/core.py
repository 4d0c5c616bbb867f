"""The department's site itself: home page, a few standard pages and its units."""

from django.db import transaction
from wagtail.models import Page, Site

from example_site.home.models import HomePage, StandardPage
from wagtail_pilots.models import Unit

SITE_NAME = "示范县人民政府"

# (code, name, kind, parent code, region)
UNITS = [
    ("SFX", "示范县", "county", None, "示范县"),
    # Towns and townships.
    ("CGZ", "城关镇", "town", "SFX", "示范县"),
    ("QSZ", "青石镇", "town", "SFX", "示范县"),
    ("HDX", "河东乡", "town", "SFX", "示范县"),
    ("LLZ", "柳林镇", "town", "SFX", "示范县"),
    ("SPX", "双坪乡", "town", "SFX", "示范县"),
    # Villages and communities.
    ("CGZ-DJ", "东街社区", "community", "CGZ", "示范县"),
    ("CGZ-XJ", "西街社区", "community", "CGZ", "示范县"),
    ("CGZ-NG", "南关村", "village", "CGZ", "示范县"),
    ("QSZ-SQ", "石桥村", "village", "QSZ", "示范县"),
    ("QSZ-HS", "红山村", "village", "QSZ", "示范县"),
    ("QSZ-LK", "龙口村", "village", "QSZ", "示范县"),
    ("QSZ-DW", "大王庄村", "village", "QSZ", "示范县"),
    ("HDX-HD", "河东村", "village", "HDX", "示范县"),
    ("HDX-ZJ", "赵家湾村", "village", "HDX", "示范县"),
    ("HDX-XH", "杏花村", "village", "HDX", "示范县"),
    ("LLZ-LL", "柳林村", "village", "LLZ", "示范县"),
    ("LLZ-GT", "高台村", "village", "LLZ", "示范县"),
    ("LLZ-SK", "水口村", "village", "LLZ", "示范县"),
    ("SPX-SP", "双坪村", "village", "SPX", "示范县"),
    ("SPX-MJ", "马家沟村", "village", "SPX", "示范县"),
    # County departments.
    ("MZJ", "县民政局", "department", "SFX", "示范县"),
    ("YBJ", "县医疗保障局", "department", "SFX", "示范县"),
    ("RSJ", "县人力资源和社会保障局", "department", "SFX", "示范县"),
    ("NYJ", "县农业农村局", "department", "SFX", "示范县"),
    ("JYJ", "县教育局", "department", "SFX", "示范县"),
    ("WJJ", "县卫生健康局", "department", "SFX", "示范县"),
    ("GXJ", "县工业和信息化局", "department", "SFX", "示范县"),
    ("ZZB", "县委组织部", "department", "SFX", "示范县"),
    ("JRB", "县金融工作办公室", "department", "SFX", "示范县"),
    # Schools, hospitals, enterprises.
    ("QSZ-ZX", "青石镇中心学校", "school", "QSZ", "示范县"),
    ("LLZ-ZX", "柳林镇中心小学", "school", "LLZ", "示范县"),
    ("RMYY", "县人民医院", "hospital", "SFX", "示范县"),
    ("CGZ-WSY", "城关镇卫生院", "hospital", "CGZ", "示范县"),
    ("RSBX", "人寿保险示范县支公司", "enterprise", "SFX", "示范县"),
    ("HYJX", "恒源机械有限公司", "enterprise", "LLZ", "示范县"),
]

CONTACTS = {
    "MZJ": [("王建国", "社会救助股股长", "mzj@example.gov.cn", "0000-6012345")],
    "YBJ": [("李红", "办公室主任", "ybj@example.gov.cn", "0000-6023456")],
    "JRB": [("陈志强", "综合科科长", "jrb@example.gov.cn", "0000-6034567")],
    "GXJ": [("周明", "技术改造股股长", "gxj@example.gov.cn", "0000-6045678")],
    "JYJ": [("孙丽", "电教中心主任", "jyj@example.gov.cn", "0000-6056789")],
}

STANDARD_PAGES = [
    (
        "about",
        "县情概况",
        "示范县位于平原与丘陵交界处，辖五个乡镇，本网站发布县政府的政务信息、试点工作和群众满意度测评结果。",
    ),
    ("pilots", "试点工作", "全县各项改革试点的实施方案、进展情况和复盘总结。"),
    ("surveys", "满意度调查", "参与群众满意度调查和民主测评，查看已公布的测评结果。"),
    ("notices", "公示公告", "考核评价、结构推荐等结果在此公示，公示期内接受群众监督。"),
]


def create_root():
    """The tree's root, as Wagtail's first migration makes it (for an emptied
    database, e.g. after a flush)."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    return Page.add_root(title="Root", slug="root", url_path="/")


def ensure_home():
    """The site's home page, replacing Wagtail's placeholder on a new install."""
    home = HomePage.objects.first()
    root = Page.get_first_root_node() or create_root()
    if home is None:
        placeholder = Page.objects.filter(depth=2, slug="home").exclude(
            content_type__model="homepage"
        )
        for page in placeholder:
            if type(page.specific) is Page:  # Wagtail's "Welcome" page
                page.slug = "welcome-placeholder"
                page.save()
        home = HomePage(
            title="示范县人民政府",
            slug="home",
            intro="<p>欢迎访问示范县人民政府网站。这里公布全县试点工作进展、群众满意度调查和考核评价结果。</p>",
            show_in_menus=False,
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        for page in Page.objects.filter(depth=2, slug="welcome-placeholder"):
            if type(page.specific) is Page:
                Site.objects.filter(root_page=page).update(root_page=home)
                page.delete()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=SITE_NAME,
        )
    elif site.root_page_id != home.pk or site.site_name != SITE_NAME:
        site.root_page = home
        site.site_name = SITE_NAME
        site.save()
    return home


def ensure_standard_pages(home):
    for slug, title, intro in STANDARD_PAGES:
        if home.get_children().filter(slug=slug).exists():
            continue
        page = StandardPage(title=title, slug=slug, intro=intro, show_in_menus=True)
        home.add_child(instance=page)
        page.save_revision().publish()


def ensure_block(page, block_type, value, *, first=False):
    """Add one block of ``block_type`` (from its raw ``value``) to a standard
    page's body and publish, unless the body has one already: safe to run
    again, and an editor's later changes to that block are kept."""
    if page.body and any(b.block_type == block_type for b in page.body):
        return False
    block = type(page).body.field.stream_block.child_blocks[block_type]
    existing = [(b.block_type, b.value) for b in page.body]
    new = (block_type, block.to_python(value))
    page.body = [new, *existing] if first else [*existing, new]
    page.save_revision().publish()
    return True


def ensure_units():
    created = 0
    by_code = {u.code: u for u in Unit.objects.all()}
    for code, name, kind, parent_code, region in UNITS:
        if code in by_code:
            continue
        unit = Unit.objects.create(
            code=code,
            name=name,
            kind=kind,
            parent=by_code.get(parent_code),
            region=region,
        )
        by_code[code] = unit
        created += 1
        for position, (cname, role, email, phone) in enumerate(CONTACTS.get(code, [])):
            unit.contacts.create(
                name=cname, role=role, email=email, phone=phone, sort_order=position
            )
    return created


@transaction.atomic
def load(*, home=None, stdout=None):
    home = ensure_home()
    ensure_standard_pages(home)
    created = ensure_units()
    if stdout is not None:
        stdout.write(
            f"  core: home page, {len(STANDARD_PAGES)} pages, {created} new units"
        )
    return home
