"""Writes of a case's challenges and NBS types: the machine's assignments and editors' decisions.

``CaseTerm`` rows hold both; ``Case.challenges`` and ``Case.nbs_types`` hold what applies and are
rewritten from the rows after every change, so search, facets and peers read one place. An
editor's decision is never touched by re-classification: a removed term stays removed and a
confirmed one stays even when the rules no longer find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityweave.catalogue.classification import Assignment
from cityweave.catalogue.models import Case, CaseTerm, NbsType, TermDecision
from cityweave.catalogue.services.editing import can_edit
from cityweave.core.models import TaxonomyTerm
from cityweave.core.sync import Counts, sync_m2m, sync_rows
from cityweave.search import index_after_commit

TermKey = tuple[int, int | None, int | None]  # (case id, challenge id, NBS type id)


def _applied(case_ids: Iterable[int]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    challenges: dict[int, set[int]] = {pk: set() for pk in case_ids}
    nbs_types: dict[int, set[int]] = {pk: set() for pk in challenges}
    for row in CaseTerm.objects.filter(case_id__in=list(challenges)):
        if not row.applies:
            continue
        if row.challenge_id is not None:
            challenges[row.case_id].add(row.challenge_id)
        elif row.nbs_type_id is not None:
            nbs_types[row.case_id].add(row.nbs_type_id)
    return challenges, nbs_types


def case_terms_apply(*, case_ids: Iterable[int]) -> int:
    """Rewrite the challenges and NBS types of these cases from their ``CaseTerm`` rows."""
    challenges, nbs_types = _applied(case_ids)
    changed = sync_m2m(model=Case, field="challenges", wanted=challenges)
    return changed + sync_m2m(model=Case, field="nbs_types", wanted=nbs_types)


@transaction.atomic
def case_terms_classify(
    *,
    assignments: Mapping[int, Sequence[Assignment]],
    challenge_ids: Mapping[str, int],
    nbs_type_ids: Mapping[str, int],
) -> Counts:
    """Store the machine's assignments for these cases (case id → what the rules found).

    Machine rows the rules no longer find are deleted unless an editor decided on them; editors'
    decisions are kept as they are. Idempotent: the same assignments change nothing.
    """
    rows: dict[TermKey, dict[str, Any]] = {}
    for case_id, found in assignments.items():
        for a in found:
            challenge = challenge_ids.get(a.code) if a.vocabulary == "challenge" else None
            nbs_type = nbs_type_ids.get(a.code) if a.vocabulary == "nbs_type" else None
            if challenge is None and nbs_type is None:
                continue  # a term the catalogue does not hold (yet)
            rows[(case_id, challenge, nbs_type)] = {
                "case_id": case_id,
                "challenge_id": challenge,
                "nbs_type_id": nbs_type,
                "machine": True,
                "rule": a.rule[:400],
                "evidence": a.evidence,
            }
    existing = CaseTerm.objects.filter(case_id__in=list(assignments))
    for row in existing:
        key = (row.case_id, row.challenge_id, row.nbs_type_id)
        if key in rows:
            continue
        if row.decision:
            rows[key] = {
                "case_id": row.case_id,
                "challenge_id": row.challenge_id,
                "nbs_type_id": row.nbs_type_id,
                "machine": False,
                "rule": "",
                "evidence": "",
            }
    stale = [
        row.pk for row in existing if (row.case_id, row.challenge_id, row.nbs_type_id) not in rows
    ]
    CaseTerm.objects.filter(pk__in=stale).delete()
    counts, _by_key = sync_rows(
        model=CaseTerm, key=("case_id", "challenge_id", "nbs_type_id"), rows=rows.values()
    )
    counts["deleted"] = len(stale)
    case_terms_apply(case_ids=assignments)
    return counts


def _term_row(case: Case, term: TaxonomyTerm | NbsType) -> CaseTerm:
    if isinstance(term, NbsType):
        row, _created = CaseTerm.objects.get_or_create(case=case, nbs_type=term)
    elif term.vocabulary == "challenge":
        row, _created = CaseTerm.objects.get_or_create(case=case, challenge=term)
    else:
        raise ValidationError(_("“%(term)s” is not a challenge area.") % {"term": term.label})
    return row


def _decide(row: CaseTerm, decision: TermDecision, by: Any) -> None:
    row.decision = decision
    row.decided_by = by
    row.decided_at = timezone.now()
    row.full_clean()
    row.save(update_fields=["decision", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def case_term_decide(*, case: Case, term: TaxonomyTerm | NbsType, keep: bool, by: Any) -> CaseTerm:
    """An editor confirms (``keep``) or removes one challenge or NBS type of ``case``.

    Confirming a term the machine did not assign adds it. Raises ``PermissionDenied`` for
    someone who may not edit cases; nothing is written then.
    """
    if not can_edit(by, Case):
        raise PermissionDenied(f"{by} may not edit cases")
    row = _term_row(case, term)
    if keep:
        decision = TermDecision.CONFIRMED if row.machine else TermDecision.ADDED
    else:
        decision = TermDecision.REMOVED
    if not keep and not row.machine:
        row.delete()  # an editor's own addition, taken back: nothing to remember
    else:
        _decide(row, decision, by)
    case_terms_apply(case_ids=[case.pk])
    index_after_commit([case])
    return row


@transaction.atomic
def case_terms_set(
    *,
    case: Case,
    challenges: Iterable[TaxonomyTerm],
    nbs_types: Iterable[NbsType],
    by: Any,
) -> None:
    """The case's terms as an editor ticked them on the edit form: each newly ticked term is an
    editor's addition (a confirmation, where the machine had assigned it), each unticked one a
    removal. Terms whose state does not change are left as they are."""
    wanted: dict[tuple[str, int | None], TaxonomyTerm | NbsType] = {
        ("c", t.pk): t for t in challenges
    }
    wanted.update({("n", t.pk): t for t in nbs_types})
    current: dict[tuple[str, int | None], CaseTerm] = {
        (("c", row.challenge_id) if row.challenge_id else ("n", row.nbs_type_id)): row
        for row in CaseTerm.objects.filter(case=case)
    }
    for key, term in wanted.items():
        row = current.get(key)
        if row is None or not row.applies:
            case_term_decide(case=case, term=term, keep=True, by=by)
    for key, row in current.items():
        if key not in wanted and row.applies:
            case_term_decide(case=case, term=row.term, keep=False, by=by)
