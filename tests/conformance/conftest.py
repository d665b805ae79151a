"""The conformance run: ThreatConnect's own Python SDK, tcex (PyPI 5.0.0, a test dependency in
target/tcex-venv), drives the sandbox through its own client objects, and each test asserts what
tcex's own test suite (ThreatConnect-Inc/tcex, tests/api/tc/, written against ThreatConnect's lab
instance) asserts for the same operation. docs/conformance.md maps each tcex module to these tests.

The sandbox is the `tc-sandbox` binary (TC_SANDBOX_BIN, default target/debug/tc-sandbox, which
`make conformance` builds first), started once for the run on a free 127.0.0.1 port over a fresh
database (`--seed empty`: the owners Demo Org, Common Community and Threat Feed; tcex's tests' owner
"TCI" is Demo Org here), stopped and removed at the end.

Every test belongs to an area (its module's AREA). At the end the run prints one table per area
and classifies every failure: `known sandbox gap` (an xfail naming what the sandbox lacks; strict,
so a gap that closes fails until its mark is removed), or `sandbox` (an unexpected failure: the
sandbox answered what ThreatConnect does not). `-m fast` is the subset `make test` runs: one case
per endpoint and method.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER = 'Demo Org'
ACCESS_ID = 'conformance'
SECRET_KEY = 'conformance-secret'


def pytest_configure(config):
    config.addinivalue_line('markers', 'fast: the subset make test runs (one case per endpoint and method)')
    config._conformance = defaultdict(list)  # area -> [(test, outcome, class, detail)]


class Sandbox:
    """The tc-sandbox binary on a free loopback port, over a database of its own."""

    def __init__(self):
        binary = Path(os.environ.get('TC_SANDBOX_BIN', ROOT / 'target/debug/tc-sandbox'))
        if not binary.is_file():
            pytest.exit(f'{binary} not found: cargo build -p tc-sandbox --bin tc-sandbox (make conformance does)', 2)
        tmp_root = ROOT / 'target/tmp'
        tmp_root.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix='conformance-', dir=tmp_root))
        self.log = open(self.dir / 'sandbox.log', 'w+b')
        self.proc = subprocess.Popen(
            [str(binary), '--listen', '127.0.0.1:0', '--db', str(self.dir / 'sandbox.db'), '--seed', 'empty',
             '--access-id', ACCESS_ID, '--secret-key', SECRET_KEY],
            stdout=subprocess.PIPE, stderr=self.log, cwd=self.dir,
        )
        # The one line it prints once it listens: `listening on http://127.0.0.1:PORT`.
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith('listening on http://127.0.0.1:'):
            self.stop()
            pytest.exit(f'tc-sandbox did not start: {line!r}', 2)
        self.origin = line.split(' ', 2)[2]
        self.api = f'{self.origin}/api'

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='session')
def sandbox():
    sb = Sandbox()
    yield sb
    sb.stop()


@pytest.fixture(scope='session')
def tcex(sandbox):
    """One TcEx, configured as an App would be, pointed at the sandbox. Made in an empty working
    folder: tcex reads ./install.json, and the repository root's is Pivot's Spaces app."""
    from tcex import TcEx

    work = sandbox.dir / 'app'
    (work / 'log').mkdir(parents=True)
    old = os.getcwd()
    os.chdir(work)
    try:
        t = TcEx(config={
            'tc_api_path': sandbox.api,
            'tc_api_access_id': ACCESS_ID,
            'tc_api_secret_key': SECRET_KEY,
            'api_default_org': OWNER,
            'tc_owner': OWNER,
            'tc_log_path': str(work / 'log'),
            'tc_temp_path': str(work),
            'tc_out_path': str(work),
            'tc_in_path': str(work),
            'tc_log_level': 'warning',
            'tc_log_to_api': False,
            'tc_proxy_tc': False,
            'tc_proxy_external': False,
        })
        yield t
    finally:
        os.chdir(old)


@pytest.fixture(scope='session')
def v3(tcex):
    return tcex.api.tc.v3


@pytest.fixture(scope='session')
def v2(tcex):
    return tcex.api.tc.v2


@pytest.fixture(scope='session')
def session(tcex):
    """tcex's own signed session (HMAC), for the few requests tcex's tests make by hand."""
    return tcex.session.tc


def area_of(item) -> str:
    return getattr(item.module, 'AREA', item.module.__name__)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when != 'call' and not (rep.when == 'setup' and rep.outcome != 'passed'):
        return
    table = item.config._conformance
    name = item.name
    if hasattr(rep, 'wasxfail'):
        if rep.skipped:  # xfail that failed as expected
            table[area_of(item)].append((name, 'failed', 'known sandbox gap', rep.wasxfail))
        else:  # strict xfail that passed: reported as a failure by pytest
            table[area_of(item)].append((name, 'failed', 'gap closed: remove its xfail', rep.wasxfail))
    elif rep.failed:
        msg = str(rep.longrepr.reprcrash.message if hasattr(rep.longrepr, 'reprcrash') else rep.longrepr)
        table[area_of(item)].append((name, 'failed', 'sandbox', msg.splitlines()[0][:160] if msg else ''))
    elif rep.passed:
        table[area_of(item)].append((name, 'passed', '', ''))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    table = config._conformance
    if not table:
        return
    w = terminalreporter
    w.section('conformance: the sandbox driven by tcex 5.0.0, per area')
    total = defaultdict(int)
    w.line(f"{'area':<34} {'passed':>6} {'failed':>6}")
    for area in sorted(table):
        rows = table[area]
        p = sum(1 for r in rows if r[1] == 'passed')
        f = len(rows) - p
        total['passed'] += p
        total['failed'] += f
        w.line(f'{area:<34} {p:>6} {f:>6}')
    w.line(f"{'total':<34} {total['passed']:>6} {total['failed']:>6}")
    failures = [(a, r) for a in sorted(table) for r in table[a] if r[1] == 'failed']
    if failures:
        w.line('')
        w.line('every failure, classified:')
        for area, (name, _, cls, detail) in failures:
            w.line(f'  [{cls}] {area} :: {name}: {detail}')


@pytest.fixture
def api_options(session):
    """check_api_options with tcex's signed session."""
    return lambda obj, model, endpoint, renames: check_api_options(obj, model, session, endpoint, renames)


def check_api_options(obj, model, session, endpoint, renames):
    """What tcex's obj_api_options asserts (tests/api/tc/v3/v3_helpers.py): every name
    `OPTIONS {endpoint}/fields` lists, as tcex's test renames it, is a property of
    `OPTIONS {endpoint}?show=readOnly`; and each property agrees with tcex's model (which tcex
    generates from ThreatConnect's own answer): read-only where the model's field is frozen,
    updatable where it takes PUT. Without show=readonly no read-only property is listed."""
    props = obj.properties
    for f in obj.fields:
        for name in renames.get(f['name'], [f['name']]):
            assert name in props, f'{name} not in {sorted(props)}'
    want = {f.title: f for f in model.model_fields.values() if f.title not in ('id', 'webLink')}
    assert sorted(props) == sorted(want)
    for name, f in want.items():
        p = props[name]['data'][0] if 'data' in props[name] else props[name]
        assert p.get('readOnly', False) == bool(f.frozen), name
        assert p['updatable'] == ('PUT' in (f.json_schema_extra or {}).get('methods', [])), name
    writable = session.options(endpoint).json()
    assert sorted(writable) == sorted(n for n, f in want.items() if not f.frozen)
