"""Performs the flow's commands against the ports and turns outcomes into flow events.

Runs on the controller's worker thread (or inline, in :class:`SyncDriver`). Every
clinic write happens here, one at a time, so the journal and the live database never
race: while journaled check-ins are waiting, a new one is replayed behind them or
journaled too, which keeps the order patients arrived in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from common.errors import BilingualError
from common.logs import register_sensitive
from kiosk import flow as f
from kiosk.health import HealthRecorder
from kiosk.journal import Journal, ReplayReport, replay
from kiosk.ports import (
    AuthenOutcome,
    CardReadFailure,
    DatabaseUnavailable,
    KioskServices,
    NhsoRefused,
    NhsoUnavailable,
    PrinterFailure,
    Rights,
)

log = logging.getLogger(__name__)


class Effects:
    def __init__(
        self,
        services: KioskServices,
        *,
        journal: Journal | None = None,
        health: HealthRecorder | None = None,
        pcucode: str = "",
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        self.services = services
        self.journal = journal
        self.health = health or HealthRecorder(None)
        self.pcucode = pcucode
        self.on_exit = on_exit

    def perform(self, command: f.Command) -> list[f.Event]:
        """Run one command; never raises for an expected failure of a port."""
        checkin_id = getattr(command, "checkin_id", "")
        try:
            return self._perform(command)
        except BilingualError as exc:
            log.warning("%s failed: %s", type(command).__name__, exc.code)
            return [f.CommandFailed(checkin_id, exc.code)] if checkin_id else []
        except Exception as exc:  # an adapter bug must not kill the kiosk
            log.exception("%s failed unexpectedly: %s", type(command).__name__, type(exc).__name__)
            return [f.CommandFailed(checkin_id, "error")] if checkin_id else []

    def _perform(self, command: f.Command) -> list[f.Event]:
        s = self.services
        health = self.health
        if isinstance(command, f.ReadCard):
            try:
                identity = s.card.read()
            except CardReadFailure as exc:
                health.component("reader", "ok" if exc.code == "card_removed" else "card_error")
                return [f.CardReadFailed(command.checkin_id, exc.code)]
            register_sensitive(
                [identity.first_th, identity.last_th, identity.first_en, identity.last_en]
            )
            health.component("reader", "ok")
            return [f.CardRead(command.checkin_id, identity)]
        if isinstance(command, f.IdentifyPatient):
            try:
                patient = s.clinic.identify(command.identity)
            except DatabaseUnavailable:
                health.component("database", "down")
                return [f.ClinicUnavailable(command.checkin_id)]
            health.component("database", "ok")
            return [f.PatientIdentified(command.checkin_id, patient)]
        if isinstance(command, f.CheckRights):
            identity = command.identity
            return [self._nhso(command.checkin_id, lambda: s.rights.check(identity))]
        if isinstance(command, f.Authenticate):
            request = command.request
            return [self._nhso(command.checkin_id, lambda: s.authen.authenticate(request))]
        if isinstance(command, f.OpenVisit):
            return [self._open_visit(command)]
        if isinstance(command, f.JournalVisit):
            if self.journal is None:
                return [f.JournalFailed(command.checkin_id, "journal_unavailable")]
            try:
                visit = self.journal.append(command.request, self.pcucode)
            except BilingualError as exc:
                return [f.JournalFailed(command.checkin_id, exc.code)]
            health.journal_pending(self.journal.pending_count())
            return [f.Journaled(command.checkin_id, visit)]
        if isinstance(command, f.PrintTicket):
            try:
                s.printer.print_ticket(command.ticket)
            except PrinterFailure as exc:
                health.component("printer", "failed", exc.kind)
                return [f.PrinterFailed(command.checkin_id, exc.kind)]
            health.component("printer", "ok")
            visit = command.ticket.visit
            health.ticket_printed(visit.pcucode, visit.visitno, local=visit.local)
            return [f.TicketPrinted(command.checkin_id)]
        if isinstance(command, f.NotePrintFailure):
            visit = command.visit
            health.print_failure(
                visit.pcucode, visit.visitno, visit.queue_label, command.kind, local=visit.local
            )
            return []
        if isinstance(command, f.RecordCheckin):
            health.checkin(command.outcome, command.authen_status)
            return []
        if isinstance(command, f.ReplayJournal):
            self.replay_journal()
            return []
        if isinstance(command, f.PrintTestSlip):
            try:
                s.printer.print_test_slip()
            except PrinterFailure as exc:
                health.component("printer", "failed", exc.kind)
                return [f.TestSlipPrinted(exc.kind)]
            health.component("printer", "ok")
            return [f.TestSlipPrinted()]
        if isinstance(command, f.ExitApp):
            if self.on_exit is not None:
                self.on_exit()
            return []
        raise TypeError(f"unknown command {type(command).__name__}")

    def _nhso(self, checkin_id: str, call: Callable[[], Rights | AuthenOutcome]) -> f.Event:
        """NHSO down and NHSO saying no mean the same for rights and for authen."""
        try:
            answer = call()
        except NhsoUnavailable:
            self.health.component("nhso", "down")
            return f.NhsoDown(checkin_id)
        except NhsoRefused as exc:
            self.health.component("nhso", "ok")
            return f.NhsoSaidNo(checkin_id, exc.reason)
        self.health.component("nhso", "ok")
        if isinstance(answer, Rights):
            return f.RightsChecked(checkin_id, answer)
        return f.Authenticated(checkin_id, answer)

    def _open_visit(self, command: f.OpenVisit) -> f.Event:
        if self.journal is not None and self.journal.pending_count() > 0:
            # Earlier check-ins wait in the journal: they go first, or this one joins them.
            report = self.replay_journal()
            if report.remaining > 0:
                return f.ClinicUnavailable(command.checkin_id)
        try:
            visit = self.services.clinic.open_visit(command.request)
        except DatabaseUnavailable:
            self.health.component("database", "down")
            return f.ClinicUnavailable(command.checkin_id)
        self.health.component("database", "ok")
        return f.VisitOpened(command.checkin_id, visit)

    def replay_journal(self) -> ReplayReport:
        if self.journal is None:
            return ReplayReport()
        report = replay(self.journal, self.services.clinic)
        if report.stopped_by_outage:
            self.health.component("database", "down")
        elif report.replayed:
            self.health.component("database", "ok")
        self.health.journal_pending(report.remaining)
        return report


class SyncDriver:
    """Runs the flow and its commands inline, one event at a time (tests, bench, demo)."""

    def __init__(
        self,
        flow: f.Flow,
        effects: Effects,
        clock: Callable[[], dt.datetime] = dt.datetime.now,
        *,
        keep_history: bool = True,
    ) -> None:
        self.keep_history = keep_history
        self.flow = flow
        self.effects = effects
        self.clock = clock
        self.state = flow.initial()
        self.history: list[f.FlowState] = [self.state]
        self.commands: list[f.Command] = []

    def send(self, event: f.Event) -> f.FlowState:
        self.send_all([event])
        return self.state

    def send_all(self, events: Sequence[f.Event]) -> f.FlowState:
        queue = list(events)
        while queue:
            event = queue.pop(0)
            transition = self.flow.handle(self.state, event, self.clock())
            self.state = transition.state
            if self.keep_history:
                self.history.append(self.state)
                self.commands.extend(transition.commands)
            for command in transition.commands:
                queue.extend(self.effects.perform(command))
        return self.state
