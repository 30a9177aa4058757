"""Pure domain: no Qt, no SQLAlchemy, no I/O. Instruments, scoring, rules, validation."""
