"""Child process for the crash-safety test: saves referrals in a loop, printing each case id
only after its transaction has committed."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from ld_desktop.services.cases import ReferralDraft
from ld_desktop.services.persons import PersonDraft
from ld_desktop.services.workstation import Workstation


def main() -> None:
    store, username, passphrase = sys.argv[1], sys.argv[2], sys.argv[3]
    session = Workstation(Path(store)).unlock(username, passphrase)
    site = session.site_ids[0]
    n = 0
    while True:
        n += 1
        person = session.persons.register(PersonDraft("Crashy", f"Testington{n}",
                                                      date(1980, 1, 1)), site)
        case = session.cases.new_referral(ReferralDraft(person.id, site, "self", "court"))
        print(case.id, flush=True)


if __name__ == "__main__":
    main()
