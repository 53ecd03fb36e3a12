"""The municipality's set-up, a floor beside desk: locations, counters, services and life
events, opening hours, closures and public holidays, and the set-up cache.

Every channel asks it the same questions: what is offered where (office.models, read through
office.setup's snapshot), and whether a location is open (office.hours.open_at: Belgian public
holidays closed unless an exception opens them, office.holidays). Where one channel needs
another's answer (the kiosk checks in a booking), the office declares the question and the other
channel answers it (office.visits). It imports only core: channels build on it, never the other
way round.
"""
