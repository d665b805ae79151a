"""v2 batch through tcex's Batch module (submit_all: `POST /v2/batch/createAndUpload`, then polls
the job and reads its errors): what tcex's tests/api/tc/v2/batch/ assert."""

import itertools

import pytest

AREA = 'v2 batch'
_n = itertools.count(1)


def new_batch(tcex, **kw):
    b = tcex.api.tc.v2.batch(owner='Demo Org', **kw)
    # tcex sizes its first poll wait for a real instance (at least 5 s, 15 s when it cannot tell);
    # the sandbox completes a job in about half a second, so tcex finds it done at its first poll.
    b._poll_interval = 1
    return b


def submit(batch):
    status = batch.submit_all()
    batch.close()
    return status


@pytest.mark.fast
def test_address_with_attribute_label_and_tag(tcex):
    # test_indicator_interface_1.py, test_address: one indicator with attribute, a new security
    # label and a tag, submitted in one request; the job completes with one success.
    n = next(_n)
    batch = new_batch(tcex)
    xid = batch.generate_xid(['pytest', 'address', str(n)])
    ti = batch.address(ip=f'198.19.0.{n}', rating='5.0', confidence='100', xid=xid)
    ti.attribute(attr_type='Description', attr_value=f'Example #{n}', displayed=True)
    ti.security_label(name=f'PYTEST{n}', description='Pytest Label Description', color='ffc0cb')
    ti.tag(name=f'PyTest{n}')
    batch.save(ti)
    status = submit(batch)
    assert status[0].get('status') == 'Completed', status
    assert status[0].get('successCount') == 1, status


def test_groups_and_associations(tcex, v3):
    # test_batch_association.py / test_group_interface_*.py: groups by xid, an indicator
    # associated to a group, both created by one job.
    n = next(_n)
    batch = new_batch(tcex)
    grp = batch.incident(name=f'pytest incident {n}', event_date='2024-08-04T00:00:00Z',
                         xid=batch.generate_xid(['pytest', 'incident', str(n)]))
    grp.tag(name='PyTestBatch')
    ind = batch.host(hostname=f'batch-{n}.conformance.example', xid=batch.generate_xid(['pytest', 'host', str(n)]))
    ind.association(grp.xid)
    batch.save(grp)
    batch.save(ind)
    status = submit(batch)
    assert status[0].get('status') == 'Completed' and status[0].get('successCount') == 2, status
    groups = v3.groups(params={'tql': f'name = "pytest incident {n}"'})
    found = list(groups)
    assert len(found) == 1
    assert [i.model.summary for i in found[0].associated_indicators] == [f'batch-{n}.conformance.example']


def test_errors_are_reported(tcex):
    # test_batch.py: an invalid indicator makes the job complete with an error the module reads.
    batch = new_batch(tcex, halt_on_error=False)
    batch.save(batch.address(ip='not-an-address', xid='pytest-bad-address'))
    status = submit(batch)
    assert status[0].get('status') == 'Completed', status
    assert status[0].get('errorCount') == 1, status
    assert status[0].get('errors'), status


def test_delete_action(tcex, v3):
    # action Delete goes the old way (POST /v2/batch, then the data): the indicator is removed.
    n = next(_n)
    value = f'198.19.1.{n}'
    batch = new_batch(tcex)
    batch.save(batch.address(ip=value, xid=f'pytest-delete-{n}'))
    assert submit(batch)[0].get('successCount') == 1
    batch = new_batch(tcex, action='Delete')
    assert batch.action == 'Delete'
    batch.save(batch.address(ip=value, xid=f'pytest-delete-{n}'))
    status = submit(batch)
    assert status[0].get('status') == 'Completed', status
    assert list(v3.indicators(params={'tql': f'summary = "{value}"'})) == []
