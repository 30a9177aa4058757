"""The clinical workflow inside a case: consent, screening, risk, escalation, referral,
support, notes, information sharing and closure. Every widget here calls services only."""
