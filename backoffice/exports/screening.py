"""Deciding, per visit, whether it goes into a batch, and saying why when it does not."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from backoffice.exports import report as r
from backoffice.exports.rules import CATEGORY_ORDER, Category, RuleSet
from backoffice.exports.source import Visit, VisitBundle
from common.cid import is_valid_cid

# A person has many visits: check each citizen ID once (bounded, a few MB at most).
_valid_cid = functools.lru_cache(maxsize=1 << 15)(is_valid_cid)


@dataclass
class Verdict:
    category: Category
    inscl: str  # "" when the right could not be mapped
    excluded: list[r.ProblemKind] = field(default_factory=list)
    warnings: list[tuple[r.ProblemKind, str]] = field(default_factory=list)  # kind, item code
    reasons: list[r.ProblemKind] = field(default_factory=list)  # why it is in, where said

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
    elif not _valid_cid(visit.cid):
        problems.append(r.INVALID_CID)
    return problems


def inscl_of(visit: Visit, rules: RuleSet) -> str:
    """The card's main inscl when the visit kept it, else the rules' mapping of cright."""
    mapped = rules.inscl_for(visit.rightcode, visit.rightgroup, visit.mapright)
    return visit.main_inscl or mapped or ""


class Screen:
    """A rule set made ready for many visits: prefixes as tuples, each right mapped once.

    Gives exactly the verdicts of :meth:`RuleSet.category_for` and :func:`inscl_of`;
    a batch builds one and screens every visit with it.
    """

    def __init__(self, rules: RuleSet, own_hcode: str = "") -> None:
        self.rules = rules
        self.own_hcode = own_hcode
        # Inside the CUP: this unit and its parent hospital (seed §12.3).
        self._in_cup = frozenset(c for c in (own_hcode, rules.cup_hcode) if c)
        self._drug_types = frozenset(rules.drug_drugtypes)
        self._procedure_types = frozenset(rules.oop_drugtypes)
        self._uc_codes = frozenset(rules.uc_codes)
        self._categories: list[tuple[Category, tuple[str, ...]]] = [
            (name, tuple(rule.diag_prefixes))
            for name in CATEGORY_ORDER
            if (rule := rules.categories.get(name)) is not None
        ]
        self._inscl: dict[tuple[str, str, str], str] = {}

    def inscl(self, visit: Visit) -> str:
        if visit.main_inscl:
            return visit.main_inscl
        key = (visit.rightcode, visit.rightgroup, visit.mapright)
        found = self._inscl.get(key)
        if found is None:  # the rights table is small: this dict stays small
            found = self._inscl[key] = self.rules.inscl_for(*key) or ""
        return found

    def category(self, bundle: VisitBundle) -> Category:
        fallback: Category = "OP"
        for name, prefixes in self._categories:
            if not prefixes:
                fallback = name
                continue
            if any(d.code.startswith(prefixes) for d in bundle.diagnoses):
                return name
        return fallback

    def item_warnings(self, bundle: VisitBundle) -> list[tuple[r.ProblemKind, str]]:
        """One warning per kind and visit, naming every item concerned."""
        drug_types = self._drug_types
        no_code = [i.drugcode for i in bundle.items if i.drugtype in drug_types and not i.std_code]
        no_lot = [x.vaccinecode for x in bundle.vaccinations if not x.lot]
        warnings: list[tuple[r.ProblemKind, str]] = []
        if not bundle.provider_licence:  # DRDX, DROPID, PROVIDER, SvPID and Presc stay empty
            warnings.append((r.MISSING_PROVIDER_LICENCE, ""))
        if no_code:
            warnings.append((r.MISSING_DRUG_CODE, " ".join(no_code)))
        if no_lot:
            warnings.append((r.MISSING_LOT, " ".join(no_lot)))
        return warnings

    def procedure_warnings(self, bundle: VisitBundle) -> list[tuple[r.ProblemKind, str]]:
        """Procedures OOP cannot carry: no ICD-9-CM code known (e-Claim only)."""
        procedures, code = self._procedure_types, self.rules.procedure_code
        no_oper = [
            i.drugcode
            for i in bundle.items
            if i.drugtype in procedures and not code(i.drugcode, i.std_code)
        ]
        return [(r.MISSING_PROCEDURE_CODE, " ".join(no_oper))] if no_oper else []

    def eclaim(self, bundle: VisitBundle) -> Verdict:
        """The seed's §12.3 rules, as configured, applied to one visit."""
        visit = bundle.visit
        rules = self.rules
        category = self.category(bundle)
        verdict = Verdict(category, self.inscl(visit))
        verdict.excluded.extend(identity_problems(visit))
        if rules.require_claim_code and not visit.claim_code:
            verdict.excluded.append(r.MISSING_CLAIM_CODE)
        rule = rules.categories.get(category)
        if not verdict.inscl:
            verdict.excluded.append(r.UNMAPPED_RIGHT)
        elif rule is None or not rule.admits(verdict.inscl):
            verdict.excluded.append(r.RIGHT_NOT_IN_CATEGORY)
        elif rule.uc_only_other_main_unit and verdict.inscl in self._uc_codes:
            main = visit.hosmain.strip()
            if main and main in self._in_cup:
                verdict.excluded.append(r.UC_IN_CUP)
            elif main:
                verdict.reasons.append(r.UC_OUTSIDE_CUP)
            else:  # e.g. a walk-in registered before NHSO's unit was stored
                verdict.warnings.append((r.UC_MAIN_UNIT_UNKNOWN, ""))
        verdict.warnings.extend(self.item_warnings(bundle))
        verdict.warnings.extend(self.procedure_warnings(bundle))
        no_code = [lab.labcode for lab in bundle.labs if not rules.lab_code(lab.labcode)]
        if no_code:
            verdict.warnings.append((r.UNMAPPED_LAB, " ".join(sorted(set(no_code)))))
        return verdict

    def ssop(self, bundle: VisitBundle) -> Verdict:
        visit = bundle.visit
        verdict = Verdict(self.category(bundle), self.inscl(visit))
        verdict.excluded.extend(identity_problems(visit))
        if not verdict.inscl:
            verdict.excluded.append(r.UNMAPPED_RIGHT)
        elif verdict.inscl not in self.rules.ssop_inscl:
            verdict.excluded.append(r.NOT_SSS)
        verdict.warnings.extend(self.item_warnings(bundle))
        return verdict


def item_warnings(bundle: VisitBundle, rules: RuleSet) -> list[tuple[r.ProblemKind, str]]:
    """One warning per kind and visit, naming every item concerned."""
    return Screen(rules).item_warnings(bundle)


def screen_eclaim(bundle: VisitBundle, rules: RuleSet, own_hcode: str) -> Verdict:
    """One visit screened on its own (a batch keeps one :class:`Screen` instead)."""
    return Screen(rules, own_hcode).eclaim(bundle)


def screen_ssop(bundle: VisitBundle, rules: RuleSet) -> Verdict:
    return Screen(rules).ssop(bundle)


def record(report: r.ValidationReport, bundle: VisitBundle, verdict: Verdict) -> None:
    """Put a verdict in the report and the counters."""
    visit = bundle.visit
    problems = [*((kind, "") for kind in verdict.excluded), *verdict.warnings]
    if not verdict.excluded:
        problems.extend((kind, "") for kind in verdict.reasons)
    if problems:
        seq, hn = str(visit.visitno), str(visit.pid)
        for kind, item in problems:
            report.add(
                kind, pcucode=visit.pcucode, seq=seq, hn=hn, visitdate=visit.visitdate,
                category=verdict.category, item=item,
            )  # fmt: skip
    if verdict.excluded:
        report.excluded_visits += 1
    else:
        report.included_visits += 1
        report.by_category[verdict.category] += 1
        if verdict.warnings:
            report.warned_visits += 1
