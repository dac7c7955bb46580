"""Vietnam's administrative units past and present, read at run time from `vietnamadminunits`.

Two periods, as the package holds them: the 63 provinces with their districts and communes
valid until 30 June 2025, and the 34 provinces with their communes from 1 July 2025
(Resolution 202/2025/QH15; the district tier was abolished the same day). Every unit of the
first period names its successor from the package's conversion table: the present province
of a province or district, the present commune of a commune. So a 2018 document of 'tỉnh Vĩnh
Phúc' keeps that name and also carries its present province, Phú Thọ.

Names are matched OCR-tolerantly (classify.fuzzy): `match_place('I Vĩnh P Phúc', 'tỉnh')`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from classify.fuzzy import ACCEPT, FuzzyMatch, Matcher
from classify.norm import key

__all__ = ["RENAMED", "REORGANISED", "Unit", "PlaceMatch", "gazetteer", "match_place", "Gazetteer", "SOURCE"]

PACKAGE = "vietnamadminunits"
SOURCE = "vietnamadminunits 1.0.4 (PyPI, October 2025)"
REORGANISED = dt.date(2025, 7, 1)
_LAST_OLD_DAY = REORGANISED - dt.timedelta(days=1)
_OTHER_PERIOD = 0.9  # confidence factor for a name not valid on the document's date
AMBIGUOUS = "one name, several units"
# Provinces renamed before the 2025 reorganisation, which the package knows by their later name
# only: the later name -> (the former name, its level, its last day). Tỉnh Thừa Thiên Huế became
# thành phố Huế on 1 January 2025 (Resolution 1314/NQ-UBTVQH15 of 30 November 2024).
RENAMED = {"Huế": ("Thừa Thiên Huế", "tỉnh", dt.date(2024, 12, 31))}
Tier = Literal["province", "district", "commune"]
# The level word as printed in a name (folded) -> its tier(s).
LEVEL_TIERS: dict[str, tuple[Tier, ...]] = {
    "tỉnh": ("province",),
    "thành phố": ("province", "district"),
    "quận": ("district",),
    "huyện": ("district",),
    "thị xã": ("district",),
    "xã": ("commune",),
    "phường": ("commune",),
    "thị trấn": ("commune",),
}


@dataclass(frozen=True)
class Unit:
    name: str  # short name, as in running text: "Vĩnh Phúc"
    level: str  # "tỉnh", "thành phố", "huyện", "xã" ...
    tier: Tier
    province: str  # the province it belongs to (itself for a province), same period
    valid_from: dt.date | None  # None: before the package's history starts
    valid_to: dt.date | None  # last day of validity; None: valid today
    successor: str | None  # present unit (province, or commune for a commune); None when current
    present_province: str  # the province it lies in today

    @property
    def full(self) -> str:
        return f"{self.level} {self.name}"

    def valid_on(self, day: dt.date | None) -> bool:
        if day is None:
            return True
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class PlaceMatch:
    read: str
    unit: Unit | None
    confidence: float
    distance: int | None
    reason: str | None  # why nothing was accepted (English)
    name: str | None = None  # the known name, also when it names several units ('Châu Thành')


def _data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the gazetteer needs the {PACKAGE} package (pip install {PACKAGE})")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _load(name: str) -> dict:
    return json.loads((_data_dir() / name).read_text(encoding="utf-8"))


def _level(type_or_full: str, short: str) -> str:
    level = type_or_full[: len(type_or_full) - len(short)].strip() if type_or_full.endswith(short) else ""
    return (level or type_or_full).lower()


class Gazetteer:
    """Every unit of both periods, and matchers over their names."""

    def __init__(self, units: list[Unit]):
        self.units = units
        self._matchers: dict[tuple, Matcher[list[Unit]]] = {}

    def provinces(self, on: dt.date | None = None) -> list[Unit]:
        return [u for u in self.units if u.tier == "province" and u.valid_on(on)]

    def former_provinces(self, present: str) -> list[str]:
        """Provinces of before 1 July 2025 that now lie in `present` ('Phú Thọ' -> Vĩnh Phúc ...)."""
        return sorted(
            u.name for u in self.provinces(_LAST_OLD_DAY) if u.successor and u.present_province == present
        )

    def present_of(self, province: str) -> str | None:
        """The present province of a province name of either period."""
        found = [u for u in self.units if u.tier == "province" and u.name == province]
        return found[0].present_province if found else None

    def matcher(
        self, tiers: tuple[Tier, ...], on: dt.date | None, province: str | None
    ) -> Matcher[list[Unit]]:
        era = None if on is None else on >= REORGANISED
        index = (tiers, era, province)
        if index not in self._matchers:
            names: dict[str, list[Unit]] = {}
            for unit in self.units:
                if unit.tier not in tiers or (province and unit.province != province):
                    continue
                if era is not None and not unit.valid_on(on):
                    continue
                names.setdefault(unit.name, []).append(unit)
            self._matchers[index] = Matcher(names)
        return self._matchers[index]


@cache
def gazetteer() -> Gazetteer:
    """Built once per process from the package's data files (about 14 000 units)."""
    old = _load("parser_legacy.json")
    new = _load("parser_from_2025.json")
    conv = _load("converter_2025.json")
    new_names = {k: v["provinceShort"] for k, v in new["DICT_PROVINCE"].items()}
    province_successor = {old: new_names[k] for k, olds in conv["DICT_PROVINCE"].items() for old in olds}
    new_wards = {
        (pk, wk): w["wardShort"]
        for pk, wards in new["DICT_PROVINCE_WARD_NO_ACCENTED"].items()
        for wk, w in wards.items()
    }
    ward_successor: dict[str, str] = {}
    for pk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for wk, olds in wards.items():
            for old_key in olds:
                ward_successor[old_key] = new_wards.get((pk, wk), "")
    for pk, divided in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            default = next((p for p in parts if p.get("isDefaultNewWard")), None)
            if default:
                ward_successor.setdefault(old_key, new_wards.get((pk, default["newWardKey"]), ""))

    units: list[Unit] = []
    old_names: dict[str, str] = {}
    for pk, p in old["DICT_PROVINCE"].items():
        old_names[pk] = p["provinceShort"]
        present = province_successor.get(pk, p["provinceShort"])
        renamed = RENAMED.get(p["provinceShort"])
        units.append(
            Unit(
                name=p["provinceShort"],
                level=_level(p["province"], p["provinceShort"]),
                tier="province",
                province=p["provinceShort"],
                valid_from=renamed[2] + dt.timedelta(days=1) if renamed else None,
                valid_to=_LAST_OLD_DAY,
                successor=present,
                present_province=present,
            )
        )
        if renamed:
            name, level, last = renamed
            units.append(Unit(name, level, "province", name, None, last, present, present))
    for pk, districts in old["DICT_PROVINCE_DISTRICT"].items():
        present = province_successor.get(pk, old_names[pk])
        for d in districts.values():
            units.append(
                Unit(
                    d["districtShort"],
                    d["districtType"].lower(),
                    "district",
                    old_names[pk],
                    None,
                    _LAST_OLD_DAY,
                    present,
                    present,
                )
            )
    for pk, districts in old["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].items():
        present = province_successor.get(pk, old_names[pk])
        for dk, wards in districts.items():
            for wk, w in wards.items():
                if not isinstance(w["ward"], str):
                    continue  # island districts without communes carry an empty (NaN) entry
                successor = ward_successor.get(f"{pk}_{dk}_{wk}") or None
                units.append(
                    Unit(
                        w["wardShort"],
                        _level(w["ward"], w["wardShort"]),
                        "commune",
                        old_names[pk],
                        None,
                        _LAST_OLD_DAY,
                        successor,
                        present,
                    )
                )
    for p in new["DICT_PROVINCE"].values():
        name = p["provinceShort"]
        units.append(Unit(name, _level(p["province"], name), "province", name, REORGANISED, None, None, name))
    for pk, wards in new["DICT_PROVINCE_WARD_NO_ACCENTED"].items():
        province = new_names[pk]
        for w in wards.values():
            units.append(
                Unit(
                    w["wardShort"],
                    _level(w["ward"], w["wardShort"]),
                    "commune",
                    province,
                    REORGANISED,
                    None,
                    None,
                    province,
                )
            )
    return Gazetteer(units)


def match_place(
    read: str,
    level: str | None = None,
    *,
    on: dt.date | None = None,
    province: str | None = None,
) -> PlaceMatch:
    """The unit named `read` ('Vĩnh P Phúc'), of the tier its `level` word implies, valid on the
    document's date `on` (both periods when unknown), inside `province` when given."""
    tiers = LEVEL_TIERS.get(level or "", ("province", "district"))
    words = read.split()
    variants = (" ".join(w for w in words if len(w) > 1),) if any(len(w) == 1 for w in words) else ()
    found: FuzzyMatch[list[Unit]] = gazetteer().matcher(tiers, on, province).match(read, variants)
    if found.value is None and on is not None:
        # a name of the other period: the date may be misread, or the paper used an old name
        other = gazetteer().matcher(tiers, None, province).match(read, variants)
        if other.value is not None:
            found = FuzzyMatch(
                other.value, other.name, other.distance, round(other.confidence * _OTHER_PERIOD, 3)
            )
    if found.value is None or found.confidence < ACCEPT:
        return PlaceMatch(read, None, found.confidence, found.distance, found.reason or "outside its period")
    units = found.value
    if level:
        same = [u for u in units if key(u.level) == key(level)]
        units = same or units
    unit = _one(units, on)
    if unit is None:
        return PlaceMatch(read, None, found.confidence, found.distance, AMBIGUOUS, found.name)
    return PlaceMatch(read, unit, found.confidence, found.distance, None, found.name)


def _one(units: list[Unit], on: dt.date | None) -> Unit | None:
    """One unit among same-named ones: the one valid on the date, else the older (what an
    undated document most likely names); None when they are truly different places."""
    if len({(u.tier, u.province) for u in units}) == 1 or len({u.present_province for u in units}) == 1:
        current = [u for u in units if u.valid_on(on)] if on else units
        return sorted(current or units, key=lambda u: u.valid_from or dt.date.min)[0]
    provinces = [u for u in units if u.tier == "province"]
    if len(provinces) >= 1 and len({u.name for u in provinces}) == 1:
        return _one(provinces, on)
    return None
