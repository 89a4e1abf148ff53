"""Deciding, per visit, whether it goes into a batch, and saying why when it does not."""

from __future__ import annotations

from dataclasses import dataclass, field

from backoffice.exports import report as r
from backoffice.exports.rules import Category, RuleSet
from backoffice.exports.source import Visit, VisitBundle
from common.cid import is_valid_cid


@dataclass
class Verdict:
    category: Category
    inscl: str  # "" when the right could not be mapped
    excluded: list[r.ProblemKind] = field(default_factory=list)
    warnings: list[tuple[r.ProblemKind, str]] = field(default_factory=list)  # kind, item code

    @property
    def included(self) -> bool:
        return not self.excluded


def identity_problems(visit: Visit) -> list[r.ProblemKind]:
    """What any claim file needs from every visit: a date and a valid citizen ID."""
    problems: list[r.ProblemKind] = []
    if visit.visitdate is None:
        problems.append(r.NO_VISIT_DATE)
    if not visit.cid:
        problems.append(r.MISSING_CID)
    elif not is_valid_cid(visit.cid):
        problems.append(r.INVALID_CID)
    return problems


def inscl_of(visit: Visit, rules: RuleSet) -> str:
    """The card's main inscl when the visit kept it, else the rules' mapping of cright."""
    mapped = rules.inscl_for(visit.rightcode, visit.rightgroup, visit.mapright)
    return visit.main_inscl or mapped or ""


def item_warnings(bundle: VisitBundle, rules: RuleSet) -> list[tuple[r.ProblemKind, str]]:
    """One warning per kind and visit, naming every item concerned."""
    no_code = [
        i.drugcode for i in bundle.items if i.drugtype in rules.drug_drugtypes and not i.std_code
    ]
    no_lot = [x.vaccinecode for x in bundle.vaccinations if not x.lot]
    warnings: list[tuple[r.ProblemKind, str]] = []
    if no_code:
        warnings.append((r.MISSING_DRUG_CODE, " ".join(no_code)))
    if no_lot:
        warnings.append((r.MISSING_LOT, " ".join(no_lot)))
    return warnings


def screen_eclaim(bundle: VisitBundle, rules: RuleSet, own_hcode: str) -> Verdict:
    """The seed's §12.3 rules, as configured, applied to one visit."""
    visit = bundle.visit
    category = rules.category_for([d.code for d in bundle.diagnoses])
    verdict = Verdict(category, inscl_of(visit, rules))
    verdict.excluded.extend(identity_problems(visit))
    if rules.require_claim_code and not visit.claim_code:
        verdict.excluded.append(r.MISSING_CLAIM_CODE)
    rule = rules.categories.get(category)
    if not verdict.inscl:
        verdict.excluded.append(r.UNMAPPED_RIGHT)
    elif rule is None or not rule.admits(verdict.inscl):
        verdict.excluded.append(r.RIGHT_NOT_IN_CATEGORY)
    elif (
        rule.uc_only_other_main_unit
        and verdict.inscl in rules.uc_codes
        and (visit.hosmain or own_hcode) == own_hcode
    ):
        verdict.excluded.append(r.UC_OWN_MAIN_UNIT)
    verdict.warnings.extend(item_warnings(bundle, rules))
    return verdict


def screen_ssop(bundle: VisitBundle, rules: RuleSet) -> Verdict:
    visit = bundle.visit
    verdict = Verdict(rules.category_for([d.code for d in bundle.diagnoses]), "")
    verdict.inscl = inscl_of(visit, rules)
    verdict.excluded.extend(identity_problems(visit))
    if not verdict.inscl:
        verdict.excluded.append(r.UNMAPPED_RIGHT)
    elif verdict.inscl not in rules.ssop_inscl:
        verdict.excluded.append(r.NOT_SSS)
    verdict.warnings.extend(item_warnings(bundle, rules))
    return verdict


def record(report: r.ValidationReport, bundle: VisitBundle, verdict: Verdict) -> None:
    """Put a verdict in the report and the counters."""
    visit = bundle.visit

    def add(kind: r.ProblemKind, item: str = "") -> None:
        report.add(
            kind,
            pcucode=visit.pcucode,
            seq=visit.seq,
            hn=visit.hn,
            visitdate=visit.visitdate,
            category=verdict.category,
            item=item,
        )

    for kind in verdict.excluded:
        add(kind)
    for kind, item in verdict.warnings:
        add(kind, item)
    if verdict.excluded:
        report.excluded_visits += 1
    else:
        report.included_visits += 1
        report.by_category[verdict.category] += 1
        if verdict.warnings:
            report.warned_visits += 1
