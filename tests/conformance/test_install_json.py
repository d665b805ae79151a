"""ThreatConnect's tools accept Pivot's packages: the Job's install.json is what tcex validates and
packages; the Spaces app's install.json is checked against the documented deployment
configuration table, because tcex's model cannot take it as it is (below)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from tcex.app.config.model.install_json_model import InstallJsonModel

AREA = 'packages (install.json)'
ROOT = Path(__file__).resolve().parents[2]
JOB = ROOT / 'job/install.json'
SERVICE = ROOT / 'service/install.json'
SPACES = ROOT / 'install.json'


@pytest.mark.fast
def test_service_install_json_validates_with_tcex_model_and_features():
    # The API Service's install.json (packaged unchanged, crates/pivot-service/tests/it): valid
    # for InstallJsonModel, with the features tcex's packager writes for an ApiService App.
    r = subprocess.run(
        [sys.executable, str(ROOT / 'scripts/validate-install-json.py'), '--features', str(SERVICE)],
        capture_output=True, text=True, cwd=ROOT / 'target',
    )
    assert r.returncode == 0, r.stdout + r.stderr
    model = InstallJsonModel(**json.loads(SERVICE.read_text()))
    assert model.runtime_level == 'ApiService'
    assert model.display_path == 'pivot'
    assert sorted(model.features) == model.updated_features == ['fileParams', 'redisPasswordSupport']


@pytest.mark.fast
def test_service_docs_judge_every_argument_of_the_api_service_model():
    # docs/service.md's table says what the service does with each argument tcex's input model
    # defines for runtimeLevel ApiService (model_map's runtime_level_map): an argument a later
    # tcex adds fails here until the table judges it. `batch_*` covers its prefix.
    from tcex.input.model.model_map import runtime_level_map

    doc = (ROOT / 'docs/service.md').read_text()
    table = doc.split('## Every argument of the API Service model', 1)[1].split('\n## ', 1)[0]
    first_cells = [line.split(' | ')[0] for line in table.splitlines() if line.startswith('| `')]
    named = set(re.findall(r'`([a-z_]+)\*?`', ' '.join(first_cells)))
    fields = runtime_level_map['apiservice'].model_fields
    missing = sorted(f for f in fields if f not in named and not any(n.endswith('_') and f.startswith(n) for n in named))
    assert not missing, f'docs/service.md does not say what the service does with {missing}'
    extra = sorted(n for n in named if not n.endswith('_') and n not in fields)
    assert not extra, f'docs/service.md judges arguments tcex does not define: {extra}'


@pytest.mark.fast
def test_job_install_json_validates_with_tcex_model_and_features():
    # What `tcex validate` checks: the file loaded into InstallJsonModel, through the project's
    # script (the same one other packages use), features included.
    r = subprocess.run(
        [sys.executable, str(ROOT / 'scripts/validate-install-json.py'), '--features', str(JOB)],
        capture_output=True, text=True, cwd=ROOT / 'target',
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == f'ok: {JOB}'
    model = InstallJsonModel(**json.loads(JOB.read_text()))
    # `features` is what tcex's packager writes for a Job (runtimeLevel Organization) App:
    # InstallJsonModel.updated_features, the same list the packager computes.
    assert model.runtime_level == 'Organization'
    assert sorted(model.features) == model.updated_features == ['fileParams', 'redisPasswordSupport']


@pytest.mark.fast
def test_validator_refuses_what_tcex_refuses(tmp_path):
    # The script fails the way tcex does: without features, and with them wrong for the App type.
    bad = json.loads(JOB.read_text())
    del bad['features']
    (tmp_path / 'install.json').write_text(json.dumps(bad))
    r = subprocess.run([sys.executable, str(ROOT / 'scripts/validate-install-json.py'), str(tmp_path / 'install.json')],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and 'features: Field required' in r.stdout, r.stdout
    bad['features'] = ['appBuilderCompliant']  # a Playbook feature
    (tmp_path / 'install.json').write_text(json.dumps(bad))
    r = subprocess.run([sys.executable, str(ROOT / 'scripts/validate-install-json.py'), '--features', str(tmp_path / 'install.json')],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 1 and 'is not what tcex packages' in r.stdout, r.stdout


# ThreatConnect's deployment configuration (install.json) table, for a Spaces app: the required
# fields and their types; the optional ones; the param fields and types.
SPACES_REQUIRED = {
    'allowOnDemand': bool, 'displayName': str, 'params': list, 'programLanguage': str,
    'programMain': str, 'programVersion': str, 'runtimeLevel': str,
}
SPACES_OPTIONAL = {'runtimeContext', 'programIcon', 'listDelimiter', 'minServerVersion', 'languageVersion',
                   'apiUserTokenParam', 'note'}
PARAM_FIELDS = {'name', 'label', 'type', 'encrypt', 'hidden', 'allowMultiple', 'default', 'required', 'sequence',
                'validValues', 'note', 'viewRows'}
PARAM_TYPES = {'Boolean', 'Choice', 'EditChoice', 'KeyValueList', 'MultiChoice', 'String', 'StringMixed'}
CONTEXT_TYPES = {'Address', 'EmailAddress', 'File', 'Host', 'URL', 'ASN', 'CIDR', 'Mutex', 'RegistryKey', 'UserAgent',
                 'Adversary', 'AttackPattern', 'Campaign', 'CourseOfAction', 'Document', 'Email', 'Event', 'Incident',
                 'IntrusionSet', 'Malware', 'Report', 'Signature', 'Tactic', 'Threat', 'Tool', 'Vulnerability', 'Victim'}


@pytest.mark.fast
def test_spaces_install_json_follows_the_deployment_configuration_table():
    ij = json.loads(SPACES.read_text())
    for k, t in SPACES_REQUIRED.items():
        assert isinstance(ij.get(k), t), f'{k} missing or not {t.__name__}'
    assert set(ij) <= set(SPACES_REQUIRED) | SPACES_OPTIONAL, set(ij) - set(SPACES_REQUIRED) - SPACES_OPTIONAL
    assert ij['programLanguage'] == 'NONE' and ij['runtimeLevel'] == 'SpaceOrganization'
    assert ij['programMain'] == 'ui/index.html'
    assert [int(x) for x in ij['programVersion'].split('.')] and len(ij['programVersion'].split('.')) == 3
    assert set(ij['runtimeContext']) <= CONTEXT_TYPES
    seqs = [p['sequence'] for p in ij['params']]
    assert len(set(seqs)) == len(seqs)
    for p in ij['params']:
        assert set(p) <= PARAM_FIELDS, set(p) - PARAM_FIELDS
        assert p['type'] in PARAM_TYPES and p['name'] and p['label']


@pytest.mark.fast
def test_tcex_model_needs_what_a_spaces_app_does_not_have():
    # tcex's InstallJsonModel is a model of Python/Java Apps: it requires languageVersion (the
    # Python a Job runs under), which a programLanguage NONE app has none of, and features. Those
    # two, and only those, are what it finds missing in the Spaces install.json: everything the
    # documented table asks for it accepts.
    ij = json.loads(SPACES.read_text())
    with pytest.raises(ValidationError) as e:
        InstallJsonModel(**ij)
    assert sorted(err['loc'][0] for err in e.value.errors()) == ['features', 'languageVersion']
