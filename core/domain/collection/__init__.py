"""Collection rounds (收数, D-20): the office asks units for a period's figures by a
deadline, reminds the late ones and closes the period.

- :mod:`.rounds` opens rounds, grants extensions, records reminders and closes periods
  (each a ledger event);
- :mod:`.projectors` declares those event kinds and keeps their tables;
- :mod:`.gate` is the check every value entry passes: refused once its period is closed
  (unless the unit has an extension, or it is an appeal's correction), marked late after
  the deadline, and held to the round's evidence requirement.
"""
