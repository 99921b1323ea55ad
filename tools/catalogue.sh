set -e
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -k _ -k __ --no-location --sort-output -o bot/locales/messages.pot handlers bot reminders >/dev/null 2>&1
for l in fa en; do
  if [ -f bot/locales/$l/LC_MESSAGES/messages.po ]; then
    .venv/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -w 0 -i bot/locales/messages.pot -d bot/locales -l $l >/dev/null 2>&1
  else
    .venv/bin/pybabel init -w 0 -i bot/locales/messages.pot -d bot/locales -l $l >/dev/null 2>&1
  fi
done
