"""End of shift: the senior's handover (sync, report, acknowledgement) and a practitioner's
own end of shift."""
