"""The State Council's holiday names in the reader's language.

An official day keeps its name as its source gave it: a yearly notice prints 元旦, 春节, 清明节,
劳动节, 端午节, 中秋节, 国庆节 (or two joined: 中秋节、国庆节), the seeded calendar carries the English
names of chinesecalendar ("Tomb-sweeping Day", "Mid-autumn Festival"). Pages name the known holidays
in the page's language whatever the source, and show any other name as stored.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

NEW_YEAR = _("New Year's Day")
SPRING_FESTIVAL = _("Spring Festival")
QINGMING = _("Qingming Festival")
LABOUR_DAY = _("Labour Day")
DRAGON_BOAT = _("Dragon Boat Festival")
MID_AUTUMN = _("Mid-Autumn Festival")
NATIONAL_DAY = _("National Day")
VICTORY_DAY_2015 = _("70th anniversary of the victory of the War of Resistance")

# Every name a source gives a holiday → the holiday.
HOLIDAY_NAMES = {
    "元旦": NEW_YEAR,
    "New Year's Day": NEW_YEAR,
    "春节": SPRING_FESTIVAL,
    "Spring Festival": SPRING_FESTIVAL,
    "清明节": QINGMING,
    "Tomb-sweeping Day": QINGMING,
    "劳动节": LABOUR_DAY,
    "Labour Day": LABOUR_DAY,
    "端午节": DRAGON_BOAT,
    "Dragon Boat Festival": DRAGON_BOAT,
    "中秋节": MID_AUTUMN,
    "Mid-autumn Festival": MID_AUTUMN,
    "国庆节": NATIONAL_DAY,
    "National Day": NATIONAL_DAY,
    "Anti-Fascist 70th Day": VICTORY_DAY_2015,
}


def holiday_label(name: str) -> str:
    """``name`` in the active language: known holidays translated, 、-joined ones part by part."""
    if not name:
        return name
    parts = [part.strip() for part in name.split("、")]
    if all(part in HOLIDAY_NAMES for part in parts):
        return pgettext("between holiday names", ", ").join(str(HOLIDAY_NAMES[part]) for part in parts)
    return name
