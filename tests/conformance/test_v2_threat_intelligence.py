"""v2 threat intelligence through tcex's ThreatIntelligence module (tcex.api.tc.v2.ti): what
tcex's tests/api/tc/v2/threat_intelligence/ (ti_helper.py and the per-type test modules) assert,
and the v2 owners list the module and its tests resolve owners through."""

import itertools

import pytest

AREA = 'v2 threat intelligence'
OWNER = 'Demo Org'
_n = itertools.count(1)


@pytest.mark.fast
def test_owners(session):
    # tests/conftest.py resolves owner ids by name through GET /v2/owners.
    r = session.get('/v2/owners')
    assert r.status_code == 200
    names = [o['name'] for o in r.json()['data']['owner']]
    assert names == ['Demo Org', 'Common Community', 'Threat Feed']


@pytest.mark.fast
def test_address_create_single_tag_label_attribute_delete(v2):
    # test_address_interface.py tests_ti_address_create, ti_helper indicator_add_tag /
    # indicator_add_label / indicator_add_attribute / indicator_delete.
    ip = f'198.20.0.{next(_n)}'
    data = {'ip': ip, 'confidence': 40, 'owner': OWNER, 'rating': 3}
    ti = v2.ti.address(**data)
    r = ti.create()
    assert r.status_code == 201
    got = v2.ti.address(**data).single()
    body = got.json()
    assert got.status_code == 200 and body.get('status') == 'Success'
    entity = body['data']['address']
    assert (entity['ip'], entity['confidence'], entity['rating']) == (ip, 40, 3)
    r = ti.add_tag('pytest tag')
    assert r.status_code == 201 and r.json().get('status') == 'Success'
    r = ti.add_label(label='TLP:GREEN')
    assert r.status_code == 201 and r.json().get('status') == 'Success'
    r = ti.add_attribute(attribute_type='Description', attribute_value='pytest attribute')
    assert r.status_code == 201 and r.json().get('status') == 'Success'
    r = ti.delete()
    assert r.status_code == 200 and r.json().get('status') == 'Success'


def test_email_subject_custom_type(v2):
    # test_email_subject_interface.py: Email Subject is a custom type every instance has; tcex
    # builds its ti.email_subject from /v2/types/indicatorTypes.
    subject = f'pytest subject {next(_n)}'
    ti = v2.ti.email_subject(subject=subject, confidence=10, owner=OWNER, rating=1)
    assert ti.create().status_code == 201
    r = v2.ti.email_subject(subject=subject, owner=OWNER).single()
    assert r.status_code == 200 and r.json()['data'][ti.api_entity]['Subject'] == subject


@pytest.mark.fast
def test_group_create_tag_delete(v2):
    # ti_helper create_group, group_add_tag, group_delete (test_incident_interface.py and others).
    ti = v2.ti.group(group_type='Incident', name=f'pytest incident {next(_n)}', owner=OWNER, event_date='2024-08-04T00:00:00Z')
    r = ti.create()
    assert r.status_code == 201 and r.json().get('status') == 'Success'
    r = ti.add_tag('pytest group tag')
    assert r.status_code == 201
    r = ti.delete()
    assert r.status_code == 200


def test_task_tags_attributes_labels_assignees(v2):
    # test_task_interface.py: create (201), add attribute / label / tag (201, Success), the task
    # with its attributes, labels and tags included, list each; assignees and escalatees as tcex's
    # Task calls them (tcex_ti_tc_request.py `assignee`, `escalatee`).
    ti = v2.ti.task(name=f'pytest task {next(_n)}', owner=OWNER)
    r = ti.create()
    assert r.status_code == 201
    for r in (ti.add_tag('pytest task tag'), ti.add_attribute(attribute_type='Description', attribute_value='task attribute'),
              ti.add_label(label='TLP:GREEN')):
        assert (r.status_code, r.json().get('status')) == (201, 'Success'), r.text
    r = ti.single(params={'includes': ['additional', 'attributes', 'labels', 'tags']})
    task = r.json()['data']['task']
    assert task['attribute'][0]['value'] == 'task attribute'
    assert task['securityLabel'][0]['name'] == 'TLP:GREEN'
    assert [t['name'] for t in task['tag']] == ['pytest task tag']
    assert [a['value'] for a in ti.attributes()] == ['task attribute']
    assert [label['name'] for label in ti.labels()] == ['TLP:GREEN']
    assert [t['name'] for t in ti.tags()] == ['pytest task tag']
    assert ti.add_assignee('conformance').ok
    assert ti.add_escalatee('analyst@demo.example').ok
    assert [u['userName'] for u in ti.assignees()] == ['conformance']
    assert [u['userName'] for u in ti.escalatees()] == ['analyst@demo.example']
    assert ti.delete_assignee('conformance').ok
    assert list(ti.assignees()) == []
    assert ti.delete().status_code == 200


def test_report_publish_date_update(v2, session):
    # test_report_interface.py tests_ti_report_file_published_date_update: Report.publish_date
    # PUTs publishDate (with the fileName) and the answer carries the new date.
    ti = v2.ti.report(name=f'conformance report {next(_n)}', file_name='q3.pdf', owner=OWNER)
    r = ti.create()
    assert r.status_code == 201
    entity = r.json()['data']['report']
    assert entity['fileName'] == 'q3.pdf'
    r = ti.publish_date('2026-12-05T08:30:00')
    assert r.status_code == 200, r.text
    assert r.json()['data']['report']['publishDate'][:10] == '2026-12-05'
    got = session.get(f'/v2/groups/reports/{entity["id"]}').json()['data']['report']
    assert (got['publishDate'], got['fileName']) == ('2026-12-05T08:30:00Z', 'q3.pdf')
    # Not a date: refused, and the stored one kept.
    r = session.put(f'/v2/groups/reports/{entity["id"]}', json={'publishDate': 'yesterday-ish'})
    assert r.status_code == 400
    assert session.get(f'/v3/groups/{entity["id"]}').json()['data']['publishDate'] == '2026-12-05T08:30:00Z'
