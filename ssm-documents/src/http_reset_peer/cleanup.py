"""Action=Cleanup: removes every rule, process and state file of one experiment, or of all of them.
Idempotent; the command that injected calls it too, for whatever its window left."""

import os
import signal

from .clock import utc_now
from .firewall import remove_rules, rules_remain
from .processes import fault_processes, signal_quietly, wait_until
from .report import EXIT_FAILED, report
from .state import EXPERIMENTS, STATE_ROOT, remove_tree, take_lock


def still_active(experiment_id=None):
    return bool(fault_processes(experiment_id)) or rules_remain(experiment_id)


def cleanup_experiment(experiment_id=None):
    """Stops the fault's processes (the warden first, so that it takes its rules out in order),
    then removes whatever rules remain. Returns what it removed."""
    removed = []
    for process in fault_processes(experiment_id):
        if process.role == "warden":
            signal_quietly(process.pid, signal.SIGTERM)
            removed.append("warden process %d of experiment %s, stopped" % (process.pid, process.experiment_id))
    wait_until(lambda: not [1 for process in fault_processes(experiment_id) if process.role == "warden"], 2.0)
    removed += remove_rules(experiment_id)
    for process in fault_processes(experiment_id):
        signal_quietly(process.pid, signal.SIGKILL)
        removed.append("%s process %d of experiment %s, killed" % (process.role, process.pid, process.experiment_id))
    wait_until(lambda: not fault_processes(experiment_id), 2.0)
    return removed


def cleanup_main():
    experiment_id = os.environ.get("SSM_ExperimentId") or None
    removed = cleanup_experiment(experiment_id)
    for name in sorted(os.listdir(EXPERIMENTS)) if os.path.isdir(EXPERIMENTS) else []:
        if experiment_id in (None, name):
            remove_tree(os.path.join(EXPERIMENTS, name))
            removed.append("state of experiment %s" % name)
    restored = not still_active(experiment_id)
    if experiment_id is None and restored and take_lock() is not None:
        # Nothing of the fault runs (we hold its lock): the state directory goes too.
        remove_tree(STATE_ROOT)
    summary = {
        "action": "Cleanup",
        "experimentId": experiment_id or "",
        "removed": len(removed),
        "restored": restored,
        "endedAt": utc_now(),
    }
    details = ["removed: " + r for r in removed][:30] or ["nothing of the fault was present"]
    return report(summary, details, 0 if restored else EXIT_FAILED)
