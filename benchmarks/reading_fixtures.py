"""The reading fixtures (tests/fixtures/reading) as a table: per file, the entries it must credit
that were credited, and the entries it must not credit that were (false credit).

Run against another checkout with PYTHONPATH=<that checkout> to compare before and after.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_reading_fixtures import FILES, credited, expectations  # noqa: E402

if __name__ == "__main__":
    files_ok = false_total = credit_total = credit_got = 0
    for path in FILES:
        _, credit, no_credit = expectations(path)
        try:
            got = credited(path)
        except Exception as err:  # an older reader may refuse a whole file
            got, note = {}, f" (unreadable: {type(err).__name__})"
        else:
            note = ""
        ok = sum(1 for e in credit if got.get(e))
        false = sorted(e for e in no_credit if got.get(e))
        credit_total += len(credit)
        credit_got += ok
        false_total += len(false)
        files_ok += ok == len(credit) and not false
        print(f"{path.name:32} credited {ok}/{len(credit)}  false credit {len(false)} {' '.join(false)}{note}")
    print(f"files fully right: {files_ok}/{len(FILES)}; entries credited {credit_got}/{credit_total}; "
          f"false credits {false_total}")
