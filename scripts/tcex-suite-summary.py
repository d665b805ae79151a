"""The summary of a tcex suite run (scripts/tcex-suite.sh): reads pytest's junit XML and prints
"N of M in-scope tests pass", a table per tcex test module, and every failure with the first line
of its message (all of them also written to the failures file, one a line, for classifying).

    tcex-suite-summary.py JUNIT_XML FAILURES_TXT LABEL
"""

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def main(junit: str, failures_path: str, label: str) -> int:
    tree = ET.parse(junit)
    per_module = defaultdict(lambda: [0, 0, 0])  # passed, failed, skipped
    failures = []
    for case in tree.iter('testcase'):
        module = case.get('classname', '').rsplit('.', 1)[0] if '.Test' in case.get('classname', '') else case.get('classname', '')
        module = module.replace('tests.api.tc.', '')
        name = case.get('name', '')
        bad = case.find('failure')
        if bad is None:
            bad = case.find('error')
        if bad is not None:
            per_module[module][1] += 1
            first = (bad.get('message') or '').strip().splitlines()
            failures.append(f'{module}::{name}: {first[0][:300] if first else bad.tag}')
        elif case.find('skipped') is not None:
            per_module[module][2] += 1
        else:
            per_module[module][0] += 1
    passed = sum(v[0] for v in per_module.values())
    total = sum(v[0] + v[1] for v in per_module.values())
    skipped = sum(v[2] for v in per_module.values())
    width = max([len(m) for m in per_module] + [6])
    print(f'\n{"module":<{width}} passed failed skipped')
    for module in sorted(per_module):
        p, f, s = per_module[module]
        print(f'{module:<{width}} {p:>6} {f:>6} {s:>7}')
    print(f'\n{passed} of {total} in-scope tests pass ({skipped} skipped by tcex itself; {label})')
    with open(failures_path, 'w') as fh:
        for line in failures:
            fh.write(line + '\n')
    print(f'{len(failures)} failures, one a line, in {failures_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4]))
