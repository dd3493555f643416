"""Every key of the desk's screens and dialogs, in one table.

One row a binding: the keys, the action, the binding id (what a keymap names; ``-``: none),
flags (``hidden``: not on the key bar; ``priority``: before the focused widget's own keys;
``system``: not in the palette; ``-``: none) and last, the Persian label (it may hold
spaces). ``[area]`` starts an area, ``[area] title`` one with its Persian title; a desk
screen names its area once (``class LookupScreen(DeskScreen, area="lookup")``) and takes
its title and bindings from here, a dialog its bindings with ``BINDINGS = keys("area")``. In one place, the desk's function keys can be read at a
glance (STYLE.md §7: every primary action has one), a binding id is unique across the
desk (tests/unit/test_keys.py), and the F1 help (screens/modals/help.py) lists them from
the screens that use them. Widgets (the case table, the choice field, the inputs) keep
their own keys beside their code.
"""

from __future__ import annotations

from functools import cache

from textual.binding import Binding, BindingType

KEY_TABLE = """
[app]
f1                help                       app-help         -              راهنما
f5                switch_mode('call')        mode-call        -              ثبت تماس
f6                switch_mode('lookup')      mode-lookup      -              جستجوی شهروند
f7                switch_mode('followup')    mode-followup    -              پیگیری
f8                switch_mode('cartable')    mode-cartable    -              کارتابل
f9                switch_mode('supervisor')  mode-supervisor  -              نظارت
f10               switch_mode('attention')   mode-attention   -              نیازمند توجه
shift+f5          sync_now                   sync-now         -              همگام‌سازی اکنون
shift+f9          duplicates                 app-duplicates   -              شهروندان احتمالاً تکراری
f12,ctrl+p        command_palette            app-palette      priority       فرمان‌ها
shift+f10,ctrl+q  quit                       app-quit         priority       خروج
ctrl+c            help_quit                  -                hidden,system
[call] ثبت تماس
f2,ctrl+s     save           case-save        -                ذخیره
f3            new_call       call-new         -                تماس تازه
f4            candidates     call-candidates  -                نامزدها
shift+f4      toggle_no_nid  call-no-nid      -                بدون کد ملی
f11           profile        citizen-profile  -                پروفایل
escape        escape         call-escape      hidden           بازگشت به فرم
enter,escape  next_call      tracking-close   hidden,priority  تماس بعدی
[lookup] جستجوی شهروند
f2        call        lookup-call        -       ثبت تماس برای او
f4        candidates  lookup-candidates  -       نامزدها
f11       profile     lookup-profile     -       پروفایل
f3        merge       lookup-merge       -       ادغام نامزدها
shift+f3  duplicates  lookup-duplicates  -       تکراری‌ها
escape    back        lookup-back        hidden  بازگشت به جستجو
[followup] پیگیری پرونده
f2   record     followup-save     -  ثبت پیگیری
f3   new_query  followup-new      -  جستجوی تازه
f11  profile    followup-profile  -  پروفایل شهروند
[profile] پروفایل شهروند
escape  close            profile-close            -       بازگشت
enter   open_case        profile-open-case        hidden  پیگیری این پرونده
f2      edit_contact     profile-edit-contact     -       ویرایش مشخصات تماس
f3      merge_history    profile-merge-history    -       سابقه ادغام
f4      details_history  profile-details-history  -       تاریخچهٔ مشخصات
[details-history] تاریخچهٔ مشخصات شهروند
escape  close           details-history-close   -  بازگشت
f3      toggle_contact  details-history-filter  -  فقط مشخصات تماس / همه
[attention] نیازمند توجه
f2  reissue     attention-reissue  -  صدور دوباره
f3  dismiss_op  attention-dismiss  -  کنار گذاشتن
[cartable] کارتابل
f2        cycle_state     cartable-state         -       وضعیت
f3        cycle_type      cartable-type          -       نوع
f4        cycle_city      cartable-city          -       شهر
f11       toggle_overdue  cartable-overdue       -       فقط معوق
shift+f2  cycle_officer   cartable-officer       -       کارشناس
shift+f3  clear_filters   cartable-clear         -       همه پرونده‌ها
shift+f4  cycle_agency    cartable-agency        -       دستگاه دیگر
escape    clear_search    cartable-search-clear  hidden  پاک کردن جستجو
[case]
escape    back             case-back      -  بازگشت
f2        act('accept')    case-accept    -  پذیرش
f3        act('answer')    case-answer    -  پاسخ
f4        act('extend')    case-extend    -  تمدید مهلت
f11       act('note')      case-note      -  یادداشت
shift+f2  act('assign')    case-assign    -  واگذاری
shift+f3  act('return')    case-return    -  عودت
shift+f4  act('refer')     case-refer     -  ارجاع به دستگاه دیگر
shift+f6  act('escalate')  case-escalate  -  ارجاع به ناظر
shift+f7  act('close')     case-close     -  مختومه
shift+f8  act('reopen')    case-reopen    -  بازگشایی
[supervisor] نظارت
f2        pane('agencies')         supervisor-agencies   -  دستگاه‌ها
f3        pane('chart')            supervisor-chart      -  نمودار
f4        pane('cases')            supervisor-overdue    -  پرونده‌های معوق
f11       open_cartable            supervisor-cartable   -  کارتابل دستگاه
shift+f2  reports                  supervisor-reports    -  گزارش‌ساز
shift+f4  scorecard                supervisor-scorecard  -  کارنامه مدیران
shift+f6  case_action('escalate')  supervisor-escalate   -  ارجاع به ناظر
shift+f7  case_action('close')     supervisor-close      -  مختومه
[report] گزارش‌ساز
f2         dimension(1)     report-dimension       -       سطرها
shift+f2   dimension(-1)    report-dimension-back  hidden  بُعد قبلی
f3         measures         report-measures        -       سنجه‌ها
f4         period           report-period          -       دوره
f11        compare          report-compare         -       مقایسه
shift+f4   ask('period')    report-period-typed    -       دوره دلخواه
shift+f6   columns          report-columns         -       ستون‌ها
shift+f7   filter           report-filter          -       پالایه به این سطر
shift+f8   clear_filters    report-filter-clear    -       بی‌پالایه
shift+f3   view             report-view            -       جدول/نمودار
shift+f11  save             report-save            -       ذخیره/اشتراک
shift+f12  saved            report-saved           -       گزارش‌های ذخیره
ctrl+f     ask('filter')    report-filter-typed    -       پالایه با مقدار
ctrl+e     ask('export')    report-export          -       خروجی پرونده
shift+f1   key_page         report-key-page        -       کلیدهای دیگر
up         ask_next(-1)     report-ask-prev        hidden  پرسش قبلی
down       ask_next(1)      report-ask-next        hidden  پرسش بعدی
escape     back             report-back            -       بازگشت
[scorecard] کارنامه مدیران
f4        month(1)   scorecard-previous  -  ماه قبل
shift+f4  month(-1)  scorecard-next      -  ماه بعد
escape    back       scorecard-back      -  بازگشت
[duplicates] شهروندان احتمالاً تکراری
enter   merge     duplicates-merge     -  ادغام این گروه
f3      history   duplicates-history   -  سابقه ادغام
f4      reload    duplicates-reload    -  محاسبه دوباره
f7      distinct  duplicates-distinct  -  تکراری نیست
escape  close     duplicates-close     -  بازگشت
[merge]
up      move(-1)    merge-up          hidden  فیلد بالاتر
down    move(1)     merge-down        hidden  فیلد پایین‌تر
right   choose(-1)  merge-right       hidden  مقدار سمت راست
left    choose(1)   merge-left        hidden  مقدار سمت چپ
f3      choose(-1)  merge-take-right  -       مقدار راست
f4      choose(1)   merge-take-left   -       مقدار چپ
f7      survivor    merge-survivor    -       پروفایل اصلی
f2      confirm     merge-confirm     -       ثبت ادغام
escape  cancel      merge-cancel      -       انصراف
[merge-history] سابقه ادغام
f8      unmerge  merge-history-unmerge  -  لغو ادغام
escape  close    merge-history-close    -  بازگشت
[login]
f2      login   login-submit  -  ورود
escape  cancel  login-cancel  -  انصراف
[followup-offer]
f2,enter  choose('followup')  offer-followup  -  ثبت به‌عنوان پیگیری
f3        choose('new')       offer-new       -  پرونده تازه
escape    choose(None)        offer-cancel    -  بازگشت به فرم
[draft]
enter,f2   choose(True)   draft-restore  -  ادامه پیش‌نویس
escape,f3  choose(False)  draft-discard  -  کنار گذاشتن پیش‌نویس
[confirm]
f2,enter  choose(True)   confirm-yes  -  بله
escape    choose(False)  confirm-no   -  نه
[citizen-decision]
f2      choose(True)   decision-yes  -  تأیید
escape  choose(False)  decision-no   -  بازگشت به فرم
[action-form]
f2      submit  form-submit  priority  ثبت
escape  cancel  form-cancel  -         انصراف
[contact-edit]
f2      save    contact-save    priority  ثبت مشخصات تماس
escape  cancel  contact-cancel  -         انصراف
[merge-pick]
f2      go      merge-pick-go      -  ادامه ادغام
escape  cancel  merge-pick-cancel  -  انصراف
[help]
escape  dismiss  help-close  -  بستن راهنما
"""

FLAGS = frozenset({"hidden", "priority", "system"})


def parse(table: str, titles: dict[str, str] | None = None) -> dict[str, list[Binding]]:
    """``[area]`` -> its bindings, in the table's order (and into ``titles``, area -> title)."""
    areas: dict[str, list[Binding]] = {}
    rows: list[Binding] | None = None
    for number, line in enumerate(table.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("[") and "]" in line:
            area, _, title = line[1:].partition("]")
            rows = areas.setdefault(area, [])
            if titles is not None and title.strip():
                titles[area] = title.strip()
            continue
        parts = line.split(None, 4)
        if rows is None or len(parts) < 4:
            raise ValueError(f"key table, line {number}: {line!r}")
        key, action, binding_id, flag_text = parts[:4]
        flags = set() if flag_text == "-" else set(flag_text.split(","))
        if flags - FLAGS:
            raise ValueError(f"key table, line {number}: unknown flags {sorted(flags - FLAGS)}")
        rows.append(Binding(
            key, action, parts[4] if len(parts) > 4 else "",
            show="hidden" not in flags, priority="priority" in flags, system="system" in flags,
            id=None if binding_id == "-" else binding_id,
        ))
    return areas


_TITLES: dict[str, str] = {}


@cache
def _areas() -> dict[str, list[Binding]]:
    return parse(KEY_TABLE, _TITLES)


def title(area: str) -> str:
    """The Persian title of ``area`` (header, help, palette), or ""."""
    _areas()
    return _TITLES.get(area, "")


def keys(area: str) -> list[BindingType]:
    """The bindings of ``area`` (a fresh list: a class may add its own)."""
    return list(_areas()[area])


def areas() -> dict[str, list[Binding]]:
    return {name: list(rows) for name, rows in _areas().items()}
