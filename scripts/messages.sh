#!/usr/bin/env bash
# Regenerates and compiles the zh_Hans catalogues: one per app, as Wagtail does
# (each app's strings live in its own locale/ folder).
set -euo pipefail
py_arg=${1:-.venv/bin/python}
py="$(cd "$(dirname "$py_arg")" && pwd)/$(basename "$py_arg")"
root=$(cd "$(dirname "$0")/.." && pwd)
# PYTHONSAFEPATH: running from inside an app folder must not put it first on
# sys.path, or an app module such as selectors.py would shadow the standard library.
export PYTHONPATH="$root" DJANGO_SETTINGS_MODULE=example_site.settings.test PYTHONSAFEPATH=1
django_admin="$py -m django"

for app in "$root"/wagtail_pilots "$root"/wagtail_pilots/*/ "$root"/wagtail_pilots/contrib/*/ "$root"/example_site; do
    app=${app%/}
    [ -d "$app/locale" ] || continue
    ignores=()
    # The core app's catalogue leaves out sub-apps that have their own.
    for sub in "$app"/*/ "$app"/contrib/*/; do
        sub=${sub%/}
        [ -d "$sub/locale" ] && ignores+=(--ignore "${sub#"$app"/}/*")
    done
    (cd "$app" && $django_admin makemessages -l zh_Hans --no-obsolete --no-location \
        --ignore 'migrations/*' "${ignores[@]}" >/dev/null)
    (cd "$app" && $django_admin compilemessages -l zh_Hans >/dev/null)
    echo "catalogue: ${app#"$root"/}/locale/zh_Hans"
done
