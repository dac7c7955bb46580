"""The rule book: archival rules as versioned data, validated on load.

A rules file holds rule sets, each in force over a date range; a set may `extend` an
earlier one (inheriting its rules, overriding those it re-declares by id, dropping those in
`remove`). Every rule names its legal basis and carries the confidence tag of the fact it
encodes: P (legal text), T (agreed secondary sources), M (unconfirmed: review only).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classify.norm import key
from schemas import AccessClass

__all__ = ["DEFAULT_RULES", "RuleCondition", "Outcome", "Rule", "RuleBook", "RuleSet", "load_rules"]

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"

Tag = Literal["P", "T", "M"]
Kind = Literal["access", "retention", "secrecy"]
Form = Literal["typed", "cong_van", "normative"]
_RULE_ID = re.compile(r"^(A\d+\.[0-9a-zđ]+(\.[a-z0-9]+)?|R\.\d+[a-z]?|S\.[A-Z]+)$")
_RETENTION = re.compile(r"^(Vĩnh viễn|\d{1,3} năm|Đến khi văn bản hết hiệu lực|Theo tuổi thọ công trình)$")


def retention_years(period: str) -> int:
    """A retention period as years to compare: 'Vĩnh viễn' the longest, 'N năm' N, a special
    value ('Đến khi văn bản hết hiệu lực', …) between the two."""
    if period == "Vĩnh viễn":
        return 10_000
    match = re.match(r"(\d+) năm", period)
    return int(match.group(1)) if match else 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleCondition(_Strict):
    """What a rule looks for. Every condition given must hold; within a list, any item."""

    doc_types: list[str] = Field(default_factory=list)  # "Báo cáo"
    notation_forms: list[Form] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # in the title or subject
    patterns: list[str] = Field(default_factory=list)  # regex on folded lower-case title+subject
    body_keywords: list[str] = Field(default_factory=list)  # anywhere in the text
    exclude: list[str] = Field(default_factory=list)  # keywords in title/subject that veto
    marks: list[str] = Field(default_factory=list)  # "MẬT", "LƯU HÀNH NỘI BỘ"
    personal_data: list[str] = Field(default_factory=list)  # "cccd", "date_of_birth"

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return patterns

    @model_validator(mode="after")
    def _not_empty(self) -> RuleCondition:
        positive = (
            self.doc_types,
            self.notation_forms,
            self.keywords,
            self.patterns,
            self.body_keywords,
            self.marks,
            self.personal_data,
        )
        if not any(positive):
            raise ValueError("a rule must match on something (exclude alone matches all)")
        return self


class Outcome(_Strict):
    access: AccessClass | None = None
    retention: str | None = None  # "Vĩnh viễn", "20 năm"
    protect_years: int | None = Field(default=None, ge=1, le=100)

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str | None) -> str | None:
        if value is not None and not _RETENTION.match(value):
            raise ValueError(f"retention {value!r}: use 'Vĩnh viễn', 'N năm' or a special value")
        return value


class Rule(_Strict):
    id: str
    kind: Kind
    tag: Tag
    title: str
    title_vi: str = ""  # the title as the web page shows it (Vietnamese); logs and CLI use `title`
    basis: str  # the legal text, article, appendix row
    match: RuleCondition
    outcome: Outcome
    confidence: float = Field(default=0.9, gt=0, le=1)
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _RULE_ID.match(value):
            raise ValueError(f"rule id {value!r}: expected A6.1 / A6.2c / A17.d / R.<n> / S.MAT")
        return value

    @model_validator(mode="after")
    def _outcome_fits_kind(self) -> Rule:
        out = self.outcome
        wanted = {"access": out.access, "retention": out.retention, "secrecy": out.protect_years}
        if wanted[self.kind] is None:
            raise ValueError(f"rule {self.id}: a {self.kind} rule needs its outcome set")
        return self

    def words(self, field: str) -> list[str]:
        """Keywords of `field` as folded lower-case search keys."""
        return [key(w).lower() for w in getattr(self.match, field)]


class RuleSet(_Strict):
    id: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    extends: str | None = None
    remove: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> RuleSet:
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValueError(f"rule set {self.id}: effective_to before effective_from")
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"rule set {self.id}: duplicate rule ids")
        return self


class Thresholds(_Strict):
    public: float = Field(default=0.75, gt=0, le=1)  # least confidence for a public decision
    field: float = Field(default=0.6, gt=0, le=1)  # below: the field is flagged for review
    review_fields: list[str] = Field(default_factory=lambda: ["doc_type", "date", "number", "secrecy"])
    # Identity numbers make a record at least conditional, whatever the rule sets say.
    identity_kinds: list[str] = Field(default_factory=lambda: ["cccd", "cmnd", "passport"])


class RuleFile(_Strict):
    schema_version: Literal[1] = 1
    version: str
    thresholds: Thresholds = Field(default_factory=Thresholds)
    rule_sets: list[RuleSet]

    @model_validator(mode="after")
    def _sets(self) -> RuleFile:
        seen: dict[str, RuleSet] = {}
        ordered = sorted(self.rule_sets, key=lambda s: s.effective_from)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(f"rule sets {earlier.id} and {later.id} overlap")
        for rule_set in self.rule_sets:
            if rule_set.id in seen:
                raise ValueError(f"duplicate rule set id {rule_set.id}")
            if rule_set.extends and rule_set.extends not in seen:
                raise ValueError(f"rule set {rule_set.id} extends unknown/later set {rule_set.extends}")
            seen[rule_set.id] = rule_set
        return self


@dataclass(frozen=True)
class ResolvedSet:
    """A rule set with its inheritance applied: every rule in force over its dates."""

    id: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None
    rules: tuple[Rule, ...]

    def covers(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def of_kind(self, kind: Kind) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)


@dataclass(frozen=True)
class RuleBook:
    version: str
    thresholds: Thresholds
    sets: tuple[ResolvedSet, ...]  # ordered by effective_from

    @classmethod
    def from_data(cls, data: dict) -> RuleBook:
        """Validate a parsed rules file and resolve inheritance."""
        parsed = RuleFile.model_validate(data)
        resolved: dict[str, ResolvedSet] = {}
        for rule_set in parsed.rule_sets:
            rules: dict[str, Rule] = {}
            if rule_set.extends:
                rules = {r.id: r for r in resolved[rule_set.extends].rules}
            for rule_id in rule_set.remove:
                if rule_id not in rules:
                    raise ValueError(f"rule set {rule_set.id} removes unknown rule {rule_id}")
                del rules[rule_id]
            rules.update({r.id: r for r in rule_set.rules})
            resolved[rule_set.id] = ResolvedSet(
                rule_set.id,
                rule_set.title,
                rule_set.effective_from,
                rule_set.effective_to,
                tuple(rules.values()),
            )
        ordered = tuple(sorted(resolved.values(), key=lambda s: s.effective_from))
        return cls(version=parsed.version, thresholds=parsed.thresholds, sets=ordered)

    def for_date(self, day: dt.date | None) -> tuple[ResolvedSet, str | None]:
        """The set in force on `day`, and a review reason when it had to fall back."""
        if day is not None:
            for rule_set in self.sets:
                if rule_set.covers(day):
                    return rule_set, None
            if day < self.sets[0].effective_from:
                return self.sets[0], (
                    f"dated {day.isoformat()}, before the earliest rule set ({self.sets[0].id}); judged by it"
                )
        newest = self.sets[-1]
        if day is None:
            return newest, f"undated: judged by the newest rule set ({newest.id})"
        return newest, f"no rule set covers {day.isoformat()}; judged by {newest.id}"

    def rule(self, set_id: str, rule_id: str) -> Rule | None:
        for rule_set in self.sets:
            if rule_set.id == set_id:
                return next((r for r in rule_set.rules if r.id == rule_id), None)
        return None


def load_rules(path: Path | None = None) -> RuleBook:
    """Read and validate a rules file (the packaged default when `path` is None)."""
    source = path or DEFAULT_RULES
    with source.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a rules file is a mapping with 'version' and 'rule_sets'")
    return RuleBook.from_data(data)
