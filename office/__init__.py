"""The municipality's set-up, a floor beside desk: locations, counters, services and life
events, opening hours and closures, and the set-up cache.

Every channel reads what is offered where from it (office.models, through office.setup's
snapshot). It imports only core: channels build on it, never the other way round.
"""
