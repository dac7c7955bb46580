"""classify(): evaluate the rule book against one record; pure, every decision explained.

Access is resolved conservatively:
1. A secrecy mark makes the record not_accessible, whatever the rule sets say (floor).
2. Identity numbers (CCCD, CMND, passport) make it at least conditional (floor).
3. Firm (P/T) restrictive rules set the class: not_accessible over conditional.
4. Public only on a firm Art. 17 rule with enough confidence and nothing against it: an M
   rule, a weak match, a restrictive suggestion or a poor page gives undetermined + review.
Retention takes the longest period among firm rules (M rules alone: a suggestion + review).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from classify.facts import Facts, gather
from classify.matching import find_keyword, find_pattern, normalise
from classify.norm import key
from classify.rules import Rule, RuleBook, retention_years
from schemas import Classification, Decision, Metadata, Page

__all__ = ["classify"]

_FIRM = ("P", "T")


@dataclass(frozen=True)
class Hit:
    rule: Rule
    evidence: str
    page: int | None
    confidence: float

    @property
    def firm(self) -> bool:
        return self.rule.tag in _FIRM


def classify(
    metadata: Metadata, pages: list[Page], rules: RuleBook, *, today: dt.date | None = None
) -> Classification:
    """Access class, retention and protection period of one record, with their evidence."""
    today = today or dt.date.today()
    facts = gather(metadata, pages)
    reasons: list[str] = []
    doc_set, why = rules.for_date(metadata.date)
    if why:
        reasons.append(why)
    access_set, why_today = rules.for_date(today)
    if why_today:
        reasons.append(f"access: {why_today}")

    access_hits = _hits(access_set.of_kind("access"), facts)
    secrecy_hits = _hits(doc_set.of_kind("secrecy"), facts)
    retention_hits = _hits(doc_set.of_kind("retention"), facts)

    decisions: list[Decision] = []
    access = _access(access_hits, facts, rules, decisions, reasons)
    protect_until = _protection(secrecy_hits, metadata, today, decisions, reasons)
    retention = _retention(retention_hits, decisions, reasons)
    _field_reviews(metadata, rules, reasons)
    return Classification(
        access=access,
        retention=retention,
        protect_until=protect_until,
        decisions=decisions,
        needs_review=bool(reasons),
        review_reasons=_unique(reasons),
        rules_version=f"{rules.version}:{doc_set.id}/{access_set.id}",
    )


# --- matching -------------------------------------------------------------------------------


def _hits(rules: tuple[Rule, ...], facts: Facts) -> list[Hit]:
    return [hit for rule in rules if (hit := _evaluate(rule, facts)) is not None]


def _evaluate(rule: Rule, facts: Facts) -> Hit | None:
    """All conditions of the rule's match must hold; evidence and confidence of the weakest."""
    match = rule.match
    parts: list[tuple[str, int | None, float]] = []
    checks = (
        (match.doc_types, _doc_type),
        (match.notation_forms, _form),
        (match.keywords, _keywords),
        (match.patterns, _patterns),
        (match.body_keywords, _body),
        (match.marks, _marks),
        (match.personal_data, _personal),
    )
    for wanted, check in checks:
        if wanted:
            found = check(wanted, facts)
            if found is None:
                return None
            parts.append(found)
    if match.exclude and any(find_keyword(x, facts.heading) for x in match.exclude):
        return None
    evidence = "; ".join(dict.fromkeys(text for text, _, _ in parts))
    page = next((p for _, p, _ in parts if p is not None), facts.heading_page)
    confidence = rule.confidence * min(c for _, _, c in parts)
    return Hit(rule, evidence, page, round(confidence, 3))


def _doc_type(wanted: list[str], facts: Facts):
    if facts.doc_type and key(facts.doc_type) in {key(x) for x in wanted}:
        return f"type: {facts.doc_type}", facts.heading_page, facts.doc_type_confidence
    return None


def _form(wanted: list[str], facts: Facts):
    if facts.form in wanted:
        return f"notation form: {facts.form}", facts.heading_page, 0.9
    return None


def _heading_confidence(facts: Facts, start: int) -> float:
    """A match on the type name is as sure as the type; on the subject, as the subject."""
    if start < len(normalise(facts.doc_type or "")):
        return facts.doc_type_confidence
    return min(1.0, facts.confidence.get("subject", 1.0) / 0.6)  # only a poor subject counts


def _keywords(wanted: list[str], facts: Facts):
    for word in wanted:
        found = find_keyword(word, facts.heading)
        if found:
            text, factor, start = found
            confidence = factor * _heading_confidence(facts, start)
            return f"title/subject: «{text}»", facts.heading_page, confidence
    return None


def _patterns(wanted: list[str], facts: Facts):
    for pattern in wanted:
        found = find_pattern(pattern, facts.heading)
        if found:
            text, start = found
            return f"title/subject: «{text}»", facts.heading_page, 0.9 * _heading_confidence(facts, start)
    return None


def _body(wanted: list[str], facts: Facts):
    for page, text in facts.body:
        for word in wanted:
            found = find_keyword(word, text)
            if found:
                return f"text: «{found[0]}»", page, found[1] * 0.9
    return None


def _marks(wanted: list[str], facts: Facts):
    keys = {key(x) for x in wanted}
    hits = [m for m in facts.marks if key(m.value) in keys]
    if not hits:
        return None
    best = max(hits, key=lambda m: m.confidence)
    return f"mark «{best.value}»: {best.evidence}", best.page, best.confidence


def _personal(wanted: list[str], facts: Facts):
    hits = [p for p in facts.personal if p.kind in wanted]
    if not hits:
        return None
    best = max(hits, key=lambda p: p.confidence)
    kinds = ", ".join(dict.fromkeys(p.kind for p in hits))
    return f"personal data ({kinds}): {best.kind} {best.value}", best.page, best.confidence


# --- access ---------------------------------------------------------------------------------


def _decision(hit: Hit, outcome: str) -> Decision:
    return Decision(
        rule=hit.rule.id,
        outcome=outcome,
        evidence=hit.evidence,
        page=hit.page,
        confidence=hit.confidence,
        basis=hit.rule.basis,
        tag=hit.rule.tag,
    )


def _access(
    hits: list[Hit], facts: Facts, rules: RuleBook, decisions: list[Decision], reasons: list[str]
) -> str:
    for hit in hits:
        decisions.append(_decision(hit, hit.rule.outcome.access or "undetermined"))
    by = {
        c: [h for h in hits if h.rule.outcome.access == c]
        for c in ("not_accessible", "conditional", "public", "undetermined")
    }
    firm_na = [h for h in by["not_accessible"] if h.firm]
    firm_cond = [h for h in by["conditional"] if h.firm]
    soft = [h for h in by["not_accessible"] + by["conditional"] if not h.firm]
    floor = _floors(facts, rules, firm_na, firm_cond, decisions, reasons)

    for hit in soft:
        reasons.append(
            f"{hit.rule.id} ({hit.rule.tag}) suggests {hit.rule.outcome.access}: "
            f"{hit.rule.title} — {hit.evidence}"
        )
    for hit in by["undetermined"]:
        reasons.append(f"{hit.rule.id}: {hit.rule.title} — {hit.evidence}")
    for hit in firm_na + firm_cond:
        if hit.confidence < rules.thresholds.field:
            reasons.append(f"{hit.rule.id}: weak evidence ({hit.confidence}) — {hit.evidence}")

    if firm_na or floor == "not_accessible":
        return "not_accessible"
    if firm_cond or floor == "conditional":
        if by["public"]:
            ids = ", ".join(h.rule.id for h in by["public"])
            reasons.append(
                f"{ids}: must be disclosed, but holds personal data — redact before "
                "release (Law 104/2016 Art. 7.2)"
            )
        return "conditional"
    return _public_or_undetermined(by["public"], soft, facts, rules, reasons)


def _floors(
    facts: Facts,
    rules: RuleBook,
    firm_na: list[Hit],
    firm_cond: list[Hit],
    decisions: list[Decision],
    reasons: list[str],
) -> str | None:
    """The two restrictions no rules file can lift: secrecy marks and identity numbers."""
    secret = [m for m in facts.marks if m.kind == "secrecy"]
    if secret and not firm_na:
        mark = max(secret, key=lambda m: m.confidence)
        decisions.append(
            Decision(
                rule="A6.1",
                outcome="not_accessible",
                evidence=f"mark «{mark.value}»: {mark.evidence}",
                page=mark.page,
                confidence=mark.confidence,
            )
        )
        reasons.append("secrecy mark found but no rule of the rule set handled it")
    if secret:
        weak = [m for m in secret if m.confidence < 0.8 or not m.standalone]
        if weak:
            reasons.append(f"secrecy mark read with low confidence ({weak[0].evidence!r}): confirm the mark")
        return "not_accessible"
    if any(m.kind == "declassified" for m in facts.marks):
        reasons.append("a 'GIẢI MẬT' stamp: check the declassification record")
    ids = [p for p in facts.personal if p.kind in rules.thresholds.identity_kinds]
    if ids and not firm_cond and not firm_na:
        best = max(ids, key=lambda p: p.confidence)
        decisions.append(
            Decision(
                rule="A7.2",
                outcome="conditional",
                evidence=f"personal data: {best.kind} {best.value}",
                page=best.page,
                confidence=best.confidence,
            )
        )
        reasons.append("identity number found but no rule of the rule set handled it")
    return "conditional" if ids else None


def _public_or_undetermined(
    public: list[Hit], soft: list[Hit], facts: Facts, rules: RuleBook, reasons: list[str]
) -> str:
    firm = [h for h in public if h.firm]
    if not public:
        if not soft:
            reasons.append("no access rule matched: an archivist must decide")
        return "undetermined"
    if not firm:
        ids = ", ".join(h.rule.id for h in public)
        reasons.append(f"{ids}: only unconfirmed (M) rules point to public disclosure")
        return "undetermined"
    best = max(firm, key=lambda h: h.confidence)
    if soft:
        reasons.append(
            f"{best.rule.id} points to public disclosure, but a restriction is "
            "suggested: not public until a person decides"
        )
        return "undetermined"
    if best.confidence < rules.thresholds.public:
        reasons.append(
            f"{best.rule.id}: evidence for public disclosure too weak "
            f"({best.confidence} < {rules.thresholds.public}) — {best.evidence}"
        )
        return "undetermined"
    if facts.quality < rules.thresholds.field:
        reasons.append(f"page quality {facts.quality:.2f}: a secrecy mark cannot be ruled out")
        return "undetermined"
    if facts.unreadable:
        first = facts.unreadable[0]
        reasons.append(
            f"{best.rule.id} points to public disclosure, but {len(facts.unreadable)} "
            f"line(s) could not be read (page {first.page}: {first.text[:60]!r}) — "
            "they may hold personal data or a mark"
        )
        return "undetermined"
    return "public"


# --- protection period and retention ----------------------------------------------------------


def _add_years(day: dt.date, years: int) -> dt.date:
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def _protection(
    hits: list[Hit], meta: Metadata, today: dt.date, decisions: list[Decision], reasons: list[str]
) -> dt.date | None:
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.rule.outcome.protect_years or 0)
    years = hit.rule.outcome.protect_years or 0
    if meta.date is None:
        decisions.append(_decision(hit, f"{years} năm"))
        reasons.append(
            f"{hit.rule.id}: secret for {years} years from classification, but the document date is unknown"
        )
        return None
    until = _add_years(meta.date, years)
    decisions.append(_decision(hit, until.isoformat()))
    if not hit.firm:
        reasons.append(f"{hit.rule.id} ({hit.rule.tag}): protection period to be confirmed")
    if until <= today:
        reasons.append(
            f"protection period ended {until.isoformat()}: declassification review "
            "due — no release without a recorded decision"
        )
    return until


def _retention(hits: list[Hit], decisions: list[Decision], reasons: list[str]) -> str | None:
    for hit in hits:
        decisions.append(_decision(hit, hit.rule.outcome.retention or ""))
    if not hits:
        reasons.append("no retention rule matched: an archivist must set the period")
        return None
    firm = [h for h in hits if h.firm]
    pool = firm or hits
    best = max(pool, key=lambda h: (retention_years(h.rule.outcome.retention or ""), h.confidence))
    period = best.rule.outcome.retention
    if not firm:
        reasons.append(f"retention {period} from an unconfirmed (M) rule {best.rule.id} — to be appraised")
    else:
        chosen = retention_years(period or "")
        longer = [h for h in hits if not h.firm and retention_years(h.rule.outcome.retention or "") > chosen]
        if longer:
            reasons.append(
                f"{longer[0].rule.id} (M) suggests a longer period ({longer[0].rule.outcome.retention})"
            )
    return period


def _field_reviews(meta: Metadata, rules: RuleBook, reasons: list[str]) -> None:
    reasons.extend(x for x in meta.review if x)  # fields left empty or kept as read, and why
    for name in rules.thresholds.review_fields:
        value = meta.confidence.get(name)
        if value is not None and value < rules.thresholds.field:
            reasons.append(f"low confidence in {name} ({value:.2f})")


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
