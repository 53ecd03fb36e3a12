"""Services called as a view or a job calls them: each call in a unit of work of its own.

Services add and flush and never commit (core.unit_of_work); a test that calls one directly
and then looks at what was committed wraps the module: `record = each_call_committed(record)`.
"""

import functools

from core.unit_of_work import unit_of_work


class each_call_committed:  # noqa: N801  (reads as the function-like wrapper it is)
    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if not callable(value) or isinstance(value, type):
            return value

        @functools.wraps(value)
        def committed(*args, **kwargs):
            with unit_of_work():
                return value(*args, **kwargs)

        return committed
