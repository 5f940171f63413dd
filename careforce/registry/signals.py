"""Signals the registry services send, in the transaction of the change, for apps that keep summaries.

placement_changed(sender=Worker, institution_ids=set[int]): workers were registered, moved, started or
left a post, or changed occupation; the institutions named (before and after) may have different staff
counts now. Receivers recompute what they keep for those institutions (e.g. skills' certification tally).
"""

from django.dispatch import Signal

placement_changed = Signal()
