"""The clinical pathway inside a case: consent, notes, risk, escalation, onward referral,
support actions, outcome and closure. Every step is audited and goes through the change log."""
