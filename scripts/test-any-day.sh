#!/usr/bin/env bash
# Runs the whole test suite as if today were each of the days the calendar has caught us out on
# (a half-month's last and first day, a month's last day, New Year's Day just after midnight at the
# post, a leap day, a Tuesday and a Wednesday), with libfaketime (Debian package faketime). The
# suite itself already runs on a fixed clock and samples these days (tests/helpers/clock.py); this
# checks that nothing reads the computer's calendar behind the clock's back. Takes a suite run per
# day: `make test-any-day`, or `scripts/test-any-day.sh '2027-01-01 00:30:00'` for one day.
# The times are the computer's (UTC here); the post is at UTC+7.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "needs faketime (apt-get install faketime)" >&2; exit 1; }
days=("$@")
if [ "${#days[@]}" -eq 0 ]; then
  days=(
    "2026-12-14 09:00:00"   # 16:00 at the post on the 14th: the last day of a half-month
    "2026-12-15 01:00:00"   # the 15th: the first day of the next
    "2027-04-30 15:00:00"   # the last day of a month
    "2026-12-31 17:30:00"   # 00:30 on 1 January at the post, still 31 December in UTC
    "2028-02-29 05:00:00"   # a leap day
    "2026-12-01 16:50:00"   # a Tuesday (23:50 at the post), the weekly window's last day
    "2026-12-02 03:00:00"   # a Wednesday, the day the weekly report is due
  )
fi
failed=()
for day in "${days[@]}"; do
  echo "== the suite on ${day} UTC"
  if ! QT_QPA_PLATFORM=offscreen faketime "${day}" .venv/bin/python -m pytest -q -p no:cacheprovider; then
    failed+=("${day}")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed on: ${failed[*]}" >&2
  exit 1
fi
