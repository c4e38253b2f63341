"""The improvement loop: every change a team makes is registered, owned and verified at each run.

* :mod:`~cxlab.loop.register` - the change register, ``params/changes.yaml``, validated;
* :mod:`~cxlab.loop.verify` - each change's effect, always-valid interval and status;
* :mod:`~cxlab.loop.history` - the status history across scheduled runs;
* :mod:`~cxlab.loop.suggest` - the stages that most need a next change, alerts that suggest
  one, and the follow-up list's size (suggestions only: nothing registers a change but a person).
"""

from __future__ import annotations

from .history import intersect_runs, previous_history, update_history
from .register import Change, Register, load_register, register_table
from .suggest import follow_up_summary, next_stages, suggestions
from .verify import STATUSES, answers_needed, judge, sequential_interval, verify_all, verify_change

__all__ = ["Change", "Register", "load_register", "register_table", "STATUSES", "judge", "sequential_interval",
           "answers_needed", "verify_change", "verify_all", "intersect_runs", "update_history", "previous_history", "next_stages",
           "suggestions", "follow_up_summary"]
