#!/usr/bin/env python3
"""Validates install.json files with ThreatConnect's own model of them: tcex's InstallJsonModel
(tcex/app/config/model/install_json_model.py), the model `tcex validate` and `tcex package` load
an App's install.json into (tcex/app/config/install_json.py, `InstallJson.model`).

    target/tcex-venv/bin/python scripts/validate-install-json.py job/install.json [...]

Run it with the project's tcex environment (`scripts/setup.sh tcex` makes target/tcex-venv).
Prints `ok: PATH` per valid file, or each of pydantic's errors as `PATH: FIELD: MESSAGE`, and
exits 1 when any file fails. `--features` also checks that `features` is exactly what tcex's
packager writes for the App's runtime level (`InstallJsonModel.updated_features`).
"""

import json
import sys
from pathlib import Path


def validate(path: Path, check_features: bool) -> list[str]:
    """The problems tcex finds in one install.json (empty when it is valid)."""
    # Imported here so `--help` works without tcex.
    from pydantic import ValidationError
    from tcex.app.config.install_json import InstallJson
    from tcex.app.config.model.install_json_model import InstallJsonModel

    try:
        contents = json.loads(path.read_text(encoding='utf-8'))
    except (OSError, ValueError) as e:
        return [f'cannot read it as JSON: {e}']
    try:
        # InstallJson(...).model is InstallJsonModel(**contents): built the same way here, from the
        # file tcex would read, so a file InstallJson cannot read fails above instead of being
        # replaced by tcex's default "External App".
        ij = InstallJson(filename=path.name, path=path.parent)
        model = InstallJsonModel(**contents)
        assert ij.fqfn.resolve() == path.resolve()
    except ValidationError as e:
        return [f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in e.errors()]
    problems = []
    if check_features and sorted(model.features) != model.updated_features:
        problems.append(
            f'features: {sorted(model.features)} is not what tcex packages for a '
            f'{model.runtime_level} App: {model.updated_features}'
        )
    return problems


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != '--features']
    if not args or '-h' in args or '--help' in args:
        print(__doc__.strip())
        return 0 if args else 2
    failed = False
    for name in args:
        problems = validate(Path(name), '--features' in argv)
        for p in problems:
            print(f'{name}: {p}')
        if problems:
            failed = True
        else:
            print(f'ok: {name}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
